"""Shapes of the work around the ledger: imports, the review queue, compliance, plans, rules."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import BaseModel, Field

from cmeledger.api.schemas import Strict
from cmeledger.api.schemas_common import CreditAmounts, Day, Encodable, Hours, Topic, text
from cmeledger.domain.activities import ActivityFormat
from cmeledger.domain.compliance import Status
from cmeledger.requirements.model import Confidence, RuleKind

# --- imports --------------------------------------------------------------------------------
ImportState = Literal["queued", "running", "done"]


class ImportFileOut(BaseModel):
    name: str
    size: int
    document_id: UUID | None


class RecordOutcomeOut(BaseModel):
    status: Literal["imported", "duplicate", "needs_review"]
    title: str | None
    page: int | None
    completion_id: UUID | None
    review_item_id: UUID | None
    reasons: list[str]


class FileReportOut(BaseModel):
    file: str
    status: Literal["imported", "failed"]
    error: str | None
    imported: int
    duplicate: int
    needs_review: int
    warnings: list[str]
    records: list[RecordOutcomeOut]


class ImportOut(BaseModel):
    id: UUID
    physician_id: UUID
    state: ImportState
    done: int = Field(description="files finished so far")
    total: int = Field(description="files in the upload")
    status_url: str = Field(description="GET this for progress")
    files: list[ImportFileOut]
    report: list[FileReportOut] = Field(description="one entry per finished file, in order")
    created_at: datetime
    updated_at: datetime


# --- review ---------------------------------------------------------------------------------
ReviewStatus = Literal["open", "accepted", "rejected"]


class ExtractedCreditOut(BaseModel):
    type: str
    amount: str
    role: str


class ExtractedOut(BaseModel):
    """The fields a reviewer checks, as the importer read them (text, possibly wrong)."""

    title: str | None
    provider: str | None
    completion_date: str | None
    learner_name: str | None
    format: str | None
    credits: list[ExtractedCreditOut]
    topics: list[str]
    confidence: float | None


class ReviewItemOut(BaseModel):
    id: UUID
    physician_id: UUID
    status: ReviewStatus
    kind: str = Field(description="extracted, or possible_duplicate")
    reasons: list[str]
    extracted: ExtractedOut
    record: dict[str, Any] = Field(description="everything the importer recorded")
    document_id: UUID | None
    page: int | None
    page_image_url: str | None = Field(description="the page as PNG, for showing beside it")
    related_completion_id: UUID | None
    created_at: datetime


class AcceptIn(Strict):
    """Corrections to apply before counting; anything left out is taken as extracted."""

    title: Annotated[str, text(500), Encodable] | None = None
    provider: Annotated[str, text(300), Encodable] | None = None
    completed_on: Day | None = None
    credits: CreditAmounts | None = Field(
        default=None, description='replaces the awarded credit, e.g. {"ama_pra_1": "1.5"}'
    )
    topics: list[Topic] | None = Field(default=None, max_length=20, description="added")
    format: ActivityFormat | None = None
    merge: bool = Field(
        default=False,
        description="a possible duplicate that is the same completion: keep it as more "
        "evidence for the existing credit",
    )


class ReviewDecisionOut(BaseModel):
    id: UUID
    status: Literal["accepted", "rejected"]
    completion_id: UUID | None
    credit_url: str | None


# --- compliance -----------------------------------------------------------------------------
class TopicProgressOut(BaseModel):
    topic: str
    required: Hours | None = Field(description="null: the rule gives no number")
    earned: Hours
    remaining: Hours | None
    frequency: str
    applies_to: str
    applies: bool = Field(description="binds this physician, so it drives the status")


class CategoryProgressOut(BaseModel):
    category: str = Field(description="the credit types it admits, joined with |")
    required: Hours
    earned: Hours
    remaining: Hours


class ObligationOut(BaseModel):
    id: str
    kind: RuleKind
    name: str
    rule_key: str
    source_url: str | None
    holding_id: UUID = Field(description="the licence, certification or DEA registration")
    jurisdiction: str | None
    board_type: str | None
    cycle_start: date
    cycle_end: date
    due_date: date
    status: Status
    required_hours: Hours | None
    earned_hours: Hours
    remaining_hours: Hours
    topics: list[TopicProgressOut]
    categories: list[CategoryProgressOut]
    explanation: list[str]
    uncertain: list[str]
    assumptions: list[str]


class ComplianceOut(BaseModel):
    physician_id: UUID
    as_of: date
    obligations: list[ObligationOut]
    not_evaluated: list[str] = Field(description="holdings with no rule in the data yet")


PlanItemKind = Literal["topic", "category", "hours"]


class PlanItemOut(BaseModel):
    kind: PlanItemKind
    name: str = Field(description="the topic, the category's credit types, or ama_pra_1")
    hours: Hours
    by: date
    for_obligations: list[str]


class PlanOut(BaseModel):
    physician_id: UUID
    as_of: date
    items: list[PlanItemOut] = Field(description="empty when every obligation is met")


# --- rules ----------------------------------------------------------------------------------
class SourceOut(BaseModel):
    url: str
    title: str | None


class RuleSummaryOut(BaseModel):
    id: str
    kind: RuleKind
    name: str
    jurisdiction: str | None
    board_type: str | None
    total_hours: Hours | None
    cycle_months: int | None
    anchor: str
    confidence: Confidence
    uncertain_count: int
    source_checked: date
    sources: list[SourceOut]


class RuleCategoryOut(BaseModel):
    credit_types: list[str]
    min_hours: Hours
    max_hours: Hours | None
    note: str | None


class RuleTopicOut(BaseModel):
    topic: str
    title: str | None
    hours: Hours | None
    frequency: str
    every_n: int | None
    applies_to: str
    audience: str
    note: str | None


class RuleVersionOut(BaseModel):
    effective_from: date | None
    effective_to: date | None
    cycle_months: int | None
    anchor: str
    anchor_detail: str
    total_hours: Hours | None
    categories: list[RuleCategoryOut]
    accepted_credit_types: list[str]
    accepted_credit_note: str | None
    topics: list[RuleTopicOut]
    first_renewal: str | None
    prorating: str | None
    carryover: str | None
    moc_in_lieu: str | None
    caps: str | None
    exemptions: list[str]


class RuleOut(RuleSummaryOut):
    verification: str
    versions: list[RuleVersionOut]
    uncertain: list[str]
    conflicts: list[str]
    notes: list[str]
