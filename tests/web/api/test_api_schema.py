"""Schemathesis over the physician-ledger endpoints as a signed-in physician: no 5xx, and
every answer (status, content type, body, headers) as the OpenAPI schema documents it.

"Schema-valid data is accepted" is left out: a change needs the current ETag (412/428),
and some rules cannot be written as a schema (a DEA number's check digit, a licence that
ends before it was issued), so valid-looking data may still get a 422 that says why.
"""

from __future__ import annotations

from typing import Any

import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import positive_data_acceptance
from schemathesis.core.result import Ok

from cmeledger.actions import accounts
from cmeledger.storage.ledger import Store
from tests.web.accounts import OWNER, Tenant

LEDGER_PATHS = r"^/api/v1/(rules|physicians(?!/\{physician_id\}/(audit-packet|organisations)))"


def _token(store: Store, tenant: Tenant) -> str:
    with store.ledger(OWNER) as ledger:
        found = ledger.accounts.by_email(tenant.email)
        assert found is not None
        _, secret = accounts.create_token(ledger, found[0], "schemathesis")
    return secret


def test_it_answers_every_generated_ledger_request_as_documented_without_a_5xx(
    app: FastAPI, fresh_store: Store, tenant: Tenant, other_tenant: Tenant
) -> None:
    headers = {"Authorization": f"Bearer {_token(fresh_store, tenant)}"}
    own = {
        "physician_id": tenant.physician_id,
        "license_id": tenant.license_id,
        "certification_id": tenant.certification_id,
        "registration_id": tenant.dea_id,
        "credit_id": tenant.completion_id,
    }
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", app)
    found = list(schema.include(path_regex=LEDGER_PATHS).get_all_operations())
    operations = [r.ok() for r in found if isinstance(r, Ok)]
    assert len(operations) == len(found) == 38
    failures: list[str] = []
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=25, suppress_health_check=list(HealthCheck), deadline=None)
        def check(case: Any) -> None:
            # most cases name the tenant's own records, so they reach past the 404
            params = case.path_parameters or {}
            if len(repr(params)) % 4:
                params.update({k: str(v) for k, v in own.items() if k in params})
            case.call_and_validate(headers=headers, excluded_checks=[positive_data_acceptance])

        try:
            check()
        except Exception as exc:  # every operation is tried; all failures are reported
            failures.append(f"{operation.method.upper()} {operation.path}: {exc}")
    assert not failures, "\n\n".join(failures)
