"""Golden scenarios for the specialty-board rule files, through `evaluate_holding`.

Hours and categories come from each rule file; each term's window is worked out by hand from
the anchor and the certification's start and end dates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from uuid import UUID

import pytest

from cmeledger.domain.activities import Completion
from cmeledger.domain.compliance.evaluate import Holding, Obligation, Status, evaluate_holding
from cmeledger.domain.people import BoardCertification
from cmeledger.requirements.loader import all_rules, rule_for
from cmeledger.requirements.model import RuleKind, RuleVersion
from tests.compliance.builders import PHYSICIAN_ID, physician
from tests.compliance.builders import done as _done

D = Decimal


def done(on: date, hours: Decimal | int = 1, kind: str = "ama_pra_1", *topics: str) -> Completion:
    """`builders.done` taking the Decimal hours read from rule files."""
    return _done(on, str(hours), kind, *topics)


BASE = D(10)
CERT_ID = UUID(int=77)


@dataclass(frozen=True, slots=True)
class Case:
    rule_id: str
    starts: date
    ends: date  # the term end, and (for these cases) the due date of the current cycle
    as_of: date  # mid-cycle, more than 90 days before the due date
    start: date  # hand-computed window start

    def __str__(self) -> str:
        return self.rule_id


CASES = [
    # ABIM: 60-month steps from 2022-01-01, first ends 2027-01-01 minus a day.
    Case("ABIM", date(2022, 1, 1), date(2026, 12, 31), date(2025, 6, 1), date(2022, 1, 1)),
    # ABFM (version from 2025): 60 months from 2025-01-01, ends 2029-12-31.
    Case("ABFM", date(2025, 1, 1), date(2029, 12, 31), date(2027, 6, 1), date(2025, 1, 1)),
    # ABP: 60 months from 2023-01-01, ends 2027-12-31.
    Case("ABP", date(2023, 1, 1), date(2027, 12, 31), date(2025, 6, 1), date(2023, 1, 1)),
    # ABA: 60 months from 2022-01-01, ends 2026-12-31.
    Case("ABA", date(2022, 1, 1), date(2026, 12, 31), date(2025, 6, 1), date(2022, 1, 1)),
    # ABS: rolling 60 months back from the term end 2026-12-31.
    Case("ABS", date(2017, 1, 1), date(2026, 12, 31), date(2025, 6, 1), date(2022, 1, 1)),
    # ABR: rolling 36 months back from the term end 2026-12-31.
    Case("ABR", date(2017, 1, 1), date(2026, 12, 31), date(2025, 6, 1), date(2024, 1, 1)),
    # AOA-OCC: fixed AOA 3-year cycles (2025-2027), read from the term end 2027-12-31.
    Case("AOA-OCC", date(2019, 1, 1), date(2027, 12, 31), date(2026, 3, 1), date(2025, 1, 1)),
    # NCCPA: 24-month periods from 2024-01-01, first ends 2025-12-31.
    Case("NCCPA", date(2024, 1, 1), date(2025, 12, 31), date(2025, 3, 1), date(2024, 1, 1)),
    # AANPCB: 60 months from 2022-01-01, ends 2026-12-31.
    Case("AANPCB", date(2022, 1, 1), date(2026, 12, 31), date(2025, 6, 1), date(2022, 1, 1)),
    # ANCC-NP: 60 months from 2022-01-01, ends 2026-12-31.
    Case("ANCC-NP", date(2022, 1, 1), date(2026, 12, 31), date(2025, 6, 1), date(2022, 1, 1)),
]

# No total hours and no binding topic in the data: nothing meaningful to count.
NO_HOURS = ["ABEM", "ABOG"]


def cert(starts: date | None, ends: date | None, board: str = "ABIM") -> BoardCertification:
    return BoardCertification(CERT_ID, PHYSICIAN_ID, board, "Internal Medicine", None, starts, ends)


def holding(case: Case) -> Holding:
    h = Holding.of_certification(cert(case.starts, case.ends, case.rule_id))
    assert h is not None
    return h


def version(case: Case, on: date) -> RuleVersion:
    (v,) = [v for v in rule_for(case.rule_id).versions if v.in_force_on(on)]
    return v


def total(v: RuleVersion) -> Decimal:
    assert v.total_hours is not None
    return v.total_hours


def met_credits(v: RuleVersion, on: date, since: date) -> list[Completion]:
    """Every category minimum in its first type, the rest of the total in the first accepted
    type, and each "All…" topic with hours on top; as activities of at most 8 h on distinct
    days spread evenly from `since` to `on`, so per-day and per-year caps (ABS, ABA) hold."""
    wanted: list[tuple[Decimal, str, tuple[str, ...]]] = [
        (c.min_hours, c.credit_types[0], ()) for c in v.categories if c.min_hours
    ]
    rest = total(v) - sum((c.min_hours for c in v.categories), D(0))
    if rest > 0:
        wanted.append((rest, v.accepted_credit_types[0], ()))
    for t in v.topics:
        if t.applies_to.lower().startswith("all") and t.hours:
            wanted.append((t.hours, v.accepted_credit_types[0], (t.topic,)))
    pieces: list[tuple[Decimal, str, tuple[str, ...]]] = []
    for hours, kind, topics in wanted:
        while hours > 0:
            pieces.append((min(hours, D(8)), kind, topics))
            hours -= pieces[-1][0]
    gap = (on - since).days // max(len(pieces), 1)
    return [
        done(on - timedelta(days=i * gap), hours, kind, *topics)
        for i, (hours, kind, topics) in enumerate(pieces)
    ]


def run(case: Case, credits: list[Completion], as_of: date) -> Obligation:
    return evaluate_holding(physician(), holding(case), rule_for(case.rule_id), credits, as_of)


def test_cases_cover_every_board_rule() -> None:
    # ids as listed by `cmeledger rules list --json` (kind board)
    boards = {r.id for r in all_rules() if r.kind is RuleKind.BOARD}
    assert boards == {c.rule_id for c in CASES} | set(NO_HOURS) | {"ABPN"}


@pytest.mark.parametrize("case", CASES, ids=str)
def test_on_track(case: Case) -> None:
    v = version(case, case.as_of)
    kind = v.accepted_credit_types[0]
    credits = [done(case.start - timedelta(days=1), 5, kind), done(case.start, BASE, kind)]
    ob = run(case, credits, case.as_of)
    assert (ob.cycle_start, ob.due_date) == (case.start, case.ends)
    assert ob.kind == "board"
    assert ob.jurisdiction is None
    assert ob.required_hours == total(v)
    assert ob.counted_hours == BASE
    assert ob.status is Status.ON_TRACK
    assert ob.remaining_hours >= total(v) - BASE


@pytest.mark.parametrize("case", CASES, ids=str)
def test_met(case: Case) -> None:
    v = version(case, case.as_of)
    ob = run(case, met_credits(v, case.as_of - timedelta(days=30), case.start), case.as_of)
    assert ob.status is Status.MET
    assert ob.counted_hours >= total(v)
    assert all(c.counted >= c.required for c in ob.categories)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_overdue_past_the_term_end(case: Case) -> None:
    v = version(case, case.as_of)
    half = total(v) / 2
    as_of = case.ends + timedelta(days=60)
    ob = run(case, [done(case.as_of, half, v.accepted_credit_types[0])], as_of)
    assert ob.due_date == case.ends
    assert ob.status is Status.OVERDUE
    assert ob.remaining_hours >= total(v) - half


def test_abp_needs_both_activity_categories() -> None:
    (case,) = [c for c in CASES if c.rule_id == "ABP"]
    v = version(case, case.as_of)
    ob = run(case, [done(case.as_of, total(v), "moc_abp_ll")], case.as_of)
    assert ob.counted_hours == total(v)
    qi = [c for c in v.categories if "moc_abp_qi" in c.credit_types]
    assert ob.status is Status.ON_TRACK
    assert ob.remaining_hours == qi[0].min_hours


def test_aba_patient_safety_topic_missing() -> None:
    (case,) = [c for c in CASES if c.rule_id == "ABA"]
    v = version(case, case.as_of)
    credits = [c for c in met_credits(v, case.as_of, case.start) if not c.topics]
    ob = run(case, credits, case.as_of)
    assert ob.counted_hours == total(v)
    (topic,) = [t for t in v.topics if t.topic == "other_patient_safety"]
    assert ob.status is Status.ON_TRACK
    assert ob.remaining_hours == topic.hours


def test_abfm_legacy_version_before_2025() -> None:
    # Legacy 36-month stage from 2022-01-01 ends 2024-12-31; 150 h with 75 h Category 1.
    case = Case("ABFM", date(2022, 1, 1), date(2031, 12, 31), date(2024, 6, 1), date(2022, 1, 1))
    v = version(case, case.as_of)
    ob = run(case, [done(date(2023, 1, 1), total(v), "ama_pra_2")], case.as_of)
    assert (ob.cycle_start, ob.due_date) == (date(2022, 1, 1), date(2024, 12, 31))
    assert ob.required_hours == total(v)
    assert ob.counted_hours == total(v)
    assert ob.remaining_hours == v.categories[0].min_hours
    assert ob.status is Status.ON_TRACK


def test_certification_without_end_cannot_be_placed() -> None:
    assert Holding.of_certification(cert(date(2022, 1, 1), None)) is None


@pytest.mark.parametrize("board", NO_HOURS)
def test_board_without_hours_is_not_applicable_and_flagged(board: str) -> None:
    # The data gives no hours and accepts no credit types: no meaningful count is possible.
    case = Case(board, date(2022, 1, 1), date(2026, 12, 31), date(2025, 6, 1), date(2022, 1, 1))
    ob = run(case, [done(date(2025, 1, 1), 50)], case.as_of)
    assert ob.status is Status.NOT_APPLICABLE
    assert ob.uncertain
    assert ob.counted_hours == 0


ABPN = Case("ABPN", date(2025, 1, 1), date(2027, 12, 31), date(2026, 1, 1), date(2025, 1, 1))


def test_abpn_block_window() -> None:
    # 36-month blocks from 2025-01-01: the first ends 2027-12-31.
    ob = run(ABPN, [done(date(2025, 6, 1), 10)], ABPN.as_of)
    assert (ob.cycle_start, ob.due_date) == (date(2025, 1, 1), date(2027, 12, 31))
    assert ob.categories[0].counted == 10
    assert ob.required_hours == 90  # an average of 30 a year over the 3-year block


def test_abpn_category_minimum_drives_status() -> None:
    (cat,) = version(ABPN, ABPN.as_of).categories
    ob = run(ABPN, [done(date(2025, 6, 1), 10)], ABPN.as_of)
    assert ob.status is Status.ON_TRACK
    assert ob.remaining_hours == max(cat.min_hours - 10, 90 - 10)


def test_abpn_overdue_past_the_block_end() -> None:
    ob = run(ABPN, [], date(2028, 2, 1))
    assert ob.status is Status.OVERDUE
