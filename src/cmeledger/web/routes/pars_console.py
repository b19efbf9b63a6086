"""The PARS console for a CME provider's admins: activities, learner uploads, what PARS
answered, and a resubmit button for each rejected or failed credit.

Every form posts normally (works without JavaScript); the resubmit buttons also carry
hx-post and get back just their table row. A refused form re-renders the page with each
problem listed and the entered values kept; nothing of a refused file is stored.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from cmeledger.actions import pars_queries as q
from cmeledger.actions.pars import ParsValidationError, provider_ref, queue_activities
from cmeledger.api.auth import Caller
from cmeledger.api.routes.pars import AdminDep
from cmeledger.api.schemas_pars import ActivityIn
from cmeledger.domain.pars.model import ActivityFormat, DeliveryMethod
from cmeledger.domain.pars.vocabulary import MOC_CREDIT_TYPES
from cmeledger.errors import CmeLedgerError, NotFoundError
from cmeledger.storage.ledger import Ledger
from cmeledger.storage.repositories.pars import Provider
from cmeledger.web.pages import render

router = APIRouter(include_in_schema=False)

LISTED = 50  # rows per table; the API pages through the rest
NOTICES = {
    "activity": "The activity was saved and queued; the worker sends it to PARS.",
    "pushed": "Every draft and rejected activity was queued for PARS.",
    "learners": "learner record(s) queued; the worker sends them to PARS.",
}


def _is_htmx(request: Request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _home(provider: Provider, notice: str | None = None, n: int | None = None) -> str:
    url = f"/pars/{provider.id}"
    if notice:
        url += f"?notice={notice}" + (f"&n={n}" if n is not None else "")
    return url


def _console(
    request: Request,
    caller: Caller,
    ledger: Ledger,
    provider: Provider,
    *,
    status_code: int = 200,
    **extra: Any,
) -> HTMLResponse:
    activities, activity_total = ledger.pars.activity_page(provider.id, limit=LISTED, offset=0)
    rejected, rejected_total = q.credit_views(
        ledger, provider, states=("rejected",), limit=LISTED, offset=0
    )
    failed, failed_total = q.credit_views(
        ledger, provider, states=("failed",), limit=LISTED, offset=0
    )
    context: dict[str, Any] = {
        "provider": provider,
        "providers": ledger.pars.providers(),
        "status": q.provider_status(ledger, provider),
        "activities": activities,
        "activity_total": activity_total,
        "rejected": rejected,
        "rejected_total": rejected_total,
        "failed": failed,
        "failed_total": failed_total,
        "formats": [f.value for f in ActivityFormat],
        "deliveries": [d.value for d in DeliveryMethod],
        "moc_boards": MOC_CREDIT_TYPES,
        "listed": LISTED,
        "form": {},
        "activity_problems": [],
        "upload_problems": [],
        "upload_error": None,
        **extra,
    }
    return render(request, "pars.html", caller, status_code=status_code, **context)


@router.get("/pars")
def console_home(request: Request, caller: AdminDep) -> Response:
    """The first of the caller's providers (an admin usually has one)."""
    with caller.ledger() as ledger:
        providers = ledger.pars.providers()
        if not providers:
            raise NotFoundError("this sign-in administers no CME provider")
        return _console(request, caller, ledger, providers[0])


@router.get("/pars/{prov}")
def console(
    request: Request,
    prov: str,
    caller: AdminDep,
    notice: str | None = None,
    n: int | None = None,
) -> Response:
    with caller.ledger() as ledger:
        provider = provider_ref(ledger, prov)
        text = NOTICES.get(notice or "")
        if text and notice == "learners":
            text = f"{n or 0} {text}"
        return _console(request, caller, ledger, provider, notice=text)


@router.get("/pars/{prov}/status")
def status_partial(request: Request, prov: str, caller: AdminDep) -> Response:
    """The status summary alone, for htmx to refresh."""
    with caller.ledger() as ledger:
        provider = provider_ref(ledger, prov)
        found = q.provider_status(ledger, provider)
    return render(request, "_pars_status.html", caller, provider=provider, status=found)


def _moc(types: list[str], points: str) -> list[dict[str, Any]]:
    """'BOARD|Credit type' choices, grouped into one registration per board."""
    boards: dict[str, list[str]] = {}
    for choice in types:
        board, _, kind = choice.partition("|")
        boards.setdefault(board, []).append(kind)
    return [{"board": b, "points": points or "0", "credit_types": k} for b, k in boards.items()]


@router.post("/pars/{prov}/activities")
def add_activity(
    request: Request,
    prov: str,
    caller: AdminDep,
    title: Annotated[str, Form(max_length=500)] = "",
    format: Annotated[str, Form(max_length=100)] = "",
    start: Annotated[str, Form(max_length=20)] = "",
    end: Annotated[str, Form(max_length=20)] = "",
    credits: Annotated[str, Form(max_length=20)] = "",
    provider_activity_id: Annotated[str, Form(max_length=100)] = "",
    description: Annotated[str, Form(max_length=2500)] = "",
    city: Annotated[str, Form(max_length=200)] = "",
    state: Annotated[str, Form(max_length=2)] = "",
    country: Annotated[str, Form(max_length=3)] = "",
    delivery: Annotated[list[str] | None, Form()] = None,
    moc_types: Annotated[list[str] | None, Form()] = None,
    moc_points: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    form: dict[str, Any] = {
        "title": title,
        "format": format,
        "start": start,
        "end": end,
        "credits": credits,
        "provider_activity_id": provider_activity_id,
        "description": description,
        "city": city,
        "state": state,
        "country": country,
        "delivery": delivery or [],
        "moc_types": moc_types or [],
        "moc_points": moc_points,
    }
    problems: list[dict[str, str]] = []
    try:
        body = ActivityIn.model_validate(
            {
                "title": title,
                "format": format,
                "start": start,
                "end": end,
                "credits": credits,
                "provider_activity_id": provider_activity_id or None,
                "description": description or None,
                "location": {
                    "city": city or None,
                    "state": state or None,
                    "country": country or None,
                },
                "delivery_methods": delivery or [],
                "moc": _moc(moc_types or [], moc_points),
            }
        )
    except ValidationError as exc:
        problems = [
            {"code": "", "field": ".".join(str(p) for p in e["loc"]), "message": e["msg"]}
            for e in exc.errors()
        ]
    else:
        try:
            with caller.ledger() as ledger:
                provider = provider_ref(ledger, prov)
                q.add_activity(
                    ledger,
                    provider,
                    body.to_activity(provider.accme_id),
                    q.rules_from(caller.services.settings),
                )
            return RedirectResponse(_home(provider, "activity"), status_code=303)
        except ParsValidationError as exc:
            problems = [_shown(p) for p in q.validation_problems(exc)]
        except NotFoundError:
            raise
        except CmeLedgerError as exc:
            problems = [{"code": "", "field": "", "message": str(exc)}]
    # the write (if any) was rolled back; the page is read in a transaction of its own
    with caller.ledger() as ledger:
        provider = provider_ref(ledger, prov)
        return _console(
            request,
            caller,
            ledger,
            provider,
            status_code=422,
            form=form,
            activity_problems=problems,
        )


def _shown(p: q.FileProblem) -> dict[str, str]:
    return {"code": p.code, "field": p.field, "message": p.message}


@router.post("/pars/{prov}/activities/push")
def push_activities(prov: str, caller: AdminDep) -> Response:
    with caller.ledger() as ledger:
        provider = provider_ref(ledger, prov)
        queue_activities(ledger, provider)
    return RedirectResponse(_home(provider, "pushed"), status_code=303)


@router.post("/pars/{prov}/learners")
def upload_learners(
    request: Request,
    prov: str,
    caller: AdminDep,
    file: Annotated[UploadFile, File()],
    consent_recorded: Annotated[bool, Form()] = False,
) -> Response:
    settings = caller.services.settings
    data = file.file.read(settings.max_upload_bytes + 1)
    problems: list[q.FileProblem] = []
    if len(data) > settings.max_upload_bytes:
        error = f"The file is over the {settings.max_upload_bytes:,}-byte upload limit."
    else:
        try:
            with caller.ledger() as ledger:
                provider = provider_ref(ledger, prov)
                queued = q.upload_learners(
                    ledger, provider, data, consent_recorded=consent_recorded, settings=settings
                )
            return RedirectResponse(_home(provider, "learners", len(queued)), status_code=303)
        except q.LearnerFileError as exc:
            problems = list(exc.problems)
            error = f"The file has {len(problems)} problem(s); nothing was stored."
        except NotFoundError:
            raise
        except CmeLedgerError as exc:
            error = f"{exc} Nothing was stored."
    with caller.ledger() as ledger:
        provider = provider_ref(ledger, prov)
        return _console(
            request,
            caller,
            ledger,
            provider,
            status_code=422,
            upload_problems=problems,
            upload_error=error,
            upload_name=file.filename or "",
        )


@router.post("/pars/{prov}/credits/{credit_id:path}/resubmit")
def resubmit(request: Request, prov: str, credit_id: str, caller: AdminDep) -> Response:
    """htmx gets the credit's row back (with the reason it was not resubmitted, if so); a
    plain form post goes back to the console."""
    error: str | None = None
    try:
        with caller.ledger() as ledger:
            provider = provider_ref(ledger, prov)
            view = q.resubmit_credit(ledger, provider, credit_id)
    except NotFoundError:
        raise
    except CmeLedgerError as exc:
        if not _is_htmx(request):
            raise
        error = str(exc)
        with caller.ledger() as ledger:
            provider = provider_ref(ledger, prov)
            view = q.credit_view(ledger, provider, credit_id)
    if not _is_htmx(request):
        return RedirectResponse(f"/pars/{provider.id}#rejections", status_code=303)
    return render(
        request,
        "_pars_credit_row.html",
        caller,
        provider=provider,
        v=view,
        row_error=error,
        just_resubmitted=error is None,
    )
