"""A broken file fails as a whole, with the row and column to fix; nothing partial escapes."""

from __future__ import annotations

import pytest

from cmeledger.importers.errors import ExtractionError
from cmeledger.importers.transcripts import parse_transcript
from tests.importers.transcripts import fixture_rows as d
from tests.importers.transcripts import fixtures as f


def file_with(bad: tuple[str, ...], *, at: int = 6) -> bytes:
    """Header on row 1, good rows, and `bad` as spreadsheet row `at + 1`."""
    rows = [f.good_row(n) for n in range(1, at)]
    return f.generic_csv([*rows, bad, *[f.good_row(n) for n in range(at, at + 3)]])


def reason_for(data: bytes, name: str = "t.csv") -> str:
    with pytest.raises(ExtractionError) as caught:
        parse_transcript(name, data)
    assert caught.value.source == name
    return caught.value.reason


def test_it_names_row_7_and_the_column_of_a_bad_date() -> None:
    reason = reason_for(file_with(("Rounds", "Hospital", "the 31st of Smarch", "1", "Category 1")))
    assert "row 7" in reason and "'Completion Date'" in reason and "Smarch" in reason
    assert "nothing was imported" in reason


def test_it_names_the_row_of_a_bad_date_in_a_workbook() -> None:
    rows = [d.GENERIC_HEADER, *[f.good_row(n) for n in range(1, 6)]]
    data = f.xlsx_bytes([*rows, ("Rounds", "Hospital", "13/45/2024", 1, "Category 1")])
    reason = reason_for(data, "t.xlsx")
    assert "row 7" in reason and "'Completion Date'" in reason


@pytest.mark.parametrize(
    ("bad", "column", "words"),
    [
        (("Rounds", "Hospital", "2024-01-01", "-2", "Category 1"), "Credits", "negative"),
        (("Rounds", "Hospital", "2024-01-01", "(2.00)", "Category 1"), "Credits", "negative"),
        (("Rounds", "Hospital", "2024-01-01", "5000", "Category 1"), "Credits", "more than"),
        (("Rounds", "Hospital", "2024-01-01", "123456", "Category 1"), "Credits", "more credit"),
        (("Rounds", "Hospital", "2024-01-01", "lots", "Category 1"), "Credits", "not a number"),
        (("Rounds", "Hospital", "2024-01-01", "", "Category 1"), None, "no credit amount"),
        (("Rounds", "Hospital", "", "1", "Category 1"), "Completion Date", "no date"),
        (("", "Hospital", "2024-01-01", "1", "Category 1"), "Title", "title"),
    ],
)
def test_it_refuses_a_file_with_one_broken_row(
    bad: tuple[str, ...], column: str | None, words: str
) -> None:
    reason = reason_for(file_with(bad))
    assert "row 7" in reason and words in reason
    if column:
        assert f"column {column!r}" in reason


def test_it_refuses_a_range_that_ends_before_it_starts() -> None:
    data = f.nccpa_tsv().replace(b"05/20/2024\t05/24/2024", b"05/24/2024\t05/20/2024")
    assert "before it starts" in reason_for(data)


def test_it_reports_the_first_problems_and_how_many_more() -> None:
    bad = ("Rounds", "Hospital", "soon", "1", "Category 1")
    data = f.generic_csv([bad] * 5)
    reason = reason_for(data)
    assert "row 2" in reason and "row 4" in reason and "and 2 more rows" in reason


def test_it_refuses_a_file_missing_a_required_column() -> None:
    data = f.csv_bytes([("Title", "Provider", "Credits"), ("Rounds", "Hospital", "1")])
    reason = reason_for(data)
    assert "completion date" in reason and "'Title', 'Provider', 'Credits'" in reason


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", "empty"),
        (bytes(range(256)) * 8, "binary"),
        (b"PK\x03\x04" + bytes(range(256)) * 4, "XLSX"),
    ],
)
def test_it_refuses_files_that_are_not_transcripts(data: bytes, words: str) -> None:
    assert words in reason_for(data)


def test_it_refuses_a_zip_bomb_before_reading_it() -> None:
    bomb = f.with_extra_member(f.generic_xlsx(), "xl/media/image1.bin", b"\x00" * (10 << 20))
    assert "zip bomb" in reason_for(bomb, "bomb.xlsx")


def test_it_refuses_a_transcript_of_more_than_50000_rows() -> None:
    rows = "\r\n".join(f"Rounds {n},H,2024-01-01,1,Category 1" for n in range(50_001))
    data = ("Title,Provider,Date,Credits,Credit Type\r\n" + rows).encode()
    assert "more than 50000 rows" in reason_for(data)
