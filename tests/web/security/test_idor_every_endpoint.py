"""Tenant isolation on every endpoint, generated from the app's routes.

Each role of tenant A signs in and aims every endpoint (API and portal, every method) at
tenant B: B's id in each path parameter by name, every mix of A's and B's ids when a path
names several records, and B's id in each query parameter that names a record. The answer
must be 404 (or 403 when the role is refused before anything is looked up), exactly what
the same request gets for ids that name nothing (so no answer tells that B's record
exists), and must show nothing of B's. Every endpoint is also called on A's own records
and must show nothing of B's either. Afterwards B's records are as they were.
"""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx import Response

from cmeledger.audit import events
from cmeledger.storage.ledger import Store
from tests.web.accounts import sign_in
from tests.web.security.routes import (
    NOT_OURS,
    NOT_SWEPT,
    UNSAFE,
    Body,
    Endpoint,
    aims,
    bodies,
    endpoints,
    other_routes,
    plain_url,
    unclassified,
)
from tests.web.security.world import MARK, World, audit_entries, snapshot

ROLES = ("physician", "delegate", "org_admin", "auditor", "provider_admin")
REFUSED = frozenset({403, 404})


def call(client: TestClient, endpoint: Endpoint, url: str, body: Body | None) -> Response:
    body = body or Body()
    answer: Response = client.request(
        endpoint.method,
        url,
        json=body.json,
        data=body.data,
        files=body.files,
        headers=body.headers,
        follow_redirects=False,
    )
    return answer


def leaked(answer: Response, world: World, sent: tuple[str, ...] = ()) -> list[str]:
    """B's names, ids or numbers in the answer (its body or headers), except the ids the
    request itself carried, which an answer may echo ("no physician <id>")."""
    text = answer.text + "\n" + "\n".join(f"{k}: {v}" for k, v in answer.headers.items())
    for value in sorted(sent, key=len, reverse=True):
        text = text.replace(value, "")
    found = [MARK] if MARK in text.lower() else []
    return found + [s for s in (*world.b.ids(), *world.b.numbers) if s and s in text]


def moved_aside(endpoint: Endpoint, answer: Response, twin: Response) -> bool:
    """A read redirected to the same place as a request for ids that name nothing."""
    return (
        endpoint.method == "GET"
        and answer.is_redirect
        and twin.is_redirect
        and answer.headers["location"] == twin.headers["location"]
    )


def test_it_classifies_every_parameter_of_every_endpoint(app: FastAPI, world: World) -> None:
    found = endpoints(app)
    assert len(found) > 90, "the route walk found too few endpoints"
    problems = [f"{e}: {', '.join(unclassified(e))}" for e in found if unclassified(e)]
    known = bodies(world)
    problems += [
        f"{e}: no request body listed in routes.bodies()"
        for e in found
        if e.method in UNSAFE and e.key not in known and e.key not in NOT_SWEPT
    ]
    problems += [f"{path}: not ours and not listed" for path in other_routes(app)]
    problems = [p for p in problems if p.split(":")[0] not in NOT_OURS]
    stale = set(known) - {e.key for e in found}
    assert not problems and not stale, "\n".join([*problems, *map(str, stale)])


def test_it_documents_every_api_endpoint_in_the_openapi_schema(
    app: FastAPI, client: TestClient
) -> None:
    """The schemathesis run covers the schema, so the schema must hold every API route."""
    schema = client.get("/api/openapi.json").json()
    documented = {(m.upper(), p) for p, ops in schema["paths"].items() for m in ops}
    routed = {e.key for e in endpoints(app) if e.api}
    assert routed == documented


@pytest.mark.parametrize("role", ROLES)
def test_it_gives_another_tenants_ids_404_on_every_endpoint_and_shows_none_of_its_data(
    role: str, app: FastAPI, client: TestClient, fresh_store: Store, world: World
) -> None:
    before = snapshot(fresh_store, world.b)
    sign_in(client, world.emails()[role])
    known = bodies(world)
    failures: list[str] = []
    tried = 0
    for endpoint in endpoints(app):
        if endpoint.key in NOT_SWEPT:
            continue
        body = known.get(endpoint.key)
        for aim in aims(endpoint, world.a, world.b):
            tried += 1
            answer = call(client, endpoint, aim.url, body)
            twin = call(client, endpoint, aim.twin, body)
            where = f"{endpoint.method} {aim.url}"
            if moved_aside(endpoint, answer, twin):
                pass  # sent to the role's home page whatever the id: nothing was looked up
            elif answer.status_code not in REFUSED:
                failures.append(f"{where} -> {answer.status_code}: {answer.text[:300]}")
            elif answer.status_code != twin.status_code:
                failures.append(
                    f"{where} -> {answer.status_code}, but {twin.status_code} for ids that "
                    "name nothing: the answer tells that B's record exists"
                )
            if found := leaked(answer, world, aim.sent):
                failures.append(f"{where} shows B's {found}")
    assert tried > 100
    assert not failures, f"{len(failures)} failures as {role}:\n" + "\n".join(failures)
    assert snapshot(fresh_store, world.b) == before


@pytest.mark.parametrize("role", ROLES)
def test_it_shows_none_of_another_tenants_data_on_any_page_of_ones_own(
    role: str, app: FastAPI, client: TestClient, world: World
) -> None:
    """Every read (lists, dashboards, rosters, consoles, exports) on A's own records."""
    sign_in(client, world.emails()[role])
    failures: list[str] = []
    statuses: set[int] = set()
    for endpoint in endpoints(app):
        if endpoint.method != "GET" or endpoint.key in NOT_SWEPT:
            continue
        url = plain_url(endpoint, world.a)
        answer = call(client, endpoint, url, None)
        statuses.add(answer.status_code)
        if answer.status_code >= 500:
            failures.append(f"GET {url} -> {answer.status_code}: {answer.text[:300]}")
        if found := leaked(answer, world):
            failures.append(f"GET {url} shows B's {found}")
    assert 200 in statuses
    assert not failures, f"{len(failures)} failures as {role}:\n" + "\n".join(failures)


def test_it_refuses_to_revoke_a_delegate_of_another_tenant_from_the_account_page(
    client: TestClient, fresh_store: Store, world: World
) -> None:
    sign_in(client, world.a.tenant.email)
    before = snapshot(fresh_store, world.b)
    answer = client.post(f"/account/delegates/{world.b.delegate_id}/revoke", follow_redirects=False)
    assert snapshot(fresh_store, world.b) == before  # B's delegation itself is safe
    revoked = [e for e in audit_entries(fresh_store) if e.action == events.DELEGATION_REVOKED]
    assert (answer.status_code, revoked) == (404, [])
