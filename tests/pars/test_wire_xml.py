"""The REST-XML messages: each writer and reader agree, and bad answers are refused."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

from cmeledger.domain.pars.model import Learner, RecordAction
from cmeledger.domain.pars.results import (
    ActivityResult,
    Credentials,
    CreditResult,
    CreditStatus,
    CreditStatusEntry,
    LearnerQuery,
    MatchResult,
)
from cmeledger.domain.pars.rules import Problem
from cmeledger.pars import wire_xml
from cmeledger.pars.errors import (
    ParsAuthError,
    ParsDocumentError,
    ParsRejectedError,
    ParsUnavailableError,
)
from cmeledger.pars.sandbox.testing import JANE, PAT, PROVIDER, a_record, an_activity, cme, moc

# Text as XML carries it: no control characters or non-characters, no edge whitespace.
text = (
    st.text(st.characters(exclude_categories=("Cs", "Cc", "Cn")), min_size=1, max_size=40)
    .map(str.strip)
    .filter(bool)
)
problems = st.lists(st.builds(Problem, text, text, text), max_size=3).map(tuple)
credit_results = st.lists(
    st.builds(CreditResult, text, st.sampled_from(CreditStatus), problems), max_size=5
)
activity_results = st.lists(
    st.builds(ActivityResult, st.none() | st.from_regex(r"\A\d{9}\Z"), st.booleans(), problems),
    max_size=4,
)
entries = st.lists(
    st.builds(
        CreditStatusEntry,
        credit_id=text,
        accme_activity_id=st.from_regex(r"\A\d{9}\Z"),
        completed_on=st.dates(date(2000, 1, 1), date(2099, 12, 31)),
        status=st.sampled_from(CreditStatus),
        unique_id=st.none() | text,
        domain=st.none() | text,
        message=st.none() | text,
    ).filter(lambda e: e.unique_id is not None or e.domain is None),
    max_size=5,
)
credentials = st.builds(
    Credentials,
    st.from_regex(r"\A\d{7}\Z"),
    text,
    st.text(st.characters(exclude_categories=("Cs", "Cc", "Cn")), min_size=1, max_size=30),
)


def test_operations_live_on_their_documented_services() -> None:
    assert wire_xml.operation_path("SaveActivity") == (
        "/services/ACCMEActivityService.svc/SaveActivity"
    )
    assert wire_xml.operation_path("GetLearnerStatusByCreditId") == (
        "/services/ACCMELearnerService.svc/GetLearnerStatusByCreditId"
    )
    assert len(wire_xml.OPERATIONS) == 6


def test_request_carries_credentials_as_body_elements() -> None:
    root = etree.fromstring(wire_xml.get_activity_request(PROVIDER, "202600001"))
    assert root.tag == "GetActivityRequest"
    assert [c.tag for c in root] == ["ProviderId", "User", "Password", "ActivityId"]
    assert root.findtext("Password") == PROVIDER.password


@given(credentials)
def test_credentials_round_trip_including_spaces_in_the_password(creds: Credentials) -> None:
    body = wire_xml.status_by_credit_id_request(creds, "c1")
    assert wire_xml.read_status_by_credit_id_request(body) == (creds, "c1")


def test_absent_credentials_read_as_empty_strings() -> None:
    body = b"<GetActivityRequest><ActivityId>202600001</ActivityId></GetActivityRequest>"
    assert wire_xml.read_get_activity_request(body) == (Credentials("", "", ""), "202600001")


def test_save_activity_request_round_trips() -> None:
    activity = an_activity()
    assert wire_xml.read_save_activity_request(
        wire_xml.save_activity_request(PROVIDER, [activity])
    ) == (PROVIDER, [activity])


def test_get_activity_response_round_trips() -> None:
    activity = an_activity(accme_id="202600001")
    assert wire_xml.read_get_activity_response(wire_xml.get_activity_response(activity)) == (
        activity
    )


def test_save_learner_request_round_trips_with_permission() -> None:
    record = a_record("202600001", cme("c1"), moc("c2", "ABIM", "Medical Knowledge"))
    creds, records = wire_xml.read_save_learner_request(
        wire_xml.save_learner_request(PROVIDER, [record])
    )
    assert (creds, records) == (PROVIDER, [record])


def test_learner_permission_false_or_absent_means_no_consent() -> None:
    record = a_record("202600001", consent=False)
    body = wire_xml.save_learner_request(PROVIDER, [record])
    assert b"<LearnerPermission>false</LearnerPermission>" in body
    assert not wire_xml.read_save_learner_request(body)[1][0].consent
    stripped = body.replace(b"<LearnerPermission>false</LearnerPermission>", b"")
    assert not wire_xml.read_save_learner_request(stripped)[1][0].consent


def test_mixing_records_with_and_without_permission_is_a_callers_bug() -> None:
    yes, no = a_record("202600001"), a_record("202600001", consent=False)
    with pytest.raises(ValueError, match="separately"):
        wire_xml.save_learner_request(PROVIDER, [yes, no])
    deletion = a_record("202600001", consent=False, action=RecordAction.DELETE)
    assert b"<LearnerPermission>true" in wire_xml.save_learner_request(PROVIDER, [yes, deletion])


@pytest.mark.parametrize("learner", [JANE, PAT, Learner("A", "B", JANE.birth, npi="1234567893")])
def test_learner_match_request_round_trips(learner: Learner) -> None:
    body = wire_xml.learner_match_request(PROVIDER, learner)
    assert wire_xml.read_learner_match_request(body) == (PROVIDER, learner)


def test_learner_match_request_with_an_impossible_birthday_is_refused() -> None:
    body = wire_xml.learner_match_request(PROVIDER, JANE).replace(
        b"<BirthDay>10</BirthDay>", b"<BirthDay>31</BirthDay>"
    )
    with pytest.raises(ParsDocumentError, match="BirthMonth"):
        wire_xml.read_learner_match_request(body.replace(b"<BirthMonth>09", b"<BirthMonth>02"))


@pytest.mark.parametrize("result", [MatchResult(True), MatchResult(False, "not matched")])
def test_learner_match_response_round_trips(result: MatchResult) -> None:
    assert wire_xml.read_learner_match_response(wire_xml.learner_match_response(result)) == result


def test_status_by_learner_request_round_trips() -> None:
    query = LearnerQuery("202600001", "09-10", date(2026, 3, 2), "A123456")
    assert wire_xml.read_status_by_learner_request(
        wire_xml.status_by_learner_request(PROVIDER, query)
    ) == (PROVIDER, query)


@given(activity_results)
def test_save_activity_response_round_trips(results: list[ActivityResult]) -> None:
    body = wire_xml.save_activity_response(results)
    assert wire_xml.read_save_activity_response(body) == results


@given(credit_results)
def test_save_learner_response_round_trips(results: list[CreditResult]) -> None:
    body = wire_xml.save_learner_response(results)
    assert wire_xml.read_save_learner_response(body) == results


@given(entries)
def test_status_responses_round_trip(items: list[CreditStatusEntry]) -> None:
    by_credit = wire_xml.status_by_credit_id_response(items)
    assert wire_xml.read_status_by_credit_id_response(by_credit) == items
    by_learner = wire_xml.status_by_learner_response(items)
    assert wire_xml.read_status_by_learner_response(by_learner) == items
    with pytest.raises(ParsDocumentError, match="expected"):
        wire_xml.read_status_by_learner_response(by_credit)


@given(problems.filter(bool))
def test_error_response_round_trips(found: tuple[Problem, ...]) -> None:
    assert wire_xml.read_error_response(wire_xml.error_response(found)) == list(found)


@given(credit_results.filter(bool), st.data())
def test_every_truncation_of_an_answer_is_a_document_error(
    results: list[CreditResult], data: st.DataObject
) -> None:
    body = wire_xml.save_learner_response(results)
    cut = data.draw(st.integers(0, len(body) - 1))
    with pytest.raises(ParsDocumentError):
        wire_xml.read_save_learner_response(body[:cut])


@pytest.mark.parametrize(
    ("code", "status", "error"),
    [
        ("AUTH-001", 401, ParsAuthError),
        ("ACT-001", 404, ParsRejectedError),
        ("SYS-503", 503, ParsUnavailableError),
    ],
)
def test_an_error_envelope_raises_the_matching_error_from_any_reader(
    code: str, status: int, error: type[Exception]
) -> None:
    body = wire_xml.error_response([Problem(code, "f", "m")])
    with pytest.raises(error, match=code) as caught:
        wire_xml.read_save_learner_response(body)
    assert [p.code for p in caught.value.problems] == [code]  # type: ignore[attr-defined]
    assert isinstance(wire_xml.error_for([], status), error)


@pytest.mark.parametrize(
    ("reader", "body"),
    [
        (wire_xml.read_save_learner_response, b"<SaveLearnerActivityResponse/>"),
        (wire_xml.read_save_learner_response,
         b"<SaveLearnerActivityResponse><Status>Success</Status><LearnerResults><LearnerResult>"
         b"<CreditID>c</CreditID><Status>Maybe</Status></LearnerResult></LearnerResults>"
         b"</SaveLearnerActivityResponse>"),
        (wire_xml.read_save_activity_response,
         b"<SaveActivityResponse><Status>Success</Status><ActivityResults><ActivityResult>"
         b"<Status>Perhaps</Status></ActivityResult></ActivityResults></SaveActivityResponse>"),
        (wire_xml.read_learner_match_response,
         b"<GetLearnerMatchResponse><Matched>yes</Matched></GetLearnerMatchResponse>"),
        (wire_xml.read_status_by_credit_id_response,
         b"<GetLearnerStatusByCreditIdResponse><Status>Success</Status><LearnerStatuses>"
         b"<LearnerStatus><CreditID>c</CreditID><ModuleID>1</ModuleID><CompletedDateTime>soon"
         b"</CompletedDateTime><Status>Accepted</Status></LearnerStatus></LearnerStatuses>"
         b"</GetLearnerStatusByCreditIdResponse>"),
        (wire_xml.read_get_activity_response, b"<SaveActivityResponse/>"),
        (wire_xml.read_error_response, b"<SaveActivityResponse/>"),
        (wire_xml.read_save_activity_response, b"not xml at all"),
        (wire_xml.read_save_activity_response, b""),
    ],
)  # fmt: skip
def test_misshapen_answers_are_document_errors(reader: object, body: bytes) -> None:
    with pytest.raises(ParsDocumentError):
        reader(body)  # type: ignore[operator]
