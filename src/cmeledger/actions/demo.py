"""A small demo physician so `make run` shows a real ledger on a fresh machine."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID

from cmeledger.actions.accounts import Role, create_user, join_organisation, set_sharing
from cmeledger.actions.credits import record_completion
from cmeledger.actions.pars import add_provider
from cmeledger.actions.physicians import add_certification, add_dea, add_license, add_physician
from cmeledger.domain.activities import ActivityFormat, SourceKind
from cmeledger.domain.credits import CreditClaim
from cmeledger.domain.people import BoardType, Degree, MonthDay
from cmeledger.errors import NotFoundError
from cmeledger.storage.ledger import Ledger

DEMO_EMAIL = "ada.demo@example.org"

_DEMO_CREDITS: tuple[
    tuple[str, str, date, tuple[tuple[str, str], ...], tuple[str, ...], ActivityFormat], ...
] = (
    (
        "Safe Opioid Prescribing and Pain Management",
        "Demo Medical Society",
        date(2025, 3, 14),
        (("ama_pra_1", "2"),),
        ("opioid_prescribing", "pain_management"),
        ActivityFormat.ENDURING,
    ),
    (
        "Implicit Bias in Clinical Care",
        "Demo University CME",
        date(2025, 6, 2),
        (("ama_pra_1", "1.5"),),
        ("implicit_bias",),
        ActivityFormat.LIVE,
    ),
    (
        "Annual Internal Medicine Update",
        "Demo College of Physicians",
        date(2025, 10, 20),
        (("ama_pra_1", "12.25"), ("moc_abim_mk", "12.25")),
        (),
        ActivityFormat.LIVE,
    ),
    (
        "Recognising Human Trafficking",
        "Demo Health System",
        date(2026, 1, 9),
        (("ama_pra_1", "1"),),
        ("human_trafficking",),
        ActivityFormat.ENDURING,
    ),
    (
        "Substance Use Disorder Treatment (MATE)",
        "Demo Addiction Medicine Society",
        date(2026, 2, 21),
        (("ama_pra_1", "8"),),
        ("dea_mate", "substance_use_disorder"),
        ActivityFormat.ENDURING,
    ),
    (
        "Journal CME: Heart Failure Therapies",
        "Demo Journal",
        date(2026, 4, 30),
        (("ama_pra_1", "1"), ("moc_abim_mk", "1")),
        (),
        ActivityFormat.JOURNAL,
    ),
    (
        "Grand Rounds: Sepsis Recognition",
        "Demo Hospital",
        date(2026, 9, 11),
        (("ama_pra_2", "1"),),
        (),
        ActivityFormat.OTHER,
    ),
)


def load_demo(ledger: Ledger) -> tuple[UUID, bool]:
    """The demo physician's id, and whether it was created now (loading twice adds nothing)."""
    existing = ledger.physicians.find_by_email(DEMO_EMAIL)
    if existing is not None:
        return existing.id, False
    physician = add_physician(
        ledger,
        first_name="Ada",
        last_name="Demo",
        degree=Degree.MD,
        npi="1234567893",
        email=DEMO_EMAIL,
        birth=MonthDay(4, 17),
    )
    add_license(
        ledger,
        physician.id,
        jurisdiction="CA",
        board_type=BoardType.MD,
        number="A 123456",
        issued=date(2015, 7, 1),
        expires=date(2027, 4, 30),
    )
    add_license(
        ledger,
        physician.id,
        jurisdiction="TX",
        board_type=BoardType.MD,
        number="Q7654",
        issued=date(2019, 1, 15),
        expires=date(2027, 4, 30),
    )
    add_certification(
        ledger,
        physician.id,
        board="ABIM",
        specialty="Internal Medicine",
        board_id="246810",
        starts=date(2022, 1, 1),
        ends=date(2026, 12, 31),
    )
    add_dea(
        ledger, physician.id, number="AD1234563", issued=date(2024, 5, 1), expires=date(2027, 5, 31)
    )
    for title, provider, day, amounts, topics, fmt in _DEMO_CREDITS:
        record_completion(
            ledger,
            physician.id,
            title=title,
            provider=provider,
            completed_on=day,
            topics=list(topics),
            activity_format=fmt,
            credits=[CreditClaim.awarded(code, amt) for code, amt in amounts],
            source_kind=SourceKind.DEMO,
        )
    return physician.id, True


DEMO_PASSWORD = "demo-password-2026"  # noqa: S105 - printed by `make run`; demo data only
DEMO_ORGANISATION = "Demo Medical Group"
DEMO_PROVIDER_ACCME_ID = "0001234"  # the PARS sandbox's built-in provider


@dataclass(frozen=True, slots=True)
class DemoAccount:
    email: str
    role: Role
    what: str


def load_demo_accounts(ledger: Ledger, physician_id: UUID) -> list[DemoAccount]:
    """Sign-ins for each face of the portal: the physician, an office that credentials
    her (she consents to share), and a CME provider's PARS admin. Loading twice adds nothing."""
    accounts_ = [
        DemoAccount(DEMO_EMAIL, Role.PHYSICIAN, "the physician's own ledger"),
        DemoAccount("office@demo-group.example.org", Role.ORG_ADMIN, "the roster"),
        DemoAccount("pars@demo-provider.example.org", Role.PROVIDER_ADMIN, "the PARS console"),
    ]
    if ledger.accounts.by_email(DEMO_EMAIL) is not None:
        return accounts_
    organisation = ledger.accounts.add_organisation(DEMO_ORGANISATION)
    join_organisation(ledger, organisation.id, physician_id)
    set_sharing(ledger, organisation.id, physician_id, True)
    try:
        provider = ledger.pars.provider(DEMO_PROVIDER_ACCME_ID)
    except NotFoundError:
        provider = add_provider(
            ledger, DEMO_PROVIDER_ACCME_ID, "Demo CME Provider", "ws_user", "sandbox-password"
        )
    create_user(
        ledger,
        email=DEMO_EMAIL,
        display_name="Dr Ada Demo",
        role=Role.PHYSICIAN,
        password=DEMO_PASSWORD,
        physician_id=physician_id,
    )
    create_user(
        ledger,
        email=accounts_[1].email,
        display_name="Demo Group Office",
        role=Role.ORG_ADMIN,
        password=DEMO_PASSWORD,
        organisation_id=organisation.id,
    )
    create_user(
        ledger,
        email=accounts_[2].email,
        display_name="Demo Provider Admin",
        role=Role.PROVIDER_ADMIN,
        password=DEMO_PASSWORD,
        provider_id=provider.id,
    )
    return accounts_
