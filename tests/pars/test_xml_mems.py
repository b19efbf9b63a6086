"""MEMS activity XML (`ACCMEActivities`): valid against the real MedBiquitous XSD, lossless
round trips, the research note's spelling accepted, and path-naming errors for bad input."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

from cmeledger.domain.pars.model import Activity, ActivityFormat, DeliveryMethod, Location
from cmeledger.pars.errors import ParsDocumentError
from cmeledger.pars.xml_documents import (
    mems_document,
    mems_element,
    read_mems,
    read_mems_element,
)
from cmeledger.pars.xml_nodes import HX_NS, MEMS_NS
from tests.pars.fixtures.records import minimal_activity, rich_activity
from tests.pars.standards import mems_schema
from tests.pars.strategies import activities, xml_mutations

# The research note's reconstruction (pars.md §5.1): no namespaces on MEMS elements, lom
# before the support amounts, healthcareEducation straight under lom, plain-text fields.
NOTE_EXAMPLE = b"""<?xml version="1.0" encoding="utf-8"?>
<ACCMEActivities>
  <MedicalEducationMetrics>
    <ReportDescription>
      <ReportingStartDate>2026-03-02</ReportingStartDate>
      <ReportingEndDate>2026-03-02</ReportingEndDate>
    </ReportDescription>
    <ActivityDescription>
      <commercialSupportAmount currency="USD">
        <supportSource>Example Pharma, Inc.</supportSource>
        <value>5000</value>
      </commercialSupportAmount>
      <lom xmlns="http://ltsc.ieee.org/xsd/LOM" xmlns:hx="http://ns.medbiq.org/lom/extend/v1/">
        <general>
          <identifier><catalog>Provider Activity ID</catalog><entry>GR-2026-03</entry></identifier>
          <title><string language="en">Sepsis Update Grand Rounds</string></title>
          <description><string language="en">Early management of sepsis.</string></description>
        </general>
        <hx:healthcareEducation>
          <hx:credits>
            <hx:activityCertification>AMA PRA Category 1</hx:activityCertification>
            <hx:numberOfCredits>1.00</hx:numberOfCredits>
          </hx:credits>
          <hx:activityLocation>
            <hx:city>Chicago</hx:city><hx:stateOrProvince>IL</hx:stateOrProvince>
            <hx:country>USA</hx:country>
          </hx:activityLocation>
          <hx:startDateTime>2026-03-02T00:00:00</hx:startDateTime>
          <hx:endDateTime>2026-03-02T00:00:00</hx:endDateTime>
          <hx:activitySponsorship>direct</hx:activitySponsorship>
          <hx:activityFormat>Live Course</hx:activityFormat>
          <hx:commercialSupport>true</hx:commercialSupport>
          <hx:targetAudience><hx:specialty>Internal Medicine</hx:specialty></hx:targetAudience>
        </hx:healthcareEducation>
      </lom>
    </ActivityDescription>
    <ParticipationMetrics>
      <participantsByCategory>
        <category>physician</category><numberOfParticipants>12</numberOfParticipants>
      </participantsByCategory>
    </ParticipationMetrics>
    <XtensibleInfo>
      <ProviderID>0001234</ProviderID>
      <DeliveryMethods><DeliveryMethod>In-Person</DeliveryMethod></DeliveryMethods>
      <MOCRegistrations>
        <MOCRegistration>
          <boardName>ABIM</boardName><mocPoints>1.00</mocPoints>
          <MOCCreditType>Medical Knowledge</MOCCreditType>
          <CreditClaimDate>2026-04-30</CreditClaimDate>
        </MOCRegistration>
      </MOCRegistrations>
      <ForPublicList>true</ForPublicList>
      <activityRecordAction>Add</activityRecordAction>
      <closeActivityRecord>false</closeActivityRecord>
    </XtensibleInfo>
  </MedicalEducationMetrics>
</ACCMEActivities>"""


def _metrics(activities_: list[Activity]) -> list[etree._Element]:
    return list(mems_element(activities_))


def _error(data: bytes) -> str:
    with pytest.raises(ParsDocumentError) as caught:
        read_mems(data)
    return str(caught.value)


def _edited(xpath: str, text: str | None = None, *, drop: bool = False) -> bytes:
    """The rich activity's document with one element's text replaced, or the element dropped."""
    root = mems_element([rich_activity()])
    ns = {"m": MEMS_NS, "hx": HX_NS, "lom": "http://ltsc.ieee.org/xsd/LOM"}
    found = root.xpath(xpath, namespaces=ns)
    assert isinstance(found, list) and found, xpath
    target = found[0]
    assert isinstance(target, etree._Element)
    if drop:
        parent = target.getparent()
        assert parent is not None
        parent.remove(target)
    else:
        target.text = text
    return bytes(etree.tostring(root))


@pytest.mark.parametrize("make", [rich_activity, minimal_activity], ids=["rich", "minimal"])
def test_mems_xml_validates_against_the_medbiquitous_xsd(make: Callable[[], Activity]) -> None:
    (element,) = _metrics([make()])
    mems_schema().validate(element)


@given(st.lists(activities(), min_size=1, max_size=3))
def test_generated_activities_validate_against_the_medbiquitous_xsd(
    items: list[Activity],
) -> None:
    for element in _metrics(items):
        mems_schema().validate(element)


def test_the_xsd_check_catches_what_the_schema_forbids() -> None:
    # Guards the tests above: the research note's true/false is not MEMS's yes/no.
    (element,) = _metrics([rich_activity()])
    support = element.find(f".//{{{HX_NS}}}commercialSupport")
    assert support is not None
    support.text = "true"
    assert mems_schema().errors(element)


@given(st.lists(activities(), min_size=1, max_size=3))
def test_activities_round_trip_through_mems_xml(items: list[Activity]) -> None:
    assert read_mems(mems_document(items)) == items


def test_rich_and_minimal_activities_round_trip_through_one_document() -> None:
    items = [rich_activity(), minimal_activity()]
    assert read_mems_element(mems_element(items)) == items


def test_mems_document_is_utf8_with_a_declaration_and_an_unqualified_wrapper() -> None:
    data = mems_document([replace(minimal_activity(), title="Épidémiologie, 流行病学")])
    assert data.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    assert "流行病学".encode() in data
    root = etree.fromstring(data)
    assert root.tag == "ACCMEActivities"
    assert root[0].tag == f"{{{MEMS_NS}}}MedicalEducationMetrics"


def test_the_research_notes_spelling_reads_too() -> None:
    (activity,) = read_mems(NOTE_EXAMPLE)
    assert activity.provider_id == "0001234"
    assert activity.format is ActivityFormat.COURSE  # "Live Course" through the alias table
    assert activity.credits == Decimal("1.00")
    assert activity.location == Location("Chicago", "IL", "USA")
    assert activity.supporters[0].source == "Example Pharma, Inc."
    assert activity.supporters[0].amount_usd == 5000
    assert activity.commercial_support is True
    assert activity.physician_learners == 12
    assert activity.delivery_methods == (DeliveryMethod.IN_PERSON,)
    assert activity.moc[0].credit_types == ("Medical Knowledge",)
    assert activity.specialties == ("Internal Medicine",)


@pytest.mark.parametrize(
    ("written", "expected"),
    [("EM", ActivityFormat.ENDURING), ("rss", ActivityFormat.RSS), ("JN", ActivityFormat.JOURNAL)],
)
def test_legacy_format_codes_map_through_the_vocabulary(
    written: str, expected: ActivityFormat
) -> None:
    (activity,) = read_mems(NOTE_EXAMPLE.replace(b">Live Course<", f">{written}<".encode()))
    assert activity.format is expected


def test_an_unknown_activity_format_is_refused_naming_the_element() -> None:
    message = _error(NOTE_EXAMPLE.replace(b">Live Course<", b">Webinar<"))
    assert "healthcareEducation/activityFormat" in message
    assert "'Webinar'" in message


def test_a_wrong_root_is_refused() -> None:
    message = _error(b"<ACCMELearnerReports><ActivityReports/></ACCMELearnerReports>")
    assert "expected <ACCMEActivities>" in message


def test_an_empty_wrapper_is_refused() -> None:
    assert "holds no <MedicalEducationMetrics>" in _error(b"<ACCMEActivities/>")


def test_truncated_xml_is_refused() -> None:
    data = mems_document([rich_activity()])
    assert "malformed XML" in _error(data[: len(data) // 2])


@pytest.mark.parametrize(
    ("xpath", "named"),
    [
        ("//lom:title", "/lom/general (line 1): lacks <title>"),
        ("//m:XtensibleInfo/*[local-name()='ProviderID']", "/XtensibleInfo (line 1): lacks"),
        ("//hx:numberOfCredits", "/credits (line 1): lacks <numberOfCredits>"),
        ("//hx:activityFormat", "/healthcareEducation (line 1): lacks <activityFormat>"),
        ("//m:ParticipationMetrics", "Metrics (line 1): lacks <ParticipationMetrics>"),
    ],
)
def test_a_missing_required_element_is_named(xpath: str, named: str) -> None:
    message = _error(_edited(xpath, drop=True))
    assert message.startswith("ACCMEActivities/MedicalEducationMetrics")
    assert named in message


@pytest.mark.parametrize(
    ("xpath", "text", "named"),
    [
        ("//hx:startDateTime", "2026-02-30T00:00:00", "healthcareEducation/startDateTime"),
        ("//hx:endDateTime", "next week", "healthcareEducation/endDateTime"),
        ("//hx:numberOfCredits", "1,5", "credits/numberOfCredits"),
        ("//hx:numberOfCredits", "NaN", "credits/numberOfCredits"),
        ("//m:CommercialSupportAmount", "5000.50", "CommercialSupportAmount[1]"),
        ("//m:ParticipantsByCategory", "-3", "ParticipantsByCategory[1]"),
        ("//hx:commercialSupport", "perhaps", "healthcareEducation/commercialSupport"),
        ("//*[local-name()='mocPoints']", "one", "MOCRegistration[1]/mocPoints"),
        ("//*[local-name()='CreditClaimDate']", "30/04/2026", "CreditClaimDate"),
        ("//*[local-name()='DeliveryMethod']", "Carrier pigeon", "DeliveryMethod[1]"),
        ("//hx:activitySponsorship", "shared", "activitySponsorship"),
    ],
)
def test_a_bad_value_is_refused_naming_the_element(xpath: str, text: str, named: str) -> None:
    message = _error(_edited(xpath, text))
    assert named in message
    assert repr(text) in message
    assert "(line " in message


def test_writing_text_xml_cannot_carry_is_refused_naming_the_field() -> None:
    with pytest.raises(ParsDocumentError, match=r"MedicalEducationMetrics\[1\]/title"):
        mems_element([replace(minimal_activity(), title="bell\x07")])


def test_writing_nothing_is_refused() -> None:
    with pytest.raises(ParsDocumentError, match="at least one activity"):
        mems_document([])


@given(st.binary(max_size=400))
def test_arbitrary_bytes_raise_only_document_errors(data: bytes) -> None:
    with contextlib.suppress(ParsDocumentError):
        read_mems(data)


VALID = mems_document([rich_activity(), minimal_activity()])


@given(xml_mutations(VALID))
def test_damaged_documents_raise_only_document_errors(data: bytes) -> None:
    try:
        items = read_mems(data)
    except ParsDocumentError:
        return
    assert all(isinstance(a, Activity) for a in items)
