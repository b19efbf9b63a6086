"""Schemathesis over the organisation endpoints as an org admin: no 5xx, every answer as
documented (including problem+json for 403, 404, 422, 502 and 503)."""

from __future__ import annotations

from typing import Any

import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import positive_data_acceptance
from schemathesis.core.result import Ok

from cmeledger.actions import accounts
from cmeledger.storage.ledger import Store
from tests.mail.smtp_server import LocalSmtp
from tests.web.accounts import OWNER
from tests.web.organisation.builders import a_member, an_organisation

PATHS = "^/api/v1/(organisations/|physicians/[^/]+/organisations)"


def test_it_answers_every_generated_organisation_request_as_documented(
    app: FastAPI, fresh_store: Store, smtp: LocalSmtp
) -> None:
    ann = a_member(fresh_store, "Ann", "Able", serial=51)
    org = an_organisation(fresh_store, "Schema Clinic", ann)
    with fresh_store.ledger(OWNER) as ledger:
        found_user = ledger.accounts.by_email(org.admin_email)
        assert found_user is not None
        _, secret = accounts.create_token(ledger, found_user[0], "schemathesis")
    headers = {"Authorization": f"Bearer {secret}"}
    real = {"organisation_id": str(org.id), "physician_id": str(ann.physician_id)}
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", app)
    operations = []
    for result in schema.include(path_regex=PATHS).get_all_operations():
        assert isinstance(result, Ok), result
        operations.append(result.ok())
    assert len(operations) == 6
    failures: list[str] = []
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=20, suppress_health_check=list(HealthCheck), deadline=None)
        def check(case: Any) -> None:
            # half the cases use the real ids, so they reach past the 404
            if case.path_parameters and len(repr(case.path_parameters)) % 2:
                for name in case.path_parameters:
                    case.path_parameters[name] = real.get(name, case.path_parameters[name])
            case.call_and_validate(headers=headers, excluded_checks=[positive_data_acceptance])

        try:
            check()
        except Exception as exc:  # every operation is tried; all failures are reported
            failures.append(f"{operation.method.upper()} {operation.path}: {exc}")
    assert not failures, "\n\n".join(failures)
