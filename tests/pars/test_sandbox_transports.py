"""The same PARS over its three transports: REST-XML, the drafts' JSON paths, and SOAP (driven by
zeep from our WSDL, loaded with no network)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
import zeep.exceptions
from lxml import etree

from cmeledger.domain.pars.model import RecordAction
from cmeledger.domain.pars.results import Credentials, CreditStatus, LearnerQuery, MatchResult
from cmeledger.pars import soap, wire_json, wire_xml
from cmeledger.pars.sandbox.testing import (
    JANE,
    PROVIDER,
    STATE_FILE,
    a_record,
    an_activity,
    cme,
    moc,
    offline_zeep_client,
    running_sandbox,
    seed,
    xml_call,
)
from cmeledger.pars.xml_documents import learner_element, mems_element, read_mems_element

TODAY = date(2026, 4, 15)


@pytest.fixture
def base(tmp_path: Path) -> Iterator[str]:
    seed(tmp_path / STATE_FILE)
    with running_sandbox(tmp_path, today=lambda: TODAY) as url:
        yield url


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client() as client:
        yield client


# -- JSON --------------------------------------------------------------------------------------


def _json(base: str) -> str:
    return f"{base}{wire_json.BASE_PATH}"


def test_json_transport_end_to_end(base: str, http: httpx.Client) -> None:
    auth = wire_json.auth_headers(PROVIDER)
    created = http.post(
        f"{_json(base)}/activities",
        content=wire_json.save_activity_request([an_activity()]),
        headers=auth,
    )
    assert created.status_code == 201
    [result] = wire_json.read_save_activity_response(created.content)
    accme_id = result.accme_id
    assert accme_id == "202600001"

    got = http.get(f"{_json(base)}{wire_json.activity_path(accme_id)}", headers=auth)
    assert wire_json.read_get_activity_response(got.content).title == an_activity().title
    found = http.get(
        f"{_json(base)}/activities",
        params={"providerActivityId": "GR-2026-03", "activityStartDate": "2026-03-02",
                "activityTypeName": "Live Course"},
        headers=auth,
    )  # fmt: skip
    assert [a.accme_id for a in wire_json.read_activities_response(found.content)] == [accme_id]
    none = http.get(f"{_json(base)}/activities", params={"providerActivityId": "x"}, headers=auth)
    assert none.status_code == 404

    records = [a_record(accme_id, cme("ccid:x:1"), moc("ccid:x/2", "ABIM", "Medical Knowledge"))]
    saved = http.post(
        f"{_json(base)}/learner-activities",
        content=wire_json.save_learner_request(records),
        headers={**auth, **wire_json.permission_headers(records)},
    )
    assert saved.status_code == 201
    statuses = [r.status for r in wire_json.read_save_learner_response(saved.content)]
    assert statuses == [CreditStatus.ACCEPTED, CreditStatus.PENDING]

    by_id = http.get(
        f"{_json(base)}{wire_json.LEARNER_STATUS}",
        params=wire_json.status_params_by_credit_id("ccid:x/2"),
        headers=auth,
    )
    [entry] = wire_json.read_learner_status_response(by_id.content)
    assert (entry.credit_id, entry.status, entry.domain) == (
        "ccid:x/2",
        CreditStatus.PENDING,
        "ABIM",
    )
    query = LearnerQuery(accme_id, "09-10", date(2026, 3, 2), "1234567893")
    by_learner = http.get(
        f"{_json(base)}{wire_json.LEARNER_STATUS}",
        params=wire_json.status_params_by_learner(query),
        headers=auth,
    )
    assert len(wire_json.read_learner_status_response(by_learner.content)) == 2

    deleted = http.delete(f"{_json(base)}{wire_json.credit_path('ccid:x/2')}", headers=auth)
    assert deleted.status_code == 204
    missing = http.delete(f"{_json(base)}{wire_json.credit_path('ccid:nope')}", headers=auth)
    assert missing.status_code == 404
    assert [p.code for p in wire_json.read_error_response(missing.content)] == ["LRN-008"]
    unknown = http.get(
        f"{_json(base)}{wire_json.LEARNER_STATUS}", params={"CreditId": "nope"}, headers=auth
    )
    assert unknown.status_code == 404

    matched = http.post(
        f"{_json(base)}{wire_json.LEARNER_MATCH}",
        content=wire_json.learner_match_request(JANE),
        headers=auth,
    )
    assert wire_json.read_learner_match_response(matched.content) == MatchResult(True)


def test_json_refuses_bad_credentials_with_401_and_a_challenge(
    base: str, http: httpx.Client
) -> None:
    bad = wire_json.auth_headers(Credentials(PROVIDER.provider_id, PROVIDER.user, "wrong"))
    response = http.get(f"{_json(base)}/activities/202600001", headers=bad)
    assert response.status_code == 401
    assert "Basic" in response.headers["www-authenticate"]
    assert [p.code for p in wire_json.read_error_response(response.content)] == ["AUTH-001"]


def test_json_learners_without_the_permission_header_are_refused(
    base: str, http: httpx.Client
) -> None:
    auth = wire_json.auth_headers(PROVIDER)
    http.post(f"{_json(base)}/activities", content=wire_json.save_activity_request([an_activity()]),
              headers=auth)  # fmt: skip
    response = http.post(
        f"{_json(base)}/learner-activities",
        content=wire_json.save_learner_request([a_record("202600001")]),
        headers=auth,
    )
    [result] = wire_json.read_save_learner_response(response.content)
    assert "LRN-009" in {p.code for p in result.problems}


def test_json_invalid_activity_answers_400_with_results(base: str, http: httpx.Client) -> None:
    response = http.post(
        f"{_json(base)}/activities",
        content=wire_json.save_activity_request([an_activity(credits=Decimal("0.1"))]),
        headers=wire_json.auth_headers(PROVIDER),
    )
    assert response.status_code == 400
    [result] = wire_json.read_save_activity_response(response.content)
    assert not result.accepted
    assert "ACT-005" in {p.code for p in result.problems}


def test_json_malformed_body_is_a_400_naming_the_problem(base: str, http: httpx.Client) -> None:
    response = http.post(
        f"{_json(base)}/activities",
        content=b'{"ACCMEActivities": ',
        headers=wire_json.auth_headers(PROVIDER),
    )
    assert response.status_code == 400
    [problem] = wire_json.read_error_response(response.content)
    assert problem.code == "JSON-001"
    assert "line 1" in problem.message


# -- SOAP --------------------------------------------------------------------------------------


def _zeep(base: str) -> tuple[Any, Any]:
    client = offline_zeep_client()
    activity = client.create_service(
        "{http://tempuri.org/}ACCMEActivityServiceSoap",
        f"{base}/services/ACCMEActivityService.svc/soap",
    )
    learner = client.create_service(
        "{http://tempuri.org/}ACCMELearnerServiceSoap",
        f"{base}/services/ACCMELearnerService.svc/soap",
    )
    return activity, learner


def test_soap_via_zeep_end_to_end(base: str) -> None:
    activities, learners = _zeep(base)
    creds = {
        "ProviderId": PROVIDER.provider_id,
        "User": PROVIDER.user,
        "Password": PROVIDER.password,
    }
    saved = activities.SaveActivity(**creds, _value_1=mems_element([an_activity()]))
    assert saved.Status == "Success"
    accme_id = saved.ActivityResults.ActivityResult[0].ACCMEActivityId
    assert accme_id == "202600001"

    got = activities.GetActivity(**creds, ActivityId=accme_id)
    [activity] = read_mems_element(got._value_1)
    assert activity.accme_id == accme_id

    records = [a_record(accme_id, cme("c1"), moc("c2", "ABIM", "Medical Knowledge"))]
    result = learners.SaveLearnerActivity(
        **creds, LearnerPermission=True, _value_1=learner_element(records)
    )
    assert [(r.CreditID, r.Status) for r in result.LearnerResults.LearnerResult] == [
        ("c1", "Accepted"),
        ("c2", "Pending"),
    ]
    status = learners.GetLearnerStatusByCreditId(**creds, CreditId="c2")
    [entry] = status.LearnerStatuses.LearnerStatus
    assert (entry.Status, entry.UniqueID._value_1, entry.UniqueID.domain) == (
        "Pending",
        "123456",
        "ABIM",
    )
    by_learner = learners.GetLearnerStatusByLearner(
        **creds,
        ModuleID=accme_id,
        BirthDate="09-10",
        CompletionDate="2026-03-02",
        UniqueID="A123456",
    )
    assert len(by_learner.LearnerStatuses.LearnerStatus) == 2
    match = learners.GetLearnerMatch(
        **creds, FirstName="Jane", LastName="Doe", BirthMonth="09", BirthDay="10", NPI="1234567893"
    )
    assert match.Matched is True


def test_soap_refusals_are_faults_with_the_pars_problem_in_the_detail(base: str) -> None:
    activities, _ = _zeep(base)
    with pytest.raises(zeep.exceptions.Fault) as caught:
        activities.GetActivity(
            ProviderId=PROVIDER.provider_id, User=PROVIDER.user, Password="wrong", ActivityId="1"
        )
    assert caught.value.code.endswith("Client")
    detail = etree.tostring(caught.value.detail).decode()
    assert "AUTH-001" in detail


def test_soap_envelopes_from_our_helpers_round_trip(base: str, http: httpx.Client) -> None:
    request = soap.envelope(wire_xml.save_activity_request(PROVIDER, [an_activity()]))
    response = http.post(
        f"{base}/services/ACCMEActivityService.svc/soap",
        content=request,
        headers={
            "Content-Type": soap.CONTENT_TYPE,
            "SOAPAction": f'"{soap.soap_action("SaveActivity")}"',
        },
    )
    assert response.status_code == 200
    [result] = wire_xml.read_save_activity_response(soap.read_envelope(response.content))
    assert result.accme_id == "202600001"


def test_soap_operation_must_belong_to_the_service_and_action(
    base: str, http: httpx.Client
) -> None:
    request = soap.envelope(wire_xml.status_by_credit_id_request(PROVIDER, "c1"))
    wrong_service = http.post(f"{base}/services/ACCMEActivityService.svc/soap", content=request)
    assert wrong_service.status_code == 500
    assert [p.code for p in soap.read_fault(wrong_service.content)] == ["XML-003"]
    wrong_action = http.post(
        f"{base}/services/ACCMELearnerService.svc/soap",
        content=request,
        headers={"SOAPAction": soap.soap_action("SaveLearnerActivity")},
    )
    assert [p.code for p in soap.read_fault(wrong_action.content)] == ["XML-003"]


def test_the_wsdl_is_served_with_this_sandboxs_addresses_and_zeep_loads_it(
    base: str, http: httpx.Client, tmp_path: Path
) -> None:
    response = http.get(f"{base}/services/ACCMELearnerService.svc?wsdl")
    assert response.status_code == 200
    assert f"{base}/services/ACCMELearnerService.svc/soap".encode() in response.content
    assert b"parsii.accme.org" not in response.content
    served = tmp_path / "served.wsdl"
    served.write_bytes(response.content)
    client = offline_zeep_client(served)
    ports = {name for service in client.wsdl.services.values() for name in service.ports}
    assert ports == {"ACCMEActivityServiceSoap", "ACCMELearnerServiceSoap"}
    assert http.get(f"{base}/services/ACCMELearnerService.svc").status_code == 404


# -- REST-XML odds and ends -------------------------------------------------------------------


def test_an_operation_posted_to_the_wrong_service_is_not_found(
    base: str, http: httpx.Client
) -> None:
    response = http.post(
        f"{base}/services/ACCMEActivityService.svc/SaveLearnerActivity",
        content=wire_xml.save_learner_request(PROVIDER, [a_record("202600001")]),
    )
    assert response.status_code == 404
    assert [p.code for p in wire_xml.read_error_response(response.content)] == ["XML-003"]


def test_a_request_body_for_another_operation_is_a_400(base: str, http: httpx.Client) -> None:
    response = xml_call(
        http, base, "GetActivity", wire_xml.status_by_credit_id_request(PROVIDER, "c1")
    )
    assert response.status_code == 400
    [problem] = wire_xml.read_error_response(response.content)
    assert problem.code == "XML-001"
    assert "GetActivityRequest" in problem.message


def test_soap_qualified_bodies_are_also_read_over_rest(base: str, http: httpx.Client) -> None:
    envelope = soap.envelope(wire_xml.get_activity_request(PROVIDER, "202600001"))
    qualified = etree.tostring(etree.fromstring(envelope)[0][0])
    response = xml_call(http, base, "GetActivity", qualified)
    assert [p.code for p in wire_xml.read_error_response(response.content)] == ["ACT-001"]


def test_a_delete_record_over_rest_xml_needs_no_permission(base: str, http: httpx.Client) -> None:
    xml_call(http, base, "SaveActivity", wire_xml.save_activity_request(PROVIDER, [an_activity()]))
    record = a_record("202600001", cme("c1"))
    xml_call(http, base, "SaveLearnerActivity", wire_xml.save_learner_request(PROVIDER, [record]))
    gone = a_record("202600001", cme("c1"), consent=False, action=RecordAction.DELETE)
    response = xml_call(
        http, base, "SaveLearnerActivity", wire_xml.save_learner_request(PROVIDER, [gone])
    )
    [result] = wire_xml.read_save_learner_response(response.content)
    assert result.status is CreditStatus.DELETED
