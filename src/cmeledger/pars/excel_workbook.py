"""Workbook plumbing shared by the Excel layouts (`excel_learners`, `excel_activities`).

Uploaded bytes are checked (size, part count, expansion ratio, DTDs) before openpyxl parses any
XML, then loaded read-only without external links. Cell problems are collected, not raised one
at a time, so a single attempt reports every bad cell by sheet, row and column.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import TypeVar, cast

from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.worksheet.worksheet import Worksheet

from cmeledger.domain.errors import DomainError
from cmeledger.domain.pars.rules import Problem
from cmeledger.pars.errors import ParsDocumentError

MAX_COLUMNS = 200  # a value further right is refused, not read
EXCEL_CELL_MAX = 32767
_SHOWN_ERRORS = 10
_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class WorkbookLimits:
    """What an uploaded workbook may cost us before openpyxl is allowed to open it."""

    max_bytes: int = 20 * 1024 * 1024
    max_uncompressed: int = 100 * 1024 * 1024
    max_ratio: int = 200  # sheet XML compresses 10-50x; zip bombs about 1000x
    max_members: int = 500
    max_rows: int = 100_000


class CellError(ValueError):
    """A cell's value cannot be read; the message says what was expected."""


def check_xlsx(data: bytes, limits: WorkbookLimits) -> None:
    """Refuse files that are not zips, too big, or expand too much, before parsing any XML."""
    if len(data) > limits.max_bytes:
        raise ParsDocumentError(f"workbook is {len(data)} bytes; the limit is {limits.max_bytes}")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            if len(members) > limits.max_members:
                raise ParsDocumentError(f"workbook has {len(members)} parts; too many")
            total = sum(m.file_size for m in members)
            if total > limits.max_uncompressed:
                raise ParsDocumentError(
                    f"workbook expands to {total} bytes; the limit is {limits.max_uncompressed}"
                )
            for m in members:
                if m.file_size > limits.max_ratio * max(m.compress_size, 1024):
                    ratio = m.file_size // max(m.compress_size, 1)
                    raise ParsDocumentError(
                        f"workbook part {m.filename!r} expands {ratio} times; likely a zip bomb"
                    )
            if "[Content_Types].xml" not in archive.namelist():
                raise ParsDocumentError("file is a zip but not an Excel .xlsx workbook")
            for m in members:
                # Office parts never carry a DTD; one here can only be an entity attack.
                with archive.open(m) as part:
                    while chunk := part.read(1 << 20):
                        if b"<!DOCTYPE" in chunk or b"<!ENTITY" in chunk:
                            raise ParsDocumentError(f"workbook part {m.filename!r} has a DTD")
    except ParsDocumentError:
        raise
    except Exception as exc:  # BadZipFile, zlib.error, NotImplementedError (odd compression) …
        raise ParsDocumentError(f"not an Excel .xlsx workbook: {exc}") from None


def read_sheet(
    data: bytes, limits: WorkbookLimits, preferred: str
) -> tuple[str, list[tuple[object, ...]]]:
    """The rows (cell values) of sheet `preferred`, or of the first sheet when it is absent."""
    check_xlsx(data, limits)
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)
    except Exception as exc:  # openpyxl raises many kinds for broken files
        raise ParsDocumentError(f"not a readable Excel workbook: {exc}") from None
    try:
        if not book.worksheets:
            raise ParsDocumentError("workbook has no worksheets")
        sheet = book[preferred] if preferred in book.sheetnames else book.worksheets[0]
        sheet.reset_dimensions()  # the file's own claim about its size is not trusted
        rows: list[tuple[object, ...]] = []
        for values in sheet.iter_rows(values_only=True):
            # Rows are as long as their last cell; only the first MAX_COLUMNS are kept.
            if len(values) > MAX_COLUMNS and any(not is_blank(v) for v in values[MAX_COLUMNS:]):
                where = f"{sheet.title} row {len(rows) + 1}"
                raise ParsDocumentError(f"{where}: values beyond column {MAX_COLUMNS}")
            rows.append(tuple(values[:MAX_COLUMNS]))
            if len(rows) > limits.max_rows + 2:
                raise ParsDocumentError(f"{sheet.title}: more than {limits.max_rows} rows")
        return str(sheet.title), rows
    except ParsDocumentError:
        raise
    except Exception as exc:
        raise ParsDocumentError(f"not a readable Excel workbook: {exc}") from None
    finally:
        book.close()


class RowErrors:
    """Collects every bad cell of an upload so one attempt shows them all."""

    def __init__(self, sheet: str) -> None:
        self.sheet = sheet
        self.problems: list[Problem] = []

    def add(self, row: int, column: str | None, message: str, index: int | None = None) -> None:
        where = f"{self.sheet} row {row}" + (f", column {column!r}" if column else "")
        if index is not None:  # the additional pairs repeat their names
            where += f" ({column_letter(index)})"
        self.problems.append(Problem("XLS-001", where, message))

    def raise_any(self) -> None:
        if not self.problems:
            return
        shown = "; ".join(f"{p.field}: {p.message}" for p in self.problems[:_SHOWN_ERRORS])
        more = len(self.problems) - _SHOWN_ERRORS
        suffix = f" (and {more} more)" if more > 0 else ""
        raise ParsDocumentError(shown + suffix, self.problems)


def fold(text: object) -> str:
    """Text as compared in headers and keywords: case and runs of whitespace ignored."""
    return " ".join(str(text or "").split()).casefold()


def check_header(
    errors: RowErrors, rows: list[tuple[object, ...]], expected: Sequence[str]
) -> None:
    """Row 2 must hold `expected` (whitespace and case aside); row 1 is guidance."""
    found = rows[1] if len(rows) > 1 else ()
    if len(rows) < 2 or not any(fold(v) for v in found):
        errors.add(2, None, f"expected the header row {', '.join(map(repr, expected))}")
        return
    for i, name in enumerate(expected):
        got = found[i] if i < len(found) else None
        if fold(got) != fold(name):
            hint = ""
            if rows and fold(rows[0][0] if rows[0] else None) == fold(expected[0]):
                hint = " (the header belongs in row 2; row 1 holds guidance)"
            errors.add(2, column_letter(i), f"expected header {name!r}, found {got!r}{hint}")
            return


def column_letter(index: int) -> str:
    """Excel's name for the 0-based column `index` (0 -> A, 26 -> AA)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


class RowReader:
    """One data row. A bad cell is recorded in `errors`, not raised, so every problem shows."""

    def __init__(
        self, errors: RowErrors, row: int, values: tuple[object, ...], header: Sequence[str]
    ) -> None:
        self.errors, self.row, self.values, self.header = errors, row, values, header
        self._before = len(errors.problems)
        for i in range(len(header), len(values)):
            if not is_blank(values[i]):
                errors.add(row, None, f"column {column_letter(i)} has a value but no header")

    @property
    def ok(self) -> bool:
        return len(self.errors.problems) == self._before

    def raw(self, i: int) -> object:
        return self.values[i] if i < len(self.values) else None

    def fail(self, i: int, message: str) -> None:
        name = self.header[i]
        self.errors.add(self.row, name, message, i if self.header.count(name) > 1 else None)

    def get(self, i: int, parse: Callable[[object], _T]) -> _T | None:
        """The parsed cell, or None when it is blank or bad (bad is recorded)."""
        value = self.raw(i)
        if is_blank(value):
            return None
        try:
            return parse(value)
        except (CellError, DomainError) as exc:
            self.fail(i, str(exc))
            return None

    def need(self, i: int, parse: Callable[[object], _T]) -> _T:
        """Like `get` for a required cell. On failure the row is not ok and the caller must
        not use the placeholder it gets back."""
        if is_blank(self.raw(i)):
            self.fail(i, "is required")
        return cast(_T, self.get(i, parse))


def is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def cell_text(value: object) -> str | None:
    if is_blank(value):
        return None
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool | date):
        raise CellError("expected text")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # an ID Excel stored as a number
    return str(value)


def cell_name(value: object) -> str:
    text = cell_text(value)
    if text is None:
        raise CellError("is required")
    return text


def cell_date(value: object) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        text = value.strip()
        for fmt in ("%m/%d/%Y", "%Y-%m-%d"):
            try:
                return datetime.strptime(text, fmt).date()  # noqa: DTZ007 - a calendar date
            except ValueError:
                pass
    raise CellError("not a date (use an Excel date or MM/DD/YYYY)")


def cell_decimal(value: object) -> Decimal:
    if isinstance(value, bool):
        raise CellError("not a number")
    try:
        if isinstance(value, int | float):
            amount = Decimal(repr(value))
        elif isinstance(value, Decimal | str):
            amount = Decimal(str(value).strip())
        else:
            raise CellError("not a number")
    except InvalidOperation:
        raise CellError("not a number") from None
    if not amount.is_finite() or amount < 0:
        raise CellError("must be a number >= 0")
    return amount


def new_sheet(book: Workbook, title: str, guidance: str, header: Sequence[str]) -> Worksheet:
    sheet: Worksheet = book.active
    sheet.title = title
    sheet.append([guidance])
    sheet.append(list(header))
    return sheet


def put(sheet: Worksheet, row: int, column: int, value: object, number_format: str = "") -> None:
    """Write one cell; text stays text (a leading '=' is not a formula)."""
    if value is None:
        return
    where = f"row {row}, column {column_letter(column - 1)}"
    if isinstance(value, str) and ILLEGAL_CHARACTERS_RE.search(value):
        raise ParsDocumentError(f"{where}: a control character Excel cannot store")
    if isinstance(value, str) and len(value) > EXCEL_CELL_MAX:
        raise ParsDocumentError(f"{where}: longer than Excel's {EXCEL_CELL_MAX} characters")
    cell = sheet.cell(row=row, column=column, value=value)
    if isinstance(value, str):
        cell.data_type = "s"
        cell.number_format = "@"
    if number_format:
        cell.number_format = number_format


def workbook_bytes(book: Workbook) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
