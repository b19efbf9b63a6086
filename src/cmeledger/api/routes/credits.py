"""The credits in a physician's ledger, each with the evidence (provenance) behind it."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Path, Query, Response

from cmeledger.actions.credits import record_completion
from cmeledger.api.auth import CallerDep
from cmeledger.api.context import API_PREFIX
from cmeledger.api.etags import IfMatch, etag_of, require_match
from cmeledger.api.schemas import Page, PageParams, page_params
from cmeledger.api.schemas_common import (
    DAY_PATTERN,
    ETAG_HEADER,
    NO_CONTROL,
    READ,
    WRITE,
    PhysicianId,
    in_range,
    problems,
    with_headers,
)
from cmeledger.api.schemas_ledger import (
    CreditDetailOut,
    CreditLineOut,
    CreditOut,
    ManualCreditIn,
    ProvenanceOut,
    TopicsIn,
)
from cmeledger.domain.activities import Completion, SourceKind, check_topic
from cmeledger.domain.credit_taxonomy import credit_type
from cmeledger.domain.credits import CreditClaim, parse_amount
from cmeledger.storage.ledger import Ledger

router = APIRouter(prefix=API_PREFIX, tags=["credits"])
Paging = Annotated[PageParams, Depends(page_params)]
CreditId = Annotated[UUID, Path(description="the credit (completion) id")]
Sort = Literal["date", "-date", "title", "-title", "hours", "-hours"]
DayQuery = Query(description="YYYY-MM-DD, 1900 to 2199", json_schema_extra={"pattern": DAY_PATTERN})


def credit_url(physician_id: UUID, completion_id: UUID) -> str:
    return f"/api/v1/physicians/{physician_id}/credits/{completion_id}"


def credit_out(c: Completion) -> CreditOut:
    return CreditOut(
        id=c.id,
        completed_on=c.completed_on,
        title=c.activity.title,
        provider=c.activity.provider,
        accredited_provider=c.activity.accredited_provider,
        format=c.activity.format,
        credits=[
            CreditLineOut(
                type=cl.type_code, label=credit_type(cl.type_code).label, amount=cl.amount
            )
            for cl in c.credits
        ],
        topics=list(c.topics),
        sources=sorted({p.source_kind for p in c.provenance}),
    )


def credit_detail(ledger: Ledger, c: Completion) -> CreditDetailOut:
    documents = {}
    for sha in {p.document_sha256 for p in c.provenance if p.document_sha256}:
        found = ledger.documents.by_sha256(c.physician_id, sha)
        if found is not None:
            documents[sha] = found.id
    provenance = [
        ProvenanceOut(
            source_kind=p.source_kind,
            method=p.method,
            confidence=p.confidence,
            document_id=documents.get(p.document_sha256 or ""),
            document_sha256=p.document_sha256,
            page=p.page,
        )
        for p in c.provenance
    ]
    return CreditDetailOut(
        **credit_out(c).model_dump(),
        activity_id=c.activity.id,
        start_date=c.activity.start_date,
        end_date=c.activity.end_date,
        accme_activity_id=c.activity.accme_activity_id,
        provenance=provenance,
    )


@router.get("/physicians/{physician_id}/credits", responses=problems(*READ))
def list_credits(
    physician_id: PhysicianId,
    caller: CallerDep,
    page: Paging,
    since: Annotated[date | None, DayQuery] = None,
    until: Annotated[date | None, DayQuery] = None,
    q: Annotated[
        str | None,
        Query(min_length=1, max_length=200, pattern=NO_CONTROL, description="title contains"),
    ] = None,
    source: Annotated[SourceKind | None, Query(description="only credits with this source")] = None,
    sort: Annotated[Sort, Query(description="date, title or hours; '-' for descending")] = "-date",
) -> Page[CreditOut]:
    """A page of credits (newest first unless sorted otherwise) and how many match."""
    with caller.ledger() as ledger:
        found, total = ledger.completions.page(
            physician_id,
            since=in_range(since, "since"),
            until=in_range(until, "until"),
            title_contains=q,
            source=source,
            sort=sort.lstrip("-"),
            descending=sort.startswith("-"),
            limit=page.limit,
            offset=page.offset,
        )
    return Page(
        items=[credit_out(c) for c in found], total=total, limit=page.limit, offset=page.offset
    )


@router.post(
    "/physicians/{physician_id}/credits",
    status_code=201,
    responses={**with_headers(201, ETAG_HEADER, "Created"), **problems(*WRITE)},
)
def create_credit(
    physician_id: PhysicianId, body: ManualCreditIn, caller: CallerDep, response: Response
) -> CreditDetailOut:
    """Record a completed activity by hand, with the credit awarded for it."""
    caller.principal.require_ledger_writer()
    with caller.ledger() as ledger:
        completion = record_completion(
            ledger,
            physician_id,
            title=body.title,
            provider=body.provider,
            completed_on=body.completed_on,
            # Exactly as sent: an amount off its system's step is refused, not rounded.
            credits=[CreditClaim(t, parse_amount(a)) for t, a in body.credits.items()],
            topics=list(body.topics),
            activity_format=body.format,
            accredited_provider=body.accredited_provider,
        )
        found = credit_detail(ledger, completion)
    response.headers["Location"] = credit_url(physician_id, completion.id)
    response.headers["ETag"] = etag_of(found)
    return found


@router.get(
    "/physicians/{physician_id}/credits/{credit_id}",
    responses={**with_headers(200, ETAG_HEADER), **problems(*READ)},
)
def get_credit(
    physician_id: PhysicianId, credit_id: CreditId, caller: CallerDep, response: Response
) -> CreditDetailOut:
    """One credit with every piece of evidence for it (documents and pages)."""
    with caller.ledger() as ledger:
        found = credit_detail(ledger, ledger.completions.one(physician_id, credit_id))
    response.headers["ETag"] = etag_of(found)
    return found


@router.patch(
    "/physicians/{physician_id}/credits/{credit_id}",
    responses={**with_headers(200, ETAG_HEADER), **problems(*WRITE, 412, 428)},
)
def patch_credit(
    physician_id: PhysicianId,
    credit_id: CreditId,
    body: TopicsIn,
    caller: CallerDep,
    response: Response,
    if_match: IfMatch = None,
) -> CreditDetailOut:
    """Set the topics a credit counts for (state mandates). Needs If-Match."""
    caller.principal.require_ledger_writer()
    with caller.ledger() as ledger:
        current = ledger.completions.one(physician_id, credit_id, lock=True)
        require_match(if_match, etag_of(credit_detail(ledger, current)))
        topics = tuple(sorted({check_topic(t) for t in body.topics}))
        if topics != current.topics:
            ledger.completions.set_topics(physician_id, credit_id, topics)
        found = credit_detail(ledger, ledger.completions.one(physician_id, credit_id))
    response.headers["ETag"] = etag_of(found)
    return found
