"""Types every ledger router shares: hours as decimal strings, bounded dates, problem answers.

Hours and credit amounts leave the API as JSON strings in plain decimal notation ("2.5",
"0.25", "40"), never as numbers: a JSON number is a float to most clients, and credit
arithmetic must stay exact. Amounts sent in are strings of the same form.
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import date
from decimal import Decimal
from http import HTTPStatus
from typing import Annotated, Any
from uuid import UUID

from fastapi import Path as PathParam
from fastapi.responses import Response
from pydantic import AfterValidator, BaseModel, Field, PlainSerializer, WithJsonSchema

from cmeledger.api.problems import PROBLEM, ProblemError
from cmeledger.domain.credit_taxonomy import credit_type, credit_type_codes
from cmeledger.domain.errors import DomainError


def _decimal_text(value: Decimal) -> str:
    return format(value.normalize(), "f")


Hours = Annotated[
    Decimal,
    PlainSerializer(_decimal_text, return_type=str),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^-?[0-9]+(\.[0-9]+)?$",
            "description": 'a decimal number as text, e.g. "2.5"',
            "examples": ["2.5"],
        }
    ),
]
# Amounts above 0 and below 1000 on their credit system's step (most count quarter hours);
# an amount off the step is refused, never silently rounded.
_STEP_PATTERNS = {
    Decimal("0.25"): r"^([1-9][0-9]{0,2}(\.(00?|25|50?|75))?|0?\.(25|50?|75))$",
    Decimal("0.5"): r"^([1-9][0-9]{0,2}(\.(00?|50?))?|0?\.50?)$",
    Decimal("1"): r"^[1-9][0-9]{0,2}(\.00?)?$",
}
_ANY_AMOUNT = r"^([1-9][0-9]{0,2}(\.[0-9]{1,2})?|0?\.(0[1-9]|[1-9][0-9]?))$"


def amount_pattern(step: Decimal | None) -> str:
    return _STEP_PATTERNS.get(step, _ANY_AMOUNT) if step is not None else _ANY_AMOUNT


def _credit_amounts_schema() -> dict[str, Any]:
    codes_by_pattern: dict[str, list[str]] = defaultdict(list)
    for code in credit_type_codes():
        codes_by_pattern[amount_pattern(credit_type(code).step)].append(code)
    return {
        "type": "object",
        "minProperties": 1,
        "maxProperties": 10,
        "patternProperties": {
            f"^({'|'.join(codes)})$": {"type": "string", "pattern": pattern}
            for pattern, codes in codes_by_pattern.items()
        },
        "additionalProperties": False,
        "description": "the credit awarded, by credit type code, as text on that credit "
        "system's step (most count quarter hours)",
        "examples": [{"ama_pra_1": "1.5"}],
    }


def _check_amounts(amounts: dict[str, str]) -> dict[str, str]:
    for code, amount in amounts.items():
        try:
            step = credit_type(code).step
        except DomainError:
            raise ValueError(f"unknown credit type {code!r}") from None
        if not re.fullmatch(amount_pattern(step), amount):
            raise ValueError(
                f"{code}: {amount!r} is not an amount above 0 and below 1000 in steps of "
                f"{step or Decimal('0.01')}"
            )
    return amounts


CreditAmounts = Annotated[
    dict[str, str],
    Field(min_length=1, max_length=10),
    AfterValidator(_check_amounts),
    WithJsonSchema(_credit_amounts_schema()),
]
# Text from outside: no control characters (a NUL cannot even be stored in PostgreSQL);
# a required line also needs one character that is not a space.
NO_CONTROL = r"^[^\x00-\x1F\x7F]*$"
NOT_BLANK = r"^[^\x00-\x1F\x7F]*[^\s\x00-\x1F\x7F][^\x00-\x1F\x7F]*$"


def _encodable(value: str) -> str:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("not valid Unicode text (a lone surrogate)") from None
    return value


Encodable = AfterValidator(_encodable)


def text(max_length: int, *, min_length: int = 1) -> Any:
    """Field constraints of one line of free text: use as Annotated[str, text(n), Encodable]."""
    return Field(min_length=min_length, max_length=max_length, pattern=NOT_BLANK)


EARLIEST = date(1900, 1, 1)
LATEST = date(2199, 12, 31)
# Bounded so that cycle arithmetic never runs off the calendar; the pattern says so in the
# schema, where a date's own bounds do not show.
DAY_PATTERN = r"^(19|20|21)[0-9]{2}-[0-9]{2}-[0-9]{2}$"
Day = Annotated[
    date,
    Field(
        ge=EARLIEST,
        le=LATEST,
        description="YYYY-MM-DD, between 1900 and 2199",
        json_schema_extra={"pattern": DAY_PATTERN},
    ),
]


def in_range(value: date | None, name: str) -> date | None:
    """Query dates are checked here (a Query cannot bound a date): far dates only overflow."""
    if value is not None and not EARLIEST <= value <= LATEST:
        raise ProblemError(422, f"{name}: give a date between {EARLIEST} and {LATEST}")
    return value


# A topic tag such as opioid_prescribing; "Opioid prescribing" is read as the same tag.
Topic = Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_ -]{0,62}[A-Za-z0-9_-]$")]


class Problem(BaseModel):
    """RFC 9457 problem details, the body of every 4xx and 5xx answer."""

    type: str
    title: str
    status: int
    detail: str
    errors: list[dict[str, str]] | None = Field(
        default=None, description="every invalid field, for 422 answers to bad input"
    )


_PROBLEM_SCHEMA = Problem.model_json_schema()


def problems(*codes: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` entries for these statuses, each answered as application/problem+json."""
    return {
        code: {
            "description": HTTPStatus(code).phrase,
            "content": {PROBLEM: {"schema": _PROBLEM_SCHEMA}},
        }
        for code in codes
    }


# Statuses every signed-in route can answer: not signed in, and (for writes) refused.
READ = (401, 404, 422)
WRITE = (401, 403, 404, 422)


def binary(media_types: tuple[str, ...], description: str) -> dict[str, Any]:
    """A 200 `responses=` entry for a body that is a file, not JSON."""
    return {
        "description": description,
        "content": {m: {"schema": {"type": "string", "format": "binary"}} for m in media_types},
    }


class CsvResponse(Response):
    media_type = "text/csv"


class CalendarResponse(Response):
    media_type = "text/calendar"


class PngResponse(Response):
    media_type = "image/png"


PhysicianId = Annotated[UUID, PathParam(description="the physician whose ledger this is")]
ETAG_HEADER = {
    "ETag": {
        "description": "strong ETag; send it back as If-Match to change this",
        "schema": {"type": "string"},
    }
}
LOCATION_HEADER = {
    "Location": {"description": "where the new resource is", "schema": {"type": "string"}}
}


def with_headers(
    code: int, headers: dict[str, Any], description: str = "OK"
) -> dict[int | str, dict[str, Any]]:
    return {code: {"description": description, "headers": headers}}
