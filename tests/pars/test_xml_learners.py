"""Learner Activity Report XML (`ACCMELearnerReports`): valid against the real MedBiquitous XSD,
lossless round trips, ACCME's draft form accepted, and path-naming errors for bad input."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

from cmeledger.domain.pars.model import CME_CERTIFICATION, LearnerRecord, RecordAction
from cmeledger.domain.people import MonthDay
from cmeledger.pars.errors import ParsDocumentError
from cmeledger.pars.xml_documents import (
    learner_document,
    learner_element,
    read_learner_document,
    read_learner_element,
)
from cmeledger.pars.xml_nodes import AR_NS, HX_NS, MEMBER_NS
from tests.pars.fixtures.records import minimal_learner_record, rich_learner_record
from tests.pars.standards import activity_report_schema
from tests.pars.strategies import learner_records, xml_mutations

CREATED = datetime(2026, 3, 3, 10, 0, 0)  # noqa: DTZ001 - naive: PARS reads it as Central time
NS = {"ar": AR_NS, "m": MEMBER_NS, "hx": HX_NS}

# ACCME's draft shape as the research note reconstructs it (pars.md §5.4): no namespaces, a
# UniqueID inside each CreditCertificate, no board named apart from that UniqueID.
DRAFT_FORM = b"""<ACCMELearnerReports>
  <ActivityReports>
    <DateTimeCreated>2026-03-03T10:00:00</DateTimeCreated>
    <ActivityReport>
      <ReportingOrganization>Example Health CME</ReportingOrganization>
      <Member>
        <Name><GivenName>Jane</GivenName><FamilyName>Doe</FamilyName></Name>
        <PersonalInfo><BirthDate>1900-09-10</BirthDate></PersonalInfo>
      </Member>
      <Activity>
        <ProviderOrganization>0001234</ProviderOrganization>
        <Module>
          <ModuleName moduleID="202612345">Sepsis Update Grand Rounds</ModuleName>
          <Status>Completed</Status>
          <CompletedDateTime>2026-03-02T00:00:00</CompletedDateTime>
          <CreditCertificate>
            <UniqueID domain="CA">A123456</UniqueID>
            <CreditReceived>
              <activityCertification>AMA PRA Category 1</activityCertification>
              <creditUnit>Point</creditUnit>
              <numberOfCredits>1.00</numberOfCredits>
            </CreditReceived>
            <CreditID>ccid:examplehealth.org:GR-2026-03-0001-cme</CreditID>
          </CreditCertificate>
          <CreditCertificate>
            <UniqueID domain="ABIM">123456</UniqueID>
            <CreditReceived>
              <activityCertification>Medical Knowledge</activityCertification>
              <creditUnit>Point</creditUnit>
              <numberOfCredits>1.00</numberOfCredits>
            </CreditReceived>
            <CreditID>ccid:examplehealth.org:GR-2026-03-0001-abim-mk</CreditID>
          </CreditCertificate>
        </Module>
      </Activity>
      <XtensibleInfo>
        <ProviderID>0001234</ProviderID>
        <LearnerRecordAction>add</LearnerRecordAction>
      </XtensibleInfo>
    </ActivityReport>
  </ActivityReports>
</ACCMELearnerReports>"""


def _reports(records: list[LearnerRecord]) -> etree._Element:
    return learner_element(records, created=CREATED)[0]


def _error(data: bytes) -> str:
    with pytest.raises(ParsDocumentError) as caught:
        read_learner_document(data, consent=True)
    return str(caught.value)


def _first(root: etree._Element, xpath: str) -> etree._Element:
    found = root.xpath(xpath, namespaces=NS)
    assert isinstance(found, list) and found, xpath
    first = found[0]
    assert isinstance(first, etree._Element)
    return first


def _edited(xpath: str, text: str | None = None, *, drop: bool = False) -> bytes:
    root = learner_element([rich_learner_record()], created=CREATED)
    target = _first(root, xpath)
    if drop:
        parent = target.getparent()
        assert parent is not None
        parent.remove(target)
    else:
        target.text = text
    return bytes(etree.tostring(root))


@pytest.mark.parametrize(
    "make", [rich_learner_record, minimal_learner_record], ids=["rich", "minimal"]
)
def test_learner_xml_validates_against_the_activity_report_xsd(
    make: Callable[[], LearnerRecord],
) -> None:
    activity_report_schema().validate(_reports([make()]))


@given(st.lists(learner_records(), min_size=1, max_size=4))
def test_generated_records_validate_against_the_activity_report_xsd(
    records: list[LearnerRecord],
) -> None:
    activity_report_schema().validate(_reports(records))


def test_the_xsd_check_catches_what_the_schema_forbids() -> None:
    # Guards the tests above: the draft's UniqueID inside a certificate is not in the XSD.
    reports = _reports([rich_learner_record()])
    certificate = _first(reports, "//ar:CreditCertificate")
    uid = etree.Element(f"{{{AR_NS}}}UniqueID", domain="CA")
    uid.text = "A123456"
    certificate.insert(0, uid)
    assert activity_report_schema().errors(reports)


@given(st.lists(learner_records(), min_size=1, max_size=4))
def test_learner_records_round_trip_through_activity_report_xml(
    records: list[LearnerRecord],
) -> None:
    assert read_learner_document(learner_document(records), consent=True) == records


# Text with everything XML must escape, in content and in attributes.
awkward = st.text(
    st.sampled_from("&<>\"'\t\n\r ]]>") | st.characters(exclude_categories=("Cs", "Cc", "Cn")),
    min_size=1,
    max_size=30,
)


@given(learner_records(), awkward, awkward)
def test_written_bytes_equal_lxmls_serialisation_of_the_same_tree(
    record: LearnerRecord, title: str, name: str
) -> None:
    # The writer emits text for speed; libxml2 must read exactly what it would have written.
    record = replace(
        record,
        activity_title=title,
        accme_activity_id=name,
        learner=replace(record.learner, first_name=name),
    )
    data = learner_document([record], created=CREATED)
    tree = etree.fromstring(data)
    assert etree.tostring(tree, xml_declaration=True, encoding="UTF-8") == data
    assert _first(tree, "//ar:ModuleName").get("moduleID") == name
    assert _first(tree, "//ar:ActivityName").text == title


def test_rich_and_minimal_records_round_trip_through_one_element() -> None:
    records = [rich_learner_record(), minimal_learner_record()]
    assert read_learner_element(learner_element(records), consent=True) == records


@pytest.mark.parametrize("consent", [True, False])
def test_consent_comes_from_the_caller_not_the_document(consent: bool) -> None:
    data = learner_document([rich_learner_record(), minimal_learner_record()])
    assert {r.consent for r in read_learner_document(data, consent=consent)} == {consent}


def test_ids_dates_and_amounts_are_written_as_pars_expects() -> None:
    reports = _reports([rich_learner_record()])
    assert _first(reports, "ar:DateTimeCreated").text == "2026-03-03T10:00:00"
    domains = [u.get("domain") for u in reports.iterfind(".//m:UniqueID", NS)]
    assert domains == ["CA", "NPI", "ABIM"]
    assert _first(reports, "//ar:CompletedDateTime").text == "2026-03-02T00:00:00"
    assert _first(reports, "//m:BirthDate").text == "1904-09-10"
    amounts = [n.text for n in reports.iterfind(".//hx:numberOfCredits", NS)]
    assert amounts == ["1.75", "1.50", "0.25"]
    assert {n.text for n in reports.iterfind(".//hx:creditUnit", NS)} == {"Point"}
    bodies = [n.text for n in reports.iterfind(".//hx:accreditingBody", NS)]
    assert bodies == ["ABIM", "ABIM"]  # the two MOC credits; CME credit names no board
    assert _first(reports, "//ar:ModuleName").get("moduleID") == "202612345"
    assert _first(reports, "//*[local-name()='LearnerRecordAction']").text == "add"


def test_a_29_february_birthday_gets_a_leap_placeholder_year() -> None:
    record = replace(
        rich_learner_record(), learner=replace(rich_learner_record().learner, birth=MonthDay(2, 29))
    )
    assert _first(_reports([record]), "//m:BirthDate").text == "1904-02-29"
    other = learner_element([record], birth_year=2000)
    assert _first(other, "//m:BirthDate").text == "2000-02-29"
    with pytest.raises(ParsDocumentError, match="1900 has no 29 February"):
        learner_element([record], birth_year=1900)


@pytest.mark.parametrize(
    "written", ["1900-09-10", "2000-09-10", "--09-10", "09-10", "09/10", "9/10"]
)
def test_birth_date_forms_pars_may_send_all_read_as_month_and_day(written: str) -> None:
    data = _edited("//m:BirthDate", written)
    (record,) = read_learner_document(data, consent=True)
    assert record.learner.birth == MonthDay(9, 10)


@pytest.mark.parametrize("written", ["1900-02-30", "13-01", "yesterday", "1900-09"])
def test_an_impossible_birth_date_is_refused_naming_the_element_not_the_value(
    written: str,
) -> None:
    message = _error(_edited("//m:BirthDate", written))
    assert "Member/PersonalInfo/BirthDate" in message
    assert written not in message  # a birth date is sealed data: never echoed


def test_the_drafts_per_certificate_identifiers_read_as_the_learners() -> None:
    (record,) = read_learner_document(DRAFT_FORM, consent=True)
    assert record.learner.license_state == "CA"
    assert record.learner.license_number == "A123456"
    assert (record.learner.board, record.learner.board_id) == ("ABIM", "123456")
    cme, moc = record.credits
    assert (cme.certification, cme.board) == (CME_CERTIFICATION, None)
    assert (moc.certification, moc.board, moc.amount) == ("Medical Knowledge", "ABIM", Decimal(1))
    assert record.activity_title == "Sepsis Update Grand Rounds"
    assert record.completed_on == date(2026, 3, 2)
    assert record.reporting_organization == "Example Health CME"


def test_a_bare_medbiquitous_activity_reports_root_reads_too() -> None:
    reports = _reports([minimal_learner_record()])
    assert read_learner_element(reports, consent=True) == [minimal_learner_record()]


def test_a_wrong_root_is_refused() -> None:
    assert "expected <ACCMELearnerReports>" in _error(b"<ACCMEActivities/>")


def test_an_empty_report_list_is_refused() -> None:
    message = _error(b"<ACCMELearnerReports><ActivityReports/></ACCMELearnerReports>")
    assert "ACCMELearnerReports/ActivityReports" in message
    assert "holds no <ActivityReport>" in message


def test_truncated_xml_is_refused() -> None:
    data = learner_document([rich_learner_record()])
    assert "malformed XML" in _error(data[:-40])


@pytest.mark.parametrize(
    ("xpath", "named"),
    [
        ("//*[local-name()='LearnerRecordAction']", "ActivityReport/XtensibleInfo"),
        ("//ar:CompletedDateTime", "ActivityReport/Activity/Module"),
        ("//m:Name", "ActivityReport/Member"),
        ("//ar:CreditID", "Module/CreditCertificate[1]"),
        ("//hx:numberOfCredits", "CreditCertificate[1]/CreditReceived"),
        ("//ar:Module", "ActivityReport/Activity"),
    ],
)
def test_a_missing_required_element_is_named(xpath: str, named: str) -> None:
    message = _error(_edited(xpath, drop=True))
    assert message.startswith("ACCMELearnerReports/ActivityReports/ActivityReport")
    assert named in message
    assert "lacks <" in message


@pytest.mark.parametrize(
    ("xpath", "text", "named"),
    [
        ("//ar:CompletedDateTime", "2026-13-01T00:00:00", "Module/CompletedDateTime"),
        ("//ar:CompletedDateTime", "March 2nd", "Module/CompletedDateTime"),
        ("//hx:numberOfCredits", "1.5.0", "CreditCertificate[1]/CreditReceived/numberOfCredits"),
        ("//hx:numberOfCredits", "", "CreditCertificate[1]/CreditReceived/numberOfCredits"),
        ("//ar:Status", "Registered", "Module/Status"),
        ("//hx:creditUnit", "Hour", "CreditCertificate[1]/CreditReceived/creditUnit"),
        ("//*[local-name()='LearnerRecordAction']", "update", "XtensibleInfo/LearnerRecordAction"),
    ],
)
def test_a_bad_value_is_refused_naming_the_element(xpath: str, text: str, named: str) -> None:
    message = _error(_edited(xpath, text))
    assert named in message
    assert "(line " in message


def test_a_missing_module_id_is_refused() -> None:
    root = learner_element([rich_learner_record()])
    module_name = _first(root, "//ar:ModuleName")
    del module_name.attrib["moduleID"]
    message = _error(etree.tostring(root))
    assert "Module/ModuleName" in message
    assert "moduleID" in message


def test_contradicting_identifiers_are_refused() -> None:
    data = DRAFT_FORM.replace(
        b'<UniqueID domain="ABIM">123456</UniqueID>',
        b'<UniqueID domain="CA">B999</UniqueID>',
    )
    message = _error(data)
    assert "CreditCertificate[2]/UniqueID" in message
    assert "contradicts" in message
    assert "B999" not in message and "123456" not in message  # identifiers are never echoed


def test_a_moc_credit_without_any_board_is_refused() -> None:
    data = DRAFT_FORM.replace(b'<UniqueID domain="ABIM">123456</UniqueID>', b"")
    message = _error(data)
    assert "CreditCertificate[2]" in message
    assert "names no certifying board" in message


def test_writing_nothing_is_refused() -> None:
    with pytest.raises(ParsDocumentError, match="at least one record"):
        learner_document([])


@pytest.mark.parametrize("bad", ["tab\x0bbed", "nul\x00", "non\ufffecharacter", "half\ud800"])
def test_writing_text_xml_cannot_carry_is_refused_naming_the_record(bad: str) -> None:
    records = [minimal_learner_record(), replace(rich_learner_record(), activity_title=bad)]
    with pytest.raises(ParsDocumentError, match=r"ActivityReport\[2\]: character"):
        learner_document(records)


def test_deletions_keep_their_action() -> None:
    record = replace(rich_learner_record(), action=RecordAction.DELETE)
    (back,) = read_learner_document(learner_document([record]), consent=False)
    assert back.action is RecordAction.DELETE


@given(st.binary(max_size=400))
def test_arbitrary_bytes_raise_only_document_errors(data: bytes) -> None:
    with contextlib.suppress(ParsDocumentError):
        read_learner_document(data, consent=True)


VALID = learner_document([rich_learner_record(), minimal_learner_record()], created=CREATED)


@given(xml_mutations(VALID))
def test_damaged_documents_raise_only_document_errors(data: bytes) -> None:
    try:
        records = read_learner_document(data, consent=True)
    except ParsDocumentError:
        return
    assert all(isinstance(r, LearnerRecord) for r in records)
