"""Caps allocated optimally, and the machine-readable rule terms: carryover, first-renewal
exemption, pro-rating, board certification in lieu, per-day and per-year caps, and topics
that bind prescribers only."""

from __future__ import annotations

import dataclasses
import itertools
from datetime import date
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from cmeledger.domain.activities import Completion
from cmeledger.domain.compliance import Obligation, Practice, Status, evaluate
from cmeledger.domain.compliance.allocation import Candidate, Caps, allocate
from cmeledger.domain.compliance.evaluate import is_physician_board
from cmeledger.domain.credits import CreditClaim
from cmeledger.domain.people import License
from cmeledger.requirements.loader import rule_for
from cmeledger.requirements.model import (
    Audience,
    Category,
    Frequency,
    MocInLieu,
    ProrateBy,
    Rule,
    Terms,
    Topic,
)
from tests.compliance.builders import done, licence, physician

D = Decimal
CA = licence("CA", date(2027, 12, 31))  # cycle 2026-01-01 .. 2027-12-31, 50 h Category 1
AS_OF = date(2026, 9, 1)


def variant(rule_id: str, **changes: object) -> Rule:
    """The packaged rule with its every version changed (terms, categories, topics…)."""
    rule = rule_for(rule_id)
    versions = tuple(dataclasses.replace(v, **changes) for v in rule.versions)  # type: ignore[arg-type]
    return dataclasses.replace(rule, versions=versions)


NO_FACTS = Practice()


def run(
    rule: Rule, lic: License, completions: list[Completion], practice: Practice = NO_FACTS
) -> Obligation:
    (ob,) = evaluate(physician(), [lic], {lic.id: rule}, completions, AS_OF, practice)
    return ob


def two_claims(on: date, hours: int, first: str, second: str) -> Completion:
    base = done(on, hours, first)
    return dataclasses.replace(
        base, credits=(CreditClaim(first, D(hours)), CreditClaim(second, D(hours)))
    )


def said(ob: Obligation, phrase: str) -> bool:
    return any(phrase in line for line in (*ob.explanation, *ob.assumptions))


# Allocation


def test_a_credit_with_two_claims_leaves_the_category_cap_to_a_credit_that_needs_it() -> None:
    # At most 10 h of Category 2. The early credit is both Category 1 and 2; date-order
    # counting as Category 2 would fill the cap and lose the later Category-2-only credit.
    rule = variant(
        "CA-MD",
        accepted_credit_types=("ama_pra_1", "ama_pra_2"),
        categories=(Category(("ama_pra_2",), D(0), D(10), None),),
    )
    early = two_claims(date(2026, 2, 1), 10, "ama_pra_2", "ama_pra_1")
    late = done(date(2026, 3, 1), 10, "ama_pra_2")
    ob = run(rule, CA, [early, late])
    assert ob.counted_hours == D(20)
    assert not said(ob, "cap reached")


def test_category_cap_binds_and_says_which_cap() -> None:
    rule = variant(
        "CA-MD",
        accepted_credit_types=("ama_pra_1", "ama_pra_2"),
        categories=(Category(("ama_pra_2",), D(0), D(10), None),),
    )
    ob = run(
        rule, CA, [done(date(2026, 2, 1), 8, "ama_pra_2"), done(date(2026, 3, 1), 8, "ama_pra_2")]
    )
    assert ob.counted_hours == D(10)
    assert said(ob, "counts 2 of 8 h (at most 10 h of ama_pra_2)")


def test_per_day_and_per_year_caps_limit_the_total() -> None:
    rule = variant("CA-MD", terms=Terms(max_hours_per_day=D(12), max_hours_per_year=D(30)))
    credits = [
        done(date(2026, 2, 1), 10),
        done(date(2026, 2, 1), 10),  # same day: 20 h, at most 12 count
        done(date(2026, 5, 1), 10),
        done(date(2026, 6, 1), 10),  # 2026 reaches its 30 h cap
        done(date(2027, 1, 5), 8),
    ]
    ob = run(rule, CA, credits)
    assert ob.counted_hours == D(30)  # 2027's credit is after the as-of date
    assert said(ob, "at most 12 h per day")
    assert said(ob, "at most 30 h per calendar year")
    later = evaluate(physician(), [CA], {CA.id: rule}, credits, date(2027, 2, 1))[0]
    assert later.counted_hours == D(38)


@st.composite
def instances(draw: st.DrawFn) -> tuple[list[Candidate], Caps]:
    types = ["a", "b", "c"]
    n = draw(st.integers(1, 6))
    candidates = []
    for key in range(n):
        chosen = draw(st.lists(st.sampled_from(types), min_size=1, max_size=3, unique=True))
        claims = {t: D(draw(st.integers(1, 16))) / 4 for t in chosen}
        day = draw(st.integers(0, 3))
        candidates.append(Candidate(key, day, 2026 + day // 2, claims))
    capped = draw(st.lists(st.sampled_from(types), max_size=2, unique=True))
    caps = Caps(
        categories=tuple((frozenset({t}), D(draw(st.integers(0, 12))) / 4) for t in capped),
        per_day=draw(st.none() | st.integers(1, 16).map(lambda x: D(x) / 4)),
        per_year=draw(st.none() | st.integers(1, 24).map(lambda x: D(x) / 4)),
    )
    return candidates, caps


def _best_single_claim_total(candidates: list[Candidate], caps: Caps) -> Decimal:
    """Brute force without day/year caps: every way of counting each credit under one claim."""
    best = D(0)
    options = [sorted(c.claims.items()) for c in candidates]
    for pick in itertools.product(*options):
        used: dict[frozenset[str], Decimal] = {}
        total = D(0)
        for type_code, amount in pick:
            for types, _cap in caps.categories:
                if type_code in types:
                    used[types] = used.get(types, D(0)) + amount
                    break
            else:
                total += amount
        total += sum((min(used.get(t, D(0)), cap) for t, cap in caps.categories), D(0))
        best = max(best, total)
    return best


@given(instances())
def test_allocation_is_feasible_order_free_and_never_below_any_single_claim_choice(
    case: tuple[list[Candidate], Caps],
) -> None:
    candidates, caps = case
    result = allocate(candidates, caps)
    for c in candidates:
        assert D(0) <= result.counted[c.key] <= c.hours
    for day in {c.day for c in candidates}:
        on_day = sum((result.counted[c.key] for c in candidates if c.day == day), D(0))
        assert caps.per_day is None or on_day <= caps.per_day
    for year in {c.year for c in candidates}:
        in_year = sum((result.counted[c.key] for c in candidates if c.year == year), D(0))
        assert caps.per_year is None or in_year <= caps.per_year
    reordered = [
        dataclasses.replace(c, key=len(candidates) - 1 - c.key) for c in reversed(candidates)
    ]
    assert allocate(reordered, caps).total == result.total
    if caps.per_day is None and caps.per_year is None:
        assert result.total >= _best_single_claim_total(candidates, caps)
    more = [*candidates, Candidate(len(candidates), 0, 2026, {"a": D(1)})]
    assert allocate(more, caps).total >= result.total


# Terms


def test_carryover_counts_excess_of_the_previous_cycle_up_to_the_limit() -> None:
    rule = variant("CA-MD", terms=Terms(carryover_max_hours=D(10)))
    previous = [done(date(2025, 3, 1), 50), done(date(2025, 4, 1), 25)]  # 25 h above 50
    ob = run(rule, CA, [*previous, done(date(2026, 3, 1), 20)])
    assert (ob.counted_hours, ob.remaining_hours) == (D(30), D(20))
    assert said(ob, "carried over 10 h")
    plain = run(rule_for("CA-MD"), CA, [*previous, done(date(2026, 3, 1), 20)])
    assert plain.counted_hours == D(20)


def test_first_renewal_exemption_makes_the_first_cycle_not_applicable() -> None:
    rule = variant("CA-MD", terms=Terms(first_renewal_exempt=True))
    new = licence("CA", date(2027, 12, 31), issued=date(2026, 6, 1))
    ob = run(rule, new, [])
    assert ob.status is Status.NOT_APPLICABLE
    assert (ob.required_hours, ob.remaining_hours) == (D(0), D(0))
    assert said(ob, "the first renewal needs no CME")
    renewed = run(rule, licence("CA", date(2027, 12, 31), issued=date(2019, 6, 1)), [])
    assert renewed.status is Status.ON_TRACK


def test_pro_rating_by_month_reduces_total_and_category_minimums_and_rounds_up() -> None:
    rule = variant("CA-MD", terms=Terms(prorate_by=ProrateBy.MONTH))
    # Issued 2026-06-15: 18 whole months left of 24 -> 50 * 18 / 24 = 37.5 -> 38.
    new = licence("CA", date(2027, 12, 31), issued=date(2026, 6, 15))
    ob = run(rule, new, [done(date(2026, 7, 1), 8)])
    assert (ob.required_hours, ob.counted_hours, ob.remaining_hours) == (D(38), D(8), D(30))
    assert said(ob, "pro-rated to 18 of 24 months")
    yearly = run(variant("CA-MD", terms=Terms(prorate_by=ProrateBy.YEAR)), new, [])
    assert yearly.required_hours == D(25)  # one whole year left of two


def test_board_certification_in_lieu_covers_hours_but_not_topics_unless_the_rule_says() -> None:
    rule = variant("CA-MD", terms=Terms(moc_in_lieu_covers=MocInLieu.HOURS))
    ob = run(rule, CA, [], Practice(certified_by=("ABIM",)))
    assert ob.remaining_hours == D(12)  # the one-time end-of-life course is still owed
    assert said(ob, "hours satisfied in lieu by current board certification (ABIM)")
    assert run(rule, CA, []).remaining_hours == D(50)
    both = variant("CA-MD", terms=Terms(moc_in_lieu_covers=MocInLieu.HOURS_AND_TOPICS))
    met = run(both, CA, [], Practice(certified_by=("ABIM",)))
    assert (met.status, met.remaining_hours) == (Status.MET, D(0))


def test_prescriber_only_topics_bind_when_a_dea_registration_is_on_file() -> None:
    opioid = Topic(
        "opioid_prescribing",
        None,
        D(2),
        Frequency.EACH_CYCLE,
        None,
        "DEA registrants",
        None,
        Audience.PRESCRIBERS,
    )
    rule = variant("CA-MD", topics=(opioid,))
    credits = [done(date(2026, 3, 1), 50)]
    assert run(rule, CA, credits).status is Status.MET
    prescriber = run(rule, CA, credits, Practice(prescriber=True))
    assert (prescriber.status, prescriber.remaining_hours) == (Status.ON_TRACK, D(2))
    assert said(run(rule, CA, credits), "no DEA registration on file")


def test_physician_boards_are_abms_and_aoa_not_pa_or_np_boards() -> None:
    assert all(is_physician_board(b) for b in ("ABIM", "abfm", "AOA-OCC", "AOBIM", "ABPath"))
    assert not any(is_physician_board(b) for b in ("NCCPA", "AANPCB", "ANCC"))
