"""The review queue: what an import read but would not count without a person's look.

Each item says why it waits, what was read, and which document page it came from (with a
URL of that page as an image), so the fields can be checked against the page and corrected.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, cast
from uuid import UUID

from fastapi import APIRouter, Depends, Path

from cmeledger.actions.imports import accept_review_item, reject_review_item
from cmeledger.api.auth import CallerDep
from cmeledger.api.context import API_PREFIX
from cmeledger.api.routes.credits import credit_url
from cmeledger.api.routes.documents import page_image_url
from cmeledger.api.schemas import Page, PageParams, page_params
from cmeledger.api.schemas_common import READ, WRITE, PhysicianId, problems
from cmeledger.api.schemas_workflow import (
    AcceptIn,
    ExtractedCreditOut,
    ExtractedOut,
    ReviewDecisionOut,
    ReviewItemOut,
    ReviewStatus,
)
from cmeledger.domain.activities import check_topic
from cmeledger.storage.repositories.review import ReviewItem

router = APIRouter(prefix=API_PREFIX, tags=["review"])
Paging = Annotated[PageParams, Depends(page_params)]
ItemId = Annotated[UUID, Path(description="the review item id")]


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _extracted(record: Mapping[str, Any]) -> ExtractedOut:
    """The fields to check, read defensively: the record is whatever the importer stored."""
    credits = [
        ExtractedCreditOut(
            type=str(c.get("type")), amount=str(c.get("amount")), role=str(c.get("role"))
        )
        for c in record.get("credits") or []
        if isinstance(c, dict)
    ]
    topics = [
        str(t["topic"]) for t in record.get("topics") or [] if isinstance(t, dict) and "topic" in t
    ]
    confidence = record.get("confidence")
    return ExtractedOut(
        title=_text(record.get("title")),
        provider=_text(record.get("provider")),
        completion_date=_text(record.get("completion_date")),
        learner_name=_text(record.get("learner_name")),
        format=_text(record.get("format")),
        credits=credits,
        topics=topics,
        confidence=float(confidence) if isinstance(confidence, int | float) else None,
    )


def item_out(item: ReviewItem, document_id: UUID | None) -> ReviewItemOut:
    return ReviewItemOut(
        id=item.id,
        physician_id=item.physician_id,
        status=cast(ReviewStatus, item.status),  # validated by the model
        kind=item.kind,
        reasons=list(item.reasons),
        extracted=_extracted(item.record),
        record=item.record,
        document_id=document_id,
        page=item.page,
        page_image_url=(
            None
            if document_id is None
            else page_image_url(item.physician_id, document_id, item.page or 1)
        ),
        related_completion_id=item.related_completion_id,
        created_at=item.created_at,
    )


@router.get("/physicians/{physician_id}/review", responses=problems(*READ))
def list_review_items(
    physician_id: PhysicianId, caller: CallerDep, page: Paging
) -> Page[ReviewItemOut]:
    """Open items, oldest first."""
    with caller.ledger() as ledger:
        ledger.physicians.require(physician_id)
        items = ledger.review.open_items(physician_id)
        documents = {d.sha256: d.id for d in ledger.documents.for_physician(physician_id)}
    shown = items[page.offset : page.offset + page.limit]
    return Page(
        items=[item_out(i, documents.get(i.document_sha256 or "")) for i in shown],
        total=len(items),
        limit=page.limit,
        offset=page.offset,
    )


@router.get("/physicians/{physician_id}/review/{item_id}", responses=problems(*READ))
def get_review_item(physician_id: PhysicianId, item_id: ItemId, caller: CallerDep) -> ReviewItemOut:
    with caller.ledger() as ledger:
        item = ledger.review.get(physician_id, item_id)
        document = (
            None
            if item.document_sha256 is None
            else ledger.documents.by_sha256(physician_id, item.document_sha256)
        )
    return item_out(item, None if document is None else document.id)


def _changes(body: AcceptIn) -> dict[str, str]:
    """The corrections in the form the import use case reads them (as `review --set` does)."""
    changes: dict[str, str] = {}
    if body.title is not None:
        changes["title"] = body.title.strip()
    if body.provider is not None:
        changes["provider"] = body.provider.strip()
    if body.completed_on is not None:
        changes["date"] = body.completed_on.isoformat()
    if body.credits is not None:
        changes["credit"] = ",".join(f"{code}:{amount}" for code, amount in body.credits.items())
    if body.topics:
        changes["topic"] = ",".join(check_topic(t) for t in body.topics)
    if body.format is not None:
        changes["format"] = body.format.value
    return changes


@router.post("/physicians/{physician_id}/review/{item_id}/accept", responses=problems(*WRITE, 409))
def accept_review(
    physician_id: PhysicianId, item_id: ItemId, body: AcceptIn, caller: CallerDep
) -> ReviewDecisionOut:
    """Count the item, with your corrections applied (422 while a needed field is missing;
    409 if it was already decided)."""
    caller.principal.require_ledger_writer()
    with caller.ledger() as ledger:
        ledger.physicians.require(physician_id)
        completion_id = accept_review_item(
            ledger, physician_id, item_id, _changes(body), merge=body.merge
        )
    return ReviewDecisionOut(
        id=item_id,
        status="accepted",
        completion_id=completion_id,
        credit_url=credit_url(physician_id, completion_id),
    )


@router.post("/physicians/{physician_id}/review/{item_id}/reject", responses=problems(*WRITE, 409))
def reject_review(
    physician_id: PhysicianId, item_id: ItemId, caller: CallerDep
) -> ReviewDecisionOut:
    """Discard the item: nothing is counted from it."""
    caller.principal.require_ledger_writer()
    with caller.ledger() as ledger:
        ledger.physicians.require(physician_id)
        reject_review_item(ledger, physician_id, item_id)
    return ReviewDecisionOut(id=item_id, status="rejected", completion_id=None, credit_url=None)
