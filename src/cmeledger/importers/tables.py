"""A transcript file (CSV or XLSX bytes) as one table of text cells.

File formats stop here: encodings, delimiters, title lines above the header, totals lines,
cell types and hostile workbooks. Bad input raises `ExtractionError` only, never anything else.
"""

from __future__ import annotations

import codecs
import csv
import io
import math
import re
import zipfile
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal

from cmeledger.importers.errors import ExtractionError
from cmeledger.importers.values import find_dates

MAX_CSV_BYTES, ZIP_MAX_TOTAL, ZIP_MAX_RATIO, ZIP_MAX_MEMBERS = 50 << 20, 200 << 20, 100, 1000
# A member this small cannot hurt whatever its ratio (an empty part compresses to 2 bytes).
_ZIP_RATIO_FLOOR = 64 * 1024
_MAX_COLUMNS = 64
_HEADER_SCAN = 30
_DELIMITERS = (",", ";", "\t", "|")
_NUMERIC = re.compile(r"[-+(]?[$€£]?\s*\d[\d,. ]*%?\)?\*?")
_TOTAL = re.compile(r"(grand\s+|sub-?)?totals?\b", re.IGNORECASE)
# Notes printed under a table; a lone title-like cell is kept as a (broken) row instead.
_FOOTNOTE = re.compile(
    r"^(?:[^\w\s]|(?:notes?|generated|printed|page|report|this|source|disclaimer|credits? are)\b)",
    re.IGNORECASE,
)
_LABEL_VALUE = re.compile(r"^[\w .'/#-]{1,30}:\s+\S")
_NOT_TABLES = (
    (b"\xd0\xcf\x11\xe0", "this is an old Excel .xls workbook; save it as .xlsx or CSV"),
    (b"%PDF", "this is a PDF, not a table; import it as a certificate instead"),
)

Raw = list[tuple[int, list[str]]]


@dataclass(frozen=True)
class Table:
    """Headers and one dict per data row; row numbers as a spreadsheet shows them (1-based)."""

    headers: tuple[str, ...]
    rows: tuple[dict[str, str], ...]
    sheet: str | None
    row_numbers: tuple[int, ...] = ()
    preamble: tuple[str, ...] = ()  # title lines above the header ("Transcript for Dr X")
    totals: tuple[dict[str, str], ...] = ()  # "Total" lines, kept out of the data
    footer: tuple[str, ...] = ()  # notes under the table
    method: str = "csv"

    def row_number(self, index: int) -> int:
        return self.row_numbers[index] if index < len(self.row_numbers) else index + 2


def read_table(source: str, data: bytes, *, max_rows: int = 50_000) -> Table:
    if not data.strip():
        raise ExtractionError(source, "the file is empty; export the transcript again")
    if data.startswith(b"PK"):
        return _build(source, *_xlsx_rows(source, data, max_rows), max_rows)
    for magic, problem in _NOT_TABLES:
        if data.startswith(magic):
            raise ExtractionError(source, problem)
    if len(data) > MAX_CSV_BYTES:
        raise ExtractionError(source, f"larger than {MAX_CSV_BYTES >> 20} MB; split it by year")
    return _build(source, _csv_rows(source, _decode(source, data), max_rows), None, "csv", max_rows)


def _decode(source: str, data: bytes) -> str:
    # Excel's "Unicode text" export is UTF-16 with a BOM; otherwise UTF-8, else Windows-1252.
    utf16 = data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    if not utf16 and b"\x00" in data[:4096]:
        raise ExtractionError(source, "this is binary data, not a CSV or XLSX table")
    text = None
    for encoding in ("utf-16",) if utf16 else ("utf-8-sig", "cp1252"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    if text is None:
        raise ExtractionError(source, "the text is not UTF-8 or Windows-1252; save as CSV UTF-8")
    head = text[:4096]
    controls = sum(1 for ch in head if (ord(ch) < 32 and ch not in "\t\r\n\f") or ch == "\x7f")
    if "\x00" in head or controls > len(head) / 100:
        raise ExtractionError(source, "this is binary data, not a CSV or XLSX table")
    return text


def _records(text: str, delimiter: str) -> Iterator[list[str]]:
    return csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)


def _pick_delimiter(text: str) -> str:
    """The delimiter that splits most rows into the same number (>= 2) of cells."""
    sample = text[: 64 * 1024]
    best, best_score = ",", (0, 0)
    for delimiter in _DELIMITERS:
        try:
            widths = [
                len(rec)
                for _, rec in zip(range(200), _records(sample, delimiter), strict=False)
                if any(cell.strip() for cell in rec)
            ]
        except csv.Error:
            continue
        multi = [w for w in widths if w >= 2]
        if multi:
            mode = Counter(multi).most_common(1)[0][0]
            if (score := (widths.count(mode), mode)) > best_score:
                best, best_score = delimiter, score
    return best


def _csv_rows(source: str, text: str, max_rows: int) -> Raw:
    rows: Raw = []
    number = 0
    try:
        for number, record in enumerate(_records(text, _pick_delimiter(text)), start=1):
            rows.append((number, record[:_MAX_COLUMNS]))
            if number > max_rows + 1000:
                raise _too_many(source, max_rows)
    except csv.Error as exc:
        raise ExtractionError(
            source, f"row {number + 1} is not valid CSV ({exc}); check the quotes on that line"
        ) from None
    return rows


def _too_many(source: str, max_rows: int) -> ExtractionError:
    return ExtractionError(source, f"more than {max_rows} rows; split the transcript by year")


def _check_zip(source: str, data: bytes) -> None:
    """Refuse zip bombs before any XML is parsed: openpyxl trusts the archive."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
    except Exception:  # zipfile raises many types for a corrupt archive
        raise ExtractionError(source, "not a readable XLSX workbook; save it again") from None
    if len(infos) > ZIP_MAX_MEMBERS:
        raise ExtractionError(source, f"the workbook has {len(infos)} parts; refused")
    # Declared sizes are enough: zipfile stops decompressing a member at its declared size.
    if sum(info.file_size for info in infos) > ZIP_MAX_TOTAL:
        raise ExtractionError(source, f"unpacks to more than {ZIP_MAX_TOTAL >> 20} MB; refused")
    for info in infos:
        if info.file_size >= _ZIP_RATIO_FLOOR and (
            info.compress_size == 0 or info.file_size / info.compress_size > ZIP_MAX_RATIO
        ):
            bomb = f"part {info.filename!r} is compressed over {ZIP_MAX_RATIO}x (a zip bomb?)"
            raise ExtractionError(source, f"{bomb}; refused — save the sheet as CSV instead")


def _xlsx_rows(source: str, data: bytes, max_rows: int) -> tuple[Raw, str, str]:
    _check_zip(source, data)
    import openpyxl  # deferred: only workbooks pay for the import

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises anything from KeyError to XML errors on bad files
        raise ExtractionError(source, "cannot open the workbook; save it again") from None
    try:
        for sheet in book.worksheets:
            rows = _sheet_rows(source, sheet, max_rows)
            if any(any(cells) for _, cells in rows):
                return rows, str(sheet.title), "xlsx"
    except ExtractionError:
        raise
    except Exception:  # malformed sheet XML surfaces only while iterating
        raise ExtractionError(source, "a sheet is damaged; save the workbook again") from None
    finally:
        book.close()
    raise ExtractionError(source, "every sheet in the workbook is empty; nothing to import")


def _sheet_rows(source: str, sheet: object, max_rows: int) -> Raw:
    # The stored dimension can claim a million rows; trust only the rows actually present.
    if (reset := getattr(sheet, "reset_dimensions", None)) is not None:
        reset()
    if (iter_rows := getattr(sheet, "iter_rows", None)) is None:  # a chart sheet
        return []
    rows: Raw = []
    values = iter_rows(min_row=1, max_col=_MAX_COLUMNS, values_only=True)
    for number, cells in enumerate(values, start=1):
        if number > max_rows + 1000:
            raise _too_many(source, max_rows)
        rows.append((number, [_cell_text(v) for v in cells]))
    return rows


def _cell_text(value: object) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return ""
    if isinstance(value, date | time):
        return (value.date() if isinstance(value, datetime) else value).isoformat()
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        # Decimal(str(v)) keeps what Excel showed (0.1 + 0.2 stored as 0.3 stays "0.3").
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return format(Decimal(str(value)), "f")  # finite floats always convert
    return str(value).strip()


def _is_texty(cell: str) -> bool:
    return not _NUMERIC.fullmatch(cell) and not find_dates(cell)


def _find_header(rows: Sequence[list[str]]) -> int | None:
    """The first row of >= 2 label-like cells, wide enough to head the table below it."""
    widths = [sum(1 for c in cells if c) for cells in rows[:50]]
    need = max(2, math.ceil(max(widths, default=0) * 0.6))
    for index, cells in enumerate(rows[:_HEADER_SCAN]):
        filled = [c for c in cells if c]
        # "Learner: Jane Doe, MD" split at its comma is a title line, not two column names.
        labelled = filled and (filled[0].endswith(":") or _LABEL_VALUE.match(filled[0]))
        if len(filled) >= need and all(map(_is_texty, filled)) and not labelled:
            return index
    return None


def _unique_headers(cells: Sequence[str], width: int) -> tuple[str, ...]:
    names: list[str] = []
    for i in range(width):
        base = name = cells[i] if i < len(cells) and cells[i] else f"column {i + 1}"
        n = 2
        while name in names:
            name, n = f"{base} ({n})", n + 1
        names.append(name)
    return tuple(names)


def _is_total(filled: Sequence[str]) -> bool:
    # "Total Knee Arthroplasty" on a dated row is an activity, not a totals line.
    return bool(filled and _TOTAL.match(filled[0])) and not any(map(find_dates, filled))


def _is_footnote(cells: Sequence[str]) -> bool:
    one = sum(1 for c in cells if c) == 1 and bool(cells[0])
    return one and bool(_FOOTNOTE.match(cells[0]) or ":" in cells[0])


def _build(source: str, raw: Raw, sheet: str | None, method: str, max_rows: int) -> Table:
    rows = [
        (n, cells) for n, cells in ((n, [c.strip() for c in cs]) for n, cs in raw) if any(cells)
    ]
    if not rows:
        raise ExtractionError(source, "the file holds no table; export the transcript again")
    at = _find_header([cells for _, cells in rows])
    if at is None:
        raise ExtractionError(
            source,
            "no header row found (a row naming the columns, like Title, Date, Credits); "
            "add one above the data or export the transcript as a table",
        )
    header_cells, body = rows[at][1], rows[at + 1 :]
    footer: list[str] = []
    while body and _is_footnote(body[-1][1]):
        footer.insert(0, body.pop()[1][0])
    width = max(
        max((i + 1 for i, c in enumerate(cs) if c), default=0)
        for cs in [header_cells] + [cs for _, cs in body]
    )
    headers = _unique_headers(header_cells, width)
    data: list[dict[str, str]] = []
    numbers: list[int] = []
    totals: list[dict[str, str]] = []
    for number, cells in body:
        row = dict(zip(headers, [*cells[:width], *[""] * (width - len(cells))], strict=True))
        if _is_total([c for c in cells if c]):
            totals.append(row)
        else:
            data.append(row)
            numbers.append(number)
    if not data:
        raise ExtractionError(
            source, f"found the header ({', '.join(headers)}) but no rows under it; nothing to do"
        )
    if len(data) > max_rows:
        raise _too_many(source, max_rows)
    return Table(
        headers=headers,
        rows=tuple(data),
        sheet=sheet,
        row_numbers=tuple(numbers),
        preamble=tuple(", ".join(c for c in cells if c) for _, cells in rows[:at]),
        totals=tuple(totals),
        footer=tuple(footer),
        method=method,
    )
