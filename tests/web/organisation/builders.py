"""Builders: an organisation with an admin and an auditor, members whose obligations fall
due soon."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from uuid import UUID

from cmeledger.actions.accounts import Role, create_user, join_organisation, set_sharing
from cmeledger.actions.credits import record_completion
from cmeledger.actions.physicians import add_dea, add_license, add_physician
from cmeledger.domain.credits import CreditClaim
from cmeledger.domain.people import BoardType, Degree, MonthDay
from cmeledger.storage.ledger import Store
from tests.web.accounts import OWNER, PASSWORD

LICENCE_DAYS = 20  # the licence falls due in 20 days: its 30-day reminder is due today
DEA_DAYS = 60  # the DEA registration in 60 days: its 90-day reminder is due today


def today() -> date:
    return datetime.now().astimezone().date()


@dataclass(frozen=True)
class Member:
    physician_id: UUID
    email: str
    name: str


@dataclass(frozen=True)
class Org:
    id: UUID
    name: str
    admin_email: str
    auditor_email: str


def a_member(store: Store, first: str, last: str, *, serial: int, email: bool = True) -> Member:
    """A physician with a CA licence due in 20 days, a DEA registration due in 60 days, and
    2 hours of credit (far short of the 50 the licence needs)."""
    address = f"{first.lower()}.{last.lower()}@example.org"
    with store.ledger(OWNER) as ledger:
        physician = add_physician(
            ledger,
            first_name=first,
            last_name=last,
            degree=Degree.MD,
            birth=MonthDay(3, 14),
            email=address if email else None,
        )
        add_license(
            ledger,
            physician.id,
            jurisdiction="CA",
            board_type=BoardType.MD,
            number=f"A {100000 + serial}",
            expires=today() + timedelta(days=LICENCE_DAYS),
        )
        add_dea(
            ledger,
            physician.id,
            number=dea_number(serial),
            issued=date(2024, 1, 1),
            expires=today() + timedelta(days=DEA_DAYS),
        )
        record_completion(
            ledger,
            physician.id,
            title="Sepsis update",
            provider="Test Society",
            completed_on=today() - timedelta(days=30),
            credits=[CreditClaim.awarded("ama_pra_1", "2")],
        )
    return Member(physician.id, address, f"{first} {last}")


def dea_number(serial: int) -> str:
    digits = [int(d) for d in f"{serial % 1_000_000:06d}"]
    check = (digits[0] + digits[2] + digits[4] + 2 * (digits[1] + digits[3] + digits[5])) % 10
    return "AB" + "".join(map(str, digits)) + str(check)


def an_organisation(store: Store, name: str, *members: Member, sharing: bool = True) -> Org:
    """The organisation, its members (sharing unless told otherwise), an admin and an
    auditor who can both sign in with PASSWORD."""
    slug = name.lower().replace(" ", "-")
    with store.ledger(OWNER) as ledger:
        org = ledger.accounts.add_organisation(name)
        for member in members:
            join_organisation(ledger, org.id, member.physician_id)
            set_sharing(ledger, org.id, member.physician_id, sharing)
        admin = create_user(
            ledger,
            email=f"admin@{slug}.example.org",
            display_name=f"{name} office",
            role=Role.ORG_ADMIN,
            password=PASSWORD,
            organisation_id=org.id,
        )
        auditor = create_user(
            ledger,
            email=f"auditor@{slug}.example.org",
            display_name=f"{name} auditor",
            role=Role.AUDITOR,
            password=PASSWORD,
            organisation_id=org.id,
        )
    return Org(org.id, name, admin.email, auditor.email)


def a_physician_sign_in(store: Store, member: Member) -> str:
    with store.ledger(OWNER) as ledger:
        user = create_user(
            ledger,
            email=member.email,
            display_name=member.name,
            role=Role.PHYSICIAN,
            password=PASSWORD,
            physician_id=member.physician_id,
        )
    return user.email
