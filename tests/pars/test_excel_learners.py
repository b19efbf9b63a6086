"""ACCME's learner Excel template (917_20240125): round trips, ACCME's sample row, bad files."""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import replace
from decimal import Decimal

import pytest
from hypothesis import given
from openpyxl import load_workbook

from cmeledger.domain.pars.model import CME_CERTIFICATION, LearnerRecord, RecordAction
from cmeledger.domain.people import MonthDay
from cmeledger.pars.errors import ParsDocumentError
from cmeledger.pars.excel_learners import (
    HEADER,
    LearnerTemplate,
    WorkbookLimits,
    read_learner_workbook,
    template_credit_ids,
    write_learner_workbook,
)
from tests.pars.fixtures.records import (
    NPI,
    PROVIDER,
    excel_form,
    learner_records,
    minimal_learner_record,
    rich_learner_record,
)
from tests.pars.fixtures.workbooks import (
    ACCME_HEADER,
    edit_cell,
    excel_day,
    with_doctype,
    workbook,
    zip_bomb,
)

GUIDANCE = "Guidance text from ACCME"
SAMPLE = (  # the template's sample row (research note §5.9)
    "Add",
    "202212345",
    excel_day(2022, 6, 30),
    "All",
    "Learner",
    "09/10",
    "Maine",
    "1234567",
    10,
    "ABIM",
    "999999",
    5,
    "Medical Knowledge",
    1,
)


def _read(data: bytes, titles: dict[str, str] | None = None) -> list[LearnerRecord]:
    return read_learner_workbook(data, provider_id=PROVIDER, consent=True, activity_titles=titles)


def test_learner_workbook_round_trips() -> None:
    records = [rich_learner_record(), minimal_learner_record()]
    back = _read(write_learner_workbook(records))
    assert back == [template_credit_ids(excel_form(r)) for r in records]


def test_learner_workbook_has_accme_layout_and_valid_values() -> None:
    book = load_workbook(io.BytesIO(write_learner_workbook([rich_learner_record()])))
    sheet = book["Sheet1"]
    assert "917_20240125" in str(sheet["A1"].value)
    header = [c.value for c in sheet[2]]
    assert tuple(header[:14]) == ACCME_HEADER
    assert (
        header[14:] == ["Additional Credit Type", "Credits Awarded for Additional Credit Type"] * 3
    )
    row = [c.value for c in sheet[3]]
    assert row[:12] == [
        "Add", "202612345", excel_day(2026, 3, 2), "Jane", "Doe", "09/10", "California",
        "A123456", 1.75, "ABIM", "123456", 1.75,
    ]  # fmt: skip
    assert sheet["C3"].is_date
    assert row[12:16] == ["Medical Knowledge", 1.5, "Patient Safety", 0.25]
    values = book["Valid Values"]
    assert [c.value for c in values[1]] == [
        "Record Action", "Licensing State", "Certifying Board", "Credit Type",
    ]  # fmt: skip
    assert [values["A2"].value, values["A3"].value] == ["Add", "Delete"]
    assert "Maine" in [c.value for c in values["B"]]
    assert "ABIM" in [c.value for c in values["C"]]


def test_learner_workbook_reads_accmes_sample_row() -> None:
    data = workbook([[GUIDANCE], ACCME_HEADER, SAMPLE])
    (record,) = _read(data, {"202212345": "Sample activity"})
    learner = record.learner
    assert (record.accme_activity_id, record.activity_title) == ("202212345", "Sample activity")
    assert record.completed_on.isoformat() == "2022-06-30"
    assert (learner.first_name, learner.last_name, learner.birth) == (
        "All",
        "Learner",
        MonthDay(9, 10),
    )
    assert (learner.license_state, learner.license_number, learner.npi) == ("ME", "1234567", None)
    assert (learner.board, learner.board_id) == ("ABIM", "999999")
    assert [(c.certification, c.amount, c.board) for c in record.credits] == [
        (CME_CERTIFICATION, Decimal(10), None),
        ("Medical Knowledge", Decimal(1), "ABIM"),
    ]
    assert record.action is RecordAction.ADD and record.consent


def test_learner_workbook_accepts_text_dates_codes_and_excel_mangled_birthdays() -> None:
    row = list(SAMPLE)
    row[0], row[2], row[5], row[6], row[7] = (
        "delete",
        "06/30/2022",
        excel_day(2024, 9, 10),
        "me",
        NPI,
    )
    (record,) = _read(workbook([[GUIDANCE], ACCME_HEADER, row]))
    assert record.action is RecordAction.DELETE
    assert record.completed_on.isoformat() == "2022-06-30"
    assert record.learner.birth == MonthDay(9, 10)
    assert (record.learner.license_state, record.learner.npi) == ("ME", NPI)
    assert record.learner.license_number is None


def test_learner_workbook_credit_ids_are_stable_and_shared_by_add_and_delete() -> None:
    delete = list(SAMPLE)
    delete[0] = "Delete"
    add_row, delete_row = _read(workbook([[GUIDANCE], ACCME_HEADER, SAMPLE, delete]))
    again = _read(workbook([[GUIDANCE], ACCME_HEADER, SAMPLE]))[0]
    ids = [c.credit_id for c in add_row.credits]
    assert ids == [c.credit_id for c in delete_row.credits] == [c.credit_id for c in again.credits]
    assert len(set(ids)) == 2
    assert all(re.fullmatch(r"ccid:0001234:[0-9a-f]{32}", i) for i in ids)
    other = list(SAMPLE)
    other[2] = excel_day(2022, 7, 1)
    assert _read(workbook([[GUIDANCE], ACCME_HEADER, other]))[0].credits[0].credit_id not in ids


def test_learner_workbook_reads_more_additional_pairs_than_configured() -> None:
    extra = ("Additional Credit Type", "Credits Awarded for Additional Credit Type")
    row = [*SAMPLE, "Patient Safety", 2, "Practice Assessment", 1]
    (record,) = _read(workbook([[GUIDANCE], ACCME_HEADER + extra * 2, row]))
    assert [c.certification for c in record.credits[1:]] == [
        "Medical Knowledge", "Patient Safety", "Practice Assessment",
    ]  # fmt: skip


def test_learner_template_pair_count_is_configurable() -> None:
    template = LearnerTemplate(credit_type_pairs=1)
    data = write_learner_workbook([minimal_learner_record()], template)
    header = [c.value for c in load_workbook(io.BytesIO(data))["Sheet1"][2]]
    assert tuple(header) == HEADER
    rich = rich_learner_record()
    with pytest.raises(ParsDocumentError, match="2 MOC credit types; the template has 1"):
        write_learner_workbook([rich], template)


def _error(data: bytes) -> ParsDocumentError:
    with pytest.raises(ParsDocumentError) as caught:
        _read(data)
    return caught.value


def test_learner_workbook_names_the_expected_header() -> None:
    header = list(ACCME_HEADER)
    header[2] = "Date Completed"
    error = _error(workbook([[GUIDANCE], header, SAMPLE]))
    assert (
        str(error)
        == "Sheet1 row 2, column 'C': expected header 'Completion Date', found 'Date Completed'"
    )


def test_learner_workbook_explains_a_header_in_row_one() -> None:
    error = _error(workbook([ACCME_HEADER, SAMPLE]))
    assert "expected header 'Record Action', found 'Add'" in str(error)
    assert "the header belongs in row 2" in str(error)


def test_learner_workbook_bad_date_is_named_and_nothing_is_returned() -> None:
    bad = list(SAMPLE)
    bad[2] = "sometime in June"
    error = _error(workbook([[GUIDANCE], ACCME_HEADER, SAMPLE, SAMPLE, bad]))
    assert str(error).startswith("Sheet1 row 5, column 'Completion Date': not a date")
    assert [p.field for p in error.problems] == ["Sheet1 row 5, column 'Completion Date'"]


def test_learner_workbook_bad_state_is_named() -> None:
    bad = list(SAMPLE)
    bad[6] = "Mane"
    error = _error(workbook([[GUIDANCE], ACCME_HEADER, bad]))
    assert "Sheet1 row 3, column 'Licensing State': 'Mane' is not a US state" in str(error)


def test_learner_workbook_reports_every_bad_cell_at_once() -> None:
    first, second = list(SAMPLE), list(SAMPLE)
    first[1], first[5] = "12345", "31/02"
    second[8], second[12] = "ten", None
    second.append("stray")
    error = _error(workbook([[GUIDANCE], ACCME_HEADER, first, second]))
    assert [p.field for p in error.problems] == [
        "Sheet1 row 3, column 'ACCME Activity ID'",
        "Sheet1 row 3, column 'Date of Birth'",
        "Sheet1 row 4",
        "Sheet1 row 4, column 'Number of CME Credits'",
        "Sheet1 row 4, column 'Credit Type '",
        "Sheet1 row 4, column 'Total Board Credits'",
    ]
    assert "column O has a value but no header" in str(error)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({0: "Update"}, "'Record Action': must be Add or Delete"),
        ({3: None}, "'First Name': is required"),
        ({6: None}, "'Licensing State': a licence number needs its licensing state"),
        ({9: None}, "'Certifying Board': board credits and board IDs need the board"),
        ({8: None, 12: None, 13: None}, "'Total Board Credits': board credits need a credit type"),
        ({8: None, 11: None, 12: None, 13: None}, "'Number of CME Credits': the row reports no"),
        ({13: -1}, "'Credits Awarded for Credit Type': must be a number >= 0"),
    ],
)
def test_learner_workbook_refuses_inconsistent_rows(
    change: dict[int, object], message: str
) -> None:
    row = list(SAMPLE)
    for index, value in change.items():
        row[index] = value
    assert message in str(_error(workbook([[GUIDANCE], ACCME_HEADER, row])))


def test_learner_workbook_refuses_an_empty_sheet() -> None:
    error = _error(workbook([]))
    assert str(error).startswith("Sheet1 row 2: expected the header row 'Record Action'")


def test_learner_workbook_with_only_a_header_has_no_records() -> None:
    assert _read(workbook([[GUIDANCE], ACCME_HEADER])) == []


@pytest.mark.parametrize(
    "data",
    [b"Record Action,ACCME Activity ID\n", b"PK\x03\x04 truncated", b""],
    ids=["csv", "truncated-zip", "empty"],
)
def test_learner_workbook_refuses_files_that_are_not_xlsx(data: bytes) -> None:
    assert "not an Excel .xlsx workbook" in str(_error(data))


def test_learner_workbook_refuses_a_zip_that_is_not_a_workbook() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("notes.txt", "hello")
    assert "zip but not an Excel .xlsx workbook" in str(_error(out.getvalue()))


def test_learner_workbook_refuses_a_zip_bomb_before_parsing() -> None:
    bomb = zip_bomb()
    assert len(bomb) < 1024 * 1024
    assert "likely a zip bomb" in str(_error(bomb))


def test_learner_workbook_refuses_too_much_uncompressed_data() -> None:
    limits = WorkbookLimits(max_uncompressed=1024)
    data = workbook([[GUIDANCE], ACCME_HEADER, SAMPLE])
    with pytest.raises(ParsDocumentError, match="the limit is 1024"):
        read_learner_workbook(
            data, provider_id=PROVIDER, consent=True, template=LearnerTemplate(limits=limits)
        )


def test_learner_workbook_refuses_an_oversize_file() -> None:
    limits = WorkbookLimits(max_bytes=100)
    with pytest.raises(ParsDocumentError, match="bytes; the limit is 100"):
        read_learner_workbook(
            write_learner_workbook([rich_learner_record()]),
            provider_id=PROVIDER,
            consent=True,
            template=LearnerTemplate(limits=limits),
        )


def test_learner_workbook_refuses_too_many_rows() -> None:
    limits = WorkbookLimits(max_rows=2)
    data = workbook([[GUIDANCE], ACCME_HEADER, SAMPLE, SAMPLE, SAMPLE])
    with pytest.raises(ParsDocumentError, match="more than 2 rows"):
        read_learner_workbook(
            data, provider_id=PROVIDER, consent=True, template=LearnerTemplate(limits=limits)
        )


def test_learner_workbook_refuses_a_part_with_a_dtd() -> None:
    data = with_doctype(workbook([[GUIDANCE], ACCME_HEADER, SAMPLE]))
    assert "has a DTD" in str(_error(data))


def test_learner_workbook_does_not_trust_the_declared_dimensions() -> None:
    data = edit_cell(workbook([[GUIDANCE], ACCME_HEADER, SAMPLE]), "Sheet1", "A1", GUIDANCE)
    # openpyxl writes a correct <dimension>; a wrong one (A1:A1) must not hide rows.
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for item in source.infolist():
            body = source.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                body = re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:A1"', body)
            archive.writestr(item, body)
    assert len(_read(out.getvalue())) == 1


def test_learner_workbook_keeps_formula_like_text_as_text() -> None:
    record = rich_learner_record()
    record = replace(record, learner=replace(record.learner, last_name="=HYPERLINK(1)"))
    book = load_workbook(io.BytesIO(write_learner_workbook([record])))
    assert book["Sheet1"]["E3"].data_type == "s"
    assert _read(write_learner_workbook([record]))[0].learner.last_name == "=HYPERLINK(1)"


def test_learner_workbook_refuses_rows_it_cannot_represent() -> None:
    rich = rich_learner_record()
    two_boards = replace(rich, credits=(*rich.credits, replace(rich.credits[1], board="ABA")))
    with pytest.raises(ParsDocumentError, match="record 1: a row holds one certifying board"):
        write_learner_workbook([two_boards])
    control = replace(rich, learner=replace(rich.learner, first_name="Jane\x07"))
    with pytest.raises(ParsDocumentError, match="control character"):
        write_learner_workbook([control])


@given(learner_records())
def test_learner_workbook_round_trip_property(record: LearnerRecord) -> None:
    back = _read(write_learner_workbook([record]))
    assert back == [template_credit_ids(excel_form(record))]


def test_learner_workbook_refuses_values_far_to_the_right() -> None:
    far = [*SAMPLE, *([None] * 300), "hidden"]
    assert "Sheet1 row 3: values beyond column 200" in str(
        _error(workbook([[GUIDANCE], ACCME_HEADER, far]))
    )
