"""Educational activities and a physician's completions of them, with their provenance."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any
from uuid import UUID

from cmeledger.domain.credits import CreditClaim, CreditRole
from cmeledger.domain.errors import DomainError

_TOPIC = re.compile(r"^[a-z][a-z0-9_]{1,63}$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


class ActivityFormat(StrEnum):
    LIVE = "live"
    ENDURING = "enduring"
    JOURNAL = "journal"
    POINT_OF_CARE = "point_of_care"
    OTHER = "other"


class SourceKind(StrEnum):
    """Where a completion came from; the later import pipeline adds to these."""

    MANUAL = "manual"
    CERTIFICATE = "certificate"
    TRANSCRIPT = "transcript"
    PARS = "pars"
    DEMO = "demo"


@dataclass(frozen=True, slots=True)
class Activity:
    id: UUID
    title: str
    provider: str
    format: ActivityFormat = ActivityFormat.OTHER
    accredited_provider: str | None = None
    joint_providers: tuple[str, ...] = ()
    start_date: date | None = None
    end_date: date | None = None
    accme_activity_id: str | None = None
    provider_activity_id: str | None = None
    designated: tuple[CreditClaim, ...] = ()

    def __post_init__(self) -> None:
        if not self.title.strip():
            raise DomainError("activity title is required")
        if not self.provider.strip():
            raise DomainError("activity provider is required")
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise DomainError("activity ends before it starts")
        if self.accme_activity_id is not None and not self.accme_activity_id.isdigit():
            raise DomainError("ACCME activity ID is numeric (PARS assigns 9 digits)")
        if any(c.role is not CreditRole.DESIGNATED for c in self.designated):
            raise DomainError("an activity's credits are designated maxima, not awards")


@dataclass(frozen=True, slots=True)
class Provenance:
    """One piece of evidence that a completion happened."""

    source_kind: SourceKind
    method: str
    confidence: Decimal = Decimal(1)
    document_sha256: str | None = None
    page: int | None = None
    # What the importer saw (the extracted record), kept for audits and reviewers.
    detail: Mapping[str, Any] | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if not Decimal(0) <= self.confidence <= Decimal(1):
            raise DomainError("confidence is a number from 0 to 1")
        if self.document_sha256 is not None and not _SHA256.match(self.document_sha256):
            raise DomainError("document hash must be a lower-case hex sha256")
        if self.page is not None and self.page < 1:
            raise DomainError("page numbers start at 1")


def check_topic(topic: str) -> str:
    normal = topic.strip().lower().replace("-", "_").replace(" ", "_")
    if not _TOPIC.match(normal):
        raise DomainError(f"topic {topic!r} must be a short snake_case tag like opioid_prescribing")
    return normal


@dataclass(frozen=True, slots=True)
class Completion:
    id: UUID
    physician_id: UUID
    activity: Activity
    completed_on: date
    credits: tuple[CreditClaim, ...]
    topics: tuple[str, ...] = ()
    provenance: tuple[Provenance, ...] = ()

    def __post_init__(self) -> None:
        if not self.credits:
            raise DomainError("a completion needs at least one credit amount")
        if any(c.role is not CreditRole.AWARDED for c in self.credits):
            raise DomainError("a completion records awarded credit only")
        for topic in self.topics:
            check_topic(topic)
        designated = {c.type_code: c.amount for c in self.activity.designated}
        for claim in self.credits:
            cap = designated.get(claim.type_code)
            if cap is not None and claim.amount > cap:
                raise DomainError(
                    f"{claim.amount} claimed exceeds the {cap} designated for this activity"
                )
