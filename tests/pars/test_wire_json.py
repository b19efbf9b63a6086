"""The JSON transport's messages: each writer and reader agree, and bad answers are refused."""

from __future__ import annotations

import base64
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cmeledger.domain.pars.model import RecordAction
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
from cmeledger.pars import wire_json
from cmeledger.pars.errors import ParsDocumentError
from cmeledger.pars.sandbox.testing import JANE, PAT, PROVIDER, a_record, an_activity, cme, moc

text = st.text(st.characters(exclude_categories=("Cs", "Cc", "Cn")), min_size=1, max_size=40)
problems = st.lists(st.builds(Problem, text, text, text), max_size=3).map(tuple)
credit_results = st.lists(
    st.builds(CreditResult, text, st.sampled_from(CreditStatus), problems), max_size=5
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


def test_auth_headers_carry_basic_credentials_and_provider_id() -> None:
    headers = wire_json.auth_headers(PROVIDER)
    scheme, token = headers["Authorization"].split()
    assert scheme == "Basic"
    assert base64.b64decode(token).decode() == f"{PROVIDER.user}:{PROVIDER.password}"
    assert wire_json.read_auth_headers(headers) == PROVIDER


def test_password_with_colon_survives_basic_auth() -> None:
    creds = Credentials("0001234", "user", "pa:ss:word")
    assert wire_json.read_auth_headers(wire_json.auth_headers(creds)) == creds


def test_garbled_basic_token_reads_as_no_credentials() -> None:
    creds = wire_json.read_auth_headers({"Authorization": "Basic %%%", "X-Provider-Id": "0001234"})
    assert (creds.user, creds.password) == ("", "")


def test_credit_id_is_fully_escaped_in_the_delete_path() -> None:
    assert (
        wire_json.credit_path("ccid:x.org:a/b c") == "/learner-activities/ccid%3Ax.org%3Aa%2Fb%20c"
    )


def test_status_params_round_trip_by_credit_id_and_by_learner() -> None:
    assert wire_json.read_status_params(wire_json.status_params_by_credit_id("c1")) == "c1"
    query = LearnerQuery("202600001", "09-10", date(2026, 3, 2), "A123456")
    assert wire_json.read_status_params(wire_json.status_params_by_learner(query)) == query


def test_incomplete_status_params_are_refused() -> None:
    with pytest.raises(ParsDocumentError, match="UniqueID"):
        wire_json.read_status_params({"moduleID": "202600001", "BirthDate": "09-10",
                                      "CompletionDate": "2026-03-02"})  # fmt: skip


def test_permission_header_reflects_consent_and_refuses_mixtures() -> None:
    yes = a_record("202600001")
    no = a_record("202600001", consent=False)
    assert wire_json.permission_headers([yes]) == {wire_json.PERMISSION_HEADER: "true"}
    assert wire_json.permission_headers([no]) == {wire_json.PERMISSION_HEADER: "false"}
    gone = a_record("202600001", consent=False, action=RecordAction.DELETE)
    assert wire_json.permission_headers([yes, gone]) == {wire_json.PERMISSION_HEADER: "true"}
    with pytest.raises(ValueError, match="separately"):
        wire_json.permission_headers([yes, no])
    assert wire_json.read_permission_header({"x-learner-permission": "true"})
    assert not wire_json.read_permission_header({})


def test_save_activity_request_round_trips() -> None:
    activity = an_activity()
    assert wire_json.read_save_activity_request(wire_json.save_activity_request([activity])) == [
        activity
    ]


def test_all_accepted_activities_answer_201_with_ids() -> None:
    saved = [an_activity(accme_id="202600001")]
    answer = wire_json.save_activity_response([ActivityResult("202600001", True)], saved)
    assert answer.status == 201
    assert wire_json.read_save_activity_response(answer.body) == [ActivityResult("202600001", True)]


def test_a_refused_activity_answers_400_with_each_outcome() -> None:
    results = [
        ActivityResult("202600001", True),
        ActivityResult(None, False, (Problem("ACT-005", "numberOfCredits", "steps"),)),
    ]
    answer = wire_json.save_activity_response(results, [an_activity(), an_activity()])
    assert answer.status == 400
    assert wire_json.read_save_activity_response(answer.body) == results
    assert wire_json.read_error_response(answer.body) == [results[1].problems[0]]


def test_saved_activity_without_id_is_a_document_error() -> None:
    body = wire_json.activities_response([an_activity()])
    with pytest.raises(ParsDocumentError, match="ACCME Activity ID"):
        wire_json.read_save_activity_response(body)


def test_get_activity_response_round_trips_and_needs_exactly_one() -> None:
    activity = an_activity(accme_id="202600001")
    assert wire_json.read_get_activity_response(wire_json.activities_response([activity])) == (
        activity
    )
    with pytest.raises(ParsDocumentError, match="2 activities"):
        wire_json.read_get_activity_response(wire_json.activities_response([activity] * 2))


def test_save_learner_request_round_trips_with_consent_from_the_header() -> None:
    record = a_record(
        "202600001",
        cme("ccid:x:1"),
        moc("ccid:x:2", "ABIM", "Medical Knowledge"),
    )
    body = wire_json.save_learner_request([record])
    assert wire_json.read_save_learner_request(body, consent=True) == [record]
    assert not wire_json.read_save_learner_request(body, consent=False)[0].consent


@given(credit_results)
def test_save_learner_response_round_trips(results: list[CreditResult]) -> None:
    assert wire_json.read_save_learner_response(wire_json.save_learner_response(results)) == results


@given(entries)
def test_status_response_round_trips(items: list[CreditStatusEntry]) -> None:
    assert wire_json.read_learner_status_response(wire_json.learner_status_response(items)) == items


@pytest.mark.parametrize("learner", [JANE, PAT])
def test_learner_match_request_round_trips(learner: object) -> None:
    assert wire_json.read_learner_match_request(wire_json.learner_match_request(learner)) == learner  # type: ignore[arg-type]


@pytest.mark.parametrize("result", [MatchResult(True), MatchResult(False, "not matched")])
def test_learner_match_response_round_trips(result: MatchResult) -> None:
    assert wire_json.read_learner_match_response(wire_json.learner_match_response(result)) == result


@given(problems.filter(bool))
def test_error_response_round_trips(found: tuple[Problem, ...]) -> None:
    assert wire_json.read_error_response(wire_json.error_response(found)) == list(found)


def test_drafts_plain_code_message_error_is_read() -> None:
    assert wire_json.read_error_response(b'{"code": "403", "message": "Forbidden"}') == [
        Problem("403", "", "Forbidden")
    ]


@given(credit_results.filter(bool), st.data())
def test_truncated_learner_response_is_a_document_error(
    results: list[CreditResult], data: st.DataObject
) -> None:
    body = wire_json.save_learner_response(results)
    cut = data.draw(st.integers(0, len(body) - 1))
    with pytest.raises(ParsDocumentError):
        wire_json.read_save_learner_response(body[:cut])


@pytest.mark.parametrize(
    ("reader", "body"),
    [
        (wire_json.read_save_learner_response, b'{"LearnerResults": [{"CreditID": "x"}]}'),
        (wire_json.read_save_learner_response,
         b'{"LearnerResults": [{"CreditID": "x", "Status": "Maybe"}]}'),
        (wire_json.read_save_learner_response, b"[]"),
        (wire_json.read_learner_match_response, b'{"Matched": "yes"}'),
        (wire_json.read_learner_status_response, b'{"Status": "Accepted"}'),
        (wire_json.read_learner_status_response,
         b'[{"CreditID": "x", "moduleID": "1", "CompletedDateTime": "soon", "Status": "Pending"}]'),
        (wire_json.read_save_activity_response, b'{"code": "X"}'),
        (wire_json.read_error_response, b'{"message": "no code"}'),
    ],
)  # fmt: skip
def test_misshapen_answers_are_document_errors(reader: object, body: bytes) -> None:
    with pytest.raises(ParsDocumentError):
        reader(body)  # type: ignore[operator]
