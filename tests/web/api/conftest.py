"""Fixtures for the REST API tests: signed-in clients of each role, and certificate files."""

from __future__ import annotations

from datetime import date

import pytest
from fastapi.testclient import TestClient

from cmeledger.actions.accounts import Role, create_user, grant_delegate, join_organisation
from cmeledger.actions.accounts import set_sharing as share
from cmeledger.storage.ledger import Store
from tests.importers.certificates.builders import certificate_pdf
from tests.web.accounts import OWNER, PASSWORD, Tenant, sign_in

API = "/api/v1"


def physician_url(tenant: Tenant, rest: str = "") -> str:
    return f"{API}/physicians/{tenant.physician_id}{rest}"


def a_certificate(
    learner: str = "Ada Tester, MD",
    title: str = "Heart Failure in Primary Care",
    on: date = date(2026, 6, 3),
    credits: str = "1.75",
) -> bytes:
    """A one-page text PDF certificate, as the importers read them."""
    when = f"{on:%B} {on.day}, {on.year}"
    return certificate_pdf(
        lines=(
            "CERTIFICATE OF COMPLETION",
            "Riverbend Medical Education certifies that",
            learner,
            "has participated in the enduring material titled",
            title,
            f"on {when} and is awarded {credits} AMA PRA Category 1 Credits(TM).",
            "Riverbend Medical Education designates this enduring material for a maximum of",
            "2.00 AMA PRA Category 1 Credits(TM).",
        )
    )


@pytest.fixture
def ada(client: TestClient, tenant: Tenant) -> Tenant:
    """The tenant's physician, signed in on `client`."""
    sign_in(client, tenant.email)
    return tenant


def org_admin_of(store: Store, tenant: Tenant, email: str = "office@example.org") -> str:
    """An organisation admin whose roster shares `tenant`; returns the e-mail to sign in."""
    with store.ledger(OWNER) as ledger:
        organisation = ledger.accounts.add_organisation("Riverbend Group")
        join_organisation(ledger, organisation.id, tenant.physician_id)
        share(ledger, organisation.id, tenant.physician_id, True)
        create_user(
            ledger,
            email=email,
            display_name="Office",
            role=Role.ORG_ADMIN,
            password=PASSWORD,
            organisation_id=organisation.id,
        )
    return email


def delegate_of(store: Store, tenant: Tenant | None, email: str = "assistant@example.org") -> str:
    """A delegate account, acting for `tenant` if given; returns the e-mail to sign in."""
    with store.ledger(OWNER) as ledger:
        create_user(
            ledger, email=email, display_name="Assistant", role=Role.DELEGATE, password=PASSWORD
        )
        if tenant is not None:
            grant_delegate(ledger, tenant.physician_id, email)
    return email


def is_problem(answer_content_type: str) -> bool:
    return answer_content_type.split(";")[0] == "application/problem+json"


def audit_actions(store: Store) -> list[str]:
    """Every audit entry's action, oldest first."""
    with store.ledger(OWNER) as ledger:
        last = ledger.audit.head()[0]
        return [link.entry.action for link in ledger.audit.links(last)]
