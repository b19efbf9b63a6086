"""Shapes of the PARS endpoints. Learners appear by name only: birth dates, licence numbers,
NPIs and board IDs never leave the server through these."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import BaseModel, Field, WithJsonSchema, field_validator

from cmeledger.actions.pars_queries import CreditView, FileProblem, ProviderStatus
from cmeledger.api.schemas import Strict
from cmeledger.domain.pars.model import (
    Activity,
    ActivityFormat,
    CommercialSupport,
    DeliveryMethod,
    Location,
    MocRegistration,
    Sponsorship,
)
from cmeledger.domain.pars.plain import activity_to_plain
from cmeledger.domain.pars.vocabulary import activity_format
from cmeledger.storage.repositories.pars import Provider, StoredActivity

CreditStateName = Literal[
    "queued", "sent", "pending", "accepted", "rejected", "failed", "deleting", "deleted"
]
ActivityStateName = Literal["draft", "queued", "accepted", "rejected"]
EARLIEST, LATEST = date(1990, 1, 1), date(2199, 12, 31)
Text = Annotated[str, Field(min_length=1, max_length=300)]
# Pydantic documents any string for a Decimal; say which ones it takes.
Amount = Annotated[
    Decimal,
    Field(ge=0, le=10_000, max_digits=9, decimal_places=2),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "number", "minimum": 0, "maximum": 10_000, "multipleOf": 0.01},
                {"type": "string", "pattern": r"^\d{1,5}(\.\d{1,2})?$"},
            ]
        },
        mode="validation",
    ),
]


class ProviderOut(BaseModel):
    id: UUID
    accme_id: str = Field(description="ACCME's 7-digit provider ID")
    name: str
    pars_login: bool = Field(description="whether a PARS web-service login is on file")

    @classmethod
    def of(cls, p: Provider) -> ProviderOut:
        return cls(id=p.id, accme_id=p.accme_id, name=p.name, pars_login=p.has_password)


class ActivityOut(BaseModel):
    id: UUID
    provider_activity_id: str | None
    accme_id: str | None = Field(description="assigned by PARS once it accepts the activity")
    title: str
    format: str
    start: date
    end: date
    credits: Decimal
    state: str = Field(description="draft, queued, accepted or rejected")
    problems: list[str] = Field(description="why PARS (or its rules) refused it")

    @classmethod
    def of(cls, s: StoredActivity) -> ActivityOut:
        a = s.activity
        return cls(
            id=s.id,
            provider_activity_id=a.provider_activity_id,
            accme_id=a.accme_id,
            title=a.title,
            format=a.format.value,
            start=a.start,
            end=a.end,
            credits=a.credits,
            state=s.state,
            problems=list(s.problems),
        )


class ActivityDetailOut(ActivityOut):
    activity: dict[str, Any] = Field(description="every field of the activity as stored")

    @classmethod
    def detail(cls, s: StoredActivity) -> ActivityDetailOut:
        return cls(**ActivityOut.of(s).model_dump(), activity=activity_to_plain(s.activity))


class LocationIn(Strict):
    city: Annotated[str, Field(max_length=200)] | None = None
    state: Annotated[str, Field(max_length=2, description="USPS code, in the USA")] | None = None
    country: Annotated[str, Field(max_length=3, description="ISO alpha-3, e.g. USA")] | None = None


class MocIn(Strict):
    board: Annotated[str, Field(min_length=2, max_length=16, description="ABIM, ABP, …")]
    points: Amount
    credit_types: Annotated[list[Text], Field(min_length=1, max_length=10)]
    claim_date: date | None = None


class SupporterIn(Strict):
    source: Text
    amount_usd: Annotated[int, Field(ge=0, le=1_000_000_000)]


class ActivityIn(Strict):
    """A new activity. PARS's own rules (dates, credit steps, location, MOC) are checked on
    arrival; every broken one is listed in the 422 answer."""

    title: Annotated[str, Field(min_length=1, max_length=500)]
    format: ActivityFormat = Field(
        description="a PARS format name, or a short one: live, rss, enduring, journal, pi, …"
    )
    start: date
    end: date
    credits: Amount = Field(description="AMA PRA Category 1 Credits designated")
    provider_activity_id: Annotated[str, Field(min_length=1, max_length=100)] | None = Field(
        default=None, description="your own id for it (one is made up when absent)"
    )
    description: Annotated[str, Field(max_length=2500)] | None = None
    url: Annotated[str, Field(max_length=2000)] | None = None
    location: LocationIn = LocationIn()
    delivery_methods: list[DeliveryMethod] = Field(default_factory=list, max_length=4)
    sponsorship: Sponsorship = Sponsorship.DIRECT
    joint_providers: list[Text] = Field(default_factory=list, max_length=50)
    commercial_support: bool = False
    supporters: list[SupporterIn] = Field(default_factory=list, max_length=100)
    in_kind_supporters: list[Text] = Field(default_factory=list, max_length=100)
    moc: list[MocIn] = Field(default_factory=list, max_length=20)
    specialties: list[Text] = Field(default_factory=list, max_length=50)
    physician_learners: Annotated[int, Field(ge=0, le=10_000_000)] | None = None
    other_learners: Annotated[int, Field(ge=0, le=10_000_000)] | None = None

    @field_validator("start", "end")
    @classmethod
    def _plausible(cls, value: date) -> date:
        # the rules add months and years to these dates; year 9999 would overflow them
        if not EARLIEST <= value <= LATEST:
            raise ValueError(f"PARS activity dates lie between {EARLIEST} and {LATEST}")
        return value

    @field_validator("format", mode="before")
    @classmethod
    def _format(cls, value: object) -> object:
        if isinstance(value, str):
            found = activity_format(value)
            if found is None:
                raise ValueError(f"{value!r} is not a PARS activity format")
            return found
        return value

    def to_activity(self, provider_accme_id: str) -> Activity:
        where = self.location
        return Activity(
            provider_id=provider_accme_id,
            title=self.title.strip(),
            format=self.format,
            start=self.start,
            end=self.end,
            credits=self.credits,
            provider_activity_id=self.provider_activity_id,
            description=self.description,
            url=self.url,
            location=Location(
                where.city,
                where.state.upper() if where.state else None,
                where.country.upper() if where.country else None,
            ),
            delivery_methods=tuple(self.delivery_methods),
            sponsorship=self.sponsorship,
            joint_providers=tuple(self.joint_providers),
            commercial_support=self.commercial_support,
            supporters=tuple(CommercialSupport(s.source, s.amount_usd) for s in self.supporters),
            in_kind_supporters=tuple(self.in_kind_supporters),
            moc=tuple(
                MocRegistration(m.board.upper(), m.points, tuple(m.credit_types), m.claim_date)
                for m in self.moc
            ),
            specialties=tuple(self.specialties),
            physician_learners=self.physician_learners,
            other_learners=self.other_learners,
        )


class PushOut(BaseModel):
    queued: list[ActivityOut]


class QueuedOut(BaseModel):
    record_id: UUID
    credit_ids: list[str]


class LearnerUploadOut(BaseModel):
    format: Literal["xlsx", "xml", "json"]
    records: int = Field(description="learner records queued for PARS")
    credits: int
    queued: list[QueuedOut]
    status_url: str


class CreditOut(BaseModel):
    """One credit as reported to PARS. The learner appears by name only."""

    credit_id: str
    record_id: UUID
    activity_title: str
    accme_activity_id: str | None
    learner: str = Field(description="Last, First")
    completed_on: date
    certification: str
    board: str | None
    amount: Decimal
    state: str = Field(
        description="queued, sent, pending (a board has yet to answer), accepted, rejected "
        "(see reason), failed (fate unknown: retry), deleting or deleted"
    )
    reason: str | None
    action: str
    retry_queued: bool = Field(description="a send is waiting for the worker")

    @classmethod
    def of(cls, view: CreditView) -> CreditOut:
        c = view.credit
        return cls(
            credit_id=c.credit_id,
            record_id=c.record_id,
            activity_title=c.activity_title,
            accme_activity_id=c.accme_activity_id,
            learner=c.learner,
            completed_on=c.completed_on,
            certification=c.certification,
            board=c.board,
            amount=c.amount,
            state=c.state,
            reason=c.reason,
            action=c.action,
            retry_queued=view.retry_queued,
        )


class StatusOut(BaseModel):
    provider: ProviderOut
    credits: dict[str, int] = Field(description="learner credits by state")
    activities: dict[str, int] = Field(description="activities by state")
    jobs: dict[str, int] = Field(description="this provider's outbox jobs by state")
    jobs_pending: int = Field(description="jobs waiting for or held by the worker")
    needs_attention: int = Field(description="credits rejected or failed")

    @classmethod
    def of(cls, provider: Provider, status: ProviderStatus) -> StatusOut:
        return cls(
            provider=ProviderOut.of(provider),
            credits=status.credits,
            activities=status.activities,
            jobs=status.jobs,
            jobs_pending=status.jobs_pending,
            needs_attention=status.needs_attention,
        )


class FileProblemOut(BaseModel):
    code: str = Field(description="PARS-style rule code, e.g. LRN-006, or XLS-001 for a cell")
    field: str
    message: str
    where: str
    record: int | None = Field(description="1-based record number in the file")
    row: int | None = Field(description="worksheet row (Excel files)")
    column: str | None = Field(description="worksheet column header (Excel files)")

    @classmethod
    def of(cls, p: FileProblem) -> FileProblemOut:
        return cls(
            code=p.code,
            field=p.field,
            message=p.message,
            where=p.where,
            record=p.record,
            row=p.row,
            column=p.column,
        )


class ParsProblemOut(BaseModel):
    """problem+json for refused PARS input: every problem, not just the first."""

    type: str
    title: str
    status: int
    detail: str
    problems: list[FileProblemOut] = Field(
        default_factory=list,
        description="each broken rule; a malformed request lists `errors` instead",
    )
