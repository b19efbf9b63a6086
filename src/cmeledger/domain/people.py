"""Clinicians and what they hold: licences, board certifications, DEA registrations."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from uuid import UUID

from cmeledger.domain.errors import DomainError


class Degree(StrEnum):
    MD = "MD"
    DO = "DO"
    PA = "PA"
    NP = "NP"
    OTHER = "other"


class BoardType(StrEnum):
    """Which licensing board issued a licence (states may have separate MD and DO boards)."""

    MD = "MD"
    DO = "DO"
    PA = "PA"
    NP = "NP"


class LicenseStatus(StrEnum):
    ACTIVE = "active"
    INACTIVE = "inactive"
    EXPIRED = "expired"
    RETIRED = "retired"


US_JURISDICTIONS = frozenset(
    (
        "AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE "
        "NV NH NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY PR GU VI AS MP"
    ).split()
)

_DAYS_IN_MONTH = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_MONTH_DAY = re.compile(r"^(\d{1,2})[-/](\d{1,2})$")
_DEA = re.compile(r"^[A-Z][A-Z9][0-9]{7}$")


@dataclass(frozen=True, slots=True, order=True)
class MonthDay:
    """A birthday without its year: PARS and state boards ask for exactly this much."""

    month: int
    day: int

    def __post_init__(self) -> None:
        if not 1 <= self.month <= 12 or not 1 <= self.day <= _DAYS_IN_MONTH[self.month - 1]:
            raise DomainError("birth month/day is not a real calendar day; write it as MM-DD")

    @classmethod
    def parse(cls, text: str) -> MonthDay:
        match = _MONTH_DAY.match(text.strip())
        if not match:
            raise DomainError("birth month/day must look like MM-DD (for example 04-17)")
        return cls(int(match.group(1)), int(match.group(2)))

    def __str__(self) -> str:
        return f"{self.month:02d}-{self.day:02d}"


def check_npi(npi: str) -> str:
    """A 10-digit NPI whose check digit is right (Luhn over the 80840 prefix, per CMS)."""
    if not re.fullmatch(r"\d{10}", npi):
        raise DomainError("NPI must be exactly 10 digits")
    digits = [int(c) for c in "80840" + npi]
    total = 0
    for i, digit in enumerate(reversed(digits)):
        if i % 2 == 1:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    if total % 10 != 0:
        raise DomainError("NPI check digit is wrong; re-check the number on NPPES")
    return npi


def check_jurisdiction(code: str) -> str:
    upper = code.strip().upper()
    if upper not in US_JURISDICTIONS:
        raise DomainError(f"{code!r} is not a US state or territory code (for example CA, NY, DC)")
    return upper


def check_dea_number(number: str) -> str:
    """DEA registration numbers: two letters, six digits and a check digit (DEA formula).

    The message never repeats the number: it is sensitive.
    """
    value = number.strip().upper()
    if not _DEA.match(value):
        raise DomainError("DEA number must be 2 letters and 7 digits")
    d = [int(c) for c in value[2:]]
    check = (d[0] + d[2] + d[4] + 2 * (d[1] + d[3] + d[5])) % 10
    if check != d[6]:
        raise DomainError("DEA number check digit is wrong; re-check the registration")
    return value


def _check_window(start: date | None, end: date | None, what: str) -> None:
    if start is not None and end is not None and end < start:
        raise DomainError(f"{what} ends before it starts")


@dataclass(frozen=True, slots=True)
class Physician:
    id: UUID
    first_name: str
    last_name: str
    degree: Degree
    npi: str | None = None
    email: str | None = None
    birth: MonthDay | None = field(default=None, repr=False)
    credentials: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.first_name.strip() or not self.last_name.strip():
            raise DomainError("first and last name are both required")
        if self.npi is not None:
            check_npi(self.npi)
        if self.email is not None and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", self.email):
            raise DomainError("e-mail address does not look like name@example.org")

    @property
    def display_name(self) -> str:
        suffix = f", {self.degree.value}" if self.degree is not Degree.OTHER else ""
        return f"{self.first_name} {self.last_name}{suffix}"


@dataclass(frozen=True, slots=True)
class License:
    id: UUID
    physician_id: UUID
    jurisdiction: str
    board_type: BoardType
    number: str = field(repr=False)
    expires: date
    issued: date | None = None
    status: LicenseStatus = LicenseStatus.ACTIVE

    def __post_init__(self) -> None:
        check_jurisdiction(self.jurisdiction)
        if not self.number.strip():
            raise DomainError("licence number is required")
        _check_window(self.issued, self.expires, "licence")


@dataclass(frozen=True, slots=True)
class BoardCertification:
    id: UUID
    physician_id: UUID
    board: str
    specialty: str
    board_id: str | None = field(default=None, repr=False)
    starts: date | None = None
    ends: date | None = None

    def __post_init__(self) -> None:
        if not self.board.strip() or not self.specialty.strip():
            raise DomainError("board and specialty are both required")
        _check_window(self.starts, self.ends, "certification cycle")


@dataclass(frozen=True, slots=True)
class DeaRegistration:
    id: UUID
    physician_id: UUID
    number: str = field(repr=False)
    expires: date
    issued: date | None = None

    def __post_init__(self) -> None:
        check_dea_number(self.number)
        _check_window(self.issued, self.expires, "DEA registration")
