"""Golden scenarios against the packaged rule data (loaded here; the engine does no I/O)."""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal

from cmeledger.domain.activities import Completion
from cmeledger.domain.compliance import Obligation, Status, evaluate
from cmeledger.domain.people import BoardType, License, MonthDay
from cmeledger.requirements.loader import rule_for
from cmeledger.requirements.model import Category, Rule
from tests.compliance.builders import BIRTH, LICENSE_ID, done, licence, physician

D = Decimal


def run(
    rule: Rule | str,
    lic: License,
    completions: list[Completion],
    as_of: date,
    birth: MonthDay | None = BIRTH,
) -> Obligation:
    r = rule_for(rule) if isinstance(rule, str) else rule
    (ob,) = evaluate(physician(birth), [lic], {lic.id: r}, completions, as_of)
    return ob


def topic(ob: Obligation, name: str) -> tuple[Decimal | None, Decimal]:
    (t,) = [t for t in ob.topics if t.topic == name]
    return t.required, t.counted


def said(ob: Obligation, phrase: str) -> bool:
    return any(phrase in line for line in (*ob.explanation, *ob.assumptions))


# California MD: 50 h Category 1 per 24 months to the end of the birth month; 12 h one-time
# end-of-life care.
CA = licence("CA", date(2027, 12, 31))
CA_EOL = done(date(2024, 5, 1), 12, "ama_pra_1", "end_of_life_care")


def test_ca_mid_cycle_on_track() -> None:
    ob = run("CA-MD", CA, [done(date(2026, 3, 1), 20), CA_EOL], date(2026, 9, 1))
    assert (ob.cycle_start, ob.due_date) == (date(2026, 1, 1), date(2027, 12, 31))
    assert ob.status is Status.ON_TRACK
    assert (ob.required_hours, ob.counted_hours, ob.remaining_hours) == (D(50), D(20), D(30))
    assert topic(ob, "end_of_life_care") == (D(12), D(12))  # one-time: any earlier date
    assert ob.source is not None
    assert ob.source.startswith("https://www.mbc.ca.gov")
    assert ob.uncertain
    assert said(ob, "outside the cycle window")
    assert said(ob, "rule CA-MD")


def test_ca_met_and_overdue() -> None:
    credits = [done(date(2026, 3, 1), 50), CA_EOL]
    assert run("CA-MD", CA, credits, date(2027, 1, 1)).status is Status.MET
    late = run("CA-MD", CA, [done(date(2026, 3, 1), 30), CA_EOL], date(2028, 2, 1))
    assert late.status is Status.OVERDUE
    assert late.remaining_hours == D(20)


def test_ca_topic_missing_near_due_date_is_at_risk() -> None:
    ob = run("CA-MD", CA, [done(date(2026, 3, 1), 50)], date(2027, 11, 15))
    assert ob.counted_hours == D(50)
    assert ob.status is Status.AT_RISK
    assert ob.remaining_hours == D(12)


def test_ca_new_licensee_and_missing_birth_are_flagged() -> None:
    new = licence("CA", date(2027, 12, 31), issued=date(2026, 6, 1))
    ob = run("CA-MD", new, [], date(2026, 9, 1))
    assert said(ob, "first renewal")
    assert said(ob, "25 hours")
    nobirth = run("CA-MD", CA, [], date(2026, 9, 1), birth=None)
    assert said(nobirth, "birth date is not recorded")
    assert nobirth.due_date == date(2027, 12, 31)


def test_tx_ethics_topic_and_type_not_accepted() -> None:
    tx = licence("TX", date(2026, 12, 31))
    credits = [done(date(2025, 6, 1), 46), done(date(2025, 7, 1), 5, "ama_pra_2")]
    ob = run("TX", tx, credits, date(2026, 6, 1))
    assert ob.counted_hours == D(46)
    assert said(ob, "credit type ama_pra_2 is not accepted by TX")
    assert topic(ob, "ethics") == (D(2), D(0))
    assert ob.status is Status.ON_TRACK
    assert ob.remaining_hours == D(2)
    ethics = done(date(2025, 8, 1), 2, "ama_pra_1", "ethics")
    assert run("TX", tx, [*credits, ethics], date(2026, 6, 1)).status is Status.MET


def test_tx_uses_the_version_in_force() -> None:
    tx = licence("TX", date(2028, 12, 31))
    ob = run("TX", tx, [], date(2027, 2, 1))
    assert said(ob, "in force 2027-01-01 to open")


def test_ny_has_no_general_hours_but_a_one_time_topic() -> None:
    ny = licence("NY", date(2027, 12, 31))
    ob = run("NY", ny, [], date(2026, 9, 1))
    assert ob.required_hours is None
    assert said(ob, "assumed 24 months")
    assert ob.status is Status.ON_TRACK
    course = done(date(2019, 1, 1), 2, "ama_pra_1", "other_child_abuse")
    assert run("NY", ny, [course], date(2026, 9, 1)).status is Status.MET


def test_no_hour_requirement_is_not_applicable() -> None:
    ny = rule_for("NY")
    bare = dataclasses.replace(ny, versions=(dataclasses.replace(ny.versions[0], topics=()),))
    ob = run(bare, licence("NY", date(2027, 12, 31)), [], date(2026, 9, 1))
    assert ob.status is Status.NOT_APPLICABLE


FL = licence("FL", date(2028, 1, 31))
FL_TOPICS = [
    done(date(2026, 3, 1), 2, "ama_pra_1", "medical_errors"),
    done(date(2023, 3, 1), 2, "ama_pra_1", "domestic_violence"),
    done(date(2020, 3, 1), 1, "ama_pra_1", "infection_control"),
    done(date(2020, 3, 1), 1, "ama_pra_1", "human_trafficking"),
]


def test_fl_topics_and_every_third_cycle_window() -> None:
    general = done(date(2026, 4, 1), 38)
    ob = run("FL-MD", FL, [general, *FL_TOPICS], date(2027, 1, 1))
    assert (ob.cycle_start, ob.due_date) == (date(2026, 2, 1), date(2028, 1, 31))
    assert topic(ob, "domestic_violence") == (D(2), D(2))  # within the last 3 cycles
    assert ob.counted_hours == D(40)  # topic hours count toward the total
    assert ob.status is Status.MET
    dea_only = [t for t in ob.topics if t.topic == "opioid_prescribing"]
    assert dea_only
    assert not dea_only[0].applies


def test_fl_topic_missing_and_overdue() -> None:
    ob = run("FL-MD", FL, [done(date(2026, 4, 1), 40)], date(2028, 3, 1))
    assert ob.counted_hours == D(40)
    assert ob.status is Status.OVERDUE
    assert ob.remaining_hours == D(6)  # 2 errors + 2 DV + 1 HIV + 1 trafficking


def test_oh_unknown_anchor_uses_licence_expiry_with_assumption() -> None:
    oh = licence("OH", date(2027, 4, 30))
    ob = run("OH", oh, [done(date(2025, 6, 1), 10, "aoa_1a")], date(2026, 1, 1))
    assert (ob.cycle_start, ob.due_date) == (date(2025, 5, 1), date(2027, 4, 30))
    assert said(ob, "cycle anchor unknown")
    assert ob.counted_hours == D(10)
    assert ob.status is Status.ON_TRACK


def test_pa_category_minimum_and_topics() -> None:
    pa = licence("PA", date(2026, 12, 31))
    cat2 = [done(date(2025, 2, 1), 100, "ama_pra_2")]
    ob = run("PA-MD", pa, cat2, date(2026, 6, 1))
    assert (ob.cycle_start, ob.due_date) == (date(2025, 1, 1), date(2026, 12, 31))
    assert ob.counted_hours == D(100)
    assert ob.categories[0].counted == D(0)
    assert ob.status is Status.ON_TRACK
    assert ob.remaining_hours == D(20)  # the 20 h Category 1 minimum dominates
    topics = [
        done(date(2025, 3, 1), 12, "ama_pra_1", "other_patient_safety"),
        done(date(2025, 3, 2), 2, "ama_pra_1", "other_child_abuse"),
        done(date(2025, 3, 3), 6, "ama_pra_1", "other_organ_tissue_donation"),
    ]
    assert run("PA-MD", pa, [*cat2, *topics], date(2026, 6, 1)).status is Status.MET


def test_al_annual_at_risk_lapsed_and_new() -> None:
    al = licence("AL", date(2026, 12, 31))
    ob = run("AL", al, [done(date(2026, 2, 1), 10, "aafp_prescribed")], date(2026, 11, 25))
    assert (ob.cycle_start, ob.due_date) == (date(2026, 1, 1), date(2026, 12, 31))
    assert ob.counted_hours == D(10)  # AAFP Prescribed is accepted
    assert ob.status is Status.AT_RISK
    lapsed = run("AL", licence("AL", date(2025, 12, 31)), [], date(2026, 2, 1))
    assert lapsed.due_date == date(2025, 12, 31)
    assert lapsed.status is Status.OVERDUE
    new = run(
        "AL", licence("AL", date(2026, 12, 31), issued=date(2026, 3, 1)), [], date(2026, 5, 1)
    )
    assert said(new, "Exempt from the annual requirement")


def test_ak_even_years_window_and_equivalence() -> None:
    ak = licence("AK", date(2026, 12, 31), board_type=BoardType.DO)
    credits = [
        done(date(2024, 12, 31), 10),  # previous cycle
        done(date(2025, 1, 1), 30, "aafp_prescribed"),  # counts as AMA PRA Category 1
        done(date(2025, 6, 1), 20, "aoa_2a"),
    ]
    ob = run("AK", ak, credits, date(2025, 6, 1))
    assert (ob.cycle_start, ob.due_date) == (date(2025, 1, 1), date(2026, 12, 31))
    assert ob.counted_hours == D(50)
    assert ob.categories[0].counted == D(30)
    assert ob.remaining_hours == D(20)
    assert ob.status is Status.ON_TRACK
    assert ob.board_type == "DO"


def test_cap_limits_what_a_category_adds() -> None:
    pa = rule_for("PA-MD")
    v = pa.versions[0]
    capped = Category(("ama_pra_2",), D(0), D(50), "at most 50 h Category 2")
    rule = dataclasses.replace(
        pa, versions=(dataclasses.replace(v, categories=(*v.categories, capped)),)
    )
    credits = [done(date(2025, 2, 1), 40, "ama_pra_2"), done(date(2025, 3, 1), 40, "ama_pra_2")]
    ob = run(rule, licence("PA", date(2026, 12, 31)), credits, date(2026, 1, 1))
    assert ob.counted_hours == D(50)
    assert said(ob, "cap reached")


def test_one_credit_counts_for_several_licences_in_a_stable_order() -> None:
    from uuid import UUID

    ca = licence("CA", date(2027, 12, 31), license_id=UUID(int=10))
    ak = licence("AK", date(2026, 12, 31), license_id=UUID(int=11))
    rules = {ca.id: rule_for("CA-MD"), ak.id: rule_for("AK")}
    credit = [done(date(2026, 2, 1), 20)]
    obs = evaluate(physician(), [ca, ak], rules, credit, date(2026, 6, 1))
    assert [o.jurisdiction for o in obs] == ["AK", "CA"]
    assert all(o.counted_hours == D(20) for o in obs)
    assert obs[1].to_dict()["status"] == "on_track"
    assert LICENSE_ID not in {o.license_id for o in obs}
