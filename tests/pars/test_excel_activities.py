"""CME Ledger's activity workbook: round trips, its not-ACCME guidance, and bad cells and files."""

from __future__ import annotations

import io
from dataclasses import replace

import pytest
from openpyxl import load_workbook

from cmeledger.domain.pars.model import Activity, ActivityFormat, DeliveryMethod, Sponsorship
from cmeledger.pars.errors import ParsDocumentError
from cmeledger.pars.excel_activities import (
    FIXED,
    ActivityTemplate,
    read_activity_workbook,
    write_activity_workbook,
)
from tests.pars.fixtures.records import PROVIDER, minimal_activity, rich_activity
from tests.pars.fixtures.workbooks import edit_cell, excel_day, workbook, zip_bomb


def _read(data: bytes) -> list[Activity]:
    return read_activity_workbook(data, provider_id=PROVIDER)


def _written() -> bytes:
    return write_activity_workbook([rich_activity(), minimal_activity()])


def _error(data: bytes) -> str:
    with pytest.raises(ParsDocumentError) as caught:
        _read(data)
    return str(caught.value)


def test_activity_workbook_round_trips() -> None:
    assert _read(_written()) == [rich_activity(), minimal_activity()]


def test_activity_workbook_says_it_is_not_accmes_template() -> None:
    sheet = load_workbook(io.BytesIO(_written()))["Activities"]
    assert "NOT ACCME's Excel Activity Batch Template" in str(sheet["A1"].value)
    header = [c.value for c in sheet[2]]
    assert tuple(header[: len(FIXED)]) == FIXED
    assert header[len(FIXED) : len(FIXED) + 2] == [
        "Commercial Supporter 1",
        "Support Amount (USD) 1",
    ]
    assert header[-4:] == ["MOC Board 3", "MOC Points 3", "MOC Credit Types 3", "MOC Claim Date 3"]


def test_activity_workbook_writes_readable_cells() -> None:
    sheet = load_workbook(io.BytesIO(_written()))["Activities"]
    row = {name: cell.value for name, cell in zip(FIXED, sheet[3], strict=False)}
    assert row["Start Date"] == excel_day(2026, 3, 2)
    assert row["Delivery Methods"] == "In-Person; Live-Streamed"
    assert row["Providership"] == "Joint"
    assert (row["Commercial Support"], row["Close Activity"]) == ("Yes", "Yes")
    assert row["AMA PRA Category 1 Credits"] == 1.75


def test_activity_workbook_reads_what_people_type() -> None:
    data = _written()
    for cell, value in [
        ("E4", "enduring"),
        ("F4", "01/15/2026"),
        ("I3", "Illinois"),
        ("K3", "in-person;ONLINE"),
        ("L3", "direct"),
        ("Q4", "no"),
    ]:
        data = edit_cell(data, "Activities", cell, value)
    rich, minimal = _read(data)
    assert minimal == minimal_activity()
    assert rich.location.state == "IL"
    assert rich.delivery_methods == (DeliveryMethod.IN_PERSON, DeliveryMethod.ONLINE)
    assert rich.sponsorship is Sponsorship.DIRECT


def test_activity_workbook_counts_of_repeating_groups_are_configurable() -> None:
    template = ActivityTemplate(supporters=1, moc_boards=1)
    with pytest.raises(ParsDocumentError, match="room for 1 and 1"):
        write_activity_workbook([rich_activity()], template)
    small = replace(rich_activity(), supporters=rich_activity().supporters[:1], moc=())
    data = write_activity_workbook([small], template)
    assert read_activity_workbook(data, provider_id=PROVIDER, template=template) == [small]


def test_activity_workbook_names_the_expected_header() -> None:
    data = edit_cell(_written(), "Activities", "E2", "Type")
    assert _error(data) == (
        "Activities row 2, column 'E': expected header 'Activity Format', found 'Type'"
    )


@pytest.mark.parametrize(
    ("cell", "value", "message"),
    [
        ("F3", "2026-13-45", "Activities row 3, column 'Start Date': not a date"),
        ("E4", "Webinar", "Activities row 4, column 'Activity Format': unknown activity format"),
        ("D3", None, "Activities row 3, column 'Activity Title': is required"),
        ("Q3", "perhaps", "Activities row 3, column 'Commercial Support': expected Yes or No"),
        ("L3", "shared", "Activities row 3, column 'Providership': expected one of direct, joint"),
        ("V3", 4.5, "Activities row 3, column 'Physician Learners': must be a whole number"),
        ("K3", "In-Person; Carrier Pigeon", "'Delivery Methods': expected one of In-Person"),
        ("AA3", None, "column 'Support Amount (USD) 1': a supporter and its amount go together"),
        ("AK3", None, "Activities row 3, column 'MOC Points 1': is required"),
        ("A3", "Close", "'Record Action': expected one of Add, Update, Delete"),
    ],
)
def test_activity_workbook_bad_cells_are_named_and_nothing_is_returned(
    cell: str, value: object, message: str
) -> None:
    assert message in _error(edit_cell(_written(), "Activities", cell, value))


def test_activity_workbook_refuses_an_empty_sheet() -> None:
    error = _error(workbook([], title="Activities"))
    assert error.startswith("Activities row 2: expected the header row 'Record Action'")


def test_activity_workbook_refuses_non_workbooks_and_zip_bombs() -> None:
    assert "not an Excel .xlsx workbook" in _error(b"%PDF-1.7\n")
    assert "likely a zip bomb" in _error(zip_bomb())


def test_activity_workbook_refuses_what_it_cannot_write_back() -> None:
    with pytest.raises(ParsDocumentError, match="contains ';', the list separator"):
        write_activity_workbook([replace(rich_activity(), specialties=("A; B",))])
    with pytest.raises(ParsDocumentError, match="one provider's activities"):
        write_activity_workbook(
            [rich_activity(), replace(minimal_activity(), provider_id="0009999")]
        )


def test_activity_workbook_gives_every_row_the_callers_provider() -> None:
    (activity,) = read_activity_workbook(
        write_activity_workbook([minimal_activity()]), provider_id="0007777"
    )
    assert activity.provider_id == "0007777"
    assert activity.format is ActivityFormat.ENDURING
