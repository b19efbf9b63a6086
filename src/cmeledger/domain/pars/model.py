"""PARS records as immutable values: an accredited provider's activity and its learners' credits."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum

from cmeledger.domain.people import MonthDay

CME_CERTIFICATION = "AMA PRA Category 1"


class ActivityFormat(StrEnum):
    """New-PARS (Nov 2021) streamlined format names."""

    COURSE = "Course"
    RSS = "Regularly Scheduled Series"
    ENDURING = "Enduring Material"
    JOURNAL = "Journal-based CME"
    MANUSCRIPT_REVIEW = "Manuscript Review"
    TEST_ITEM_WRITING = "Test-Item Writing"
    COMMITTEE_LEARNING = "Committee Learning"
    PERFORMANCE_IMPROVEMENT = "Performance/Quality Improvement"
    INTERNET_SEARCHING = "Internet Searching and Learning"
    LEARNING_FROM_TEACHING = "Learning from Teaching"
    OTHER = "Other/Blended Learning"


class DeliveryMethod(StrEnum):
    IN_PERSON = "In-Person"
    LIVE_STREAMED = "Live-Streamed"
    ONLINE = "Online"
    PRINT = "Print/Other"


class Sponsorship(StrEnum):
    DIRECT = "direct"
    JOINT = "joint"


class RecordAction(StrEnum):
    """Learner records are never edited: add, or delete and add again."""

    ADD = "add"
    DELETE = "delete"


class ActivityAction(StrEnum):
    ADD = "Add"
    UPDATE = "Update"
    DELETE = "Delete"


@dataclass(frozen=True, slots=True)
class MocRegistration:
    """An activity's registration for one certifying board's MOC/CC credit."""

    board: str  # ABIM, ABA, ABP, …
    points: Decimal
    credit_types: tuple[str, ...]  # e.g. ("Medical Knowledge", "Patient Safety")
    claim_date: date | None = None  # the last day learners may claim this board's points


@dataclass(frozen=True, slots=True)
class CommercialSupport:
    source: str
    amount_usd: int


@dataclass(frozen=True, slots=True)
class Location:
    city: str | None = None
    state: str | None = None  # USPS code when the country is USA
    country: str | None = None  # ISO 3166-1 alpha-3


@dataclass(frozen=True, slots=True)
class Activity:
    """One CME activity as PARS knows it. `accme_id` is assigned by PARS on first save."""

    provider_id: str  # 7-digit ACCME provider ID, leading zeros kept
    title: str
    format: ActivityFormat
    start: date
    end: date
    credits: Decimal  # AMA PRA Category 1 Credits designated
    accme_id: str | None = None  # 9 digits
    provider_activity_id: str | None = None
    description: str | None = None
    url: str | None = None
    location: Location = Location()
    delivery_methods: tuple[DeliveryMethod, ...] = ()
    sponsorship: Sponsorship = Sponsorship.DIRECT
    joint_providers: tuple[str, ...] = ()
    commercial_support: bool = False
    supporters: tuple[CommercialSupport, ...] = ()
    in_kind_supporters: tuple[str, ...] = ()
    moc: tuple[MocRegistration, ...] = ()
    specialties: tuple[str, ...] = ()
    rems: str | None = None  # "Opioid Analgesic" | "Mycophenolate"
    rems_id: str | None = None
    physician_learners: int | None = None
    other_learners: int | None = None
    for_public_list: bool | None = None
    action: ActivityAction = ActivityAction.ADD
    close: bool = False

    def moc_for(self, board: str) -> MocRegistration | None:
        wanted = board.strip().upper()
        return next((m for m in self.moc if m.board.upper() == wanted), None)


@dataclass(frozen=True, slots=True)
class Learner:
    """Who earned the credit. PARS matches on name and birth month/day plus one identifier:
    state licence, NPI, or certifying board ID."""

    first_name: str
    last_name: str
    birth: MonthDay
    license_state: str | None = None
    license_number: str | None = field(default=None, repr=False)
    npi: str | None = field(default=None, repr=False)
    board: str | None = None
    board_id: str | None = field(default=None, repr=False)


@dataclass(frozen=True, slots=True)
class LearnerCredit:
    """One CreditCertificate: CME credits, or one board's points of one MOC credit type."""

    credit_id: str  # provider-unique, "ccid:<domain>:<id>", the idempotency key
    certification: str  # CME_CERTIFICATION, or a board's MOC credit type
    amount: Decimal
    board: str | None = None  # None for CME credit

    @property
    def is_moc(self) -> bool:
        return self.board is not None


@dataclass(frozen=True, slots=True)
class LearnerRecord:
    """One learner completion of one activity, as reported to PARS."""

    provider_id: str
    accme_activity_id: str
    activity_title: str
    learner: Learner
    completed_on: date
    credits: tuple[LearnerCredit, ...]
    consent: bool  # the learner agreed to have this reported (ACCME requires it)
    action: RecordAction = RecordAction.ADD
    reporting_organization: str | None = None
