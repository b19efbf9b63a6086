"""Shapes of the ledger itself: physicians, what they hold, credits, documents, delegates."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from uuid import UUID

from pydantic import BaseModel, Field, WithJsonSchema, model_validator

from cmeledger.api.schemas import Strict
from cmeledger.api.schemas_common import (
    NOT_BLANK,
    CreditAmounts,
    Day,
    Encodable,
    Hours,
    Topic,
    text,
)
from cmeledger.domain.activities import ActivityFormat, SourceKind
from cmeledger.domain.people import US_JURISDICTIONS, BoardType, Degree, LicenseStatus

Name = Annotated[str, text(120), Encodable]
Email = Annotated[
    str,
    Field(
        min_length=3,
        max_length=254,
        pattern=r"^[^@\s\x00-\x1F\x7F]+@[^@\s\x00-\x1F\x7F]+\.[^@\s\x00-\x1F\x7F]+$",
    ),
    Encodable,
]
MonthDayText = Annotated[
    str,
    Field(
        pattern=r"^(0?[1-9]|1[0-2])-(0?[1-9]|[12][0-9]|3[01])$",
        description="birth month and day, MM-DD",
    ),
]


# --- physicians ---------------------------------------------------------------------------
_NAME = {"type": "string", "minLength": 1, "maxLength": 120, "pattern": NOT_BLANK}
_DEGREE = {"type": "string", "enum": [d.value for d in Degree]}
_CREDENTIALS = {
    "type": "array",
    "maxItems": 10,
    "items": {"type": "string", "minLength": 1, "maxLength": 20, "pattern": NOT_BLANK},
}


def _not_null(schema: dict[str, Any]) -> WithJsonSchema:
    """Optional to send, but never null (a validator below refuses it): the schema shows
    the value's own type, not `null`."""
    return WithJsonSchema(schema)


class PhysicianSummaryOut(BaseModel):
    id: UUID
    display_name: str
    first_name: str
    last_name: str
    degree: Degree
    npi: str | None
    email: str | None


class PhysicianOut(PhysicianSummaryOut):
    birth: str | None = Field(description="birth month and day (MM-DD); reading it is audited")
    credentials: list[str]


class PhysicianPatch(Strict):
    """Only the fields sent change; send `null` to clear npi, email or birth."""

    first_name: Annotated[Name | None, _not_null(_NAME)] = None
    last_name: Annotated[Name | None, _not_null(_NAME)] = None
    degree: Annotated[Degree | None, _not_null(_DEGREE)] = None
    npi: Annotated[str, Field(pattern=r"^[0-9]{10}$")] | None = None
    email: Email | None = None
    birth: MonthDayText | None = None
    credentials: Annotated[
        list[Annotated[str, text(20), Encodable]] | None,
        Field(max_length=10),
        _not_null(_CREDENTIALS),
    ] = None

    @model_validator(mode="after")
    def _required_stay_set(self) -> PhysicianPatch:
        for name in ("first_name", "last_name", "degree", "credentials"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null; leave it out to keep it")
        return self


# --- licences, certifications, DEA ----------------------------------------------------------
def hint(secret: str | None) -> str | None:
    """Enough of a number to tell two apart: its last three characters."""
    if secret is None:
        return None
    return "…" + secret[-3:] if len(secret) > 3 else "…"


class LicenseSummaryOut(BaseModel):
    id: UUID
    jurisdiction: str
    board_type: BoardType
    number_hint: str = Field(description="the licence number's last 3 characters")
    issued: date | None
    expires: date
    status: LicenseStatus


class LicenseOut(LicenseSummaryOut):
    number: str


class LicenseIn(Strict):
    jurisdiction: Annotated[
        str, Field(json_schema_extra={"enum": sorted(US_JURISDICTIONS)}, examples=["CA"])
    ]
    board_type: BoardType
    number: Annotated[str, text(40), Encodable]
    expires: Day
    issued: Day | None = None
    status: LicenseStatus = LicenseStatus.ACTIVE


class CertificationSummaryOut(BaseModel):
    id: UUID
    board: str
    specialty: str
    board_id_hint: str | None
    starts: date | None
    ends: date | None


class CertificationOut(CertificationSummaryOut):
    board_id: str | None


class CertificationIn(Strict):
    board: Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9-]{0,15}$", examples=["ABIM"])]
    specialty: Annotated[str, text(200), Encodable]
    board_id: Annotated[str, text(40), Encodable] | None = None
    starts: Day | None = None
    ends: Day | None = None


class DeaSummaryOut(BaseModel):
    id: UUID
    number_hint: str
    issued: date | None
    expires: date


class DeaOut(DeaSummaryOut):
    number: str


class DeaIn(Strict):
    number: Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z9][0-9]{7}$")]
    expires: Day
    issued: Day | None = None


class DelegateOut(BaseModel):
    id: UUID
    email: str
    display_name: str


class DelegateIn(Strict):
    email: Email


# --- credits --------------------------------------------------------------------------------
class CreditLineOut(BaseModel):
    type: str = Field(description="credit type code, e.g. ama_pra_1")
    label: str
    amount: Hours


class CreditOut(BaseModel):
    id: UUID
    completed_on: date
    title: str
    provider: str
    accredited_provider: str | None
    format: ActivityFormat
    credits: list[CreditLineOut]
    topics: list[str]
    sources: list[SourceKind]


class ProvenanceOut(BaseModel):
    source_kind: SourceKind
    method: str
    confidence: Hours = Field(description="0 to 1, as text")
    document_id: UUID | None
    document_sha256: str | None
    page: int | None


class CreditDetailOut(CreditOut):
    activity_id: UUID
    start_date: date | None
    end_date: date | None
    accme_activity_id: str | None
    provenance: list[ProvenanceOut]


class ManualCreditIn(Strict):
    title: Annotated[str, text(500), Encodable]
    provider: Annotated[str, text(300), Encodable]
    completed_on: Day
    credits: CreditAmounts
    topics: list[Topic] = Field(default_factory=list, max_length=20)
    format: ActivityFormat = ActivityFormat.OTHER
    accredited_provider: Annotated[str, text(300), Encodable] | None = None


class TopicsIn(Strict):
    topics: list[Topic] = Field(max_length=20, description="the credit's topics from now on")


# --- documents ------------------------------------------------------------------------------
class DocumentOut(BaseModel):
    id: UUID
    name: str
    media_type: str
    size: int
    sha256: str
    content_url: str
    page_url: str = Field(description="a page as PNG: replace {n} with the page number")
