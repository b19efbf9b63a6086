"""What an importer found in a document, before anyone has accepted it into the ledger.

One `Extracted` is one completion seen in one place (a certificate page, a transcript row).
Every field carries a confidence; anything uncertain is flagged for review, never counted
silently. `as_json()` is the contract of `cmeledger extract --json`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

from cmeledger.domain.activities import ActivityFormat, SourceKind
from cmeledger.domain.credits import CreditRole

# Fields whose confidence decides whether a record may be counted without a person's look.
KEY_FIELDS = ("title", "provider", "completion_date", "credits", "learner_name")
REVIEW_THRESHOLD = 0.85


class DatePrecision(StrEnum):
    DAY = "day"
    MONTH = "month"
    RANGE = "range"


@dataclass(frozen=True, slots=True)
class ExtractedCredit:
    type: str
    amount: Decimal
    role: CreditRole


@dataclass(frozen=True, slots=True)
class ExtractedMoc:
    board: str
    points: Decimal
    credit_type: str | None = None
    # "enables the participant to earn up to N MOC points" is a maximum, not points earned.
    role: CreditRole = CreditRole.AWARDED


@dataclass(frozen=True, slots=True)
class TopicEvidence:
    topic: str
    evidence: str


@dataclass(frozen=True, slots=True)
class Extracted:
    source_file: str
    source_kind: SourceKind
    method: str
    page: int | None = None
    learner_name: str | None = None
    provider: str | None = None
    accredited_provider: str | None = None
    joint_providers: tuple[str, ...] = ()
    accreditors: tuple[str, ...] = ()
    title: str | None = None
    format: ActivityFormat | None = None
    completion_date: date | None = None
    start_date: date | None = None
    end_date: date | None = None
    date_precision: DatePrecision = DatePrecision.DAY
    credits: tuple[ExtractedCredit, ...] = ()
    moc: tuple[ExtractedMoc, ...] = ()
    topics: tuple[TopicEvidence, ...] = ()
    accme_activity_id: str | None = None
    also_on_pages: tuple[int, ...] = ()
    field_confidence: dict[str, float] = field(default_factory=dict)
    review_reasons: tuple[str, ...] = ()

    @property
    def awarded(self) -> tuple[ExtractedCredit, ...]:
        return tuple(c for c in self.credits if c.role is CreditRole.AWARDED)

    @property
    def confidence(self) -> float:
        """The weakest key field decides: one doubtful field is enough to ask a person."""
        scores = [
            self.field_confidence.get(name, 0.0)
            for name in KEY_FIELDS
            if name != "learner_name" or self.source_kind is SourceKind.CERTIFICATE
        ]
        return round(min(scores), 3) if scores else 0.0

    @property
    def needs_review(self) -> bool:
        return bool(self.review_reasons) or self.confidence < REVIEW_THRESHOLD

    def with_reason(self, reason: str) -> Extracted:
        if reason in self.review_reasons:
            return self
        return replace(self, review_reasons=(*self.review_reasons, reason))

    def all_review_reasons(self) -> tuple[str, ...]:
        low = tuple(
            f"low confidence in {name} ({self.field_confidence.get(name, 0.0):.2f})"
            for name in KEY_FIELDS
            if (name != "learner_name" or self.source_kind is SourceKind.CERTIFICATE)
            and self.field_confidence.get(name, 0.0) < REVIEW_THRESHOLD
        )
        return self.review_reasons + low

    def as_json(self) -> dict[str, Any]:
        return {
            "source_file": self.source_file,
            "page": self.page,
            "source_kind": self.source_kind.value,
            "method": self.method,
            "learner_name": self.learner_name,
            "provider": self.provider,
            "accredited_provider": self.accredited_provider,
            "joint_providers": list(self.joint_providers),
            "accreditors": list(self.accreditors),
            "title": self.title,
            "format": None if self.format is None else self.format.value,
            "completion_date": _iso(self.completion_date),
            "start_date": _iso(self.start_date),
            "end_date": _iso(self.end_date),
            "date_precision": self.date_precision.value,
            "accme_activity_id": self.accme_activity_id,
            "also_on_pages": list(self.also_on_pages),
            "credits": [
                {"type": c.type, "amount": str(c.amount), "role": c.role.value}
                for c in self.credits
            ],
            "moc": [
                {
                    "board": m.board,
                    "points": str(m.points),
                    "credit_type": m.credit_type,
                    "role": m.role.value,
                }
                for m in self.moc
            ],
            "topics": [{"topic": t.topic, "evidence": t.evidence} for t in self.topics],
            "field_confidence": {k: round(v, 3) for k, v in sorted(self.field_confidence.items())},
            "confidence": self.confidence,
            "needs_review": self.needs_review,
            "review_reasons": list(self.all_review_reasons()),
        }


def _iso(value: date | None) -> str | None:
    return None if value is None else value.isoformat()
