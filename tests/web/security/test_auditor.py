"""Auditors: every view is in the audit log, and nothing can be changed.

An auditor of A's organisation reads the ledgers of the members who share (A). Each GET
that shows a ledger leaves one `auditor.viewed` entry naming the method and path; every
unsafe endpoint is refused (403, or 404 for what is out of reach) and changes nothing.
"""

from __future__ import annotations

import json

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from cmeledger.audit import events
from cmeledger.storage.ledger import Store
from tests.web.accounts import sign_in
from tests.web.security.routes import NOT_SWEPT, UNSAFE, Body, bodies, endpoints, plain_url
from tests.web.security.world import World, api_token, audit_entries, snapshot

# Reads that show no ledger: the reference rules, the auditor's own account, the
# dashboard's redirect to the roster.
NOT_A_LEDGER = {
    ("GET", "/api/v1/me"),
    ("GET", "/api/v1/tokens"),
    ("GET", "/api/v1/rules"),
    ("GET", "/api/v1/rules/{rule_key}"),
    ("GET", "/rules"),
    ("GET", "/"),
}
# The auditor's own sign-in and API tokens: theirs to manage, no one's ledger.
OWN_ACCOUNT = {
    ("POST", "/api/v1/tokens"),
    ("DELETE", "/api/v1/tokens/{token_id}"),
    ("POST", "/account/tokens"),
    ("POST", "/account/tokens/{token_id}/revoke"),
    ("POST", "/exports/calendar"),
}


def views(store: Store, email: str) -> list[tuple[str, str]]:
    """(method, path) of each view logged for this auditor, oldest first."""
    found = []
    for entry in audit_entries(store):
        if entry.action == events.AUDITOR_VIEWED and entry.actor == f"user:{email}":
            details = json.loads(entry.details)
            found.append((details["method"], details["path"]))
    return found


@pytest.mark.parametrize("via", ["cookie", "token"])
def test_it_logs_every_ledger_view_of_an_auditor(
    via: str, app: FastAPI, client: TestClient, fresh_store: Store, world: World
) -> None:
    email = world.a.auditor_email
    if via == "cookie":
        sign_in(client, email)
    else:
        client.headers["Authorization"] = f"Bearer {api_token(fresh_store, email)}"
    failures: list[str] = []
    shown = 0
    for endpoint in endpoints(app):
        if endpoint.method != "GET" or endpoint.key in NOT_SWEPT.keys() | NOT_A_LEDGER:
            continue
        if via == "token" and not endpoint.api:
            continue
        url = plain_url(endpoint, world.a)
        before = len(views(fresh_store, email))
        answer = client.get(url, follow_redirects=False)
        if answer.status_code != 200:
            continue  # out of the auditor's reach (PARS, delegates): see the test below
        shown += 1
        logged = views(fresh_store, email)[before:]
        path = url.split("?")[0]
        if logged != [("GET", path)]:
            failures.append(f"GET {url} showed a ledger and logged {logged}")
    assert shown >= (20 if via == "token" else 30)
    assert not failures, "\n".join(failures)


def test_it_logs_an_auditors_refused_views_too(
    client: TestClient, fresh_store: Store, world: World
) -> None:
    sign_in(client, world.a.auditor_email)
    url = f"/api/v1/physicians/{world.b.tenant.physician_id}/credits"
    assert client.get(url).status_code == 404
    assert views(fresh_store, world.a.auditor_email) == [("GET", url)]


def test_it_lets_an_auditor_change_nothing(
    app: FastAPI, client: TestClient, fresh_store: Store, world: World
) -> None:
    sign_in(client, world.a.auditor_email)
    before = snapshot(fresh_store, world.a), snapshot(fresh_store, world.b)
    known = bodies(world)
    failures: list[str] = []
    tried = 0
    for endpoint in endpoints(app):
        if endpoint.method not in UNSAFE or endpoint.key in NOT_SWEPT.keys() | OWN_ACCOUNT:
            continue
        body = known.get(endpoint.key, Body())
        answer = client.request(
            endpoint.method,
            plain_url(endpoint, world.a),
            json=body.json,
            data=body.data,
            files=body.files,
            headers=body.headers,
            follow_redirects=False,
        )
        tried += 1
        if answer.status_code not in (403, 404):
            failures.append(f"{endpoint} -> {answer.status_code}: {answer.text[:200]}")
    assert tried >= 30
    assert not failures, "\n".join(failures)
    assert (snapshot(fresh_store, world.a), snapshot(fresh_store, world.b)) == before


def test_it_lets_an_auditor_manage_only_their_own_tokens(
    client: TestClient, fresh_store: Store, world: World
) -> None:
    sign_in(client, world.a.auditor_email)
    before = snapshot(fresh_store, world.a), snapshot(fresh_store, world.b)
    made = client.post("/api/v1/tokens", json={"name": "audit script"})
    assert made.status_code == 201
    assert client.delete(f"/api/v1/tokens/{made.json()['id']}").status_code == 204
    assert client.delete(f"/api/v1/tokens/{world.a.token_id}").status_code == 404
    page = client.post(f"/account/tokens/{world.a.token_id}/revoke", follow_redirects=False)
    assert page.status_code == 404
    assert (snapshot(fresh_store, world.a), snapshot(fresh_store, world.b)) == before
