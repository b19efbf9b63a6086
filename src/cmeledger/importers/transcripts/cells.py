"""Reading one transcript cell as an amount, a date, an activity ID, topics or a name.

A cell that cannot be read raises `CellError` with the problem in words; the engine adds
the row number and column name, so the user can find the cell in their spreadsheet.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_DOWN, Decimal, InvalidOperation

from cmeledger.domain.activities import check_topic
from cmeledger.domain.credits import MAX_AMOUNT
from cmeledger.domain.errors import DomainError
from cmeledger.domain.extraction import DatePrecision
from cmeledger.importers import names
from cmeledger.importers.values import FoundDate, find_dates, parse_amount_text, parse_date_cell


class CellError(Exception):
    """One cell is unreadable; the message says what it holds and what was expected."""


_DASHES = "\u2012\u2013\u2014\u2212"  # figure dash, en dash, em dash, minus sign
PLACEHOLDERS = frozenset({"-", "--", *_DASHES, "n/a", "na", "none", "nil", "."})
_PLAIN = re.compile(r"\d+(?:\.\d+)?|\.\d+")
_THOUSANDS = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?")
_NEGATIVE = re.compile(rf"^\(?\s*[-{_DASHES}]\s*\.?\d|^\(\s*\d[\d.,]*\s*\)$")
_TWO_PLACES = Decimal("0.01")
# Excel stores dates as days since 1899-12-30; a bare 5-digit number in a date column of a
# workbook is such a serial whose cell lost its date format.
_EXCEL_EPOCH = date(1899, 12, 30)
_RANGE_GAP = re.compile(rf"^\s*(?:[-{_DASHES}]|to|through|thru|until)\s*$", re.IGNORECASE)


def is_blank(cell: str) -> bool:
    return cell.strip().lower() in PLACEHOLDERS or not cell.strip()


def read_amount(cell: str) -> Decimal | None:
    """A credit amount (0 to MAX_AMOUNT) or None for an empty cell."""
    text = cell.strip()
    if is_blank(text):
        return None
    if _NEGATIVE.search(text):
        raise CellError(f"{text!r} is negative; credit amounts are 0 or more")
    if _THOUSANDS.fullmatch(text):
        text = text.replace(",", "")
    digits = re.search(r"\d+", text)
    if digits and len(digits.group().lstrip("0")) > len(str(int(MAX_AMOUNT))):
        raise CellError(f"{text!r} is more credit than any activity carries; check the column")
    amount: Decimal | None
    if _PLAIN.fullmatch(text):
        try:
            amount = Decimal(text)
        except InvalidOperation:  # pragma: no cover - the pattern only admits decimals
            amount = None
    else:
        amount = parse_amount_text(text)
    if amount is None:
        raise CellError(f"{text!r} is not a number of credits; write it like 1.25")
    if amount > MAX_AMOUNT:
        raise CellError(f"{text!r} is more than {MAX_AMOUNT} credits; check the unit")
    return amount


def two_places(amount: Decimal) -> Decimal:
    """Never count more than was earned: extra decimals are cut, not rounded up."""
    if amount == amount.quantize(_TWO_PLACES, rounding=ROUND_DOWN):
        return amount
    return amount.quantize(_TWO_PLACES, rounding=ROUND_DOWN)


@dataclass(frozen=True, slots=True)
class DateRead:
    value: date
    precision: DatePrecision
    start: date | None = None
    end: date | None = None


def _month_end(found: FoundDate) -> date:
    if found.precision is not DatePrecision.MONTH:
        return found.value
    last = calendar.monthrange(found.value.year, found.value.month)[1]
    return found.value.replace(day=last)


def date_range(text: str) -> tuple[date, date] | None:
    """Two dates joined by a dash or "to" ("01/05/2024 - 01/07/2024", "Jan 2024 to Jun 2024")."""
    found = find_dates(text)
    if len(found) < 2:
        return None
    first, last = found[0], found[-1]
    if not _RANGE_GAP.match(text[first.end : last.start]):
        return None
    start, end = first.value, _month_end(last)
    return (start, end) if start <= end else None


def read_date(cell: str, *, workbook: bool = False) -> DateRead | None:
    """A completion date or date range; None for an empty cell."""
    text = cell.strip()
    if is_blank(text):
        return None
    if workbook and re.fullmatch(r"[2-7]\d{4}(?:\.\d+)?", text):
        return DateRead(_EXCEL_EPOCH + timedelta(days=int(float(text))), DatePrecision.DAY)
    span = date_range(text)
    if span is not None:
        return DateRead(span[1], DatePrecision.RANGE, start=span[0], end=span[1])
    found = parse_date_cell(text)
    if found is None:
        raise CellError(f"{text!r} is not a date; write it like 2024-03-15 or 03/15/2024")
    return DateRead(found[0], found[1])


def read_activity_id(cell: str) -> str | None:
    """The 9-digit ACCME activity ID (PARS assigns 9 digits); None if the cell holds none."""
    digits = re.sub(r"[\s-]", "", cell.strip())
    return digits if re.fullmatch(r"\d{9}", digits) else None


def read_topics(cell: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Topic tags from a cell ("Opioid prescribing; Ethics") and the parts that are not tags."""
    tags: list[str] = []
    bad: list[str] = []
    for part in re.split(r"[;,|/]", cell):
        words = re.sub(r"[^a-z0-9]+", "_", part.strip().lower()).strip("_")
        if not words:
            continue
        try:
            tag = check_topic(words[:64])
        except DomainError:
            bad.append(part.strip())
            continue
        if tag not in tags:
            tags.append(tag)
    return tuple(tags), tuple(bad)


_LABELLED = re.compile(
    r"^(?:learner|participant|physician|member|name|clinician|surgeon|pa|prepared for|"
    r"learner name|participant name|physician name|member name)\s*:\s*(?P<n>.+)$",
    re.IGNORECASE,
)
_TRANSCRIPT_FOR = re.compile(r"\btranscript\s+(?:for|of)\s*:?\s+(?P<n>.+)$", re.IGNORECASE)


def clean_name(text: str) -> str | None:
    """The person's name without honorific, degrees, or what follows it on the line."""
    name = re.split(r"\d|\(|\||\s+[A-Z][A-Za-z ]{1,20}:", text, maxsplit=1)[0]
    name = names.clean_name(name.strip(" ,;-" + _DASHES))
    if not 2 <= len(name) <= 80 or not re.search(r"[^\W\d_]", name):
        return None
    return name


def learner_from_preamble(lines: tuple[str, ...]) -> tuple[str, float] | None:
    """The learner named in the title lines above the table, with how sure we are."""
    for line in lines:
        m = _LABELLED.match(line.strip())
        if m and (name := clean_name(m.group("n"))):
            return name, 0.9
    for line in lines:
        m = _TRANSCRIPT_FOR.search(line.strip())
        if m and (name := clean_name(m.group("n"))):
            return name, 0.8
    return None
