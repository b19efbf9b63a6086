"""PARS for accredited CME providers: activities, learner uploads, credits and their answers.

Provider admins only; a provider is named by our id or its 7-digit ACCME ID, and one outside
the caller's scope is not found. Sending is the outbox worker's job (`cmeledger worker`):
writes here queue work and answer 201/202 at once.
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, File, Form, Path, Query, Response, UploadFile
from fastapi.responses import JSONResponse

from cmeledger.actions import pars_queries as q
from cmeledger.actions.accounts import Role
from cmeledger.actions.pars import (
    ParsValidationError,
    delete_credit,
    provider_ref,
    queue_activities,
)
from cmeledger.api.auth import Caller, CallerDep
from cmeledger.api.context import API_PREFIX
from cmeledger.api.problems import problem
from cmeledger.api.schemas import Page, PageParams, page_params
from cmeledger.api.schemas_common import problems
from cmeledger.api.schemas_pars import (
    ActivityDetailOut,
    ActivityIn,
    ActivityOut,
    ActivityStateName,
    CreditOut,
    CreditStateName,
    FileProblemOut,
    LearnerUploadOut,
    ParsProblemOut,
    ProviderOut,
    PushOut,
    QueuedOut,
    StatusOut,
)
from cmeledger.pars.excel_learners import write_learner_workbook
from cmeledger.storage.blobs import UploadTooLargeError

router = APIRouter(prefix=f"{API_PREFIX}/pars", tags=["pars"])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ProviderKey = Annotated[
    str,
    Path(
        min_length=1,
        max_length=64,
        description="the provider's id, or its 7-digit ACCME provider ID",
    ),
]
# Credit IDs are the provider's own strings ("ccid:<domain>:<id>"); they may hold '/'.
CreditKey = Annotated[str, Path(min_length=1, max_length=300)]
PageDep = Annotated[PageParams, Depends(page_params)]
REFUSED = {
    "model": ParsProblemOut,
    "description": "refused by PARS's rules; every problem listed, nothing stored",
    "content": {"application/problem+json": {}},
}
COMMON: dict[int | str, dict[str, Any]] = problems(401, 403, 404, 422)


def provider_admin(caller: CallerDep) -> Caller:
    """Checked before the body is read: other roles get 403 whatever they send."""
    caller.principal.require_role(Role.PROVIDER_ADMIN)
    return caller


AdminDep = Annotated[Caller, Depends(provider_admin)]


def refused(detail: str, problems: list[q.FileProblem]) -> JSONResponse:
    return problem(
        422,
        detail,
        problems=[FileProblemOut.of(p).model_dump(mode="json") for p in problems],
    )


@router.get("/providers", responses=COMMON)
def list_providers(caller: AdminDep, page: PageDep) -> Page[ProviderOut]:
    """The providers this sign-in administers."""
    with caller.ledger() as ledger:
        found = ledger.pars.providers()
    items = [ProviderOut.of(p) for p in found[page.offset : page.offset + page.limit]]
    return Page(items=items, total=len(found), limit=page.limit, offset=page.offset)


@router.get("/providers/{prov}", responses=COMMON)
def get_provider(prov: ProviderKey, caller: AdminDep) -> ProviderOut:
    with caller.ledger() as ledger:
        return ProviderOut.of(provider_ref(ledger, prov))


@router.get("/providers/{prov}/activities", responses=COMMON)
def list_activities(
    prov: ProviderKey,
    caller: AdminDep,
    page: PageDep,
    state: Annotated[list[ActivityStateName] | None, Query()] = None,
) -> Page[ActivityOut]:
    """Newest first; `state` (repeatable) filters: draft, queued, accepted, rejected."""
    with caller.ledger() as ledger:
        provider = provider_ref(ledger, prov)
        found, total = ledger.pars.activity_page(
            provider.id, states=state or (), limit=page.limit, offset=page.offset
        )
    return Page(
        items=[ActivityOut.of(s) for s in found],
        total=total,
        limit=page.limit,
        offset=page.offset,
    )


@router.post(
    "/providers/{prov}/activities",
    status_code=201,
    response_model=ActivityDetailOut,
    responses={**COMMON, **problems(409), 422: REFUSED},
)
def create_activity(
    prov: ProviderKey, body: ActivityIn, caller: AdminDep, response: Response
) -> ActivityDetailOut | JSONResponse:
    """Check a new activity against PARS's rules, store it and queue it for PARS."""
    try:
        with caller.ledger() as ledger:
            provider = provider_ref(ledger, prov)
            stored = q.add_activity(
                ledger,
                provider,
                body.to_activity(provider.accme_id),
                q.rules_from(caller.services.settings),
            )
    except ParsValidationError as exc:
        return refused(
            f"the activity breaks {len(exc.problems)} PARS rule(s); nothing was stored",
            q.validation_problems(exc),
        )
    response.headers["Location"] = f"/api/v1/pars/providers/{provider.id}/activities/{stored.id}"
    return ActivityDetailOut.detail(stored)


@router.post("/providers/{prov}/activities/push", status_code=202, responses=COMMON)
def push_activities(prov: ProviderKey, caller: AdminDep) -> PushOut:
    """Queue every activity PARS has not accepted yet (drafts and rejected ones)."""
    with caller.ledger() as ledger:
        provider = provider_ref(ledger, prov)
        queued = [ledger.pars.activity(s.id) for s in queue_activities(ledger, provider)]
    return PushOut(queued=[ActivityOut.of(s) for s in queued])


@router.get("/providers/{prov}/activities/{activity_id}", responses=COMMON)
def get_activity(prov: ProviderKey, activity_id: UUID, caller: AdminDep) -> ActivityDetailOut:
    """One activity with every field and, when refused, PARS's reasons."""
    with caller.ledger() as ledger:
        provider = provider_ref(ledger, prov)
        return ActivityDetailOut.detail(q.provider_activity(ledger, provider, activity_id))


@router.post(
    "/providers/{prov}/learners",
    status_code=202,
    response_model=LearnerUploadOut,
    responses={**COMMON, **problems(409, 413), 422: REFUSED},
)
def upload_learners(
    prov: ProviderKey,
    caller: AdminDep,
    file: Annotated[
        UploadFile, File(description="ACCME's learner Excel template, learner XML or JSON")
    ],
    consent_recorded: Annotated[
        bool,
        Form(description="every learner in the file agreed to have it reported to PARS"),
    ] = False,
) -> LearnerUploadOut | JSONResponse:
    """Check every record of a learner file, then queue them all for PARS, or store none
    and list every problem (worksheet row, field and rule code)."""
    settings = caller.services.settings
    data = file.file.read(settings.max_upload_bytes + 1)
    if len(data) > settings.max_upload_bytes:
        raise UploadTooLargeError(
            f"the file is over the {settings.max_upload_bytes:,}-byte upload limit"
        )
    try:
        with caller.ledger() as ledger:
            provider = provider_ref(ledger, prov)
            kind = q.sniff(data)
            queued = q.upload_learners(
                ledger, provider, data, consent_recorded=consent_recorded, settings=settings
            )
    except q.LearnerFileError as exc:
        return refused(
            f"the file has {len(exc.problems)} problem(s); nothing was stored", list(exc.problems)
        )
    assert kind is not None  # upload_learners refuses what sniff cannot name
    return LearnerUploadOut(
        format=kind,
        records=len(queued),
        credits=sum(len(x.credit_ids) for x in queued),
        queued=[QueuedOut(record_id=x.record_id, credit_ids=list(x.credit_ids)) for x in queued],
        status_url=f"/api/v1/pars/providers/{provider.id}/status",
    )


@router.get(
    "/providers/{prov}/learners/template.xlsx",
    response_class=Response,
    responses={**COMMON, 200: {"content": {XLSX: {}}, "description": "an empty template"}},
)
def learner_template(prov: ProviderKey, caller: AdminDep) -> Response:
    """ACCME's learner batch template (917), empty, with a sheet of valid values."""
    with caller.ledger() as ledger:
        provider = provider_ref(ledger, prov)
    name = f"pars-learners-{provider.accme_id}.xlsx"
    return Response(
        write_learner_workbook([]),
        media_type=XLSX,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/providers/{prov}/credits", responses=COMMON)
def list_credits(
    prov: ProviderKey,
    caller: AdminDep,
    page: PageDep,
    state: Annotated[list[CreditStateName] | None, Query()] = None,
) -> Page[CreditOut]:
    """Most recently changed first; `state` (repeatable) filters, e.g. rejected or failed."""
    with caller.ledger() as ledger:
        provider = provider_ref(ledger, prov)
        views, total = q.credit_views(
            ledger, provider, states=state or (), limit=page.limit, offset=page.offset
        )
    return Page(
        items=[CreditOut.of(v) for v in views], total=total, limit=page.limit, offset=page.offset
    )


@router.post(
    "/providers/{prov}/credits/{credit_id:path}/retry",
    status_code=202,
    responses={**COMMON, **problems(409)},
)
def retry(prov: ProviderKey, credit_id: CreditKey, caller: AdminDep) -> CreditOut:
    """Resubmit a rejected or failed credit. A failed one stays "failed" (with
    `retry_queued`) until the worker has asked PARS what it holds; a rejected one is
    queued again as it is."""
    with caller.ledger() as ledger:
        provider = provider_ref(ledger, prov)
        view = q.resubmit_credit(ledger, provider, credit_id)
    return CreditOut.of(view)


@router.delete("/providers/{prov}/credits/{credit_id:path}", status_code=202, responses=COMMON)
def remove_credit(prov: ProviderKey, credit_id: CreditKey, caller: AdminDep) -> CreditOut:
    """Queue the deletion of a reported credit (to correct one: delete, then upload the
    correction under a new credit ID)."""
    with caller.ledger() as ledger:
        provider = provider_ref(ledger, prov)
        delete_credit(ledger, provider, credit_id)
        view = q.credit_view(ledger, provider, credit_id)
    return CreditOut.of(view)


@router.get("/providers/{prov}/status", responses=COMMON)
def status(prov: ProviderKey, caller: AdminDep) -> StatusOut:
    """Counts by state (credits, activities, this provider's jobs) for a dashboard."""
    with caller.ledger() as ledger:
        provider = provider_ref(ledger, prov)
        found = q.provider_status(ledger, provider)
    return StatusOut.of(provider, found)
