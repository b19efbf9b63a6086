"""SOAP 1.1 envelopes and the WSDL, checked against zeep's reading of the WSDL (no network)."""

from __future__ import annotations

from typing import Any

import pytest
from lxml import etree

from cmeledger.domain.pars.results import CreditResult, CreditStatus, MatchResult
from cmeledger.domain.pars.rules import Problem
from cmeledger.pars import soap, wire_xml
from cmeledger.pars.errors import ParsAuthError, ParsDocumentError, ParsRejectedError
from cmeledger.pars.sandbox.testing import (
    JANE,
    PROVIDER,
    a_record,
    an_activity,
    offline_zeep_client,
)

CREDS = {"ProviderId": PROVIDER.provider_id, "User": PROVIDER.user, "Password": PROVIDER.password}


@pytest.fixture(scope="module")
def client() -> Any:
    return offline_zeep_client()


def _service(client: Any, name: str) -> Any:
    return client.bind(name, f"{name}Soap")


def test_the_wsdl_says_it_was_written_from_the_documentation() -> None:
    head = soap.WSDL_PATH.read_text()[:2000]
    assert "FROM THE PUBLIC DOCUMENTATION, not ACCME's WSDL" in head


def test_zeep_loads_the_wsdl_offline_with_one_port_per_service(client: Any) -> None:
    services = {name: list(s.ports) for name, s in client.wsdl.services.items()}
    assert services == {
        "ACCMEActivityService": ["ACCMEActivityServiceSoap"],
        "ACCMELearnerService": ["ACCMELearnerServiceSoap"],
    }
    operations = {
        op
        for service in client.wsdl.services.values()
        for port in service.ports.values()
        for op in port.binding._operations
    }
    assert operations == set(wire_xml.OPERATIONS)


@pytest.mark.parametrize("operation", sorted(wire_xml.OPERATIONS))
def test_soap_actions_match_the_wsdl(client: Any, operation: str) -> None:
    name = wire_xml.OPERATIONS[operation].removeprefix("/services/").removesuffix(".svc")
    binding = client.wsdl.services[name].ports[f"{name}Soap"].binding
    assert binding.get(operation).soapaction == soap.soap_action(operation)


def test_zeeps_request_is_read_by_our_wire_reader(client: Any) -> None:
    learners = _service(client, "ACCMELearnerService")
    message = client.create_message(
        learners,
        "GetLearnerMatch",
        **CREDS,
        FirstName="Jane",
        LastName="Doe",
        BirthMonth="09",
        BirthDay="10",
        LicenseState="CA",
        LicenseId="A123456",
        NPI="1234567893",
        Board="ABIM",
        BoardId="123456",
    )
    data = etree.tostring(message)
    assert soap.message_name(data) == "GetLearnerMatchRequest"
    assert wire_xml.read_learner_match_request(soap.read_envelope(data)) == (PROVIDER, JANE)


def test_our_request_envelope_is_what_zeep_would_send(client: Any) -> None:
    ours = etree.fromstring(soap.envelope(wire_xml.status_by_credit_id_request(PROVIDER, "c1")))
    theirs = client.create_message(
        _service(client, "ACCMELearnerService"),
        "GetLearnerStatusByCreditId",
        **CREDS,
        CreditId="c1",
    )
    body = f"{{{soap.SOAP_ENV}}}Body"

    def shape(env: Any) -> list[tuple[str, str | None]]:
        return [(el.tag, (el.text or "").strip() or None) for el in env.find(body).iter()]

    assert shape(ours) == shape(theirs)


def test_zeep_reads_our_response_envelopes(client: Any) -> None:
    learners = _service(client, "ACCMELearnerService")
    results = [
        CreditResult("c1", CreditStatus.ACCEPTED),
        CreditResult("c2", CreditStatus.REJECTED, (Problem("LRN-004", "Member", "no match"),)),
    ]
    envelope = etree.fromstring(soap.envelope(wire_xml.save_learner_response(results)))
    parsed = learners._binding.get("SaveLearnerActivity").output.deserialize(envelope)
    items = parsed.LearnerResults.LearnerResult
    assert [(i.CreditID, i.Status) for i in items] == [("c1", "Accepted"), ("c2", "Rejected")]
    assert items[1].Errors.Error[0].Code == "LRN-004"
    match = etree.fromstring(soap.envelope(wire_xml.learner_match_response(MatchResult(True))))
    assert learners._binding.get("GetLearnerMatch").output.deserialize(match).Matched is True


def test_documents_inside_messages_keep_their_own_namespace() -> None:
    envelope = soap.envelope(wire_xml.save_activity_request(PROVIDER, [an_activity()]))
    request = etree.fromstring(envelope)[0][0]
    assert request.tag == f"{{{soap.TNS}}}SaveActivityRequest"
    inner = [c for c in request if etree.QName(c).localname == "ACCMEActivities"]
    assert inner and etree.QName(inner[0]).namespace != soap.TNS
    assert wire_xml.read_save_activity_request(soap.read_envelope(envelope)) == (
        PROVIDER,
        [an_activity()],
    )


def test_learner_request_survives_the_envelope() -> None:
    record = a_record("202600001")
    envelope = soap.envelope(wire_xml.save_learner_request(PROVIDER, [record]))
    assert wire_xml.read_save_learner_request(soap.read_envelope(envelope)) == (
        PROVIDER,
        [record],
    )


@pytest.mark.parametrize(
    ("code", "error"), [("AUTH-001", ParsAuthError), ("LRN-008", ParsRejectedError)]
)
def test_a_fault_carries_the_problems_and_unwrapping_it_raises(
    code: str, error: type[Exception]
) -> None:
    problems = [Problem(code, "field", "message"), Problem("X-1", "", "second")]
    data = soap.fault(problems)
    assert soap.read_fault(data) == problems
    with pytest.raises(error, match=code):
        soap.read_envelope(data)


def test_a_fault_without_detail_falls_back_to_its_faultstring() -> None:
    data = (
        f'<s:Envelope xmlns:s="{soap.SOAP_ENV}"><s:Body><s:Fault><faultcode>s:Server'
        "</faultcode><faultstring>Object reference not set</faultstring></s:Fault></s:Body>"
        "</s:Envelope>"
    ).encode()
    assert soap.read_fault(data) == [Problem("SOAP-001", "Fault", "Object reference not set")]


@pytest.mark.parametrize(
    "data",
    [
        b"<Envelope/>",
        f'<s:Envelope xmlns:s="{soap.SOAP_ENV}"/>'.encode(),
        f'<s:Envelope xmlns:s="{soap.SOAP_ENV}"><s:Body/></s:Envelope>'.encode(),
        f'<s:Envelope xmlns:s="{soap.SOAP_ENV}"><s:Body><a/><b/></s:Body></s:Envelope>'.encode(),
        f'<s:Envelope xmlns:s="{soap.SOAP_ENV}"><s:Body><a/>'.encode(),
    ],
)
def test_broken_envelopes_are_document_errors(data: bytes) -> None:
    with pytest.raises(ParsDocumentError):
        soap.read_envelope(data)


def test_the_served_wsdl_points_at_the_given_base_url() -> None:
    text = soap.wsdl("http://127.0.0.1:8765").decode()
    assert 'location="http://127.0.0.1:8765/services/ACCMEActivityService.svc/soap"' in text
    assert 'location="http://127.0.0.1:8765/services/ACCMELearnerService.svc/soap"' in text
