"""The review queue: each doubtful record beside its page image, fields to correct, and
accept (with the corrections), merge into an existing credit, or reject."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from cmeledger.actions.imports import accept_review_item, draft_from_record, reject_review_item
from cmeledger.api.auth import Caller, CallerDep
from cmeledger.api.problems import status_of
from cmeledger.domain.activities import ActivityFormat
from cmeledger.domain.credit_taxonomy import credit_type_codes
from cmeledger.domain.errors import DomainError
from cmeledger.domain.extraction import REVIEW_THRESHOLD
from cmeledger.errors import CmeLedgerError, NotFoundError
from cmeledger.storage.ledger import Ledger
from cmeledger.storage.repositories.documents import Document
from cmeledger.storage.repositories.review import ReviewItem
from cmeledger.web.physician_context import (
    PhysicianContext,
    PostedForm,
    page,
    physician_context,
)

router = APIRouter(include_in_schema=False)
CREDIT_ROWS_SPARE = 1
MAX_CREDIT_ROWS = 12
# The extractor's confidence keys, and the form field each one is shown in.
CONFIDENCE_FIELDS = {
    "title": "title",
    "provider": "provider",
    "completion_date": "date",
    "credits": "credit",
    "learner_name": "learner",
}
# Words in a draft's problems that point at a field.
PROBLEM_FIELDS = (
    ("no title", "title"),
    ("no provider", "provider"),
    ("no date", "date"),
    ("date ", "date"),
    ("credit", "credit"),
    ("step", "credit"),
    ("designated", "credit"),
    ("format", "format"),
    ("made out to", "learner"),
)
IMAGE_TYPES = ("application/pdf", "image/")
DONE_WORDS = {
    "accepted": "Accepted: the credit is in your ledger.",
    "merged": "Merged: kept as more evidence for the credit already in your ledger.",
    "rejected": "Rejected: the record was discarded.",
}


def _item_id(text: str) -> UUID:
    try:
        return UUID(text)
    except ValueError:
        raise NotFoundError(f"no review item {text[:40]!r}") from None


@dataclass(frozen=True, slots=True)
class Fields:
    """What the form shows: the record's values, or what the reviewer last sent."""

    title: str
    provider: str
    date: str
    format: str
    credits: list[tuple[str, str]]
    topic: str


def record_fields(item: ReviewItem) -> Fields:
    draft = draft_from_record(item.record)
    return Fields(
        title=item.record.get("title") or "",
        provider=item.record.get("provider") or "",
        date=item.record.get("completion_date") or "",
        format=item.record.get("format") or ActivityFormat.OTHER.value,
        credits=[(c.type_code, f"{c.amount.normalize():f}") for c in draft.credits],
        topic="",
    )


def posted_fields(form: FormData) -> Fields:
    def text(name: str) -> str:
        value = form.get(name)
        return value.strip() if isinstance(value, str) else ""

    credits = []
    for index in range(MAX_CREDIT_ROWS):
        code, amount = text(f"credit_type_{index}"), text(f"credit_amount_{index}")
        if code and amount:
            credits.append((code, amount))
    return Fields(
        text("title"), text("provider"), text("date"), text("format"), credits, text("topic")
    )


def _same_credits(a: list[tuple[str, str]], b: list[tuple[str, str]]) -> bool:
    def normal(rows: list[tuple[str, str]]) -> set[tuple[str, Decimal | str]]:
        found: set[tuple[str, Decimal | str]] = set()
        for code, amount in rows:
            try:
                found.add((code, Decimal(amount).normalize()))
            except InvalidOperation:
                found.add((code, amount))
        return found

    return normal(a) == normal(b)


def changes_between(before: Fields, after: Fields) -> dict[str, str]:
    """Only what the reviewer changed, in the terms `accept_review_item` takes."""
    changes = {
        name: getattr(after, name)
        for name in ("title", "provider", "date", "format")
        if getattr(after, name) != getattr(before, name) and getattr(after, name)
    }
    if not _same_credits(before.credits, after.credits):
        changes["credit"] = ",".join(f"{code}:{amount}" for code, amount in after.credits)
    if after.topic:
        changes["topic"] = ",".join(t.strip() for t in after.topic.split(",") if t.strip())
    return changes


def flagged_fields(item: ReviewItem, problems: tuple[str, ...]) -> dict[str, str]:
    """Form field → why it is highlighted."""
    flagged: dict[str, str] = {}
    # A named problem ("no date found") says more than a score, so it wins.
    for reason in (*item.reasons, *problems):
        for words, name in PROBLEM_FIELDS:
            if words in reason.lower():
                flagged.setdefault(name, reason)
                break
    confidence: dict[str, float] = item.record.get("field_confidence") or {}
    for key, name in CONFIDENCE_FIELDS.items():
        score = confidence.get(key)
        if score is not None and score < REVIEW_THRESHOLD:
            flagged.setdefault(name, f"read with low confidence ({score:.0%}); please check")
    return flagged


def _document(ledger: Ledger, item: ReviewItem) -> Document | None:
    if item.document_sha256 is None:
        return None
    documents = ledger.documents.for_physician(item.physician_id)
    return next((d for d in documents if d.sha256 == item.document_sha256), None)


def _item_page(
    request: Request,
    caller: Caller,
    ctx: PhysicianContext,
    ledger: Ledger,
    item: ReviewItem,
    fields: Fields,
    *,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    draft = draft_from_record(item.record)
    document = _document(ledger, item)
    related = None
    if item.related_completion_id is not None:
        related = next(
            (
                c
                for c in ledger.completions.for_physician(ctx.id)
                if c.id == item.related_completion_id
            ),
            None,
        )
    rows: list[tuple[str, str]] = fields.credits + [("", "")] * CREDIT_ROWS_SPARE
    context: dict[str, Any] = {
        "item": item,
        "fields": fields,
        "credit_rows": rows[:MAX_CREDIT_ROWS],
        "credit_codes": credit_type_codes(),
        "formats": [f.value for f in ActivityFormat],
        "flagged": flagged_fields(item, draft.problems),
        "problems": [p for p in draft.problems if p not in item.reasons],
        "document": document,
        "shows_image": document is not None and document.media_type.startswith(IMAGE_TYPES),
        "page_number": item.page or 1,
        "related": related,
        "error": error,
    }
    return page(request, "review_item.html", caller, ctx, status_code=status_code, **context)


@router.get("/review")
def review_list(
    request: Request, caller: CallerDep, physician: str | None = None, done: str | None = None
) -> Response:
    with caller.ledger() as ledger:
        ctx = physician_context(caller, ledger, physician)
        items = ledger.review.open_items(ctx.id)
    return page(
        request, "review_list.html", caller, ctx, items=items, done=DONE_WORDS.get(done or "")
    )


@router.get("/review/{item_id}")
def review_item(
    request: Request, item_id: str, caller: CallerDep, physician: str | None = None
) -> Response:
    with caller.ledger() as ledger:
        ctx = physician_context(caller, ledger, physician)
        item = ledger.review.get(ctx.id, _item_id(item_id))
        return _item_page(request, caller, ctx, ledger, item, record_fields(item))


@router.post("/review/{item_id}/accept")
def accept(
    request: Request,
    item_id: str,
    caller: CallerDep,
    form: PostedForm,
    physician: str | None = None,
) -> Response:
    caller.principal.require_ledger_writer()
    merge = form.get("action") == "merge"
    with caller.ledger() as ledger:
        ctx = physician_context(caller, ledger, physician)
        item = ledger.review.get(ctx.id, _item_id(item_id))
        sent = posted_fields(form)
        changes = {} if merge else changes_between(record_fields(item), sent)
        try:
            # A savepoint: a refused correction leaves nothing half-written behind.
            with ledger.session.begin_nested():
                accept_review_item(ledger, ctx.id, item.id, changes, merge=merge)
        except (DomainError, CmeLedgerError) as exc:
            return _item_page(
                request, caller, ctx, ledger, item, sent, error=str(exc), status_code=status_of(exc)
            )
    return RedirectResponse(
        ctx.url("/review", done="merged" if merge else "accepted"), status_code=303
    )


@router.post("/review/{item_id}/reject")
def reject(item_id: str, caller: CallerDep, physician: str | None = None) -> Response:
    caller.principal.require_ledger_writer()
    with caller.ledger() as ledger:
        ctx = physician_context(caller, ledger, physician)
        reject_review_item(ledger, ctx.id, _item_id(item_id))
    return RedirectResponse(ctx.url("/review", done="rejected"), status_code=303)
