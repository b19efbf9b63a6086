"""Learner records as the sandbox enforces PARS's rules on them, over REST-XML on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from cmeledger.domain.pars.model import (
    Activity,
    ActivityFormat,
    MocRegistration,
    RecordAction,
)
from cmeledger.domain.pars.results import (
    ActivityResult,
    CreditResult,
    CreditStatus,
    CreditStatusEntry,
    LearnerQuery,
    MatchResult,
)
from cmeledger.domain.pars.rules import ParsRules, Window
from cmeledger.pars import wire_xml
from cmeledger.pars.sandbox import tick
from cmeledger.pars.sandbox.testing import (
    JANE,
    OTHER_PROVIDER,
    PAT,
    PROVIDER,
    SAM,
    RestXmlCaller,
    a_record,
    an_activity,
    cme,
    moc,
    seeded_caller,
    xml_call,
)

TODAY = date(2026, 4, 15)


@pytest.fixture
def pars(tmp_path: Path) -> Iterator[RestXmlCaller]:
    with seeded_caller(tmp_path, today=lambda: TODAY) as caller:
        yield caller


def codes(result: CreditResult | ActivityResult) -> set[str]:
    return {p.code for p in result.problems}


# -- learners: what each record must satisfy -------------------------------------------------


def test_cme_credit_is_accepted_and_moc_credit_waits_for_the_board(pars: RestXmlCaller) -> None:
    accme_id = pars.create()
    results = pars.learners(
        a_record(accme_id, cme("c-cme"), moc("c-mk", "ABIM", "Medical Knowledge"))
    )
    assert [(r.credit_id, r.status) for r in results] == [
        ("c-cme", CreditStatus.ACCEPTED),
        ("c-mk", CreditStatus.PENDING),
    ]


def test_learner_for_an_unknown_activity_is_refused(pars: RestXmlCaller) -> None:
    [result] = pars.learners(a_record("202699999"))
    assert codes(result) == {"ACT-001"}


def test_learner_for_another_providers_activity_is_refused(pars: RestXmlCaller) -> None:
    theirs = pars.save(
        an_activity(provider_id=OTHER_PROVIDER.provider_id), creds=OTHER_PROVIDER
    ).accme_id
    assert theirs is not None
    [result] = pars.learners(a_record(theirs))
    assert codes(result) == {"AUTH-002"}
    other = a_record(theirs, provider_id=OTHER_PROVIDER.provider_id)
    [result] = pars.learners(other)  # our credentials, their ProviderOrganization
    assert codes(result) == {"AUTH-002"}


def test_a_record_without_the_learners_permission_is_refused(pars: RestXmlCaller) -> None:
    accme_id = pars.create()
    [result] = pars.learners(a_record(accme_id, consent=False))
    assert result.status is CreditStatus.REJECTED
    assert "LRN-009" in codes(result)


def test_a_learner_needs_a_licence_npi_or_board_id(pars: RestXmlCaller) -> None:
    accme_id = pars.create()
    bare = replace(JANE, license_state=None, license_number=None, npi=None, board_id=None)
    [result] = pars.learners(a_record(accme_id, learner=bare))
    assert "LRN-010" in codes(result)


def test_birth_month_and_day_must_match_the_registry(pars: RestXmlCaller) -> None:
    accme_id = pars.create()
    [result] = pars.learners(
        a_record(accme_id, learner=replace(JANE, birth=replace(JANE.birth, day=11)))
    )
    assert codes(result) == {"LRN-004"}


def test_an_impossible_birthday_refuses_the_request_naming_the_field(
    pars: RestXmlCaller,
) -> None:
    accme_id = pars.create()
    body = wire_xml.save_learner_request(PROVIDER, [a_record(accme_id)])
    birth = f"-{JANE.birth.month:02d}-{JANE.birth.day:02d}</".encode()
    assert birth in body
    response = xml_call(
        pars.http, pars.base, "SaveLearnerActivity", body.replace(birth, b"-02-30</")
    )
    assert response.status_code == 400
    [problem] = wire_xml.read_error_response(response.content)
    assert problem.code == "XML-001"
    assert "BirthDate" in problem.message
    assert pars.by_credit(f"ccid:example.org:{accme_id}-Doe-cme") == []


@pytest.mark.parametrize(
    "learner",
    [
        replace(JANE, last_name="Dough"),
        replace(JANE, license_number="A999999"),
        replace(JANE, npi="9876543213"),
        replace(JANE, license_state="NY"),
    ],
)
def test_unmatched_learners_are_refused(pars: RestXmlCaller, learner: object) -> None:
    accme_id = pars.create()
    [result] = pars.learners(a_record(accme_id, learner=learner))  # type: ignore[arg-type]
    assert codes(result) == {"LRN-004"}


def test_names_match_regardless_of_case_and_spacing(pars: RestXmlCaller) -> None:
    accme_id = pars.create()
    learner = replace(JANE, first_name=" JANE ", last_name="doe")
    [result] = pars.learners(a_record(accme_id, learner=learner))
    assert result.status is CreditStatus.ACCEPTED


def test_cme_credits_cannot_exceed_those_designated(pars: RestXmlCaller) -> None:
    accme_id = pars.create()
    [result] = pars.learners(a_record(accme_id, cme("c1", "2.25")))
    assert "LRN-006" in codes(result)


def test_moc_points_cannot_exceed_those_registered(pars: RestXmlCaller) -> None:
    accme_id = pars.create()
    results = pars.learners(
        a_record(
            accme_id,
            moc("c1", "ABIM", "Medical Knowledge", "1.5"),
            moc("c2", "ABIM", "Patient Safety", "0.75"),
        )
    )
    assert all("LRN-006" in codes(r) for r in results)


def test_credits_come_in_quarter_steps(pars: RestXmlCaller) -> None:
    accme_id = pars.create()
    [result] = pars.learners(a_record(accme_id, cme("c1", "0.3")))
    assert "LRN-011" in codes(result)


def test_abp_points_are_whole_by_default(pars: RestXmlCaller) -> None:
    accme_id = pars.create()
    credit = moc("c1", "ABP", "Lifelong Learning and Self-Assessment", "1.5")
    [result] = pars.learners(a_record(accme_id, credit, learner=PAT))
    assert "LRN-011" in codes(result)


def test_a_board_the_activity_is_not_registered_for_is_refused(pars: RestXmlCaller) -> None:
    accme_id = pars.create(an_activity(moc=()))
    [result] = pars.learners(a_record(accme_id, moc("c1", "ABIM", "Medical Knowledge")))
    assert "LRN-001" in codes(result)


def test_completion_outside_the_activity_dates_is_refused(pars: RestXmlCaller) -> None:
    accme_id = pars.create()
    [result] = pars.learners(a_record(accme_id, completed_on=date(2026, 3, 3)))
    assert "LRN-002" in codes(result)


def _last_year(pars: RestXmlCaller) -> str:
    return pars.create(
        an_activity(provider_activity_id="old", start=date(2025, 3, 2), end=date(2025, 3, 2))
    )


def test_the_reporting_year_closes_on_31_march_of_the_next_year(pars: RestXmlCaller) -> None:
    accme_id = _last_year(pars)
    [result] = pars.learners(a_record(accme_id, completed_on=date(2025, 3, 2)))
    assert codes(result) == {"LRN-003"}


def test_the_window_is_configurable(tmp_path: Path) -> None:
    with seeded_caller(
        tmp_path, today=lambda: TODAY, rules=ParsRules(window=Window.CURRENT_AND_PREVIOUS)
    ) as pars:
        accme_id = _last_year(pars)
        [result] = pars.learners(a_record(accme_id, completed_on=date(2025, 3, 2)))
        assert result.status is CreditStatus.ACCEPTED


def test_one_bad_credit_refuses_the_whole_record(pars: RestXmlCaller) -> None:
    accme_id = pars.create()
    results = pars.learners(a_record(accme_id, cme("good"), moc("bad", "ABIM", "Made Up")))
    assert [r.status for r in results] == [CreditStatus.REJECTED] * 2
    assert pars.by_credit("good") == []


# -- learners: immutability, duplicates, deletion ---------------------------------------------


def test_an_identical_resend_returns_the_stored_status_and_stores_nothing_new(
    pars: RestXmlCaller,
) -> None:
    accme_id = pars.create()
    record = a_record(accme_id, cme("c-cme"), moc("c-mk", "ABIM", "Medical Knowledge"))
    first = pars.learners(record)
    assert pars.learners(record) == first
    tick(pars.state_path)
    assert [r.status for r in pars.learners(record)] == [CreditStatus.ACCEPTED] * 2
    assert len(pars.by_credit("c-mk")) == 1


def test_a_credit_id_cannot_be_reused_for_different_content(pars: RestXmlCaller) -> None:
    accme_id = pars.create()
    pars.learners(a_record(accme_id, cme("c1", "1.00")))
    [result] = pars.learners(a_record(accme_id, cme("c1", "2.00")))
    assert (result.status, codes(result)) == (CreditStatus.REJECTED, {"LRN-005"})
    [entry] = pars.by_credit("c1")
    assert entry.status is CreditStatus.ACCEPTED


def test_the_same_credit_under_a_new_credit_id_is_a_duplicate(pars: RestXmlCaller) -> None:
    accme_id = pars.create()
    pars.learners(a_record(accme_id, cme("c1")))
    [result] = pars.learners(a_record(accme_id, cme("c2")))
    assert codes(result) == {"LRN-005"}
    # the same learner known by NPI instead of licence is still the same physician
    by_npi = replace(JANE, license_state=None, license_number=None)
    [result] = pars.learners(a_record(accme_id, cme("c3"), learner=by_npi))
    assert codes(result) == {"LRN-005"}


def test_other_credit_types_and_days_are_not_duplicates(pars: RestXmlCaller) -> None:
    accme_id = pars.create(an_activity(end=date(2026, 3, 3)))
    results = pars.learners(
        a_record(accme_id, cme("c1"), moc("c2", "ABIM", "Medical Knowledge")),
        a_record(accme_id, moc("c3", "ABIM", "Patient Safety")),
        a_record(accme_id, cme("c4"), completed_on=date(2026, 3, 3)),
    )
    assert CreditStatus.REJECTED not in {r.status for r in results}


def _abp_activity(fmt: ActivityFormat) -> Activity:
    two_types = ("Lifelong Learning and Self-Assessment", "Quality Improvement")
    return an_activity(format=fmt, moc=(MocRegistration("ABP", Decimal("4"), two_types),))


def test_abp_grants_credit_once_per_activity_per_day(pars: RestXmlCaller) -> None:
    accme_id = pars.create(_abp_activity(ActivityFormat.COURSE))
    first, second = pars.learners(
        a_record(accme_id, moc("p1", "ABP", "Lifelong Learning and Self-Assessment"), learner=PAT),
        a_record(accme_id, moc("p2", "ABP", "Quality Improvement"), learner=PAT),
    )
    assert first.status is CreditStatus.PENDING
    assert codes(second) == {"LRN-005"}


def test_journal_based_cme_is_exempt_from_the_abp_daily_rule(pars: RestXmlCaller) -> None:
    accme_id = pars.create(_abp_activity(ActivityFormat.JOURNAL))
    results = pars.learners(
        a_record(accme_id, moc("p1", "ABP", "Lifelong Learning and Self-Assessment"), learner=PAT),
        a_record(accme_id, moc("p2", "ABP", "Quality Improvement"), learner=PAT),
    )
    assert [r.status for r in results] == [CreditStatus.PENDING] * 2


def test_the_abp_daily_rule_can_be_switched_off(tmp_path: Path) -> None:
    with seeded_caller(
        tmp_path, today=lambda: TODAY, rules=ParsRules(abp_once_per_day=False)
    ) as pars:
        accme_id = pars.create(_abp_activity(ActivityFormat.COURSE))
        results = pars.learners(
            a_record(
                accme_id, moc("p1", "ABP", "Lifelong Learning and Self-Assessment"), learner=PAT
            ),
            a_record(accme_id, moc("p2", "ABP", "Quality Improvement"), learner=PAT),
        )
        assert [r.status for r in results] == [CreditStatus.PENDING] * 2


def test_deleting_an_unknown_credit_id_is_refused(pars: RestXmlCaller) -> None:
    accme_id = pars.create()
    gone = a_record(accme_id, cme("never-sent"), action=RecordAction.DELETE)
    [result] = pars.learners(gone)
    assert (result.status, codes(result)) == (CreditStatus.REJECTED, {"LRN-008"})


def test_delete_then_add_the_correction_under_a_new_credit_id(pars: RestXmlCaller) -> None:
    accme_id = pars.create()
    wrong = a_record(accme_id, cme("c1", "1.00"))
    pars.learners(wrong)
    [deleted] = pars.learners(replace(wrong, action=RecordAction.DELETE))
    assert deleted.status is CreditStatus.DELETED
    [again] = pars.learners(replace(wrong, action=RecordAction.DELETE))
    assert again.status is CreditStatus.DELETED  # a retried delete is harmless
    [fixed] = pars.learners(a_record(accme_id, cme("c2", "1.50")))
    assert fixed.status is CreditStatus.ACCEPTED
    assert [e.status for e in pars.by_credit("c1")] == [CreditStatus.DELETED]
    # a deleted credit ID stays retired: its content cannot change
    [reuse] = pars.learners(a_record(accme_id, cme("c1", "0.50"), completed_on=date(2026, 3, 2)))
    assert codes(reuse) == {"LRN-005"}


def test_another_provider_cannot_delete_our_credit(pars: RestXmlCaller) -> None:
    accme_id = pars.create()
    record = a_record(accme_id, cme("c1"))
    pars.learners(record)
    theirs = replace(record, provider_id=OTHER_PROVIDER.provider_id, action=RecordAction.DELETE)
    [result] = pars.learners(theirs, creds=OTHER_PROVIDER)
    assert codes(result) == {"LRN-008"}
    assert pars.by_credit("c1")[0].status is CreditStatus.ACCEPTED


# -- the boards' answers and status queries ---------------------------------------------------


def test_tick_accepts_known_board_ids_and_rejects_the_rest_with_the_boards_reason(
    pars: RestXmlCaller,
) -> None:
    accme_id = pars.create()
    pars.learners(
        a_record(accme_id, moc("jane-mk", "ABIM", "Medical Knowledge")),
        a_record(accme_id, moc("sam-mk", "ABIM", "Medical Knowledge"), learner=SAM),
    )
    response = pars.http.post(f"{pars.base}/sandbox/tick")
    assert response.json() == {"Accepted": 1, "Rejected": 1}
    [jane] = pars.by_credit("jane-mk")
    [sam] = pars.by_credit("sam-mk")
    assert jane.status is CreditStatus.ACCEPTED
    assert sam.status is CreditStatus.REJECTED
    assert sam.message is not None and sam.message.startswith("Rejected by ABIM")
    assert tick(pars.state_path) == {"Accepted": 0, "Rejected": 0}
    [resent] = pars.learners(
        a_record(accme_id, moc("sam-mk", "ABIM", "Medical Knowledge"), learner=SAM)
    )
    assert resent.status is CreditStatus.REJECTED
    assert codes(resent) == {"BRD-001"}


def test_status_by_credit_id_reports_identifier_and_is_scoped_to_the_provider(
    pars: RestXmlCaller,
) -> None:
    accme_id = pars.create()
    pars.learners(a_record(accme_id, cme("c1"), moc("c2", "ABIM", "Medical Knowledge")))
    [entry] = pars.by_credit("c1")
    assert entry == CreditStatusEntry(
        "c1", accme_id, date(2026, 3, 2), CreditStatus.ACCEPTED, "A123456", "CA"
    )
    assert (pars.by_credit("c2")[0].unique_id, pars.by_credit("c2")[0].domain) == (
        "123456",
        "ABIM",
    )
    assert pars.by_credit("c1", creds=OTHER_PROVIDER) == []
    assert pars.by_credit("unknown") == []


@pytest.mark.parametrize(("unique_id", "birth"), [("A123456", "09-10"), ("1234567893", "09/10"),
                                                  ("123456", "1900-09-10")])  # fmt: skip
def test_status_by_learner_finds_credits_by_any_of_the_learners_ids(
    pars: RestXmlCaller, unique_id: str, birth: str
) -> None:
    accme_id = pars.create()
    pars.learners(a_record(accme_id, cme("c1"), moc("c2", "ABIM", "Medical Knowledge")))
    query = LearnerQuery(accme_id, birth, date(2026, 3, 2), unique_id)
    assert [e.credit_id for e in pars.by_learner(query)] == ["c1", "c2"]
    assert pars.by_learner(query, creds=OTHER_PROVIDER) == []
    assert pars.by_learner(replace(query, birth="09-11")) == []
    assert pars.by_learner(replace(query, unique_id="nope")) == []


def test_learner_match_checks_every_identifier_given(pars: RestXmlCaller) -> None:
    assert pars.match(JANE) == MatchResult(True)
    assert pars.match(replace(JANE, license_state=None, license_number=None, npi=None)).matched
    assert not pars.match(replace(JANE, board_id="000000")).matched
    unknown = pars.match(replace(JANE, first_name="Janet"))
    assert unknown == MatchResult(False, "Learner could not be matched")
