from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

from cmeledger.actions.compliance import StatusReport
from cmeledger.domain.activities import Activity, Completion
from cmeledger.domain.compliance.dea import evaluate_dea
from cmeledger.domain.compliance.evaluate import Status
from cmeledger.domain.credits import CreditClaim
from cmeledger.reports.calendar import to_ics
from cmeledger.requirements.loader import rule_for

MATE = rule_for("DEA-MATE")
PID = uuid.uuid4()


def course(hours: str, on: date, *topics: str) -> Completion:
    return Completion(
        uuid.uuid4(),
        PID,
        Activity(uuid.uuid4(), "SUD care", "Lake CME"),
        on,
        (CreditClaim("ama_pra_1", Decimal(hours)), CreditClaim("moc_abim_mk", Decimal(hours))),
        topics=topics,
    )


def test_mate_counts_tagged_training_of_any_date_but_not_moc_points() -> None:
    done = [
        course("5", date(2021, 5, 1), "dea_mate"),
        course("3", date(2025, 1, 1), "dea_mate"),
        course("20", date(2025, 2, 1)),
    ]
    result = evaluate_dea(uuid.uuid4(), date(2027, 5, 31), MATE, done, date(2026, 1, 1))
    assert result.status is Status.MET and result.counted_hours == Decimal(8)


def test_mate_short_of_eight_hours_is_at_risk_near_renewal_and_overdue_after() -> None:
    done = [course("5", date(2024, 5, 1), "dea_mate")]
    expires = date(2027, 5, 31)
    assert evaluate_dea(PID, expires, MATE, done, date(2026, 1, 1)).status is Status.ON_TRACK
    assert evaluate_dea(PID, expires, MATE, done, date(2027, 4, 15)).status is Status.AT_RISK
    late = evaluate_dea(PID, expires, MATE, done, date(2027, 6, 1))
    assert late.status is Status.OVERDUE and late.remaining_hours == Decimal(3)


def test_the_calendar_has_one_all_day_event_per_due_date_in_valid_ics() -> None:
    obligation = evaluate_dea(PID, date(2027, 5, 31), MATE, [], date(2026, 1, 1))
    ics = to_ics(
        StatusReport(PID, date(2026, 1, 1), [obligation], []), now=datetime(2026, 1, 1, tzinfo=UTC)
    )
    assert ics.startswith("BEGIN:VCALENDAR\r\n") and ics.endswith("END:VCALENDAR\r\n")
    assert ics.count("BEGIN:VEVENT") == 1
    assert "DTSTART;VALUE=DATE:20270531\r\n" in ics
    assert all(len(line.encode()) <= 75 for line in ics.split("\r\n"))
    assert "UID:dea:DEA-MATE:" in ics
