"""Which lead time a reminder belongs to, and what the reminder e-mail says (pure)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cmeledger.actions.reminders import Reminder, ReminderConfig, compose, lead_time
from cmeledger.domain.compliance import Status
from cmeledger.storage.repositories.accounts import Organisation

LEADS = (90, 30, 7)
CONFIG = ReminderConfig("Clinic <reminders@clinic.example.org>", LEADS, "https://cme.example.org")


@pytest.mark.parametrize(
    ("days_left", "lead"),
    [(91, None), (90, 90), (45, 90), (31, 90), (30, 30), (8, 30), (7, 7), (0, 7), (-1, None)],
)
def test_it_picks_the_shortest_lead_time_that_covers_the_days_left(
    days_left: int, lead: int | None
) -> None:
    assert lead_time(days_left, LEADS) == lead


@given(st.integers(min_value=-400, max_value=400))
def test_it_never_picks_a_lead_time_shorter_than_the_days_left(days_left: int) -> None:
    lead = lead_time(days_left, LEADS)
    assert lead is None or days_left <= lead
    assert lead is None or all(not (days_left <= d < lead) for d in LEADS)


def a_reminder(**changes: object) -> Reminder:
    fields: dict[str, object] = {
        "physician_id": uuid4(),
        "physician_name": "Ann Able",
        "recipient": "ann@example.org",
        "obligation_id": "state_license:CA-MD:x",
        "obligation": "CA MD licence (CA-MD)",
        "due_date": date(2027, 3, 1),
        "days_left": 20,
        "days_before": 30,
        "status": Status.AT_RISK,
        "required_hours": Decimal(50),
        "counted_hours": Decimal("44.5"),
        "remaining_hours": Decimal("5.50"),
        "missing_topics": ("implicit bias (0 of 1 h)",),
    }
    fields.update(changes)
    return Reminder(**fields)  # type: ignore[arg-type]


def test_it_says_what_is_due_when_and_how_many_hours_are_left() -> None:
    message = compose(a_reminder(), CONFIG, None, at=datetime(2026, 11, 26, tzinfo=UTC))
    body = message.get_content()
    assert message["To"] == "Ann Able <ann@example.org>"
    assert message["Subject"] == "CME reminder: CA MD licence (CA-MD) due 1 Mar 2027, 5.5 h to go"
    assert "is due in 20 days" in body
    assert "Due date:        1 Mar 2027 (2027-03-01)" in body
    assert "Remaining hours: 5.5 of 50 required" in body
    assert "Topics missing:  implicit bias (0 of 1 h)" in body
    assert "https://cme.example.org/" in body
    assert "30 days before each due date" in body


def test_it_names_the_organisation_and_how_to_stop_sharing() -> None:
    clinic = Organisation(uuid4(), "North Clinic", None, None)
    message = compose(
        a_reminder(remaining_hours=Decimal(0), missing_topics=("ethics (1 of 2 h)",), days_left=1),
        CONFIG,
        clinic,
        at=datetime(2026, 11, 26, tzinfo=UTC),
    )
    body = message.get_content()
    assert message["Subject"].endswith("due 1 Mar 2027, topics missing")
    assert "is due tomorrow" in body
    assert "North Clinic sends this reminder because you share" in body
    assert "https://cme.example.org/account" in body
