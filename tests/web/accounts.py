"""Builders for web tests: a physician with a sign-in and a little of everything."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from uuid import UUID

from fastapi.testclient import TestClient

from cmeledger.actions.accounts import Role, create_user
from cmeledger.actions.credits import record_completion
from cmeledger.actions.physicians import add_certification, add_dea, add_license, add_physician
from cmeledger.domain.credits import CreditClaim
from cmeledger.domain.people import BoardType, Degree, MonthDay
from cmeledger.storage.ledger import Store
from cmeledger.storage.scope import Scope

PASSWORD = "correct horse battery staple"
OWNER = Scope.owner("test:web")


@dataclass(frozen=True)
class Tenant:
    physician_id: UUID
    user_id: UUID
    email: str
    license_id: UUID
    certification_id: UUID
    dea_id: UUID
    completion_id: UUID


def a_tenant(store: Store, name: str) -> Tenant:
    """A physician `name` with a sign-in `name@example.org`, a licence, a board
    certification, a DEA registration and one credit."""
    with store.ledger(OWNER) as ledger:
        physician = add_physician(
            ledger,
            first_name=name.title(),
            last_name="Tester",
            degree=Degree.MD,
            birth=MonthDay(3, 14),
            email=f"{name}@example.org",
        )
        lic = add_license(
            ledger,
            physician.id,
            jurisdiction="CA",
            board_type=BoardType.MD,
            number=f"A {_stable(name) % 900000 + 100000}",
            expires=date(2027, 6, 30),
        )
        cert = add_certification(
            ledger,
            physician.id,
            board="ABIM",
            specialty="Internal Medicine",
            board_id=str(_stable(name) % 900000 + 100000),
            starts=date(2022, 1, 1),
            ends=date(2027, 12, 31),
        )
        dea = add_dea(
            ledger,
            physician.id,
            number=_dea_number(name),
            issued=date(2024, 1, 1),
            expires=date(2027, 5, 31),
        )
        completion = record_completion(
            ledger,
            physician.id,
            title=f"{name.title()}'s course on sepsis",
            provider="Test Society",
            completed_on=date(2026, 3, 1),
            credits=[CreditClaim.awarded("ama_pra_1", "2")],
        )
        user = create_user(
            ledger,
            email=f"{name}@example.org",
            display_name=f"Dr {name.title()}",
            role=Role.PHYSICIAN,
            password=PASSWORD,
            physician_id=physician.id,
        )
    return Tenant(physician.id, user.id, user.email, lic.id, cert.id, dea.id, completion.id)


def _stable(name: str) -> int:
    return int(hashlib.sha256(name.encode()).hexdigest(), 16)


def _dea_number(name: str) -> str:
    """A DEA number with a valid check digit, distinct per name."""
    digits = [int(d) for d in f"{_stable(name) % 1_000_000:06d}"]
    check = (digits[0] + digits[2] + digits[4] + 2 * (digits[1] + digits[3] + digits[5])) % 10
    return "AB" + "".join(map(str, digits)) + str(check)


def sign_in(client: TestClient, email: str, password: str = PASSWORD) -> str:
    """Sign in over the API; the client keeps the cookie. Returns the CSRF token, which
    is also set as a default header so later calls pass the CSRF check."""
    answer = client.post("/api/v1/session", json={"email": email, "password": password})
    assert answer.status_code == 201, answer.text
    token = str(answer.json()["csrf_token"])
    client.headers["X-CSRF-Token"] = token
    return token
