"""Whatever the bytes, only `ExtractionError` escapes; well-formed files read back exactly."""

from __future__ import annotations

import contextlib
import csv
import io
from datetime import date
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from cmeledger.domain.credits import CreditRole
from cmeledger.domain.extraction import ExtractedCredit
from cmeledger.importers.errors import ExtractionError
from cmeledger.importers.tables import read_table
from cmeledger.importers.transcripts import parse_transcript
from cmeledger.importers.transcripts.cells import is_blank
from tests.importers.transcripts import fixture_rows as d
from tests.importers.transcripts import fixtures as f

cell_text = st.text(st.characters(codec="utf-8"), max_size=24)
delimiters = st.sampled_from([",", ";", "\t", "|"])
known_words = st.sampled_from(
    ["Title", "Date", "Credits", "Credit Type", "Provider", "Total", "MOC Points", "ABIM",
     "Category 1", "Prescribed", "2024-01-02", "March 2024", "1.25", "-3", "99999", "",
     "Activity Start Date", "Self-Assessment Credit", "ABPM MOC", "01/2024 - 06/2024"]
)  # fmt: skip
cells = st.one_of(cell_text, known_words)


@st.composite
def csv_texts(draw: st.DrawFn) -> bytes:
    rows = draw(st.lists(st.lists(cells, min_size=1, max_size=7), max_size=12))
    out = io.StringIO(newline="")
    csv.writer(out, delimiter=draw(delimiters)).writerows(rows)
    return out.getvalue().encode(draw(st.sampled_from(["utf-8", "utf-16"])), "replace")


def only_extraction_errors(data: bytes) -> None:
    with contextlib.suppress(ExtractionError):
        parse_transcript("fuzz", data)


@given(st.binary(max_size=2048))
def test_it_raises_only_extraction_errors_for_random_bytes(data: bytes) -> None:
    with contextlib.suppress(ExtractionError):
        read_table("fuzz", data)
    only_extraction_errors(data)


@given(csv_texts())
def test_it_raises_only_extraction_errors_for_random_csv_text(data: bytes) -> None:
    with contextlib.suppress(ExtractionError):
        read_table("fuzz", data)
    only_extraction_errors(data)


WORKBOOK = f.generic_xlsx()


@given(st.lists(st.tuples(st.integers(0, len(WORKBOOK) - 1), st.integers(0, 255)), max_size=8))
def test_it_raises_only_extraction_errors_for_damaged_workbooks(
    flips: list[tuple[int, int]],
) -> None:
    data = bytearray(WORKBOOK)
    for at, value in flips:
        data[at] = value
    only_extraction_errors(bytes(data))


@given(st.lists(st.lists(cells, min_size=1, max_size=6), min_size=1, max_size=8))
def test_it_raises_only_extraction_errors_for_random_workbooks(rows: list[list[str]]) -> None:
    clean = [[c.translate({i: None for i in range(32)}) for c in row] for row in rows]
    only_extraction_errors(f.xlsx_bytes(clean))


# ---- Round trip ------------------------------------------------------------------------

text = (
    st.text(st.characters(codec="utf-8"), min_size=1, max_size=40)
    .map(lambda t: "".join(ch for ch in t if ch.isprintable() or ch == " "))
    .map(str.strip)
    .filter(lambda t: not is_blank(t))
)
LABELS = {
    "AMA PRA Category 1 Credit(s)™": "ama_pra_1",
    "Category 2": "ama_pra_2",
    "AOA 1-A": "aoa_1a",
    "Contact hours": "ancc_contact_hours",
    "IPCE": "ipce",
    "AAPA Category 1": "aapa_1",
    "Dietetic CPEU": "cdr_cpeu",
}
rows = st.lists(
    st.tuples(
        text,
        text,
        st.dates(min_value=date(1990, 1, 1), max_value=date(2035, 12, 31)),
        st.decimals(min_value=Decimal("0.01"), max_value=Decimal(999), places=2),
        st.sampled_from(sorted(LABELS)),
    ),
    min_size=1,
    max_size=15,
)
headers = st.tuples(
    st.sampled_from(["Title", "Activity Title", "Course"]),
    st.sampled_from(["Provider", "Sponsor", "Organization"]),
    st.sampled_from(["Completion Date", "Date", "Date Completed", "Date Awarded"]),
    st.sampled_from(["Credits", "Amount", "Credits Claimed"]),
    st.sampled_from(["Credit Type", "Category"]),
)
date_formats = st.sampled_from(["%Y-%m-%d", "%m/%d/%Y", "%B %d, %Y"])


@given(rows, headers, delimiters, date_formats)
def test_it_reads_back_exactly_the_rows_of_a_well_formed_generic_csv(
    written: list[tuple[str, str, date, Decimal, str]],
    header: tuple[str, str, str, str, str],
    delimiter: str,
    date_format: str,
) -> None:
    table = [header, *((t, p, d.strftime(date_format), str(a), k) for t, p, d, a, k in written)]
    data = f.csv_bytes(table, delimiter=delimiter)
    records = parse_transcript("roundtrip.csv", data, importer="generic")
    assert len(records) == len(written)
    for record, (title, provider, day, amount, label) in zip(records, written, strict=True):
        assert record.title == title
        assert record.provider == provider
        assert record.completion_date == day
        assert record.credits == (ExtractedCredit(LABELS[label], amount, CreditRole.AWARDED),)


SOURCE_HEADERS = [
    d.PASSPORT_HEADER, d.EDHUB_HEADER, d.AAFP_HEADER, d.ACP_HEADER, d.ACS_HEADER,
    d.ACOEM_HEADER, d.NCCPA_HEADER, d.CLOUDCME_HEADER, d.GENERIC_HEADER,
]  # fmt: skip
# Plausible values per kind of column, so that many fuzzed rows get past the first check.
POOLS = {
    "date": ["2024-01-02", "03/15/2024", "March 2024", "01/05/2024 - 01/07/2024", "45321", ""],
    "credit": ["1", "0.25", "7.33", "0", "1,5", "2 credits", "1*", "1.50 AMA PRA Category 1", ""],
    "moc": ["2", "ABIM: 2.00; ABP 1", "ABIM", "", "n/a"],
    "type": ["Category 1", "Prescribed", "Elective", "Nursing", "ABIM MOC", "Psych CE", ""],
    "id": ["202412345", "12345", ""],
}


def pool_for(header: str) -> st.SearchStrategy[str]:
    h = header.lower()
    kinds = (
        ("date", ("date",)),
        ("moc", ("moc", "llsa", "self")),
        ("credit", ("credit", "hour", "points")),
        ("type", ("type", "category")),
        ("id", (" id",)),
    )
    kind = next((k for k, words in kinds if any(w in h for w in words)), None)
    plausible = st.sampled_from(POOLS[kind]) if kind else cell_text
    return st.one_of(plausible, plausible, plausible, cells)


@st.composite
def source_files(draw: st.DrawFn) -> bytes:
    header = draw(st.sampled_from(SOURCE_HEADERS))
    row = st.tuples(*(pool_for(h) for h in header))
    body = draw(st.lists(row, min_size=1, max_size=6))
    return f.csv_bytes([header, *body], delimiter=draw(delimiters))


@given(source_files())
def test_it_raises_only_extraction_errors_for_random_rows_under_real_headers(data: bytes) -> None:
    only_extraction_errors(data)
