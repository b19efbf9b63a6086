"""Builders for provider-side (PARS) tests: a valid activity and learner record by default,
with any field overridable."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

from cmeledger.domain.pars.model import (
    CME_CERTIFICATION,
    Activity,
    ActivityFormat,
    DeliveryMethod,
    Learner,
    LearnerCredit,
    LearnerRecord,
    Location,
    MocRegistration,
)
from cmeledger.domain.people import MonthDay

PROVIDER = "0001234"
NPI = "1234567893"  # passes the NPI check digit


def an_activity(**changes: Any) -> Activity:
    base = Activity(
        provider_id=PROVIDER,
        title="Sepsis Update Grand Rounds",
        format=ActivityFormat.COURSE,
        start=date(2026, 3, 2),
        end=date(2026, 3, 2),
        credits=Decimal("1.00"),
        provider_activity_id="GR-2026-03",
        description="Recognition and early management of sepsis.",
        location=Location("Chicago", "IL", "USA"),
        delivery_methods=(DeliveryMethod.IN_PERSON,),
        moc=(MocRegistration("ABIM", Decimal("1"), ("Medical Knowledge",)),),
    )
    return replace(base, **changes)


def a_learner(**changes: Any) -> Learner:
    base = Learner(
        first_name="Jane",
        last_name="Doe",
        birth=MonthDay(9, 10),
        license_state="CA",
        license_number="A123456",
        npi=NPI,
        board="ABIM",
        board_id="123456",
    )
    return replace(base, **changes)


def a_record(accme_id: str = "202600001", tag: str = "1", **changes: Any) -> LearnerRecord:
    base = LearnerRecord(
        provider_id=PROVIDER,
        accme_activity_id=accme_id,
        activity_title="Sepsis Update Grand Rounds",
        learner=a_learner(),
        completed_on=date(2026, 3, 2),
        credits=(
            LearnerCredit(f"ccid:example.org:{tag}-cme", CME_CERTIFICATION, Decimal("1.00")),
            LearnerCredit(
                f"ccid:example.org:{tag}-abim", "Medical Knowledge", Decimal("1.00"), "ABIM"
            ),
        ),
        consent=True,
    )
    return replace(base, **changes)
