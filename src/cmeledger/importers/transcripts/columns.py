"""Which column holds which field: header names matched against aliases, plus `--map`.

Matching is global and greedy: every (field, header) pair is scored, the best pairs win,
so an exact "Activity ID" beats "Activity" being stretched to cover it. Headers that name
a credit type or MOC board themselves ("Prescribed Credits", "ABIM MOC Points") become
amount columns of that type ("wide" layouts).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from rapidfuzz import fuzz

from cmeledger.importers.credit_types import (
    credit_type_from_text,
    moc_from_text,
    normalise,
)
from cmeledger.importers.errors import ExtractionError

Aliases = Mapping[str, float]

# Fields a user may name with `--map column=field`; "ignore" drops a misread column.
MAP_FIELDS = (
    "title", "provider", "date", "amount", "credit_type", "topic", "format",
    "accme_activity_id", "start_date", "end_date", "moc_board", "moc_points", "ignore",
)  # fmt: skip

BASE_ALIASES: dict[str, dict[str, float]] = {
    "title": {"title": 1, "activity title": 1, "activity": 1, "activity name": 1, "course": 1,
              "course title": 1, "course name": 1, "program": 1, "program name": 1,
              "program title": 1, "module name": 1, "event": 0.9, "event title": 1,
              "session title": 1, "name of activity": 1, "description": 0.8},
    "provider": {"provider": 1, "provider name": 1, "sponsor": 1, "sponsoring organization": 1,
                 "organization": 1, "organisation": 1, "provider organization": 1,
                 "cme provider": 1, "offered by": 1, "reporting organization": 0.9,
                 "institution": 0.9, "source": 0.8},
    "accredited_provider": {"accredited provider": 1, "accrediting provider": 1},
    "date": {"completion date": 1, "date completed": 1, "completed": 1, "completed on": 1,
             "date of completion": 1, "completed date": 1, "date awarded": 1, "award date": 1,
             "date earned": 1, "date claimed": 1, "claim date": 1, "credit date": 1,
             "date": 0.95, "activity date": 0.95, "dates": 0.9, "completion": 0.9},
    "start_date": {"start date": 1, "activity start date": 1, "begin date": 1},
    "end_date": {"end date": 1, "activity end date": 1},
    "amount": {"credits": 1, "credit": 1, "amount": 1, "credit amount": 1, "credits claimed": 1,
               "credits earned": 1, "credits awarded": 1, "credits logged": 1, "cme credits": 1,
               "cme credit": 1, "number of credits": 1, "credit hours": 1, "total credits": 1,
               "claimed": 0.9, "awarded": 0.9, "cme hours": 0.9, "hours": 0.8, "of hours": 0.8,
               "number of hours": 0.8, "hours claimed": 0.8, "units": 0.8},
    "designated": {"credits available": 1, "max credits": 1, "maximum credits": 1,
                   "designated credits": 1, "credits designated": 1, "approved credits": 1,
                   "credits approved": 1, "maximum": 0.9, "designated": 0.9},
    "credit_type": {"credit type": 1, "type of credit": 1, "credit category": 1, "category": 1,
                    "credit designation": 1, "credit system": 1, "type": 0.9,
                    "designation": 0.9, "accreditation": 0.8, "certification": 0.8},
    "topic": {"topic": 1, "topics": 1, "subject": 1, "subject area": 1, "state mandate": 1,
              "mandate": 0.9, "tags": 0.9},
    "format": {"format": 1, "activity format": 1, "activity type": 1, "learning format": 1,
               "type of activity": 1, "live enduring": 1, "live or enduring": 1, "delivery": 1},
    "accme_activity_id": {"accme activity id": 1, "activity id": 1, "accme id": 1,
                          "module id": 1, "pars activity id": 1, "activity number": 0.9},
    "moc_board": {"moc board": 1, "board": 0.9, "certifying board": 1, "board name": 1},
    "moc_points": {"moc points": 1, "moc": 0.9, "moc credits": 1, "moc credit": 1, "points": 0.9},
    "moc_type": {"moc type": 1, "moc credit type": 1, "moc category": 1},
    "learner": {"learner": 1, "learner name": 1, "name": 1, "participant": 1,
                "participant name": 1, "physician": 1, "physician name": 1, "member name": 1,
                "full name": 1},
    "first_name": {"first name": 1, "given name": 1},
    "last_name": {"last name": 1, "family name": 1, "surname": 1},
}  # fmt: skip
# Ties between equally good pairs go to the field listed first.
_FIELD_ORDER = tuple(BASE_ALIASES)
_AMOUNT_WORD = re.compile(
    r"\b(credits?|hours?|hrs|points?|pts|units?|ceus?|cpeus?|amount|moc|llsa)\b"
)
_NOT_AMOUNT = re.compile(
    r"\b(id|ids|number|no|date|dates|type|status|board|cycle|expires?|expiration|name|code|"
    r"provider|title|birth|dob)\b"
)


@dataclass(frozen=True, slots=True)
class Typed:
    """What an amount column counts: a credit type (code) or MOC points for a board."""

    kind: Literal["credit", "moc"]
    code: str | None
    board: str | None = None
    confidence: float = 1.0


@dataclass(frozen=True, slots=True)
class Column:
    header: str
    confidence: float


@dataclass(frozen=True)
class Columns:
    fields: dict[str, Column]
    wide: tuple[tuple[str, Typed], ...]

    def get(self, name: str) -> Column | None:
        return self.fields.get(name)

    def has_date(self) -> bool:
        return any(name in self.fields for name in ("date", "start_date", "end_date"))

    def has_amounts(self) -> bool:
        return bool(self.wide) or "amount" in self.fields or "moc_points" in self.fields


def header_type(header: str, header_types: Mapping[str, Typed], system: str | None) -> Typed | None:
    """The credit type or MOC board a header names, if it names one."""
    norm = normalise(header)
    if norm in header_types:
        return header_types[norm]
    if not norm or _NOT_AMOUNT.search(norm):
        return None
    amountish = bool(_AMOUNT_WORD.search(norm))
    credit = credit_type_from_text(norm, system=system)
    if credit is not None and (amountish or credit.confidence >= 0.9):
        return Typed("credit", credit.code, confidence=credit.confidence)
    moc = moc_from_text(norm)
    if moc is not None and amountish:
        return Typed("moc", moc.credit_type, board=moc.board)
    return None


def _score(norm: str, aliases: Aliases) -> float:
    if not norm or "birth" in norm:
        return 0.0
    if norm in aliases:
        return aliases[norm]
    best = 0.0
    for alias, conf in aliases.items():
        if norm.startswith(alias + " "):
            best = max(best, 0.9 * conf)
        elif len(norm) >= 5 and len(alias) >= 6 and fuzz.ratio(norm, alias) >= 90:
            best = max(best, 0.7 * conf)  # a typo'd header is a guess
    return best


def resolve(
    headers: tuple[str, ...],
    aliases: Mapping[str, Aliases],
    header_types: Mapping[str, Typed],
    system: str | None,
    mapping: Mapping[str, str] | None = None,
    source: str = "",
) -> Columns:
    fields: dict[str, Column] = {}
    taken: set[str] = set()
    for column, field in (mapping or {}).items():
        header = _find_header(headers, column, source)
        if field not in MAP_FIELDS:
            raise ExtractionError(
                source,
                f"--map {column}={field}: unknown field {field!r}; "
                f"fields are {', '.join(MAP_FIELDS)}",
            )
        taken.add(header)
        if field != "ignore":
            fields[field] = Column(header, 1.0)
    order = list(_FIELD_ORDER) + [f for f in aliases if f not in _FIELD_ORDER]
    pairs = sorted(
        (
            (-_score(normalise(h), aliases.get(f, {})), order.index(f), i, f, h)
            for f in order
            for i, h in enumerate(headers)
        ),
    )
    for neg, _, _, field, header in pairs:
        if neg == 0:
            break
        if field in fields or header in taken:
            continue
        fields[field] = Column(header, float(-neg))
        taken.add(header)
    wide = tuple(
        (h, typed)
        for h in headers
        if h not in taken and (typed := header_type(h, header_types, system)) is not None
    )
    return Columns(fields, wide)


def _find_header(headers: tuple[str, ...], column: str, source: str) -> str:
    for header in headers:
        if header == column or normalise(header) == normalise(column):
            return header
    raise ExtractionError(
        source,
        f"--map names column {column!r}, which is not in the file; "
        f"its columns are {', '.join(repr(h) for h in headers)}",
    )


def merged_aliases(extra: Mapping[str, Aliases]) -> dict[str, dict[str, float]]:
    """The base aliases with a source's own names added (or, with weight 0, removed)."""
    out = {field: dict(names) for field, names in BASE_ALIASES.items()}
    for field, names in extra.items():
        target = out.setdefault(field, {})
        for alias, conf in names.items():
            if conf <= 0:
                target.pop(alias, None)
            else:
                target[alias] = conf
    return out
