"""Dates at the edge of the calendar are refused with a reason, never crashed on."""

from __future__ import annotations

from datetime import date

from cmeledger.domain.pars.rules import ParsRules, validate_activity, validate_learner
from cmeledger.pars.sandbox.testing import a_record, an_activity, cme


def test_it_refuses_a_completion_in_the_year_9999_as_in_the_future() -> None:
    record = a_record("123456789", cme("far-1"), completed_on=date(9999, 12, 31))
    codes = {p.code for p in validate_learner(record, None, ParsRules(), date(2026, 11, 26))}
    assert "LRN-002" in codes


def test_it_checks_an_activity_starting_in_the_last_year_the_calendar_has() -> None:
    activity = an_activity(start=date(9999, 11, 1), end=date(9999, 12, 31))
    assert all(p.code != "ACT-002" for p in validate_activity(activity, ParsRules()))
