"""Property tests: more credit never means less progress; input order never matters."""

from __future__ import annotations

import random
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from cmeledger.domain.activities import Completion
from cmeledger.domain.compliance import Obligation, Status, evaluate
from cmeledger.domain.people import License
from cmeledger.requirements.loader import rule_for
from tests.compliance.builders import done, licence, physician

RULES = ("CA-MD", "TX", "NY", "FL-MD", "OH", "PA-MD", "AL", "AK")
TYPES = ("ama_pra_1", "ama_pra_2", "aafp_prescribed", "aoa_1a", "aoa_2a")
TOPICS = ("ethics", "medical_errors", "end_of_life_care", "other_child_abuse", "domestic_violence")
RANK = {Status.MET: 0, Status.ON_TRACK: 1, Status.AT_RISK: 2, Status.OVERDUE: 3}
LICENCES: dict[str, License] = {
    "CA-MD": licence("CA", date(2027, 12, 31)),
    "TX": licence("TX", date(2026, 12, 31)),
    "NY": licence("NY", date(2027, 12, 31)),
    "FL-MD": licence("FL", date(2028, 1, 31)),
    "OH": licence("OH", date(2027, 4, 30)),
    "PA-MD": licence("PA", date(2026, 12, 31)),
    "AL": licence("AL", date(2026, 12, 31)),
    "AK": licence("AK", date(2026, 12, 31)),
}


@st.composite
def completions(draw: st.DrawFn, first: int = 0) -> list[Completion]:
    size = draw(st.integers(0, 12))
    out = []
    for i in range(size):
        out.append(
            done(
                date(2023, 1, 1) + timedelta(days=draw(st.integers(0, 2000))),
                draw(st.integers(1, 30)),
                draw(st.sampled_from(TYPES)),
                *draw(st.lists(st.sampled_from(TOPICS), max_size=2, unique=True)),
                n=first + i,
            )
        )
    return out


as_of_dates = st.dates(date(2025, 1, 1), date(2028, 6, 30))


def one(rule_id: str, credits: list[Completion], as_of: date) -> Obligation:
    lic = LICENCES[rule_id]
    (ob,) = evaluate(physician(), [lic], {lic.id: rule_for(rule_id)}, credits, as_of)
    return ob


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(RULES), completions(), completions(first=100), as_of_dates)
def test_adding_credit_never_lowers_progress(
    rule_id: str, base: list[Completion], extra: list[Completion], as_of: date
) -> None:
    before = one(rule_id, base, as_of)
    after = one(rule_id, base + extra, as_of)
    assert after.counted_hours >= before.counted_hours
    assert after.remaining_hours <= before.remaining_hours
    for b, a in zip(before.categories, after.categories, strict=True):
        assert a.counted >= b.counted
    for bt, at in zip(before.topics, after.topics, strict=True):
        assert at.counted >= bt.counted
    if before.status is Status.NOT_APPLICABLE:
        assert after.status is Status.NOT_APPLICABLE
    else:
        assert RANK[after.status] <= RANK[before.status]


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(RULES), completions(), as_of_dates, st.randoms(use_true_random=False))
def test_evaluation_is_independent_of_completion_order(
    rule_id: str, credits: list[Completion], as_of: date, rnd: random.Random
) -> None:
    shuffled = list(credits)
    rnd.shuffle(shuffled)
    assert one(rule_id, shuffled, as_of) == one(rule_id, credits, as_of)
