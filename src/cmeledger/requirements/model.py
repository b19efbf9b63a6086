"""Typed, immutable view of one board's CME rule file (see schema.json)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum


class RuleKind(StrEnum):
    STATE_LICENSE = "state_license"
    BOARD = "board"
    DEA = "dea"


class AnchorType(StrEnum):
    BIRTH_MONTH = "birth_month"
    BIRTH_DATE = "birth_date"
    LICENSE_EXPIRY = "license_expiry"
    FIXED_DATE = "fixed_date"
    ODD_YEARS = "odd_years"
    EVEN_YEARS = "even_years"
    INITIAL_LICENSE = "initial_license"
    CALENDAR_YEAR = "calendar_year"
    UNKNOWN = "unknown"


class Frequency(StrEnum):
    EACH_CYCLE = "each_cycle"
    ONE_TIME = "one_time"
    EVERY_N_CYCLES = "every_n_cycles"
    UNKNOWN = "unknown"


class Audience(StrEnum):
    ALL = "all"
    PRESCRIBERS = "prescribers"  # holders of a DEA registration
    CONDITIONAL = "conditional"  # a practice fact the ledger does not hold


class ProrateBy(StrEnum):
    MONTH = "month"
    HALF_YEAR = "half_year"
    YEAR = "year"


class MocInLieu(StrEnum):
    HOURS = "hours"
    HOURS_AND_TOPICS = "hours_and_topics"


class Confidence(StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


@dataclass(frozen=True, slots=True)
class Anchor:
    type: AnchorType
    detail: str


@dataclass(frozen=True, slots=True)
class Cycle:
    months: int | None
    anchor: Anchor


@dataclass(frozen=True, slots=True)
class Category:
    credit_types: tuple[str, ...]
    min_hours: Decimal
    max_hours: Decimal | None
    note: str | None


@dataclass(frozen=True, slots=True)
class Topic:
    topic: str
    title: str | None
    hours: Decimal | None
    frequency: Frequency
    every_n: int | None
    applies_to: str
    note: str | None
    audience: Audience = Audience.CONDITIONAL


@dataclass(frozen=True, slots=True)
class Terms:
    """The machine-readable reading of a version's prose; None means nothing to apply."""

    first_renewal_exempt: bool = False
    prorate_by: ProrateBy | None = None
    carryover_max_hours: Decimal | None = None
    moc_in_lieu_covers: MocInLieu | None = None
    max_hours_per_day: Decimal | None = None
    max_hours_per_year: Decimal | None = None


@dataclass(frozen=True, slots=True)
class RuleVersion:
    """One period of a board's rule; None dates are open-ended."""

    effective_from: date | None
    effective_to: date | None
    cycle: Cycle
    total_hours: Decimal | None
    categories: tuple[Category, ...]
    accepted_credit_types: tuple[str, ...]
    accepted_credit_note: str | None
    topics: tuple[Topic, ...]
    first_renewal: str | None
    prorating: str | None
    carryover: str | None
    moc_in_lieu: str | None
    caps: str | None
    exemptions: tuple[str, ...]
    terms: Terms = Terms()

    def in_force_on(self, on: date) -> bool:
        starts = self.effective_from is None or self.effective_from <= on
        ends = self.effective_to is None or on <= self.effective_to
        return starts and ends


@dataclass(frozen=True, slots=True)
class Source:
    url: str
    title: str | None


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    kind: RuleKind
    jurisdiction: str | None
    board_type: str | None
    name: str
    versions: tuple[RuleVersion, ...]
    sources: tuple[Source, ...]
    source_dates: str | None
    source_checked: date
    verification: str
    confidence: Confidence
    uncertain: tuple[str, ...]
    conflicts: tuple[str, ...]
    notes: tuple[str, ...]
    file: str
