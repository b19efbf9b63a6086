"""Schemathesis over the PARS endpoints as their provider's admin: no 5xx, every answer as
documented. Schema-valid data may still break PARS's rules (a 422 listing them), so the
"positive data accepted" check is left out."""

from __future__ import annotations

from typing import Any

import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import positive_data_acceptance
from schemathesis.core.result import Ok

from cmeledger.actions import accounts
from cmeledger.storage.ledger import Store
from tests.web.accounts import OWNER
from tests.web.pars.builders import Admin


def _token(store: Store, admin: Admin) -> str:
    with store.ledger(OWNER) as ledger:
        found = ledger.accounts.by_email(admin.email)
        assert found is not None
        _, secret = accounts.create_token(ledger, found[0], "schemathesis")
    return secret


def test_it_answers_every_generated_pars_request_as_documented_without_a_5xx(
    app: FastAPI, fresh_store: Store, admin: Admin
) -> None:
    headers = {"Authorization": f"Bearer {_token(fresh_store, admin)}"}
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", app)
    found = list(schema.include(path_regex="^/api/v1/pars/").get_all_operations())
    operations = [r.ok() for r in found if isinstance(r, Ok)]
    assert len(operations) == len(found) == 12
    failures: list[str] = []
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=25, suppress_health_check=list(HealthCheck), deadline=None)
        def check(case: Any) -> None:
            # half the cases name the admin's own provider, so they reach past the 404
            if "prov" in (case.path_parameters or {}) and len(repr(case.path_parameters)) % 2:
                case.path_parameters["prov"] = str(admin.provider.id)
            case.call_and_validate(headers=headers, excluded_checks=[positive_data_acceptance])

        try:
            check()
        except Exception as exc:  # every operation is tried; all failures are reported
            failures.append(f"{operation.method.upper()} {operation.path}: {exc}")
    assert not failures, "\n\n".join(failures)
