"""A small demo physician so `make run` shows a real ledger on a fresh machine."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from cmeledger.actions.credits import record_completion
from cmeledger.actions.physicians import add_certification, add_dea, add_license, add_physician
from cmeledger.domain.activities import ActivityFormat, SourceKind
from cmeledger.domain.credits import CreditClaim
from cmeledger.domain.people import BoardType, Degree, MonthDay
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
