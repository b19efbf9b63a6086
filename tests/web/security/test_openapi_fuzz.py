"""Schemathesis over the whole API schema: no 5xx, and every answer (status, content type,
headers, body) as the schema documents it.

Each operation is called with the API token of the role it is for (a physician for the
ledger, the organisation's admin for rosters, the provider's admin for PARS), so CSRF does
not stand in the way, and most generated cases name side A's real records, so they get
past the 404 into the handlers. "Schema-valid data is accepted" is left out, as in the
per-area runs: a change needs the current ETag, and some rules (a DEA check digit, a
licence that ends before it starts) cannot be written as a schema.
"""

from __future__ import annotations

import os
import zlib
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from pydantic import SecretStr
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    positive_data_acceptance,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.core.result import Ok

from cmeledger.server.app import create_app
from cmeledger.settings import Settings
from cmeledger.storage.ledger import Store
from tests.mail.smtp_server import local_smtp
from tests.web.accounts import sign_in
from tests.web.security.routes import IDS, QUERY_IDS, endpoints
from tests.web.security.world import World, api_token

SQLITE = not os.environ.get("CMELEDGER_TEST_DATABASE_URL")
PROBLEM = "application/problem+json"


def misdocumented_errors(document: dict[str, Any]) -> dict[str, list[str]]:
    """Operations whose documented error answers do not say problem+json, as sent."""
    found: dict[str, list[str]] = {}
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for code, answer in operation["responses"].items():
                if code[0] in "45" and PROBLEM not in (answer.get("content") or {}):
                    found.setdefault(f"{method.upper()} {path}", []).append(code)
    return found


EXAMPLES = 25
# schemathesis gives up on an answer after 10 s; the audit packet, rendering generated text in
# fonts that lack its glyphs, took longer than that once on a loaded 2-core CI machine.
TIMEOUT = 60
# Each of these renders a PDF or reads a workbook: a few cases say enough.
FEW = {"/api/v1/physicians/{physician_id}/audit-packet.pdf": 5}
REQUIRED = (
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
    content_type_conformance,
)


def role_of(path: str) -> str:
    if path.startswith("/api/v1/pars/"):
        return "provider_admin"
    if path.startswith("/api/v1/organisations/"):
        return "org_admin"
    return "physician"


def mostly(case: Any) -> bool:
    """Three cases in four name real records; which ones is fixed by the case itself."""
    return zlib.crc32(repr((case.path_parameters, case.query)).encode()) % 4 != 0


@pytest.fixture
def mailing_app(fresh_store: Store, web_settings: Settings) -> Iterator[FastAPI]:
    """The app with a mail server on loopback, so that sending reminders can work."""
    with local_smtp() as smtp:
        settings = web_settings.model_copy(update={"smtp_url": SecretStr(smtp.url)})
        yield create_app(fresh_store, settings, background=False)


def fuzz(operation: Any, token: str, world: World) -> None:
    """Hypothesis's run of one operation; raises what it found."""
    path = operation.path
    headers = {"Authorization": f"Bearer {token}"}
    own = {name: pick(world.a, path)[0] for name, pick in IDS.items()}
    own_query = {name: pick(world.a, path)[0] for name, pick in QUERY_IDS.items()}

    @given(case=operation.as_strategy())
    @settings(
        max_examples=FEW.get(path, EXAMPLES), suppress_health_check=list(HealthCheck), deadline=None
    )
    def check(case: Any) -> None:
        if mostly(case):
            for param in case.path_parameters or {}:
                case.path_parameters[param] = own.get(param, case.path_parameters[param])
            for param in case.query or {}:
                case.query[param] = own_query.get(param, case.query[param])
        case.call_and_validate(
            headers=headers,
            timeout=TIMEOUT,
            additional_checks=list(REQUIRED),
            excluded_checks=[positive_data_acceptance],
        )

    check()


def _said(exc: BaseException) -> str:
    """The failure and, for a group (Hypothesis's flaky-failure report), what is inside it."""
    if isinstance(exc, BaseExceptionGroup):
        inner = "; ".join(_said(e) for e in exc.exceptions)
        return f"{exc} [{inner}]"
    return f"{type(exc).__name__}: {exc}"


def test_it_answers_every_generated_request_to_every_operation_as_documented(
    mailing_app: FastAPI, fresh_store: Store, world: World
) -> None:
    app = mailing_app
    tokens = {
        role: api_token(fresh_store, email)
        for role, email in world.emails().items()
        if role in ("physician", "org_admin", "provider_admin")
    }
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", app)
    found = list(schema.get_all_operations())
    operations = [r.ok() for r in found if isinstance(r, Ok)]
    assert len(operations) == len(found) == len([e for e in endpoints(app) if e.api])
    failures: list[str] = []
    for operation in operations:
        name = f"{operation.method.upper()} {operation.path}"
        token = tokens[role_of(operation.path)]
        try:
            fuzz(operation, token, world)
        except (Exception, BaseExceptionGroup) as exc:  # every operation is tried
            failures.append(f"{name}: {_said(exc)}")
    assert not failures, f"{len(failures)} operations failed:\n\n" + "\n\n".join(failures)


def test_it_gives_review_items_a_creation_time_with_its_time_zone(
    client: TestClient, world: World
) -> None:
    sign_in(client, world.a.tenant.email)
    base = f"/api/v1/physicians/{world.a.tenant.physician_id}/review"
    for answer in (
        client.get(base).json()["items"][0],
        client.get(f"{base}/{world.a.item_id}").json(),
    ):
        assert datetime.fromisoformat(answer["created_at"]).tzinfo is not None


def test_it_documents_every_error_answer_as_problem_json(client: TestClient) -> None:
    assert misdocumented_errors(client.get("/api/openapi.json").json()) == {}
