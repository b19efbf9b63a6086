"""Dates and numbers as people write them on certificates and in transcripts."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from cmeledger.domain.extraction import DatePrecision

_MONTHS = {
    name: i
    for i, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
_MONTH = (
    r"(?P<mon>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_WEEKDAY = r"(?:(?:mon|tues?|wed(?:nes)?|thu(?:rs)?|fri|sat(?:ur)?|sun)(?:day)?\.?,?\s+)?"

# Order matters: the most specific shapes first.
_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(rx, re.IGNORECASE))
    for kind, rx in (
        ("iso", r"\b(?P<y>(?:19|20)\d{2})-(?P<m>\d{1,2})-(?P<d>\d{1,2})(?:[T ][\d:.]+Z?)?\b"),
        (
            "mdy_name",
            _WEEKDAY + _MONTH + r"\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<y>(?:19|20)\d{2})\b",
        ),
        (
            "dmy_name",
            r"\b(?P<d>\d{1,2})(?:st|nd|rd|th)?[\s-]+"
            + _MONTH
            + r",?[\s-]+(?P<y>(?:19|20)?\d{2})\b",
        ),
        ("mdy_num", r"\b(?P<m>\d{1,2})[/.](?P<d>\d{1,2})[/.](?P<y>(?:19|20)?\d{2})\b"),
        ("month_only", r"\b" + _MONTH + r",?\s+(?P<y>(?:19|20)\d{2})\b"),
        ("month_num", r"\b(?P<m>\d{1,2})/(?P<y>(?:19|20)\d{2})\b"),
    )
)


@dataclass(frozen=True, slots=True)
class FoundDate:
    value: date
    precision: DatePrecision
    start: int
    end: int
    text: str


def _year(text: str) -> int:
    year = int(text)
    return year + 2000 if year < 100 else year


def _build(kind: str, m: re.Match[str]) -> tuple[date, DatePrecision] | None:
    groups = m.groupdict()
    month = _MONTHS[groups["mon"].lower().rstrip(".")] if groups.get("mon") else int(groups["m"])
    year = _year(groups["y"])
    if kind in ("month_only", "month_num"):
        day, precision = 1, DatePrecision.MONTH
    else:
        day, precision = int(groups["d"]), DatePrecision.DAY
    try:
        return date(year, month, day), precision
    except ValueError:
        return None


def find_dates(text: str) -> list[FoundDate]:
    """Every date in running text, in reading order; month-only dates are marked as such.

    Numeric dates are read month-first (US certificates); a numeric date whose first part
    cannot be a month (13-31) is read day-first.
    """
    found: list[FoundDate] = []
    taken = bytearray(len(text))  # characters already part of a date
    for kind, pattern in _PATTERNS:
        for m in pattern.finditer(text):
            if any(taken[m.start() : m.end()]):
                continue
            built = _build(kind, m)
            if built is None and kind == "mdy_num":
                swapped = re.match(r"(\d{1,2})[/.](\d{1,2})[/.](\d{2,4})", m.group(0))
                if swapped:
                    try:
                        built = (
                            date(
                                _year(swapped.group(3)),
                                int(swapped.group(2)),
                                int(swapped.group(1)),
                            ),
                            DatePrecision.DAY,
                        )
                    except ValueError:
                        built = None
            if built is None:
                continue
            taken[m.start() : m.end()] = b"\x01" * (m.end() - m.start())
            found.append(FoundDate(built[0], built[1], m.start(), m.end(), m.group(0)))
    return sorted(found, key=lambda f: f.start)


def parse_date_cell(text: str) -> tuple[date, DatePrecision] | None:
    """A table cell that should hold exactly one date; None if it holds none."""
    dates = find_dates(text.strip())
    if not dates:
        return None
    return dates[0].value, dates[0].precision


_NUMBER = re.compile(r"(?<![\d.])(\d{1,4}(?:\.\d{1,3})?|\.\d{1,3})(?![\d])")
_WORDS = {
    "one": "1",
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
    "ten": "10",
    "twelve": "12",
    "fifteen": "15",
    "twenty": "20",
    "half": "0.5",
    "one-half": "0.5",
}


def parse_amount_text(text: str) -> Decimal | None:
    """The first credit amount in a cell or phrase ("2.50", "1*", "one", "0.75 hours")."""
    cleaned = text.replace(",", ".") if re.fullmatch(r"\s*\d+,\d{1,2}\s*", text) else text
    m = _NUMBER.search(cleaned)
    if m is None:
        word = cleaned.strip().lower().split(" ")[0] if cleaned.strip() else ""
        return Decimal(_WORDS[word]) if word in _WORDS else None
    try:
        return Decimal(m.group(1))
    except InvalidOperation:
        return None
