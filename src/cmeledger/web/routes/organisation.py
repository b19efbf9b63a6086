"""The organisation's pages: the roster (sortable, CSV, reminders now) and one member's
compliance. Org admins and auditors see their own organisation only; auditors do not send."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse

from cmeledger.actions import roster as roster_actions
from cmeledger.actions.accounts import ForbiddenError, Role
from cmeledger.actions.reminders import ReminderRun
from cmeledger.api.auth import Caller, CallerDep
from cmeledger.api.context import ServicesDep
from cmeledger.api.problems import ProblemError
from cmeledger.api.routes.organisations import SORT_PATTERN, load_roster, run_reminders, today
from cmeledger.domain.compliance import Obligation
from cmeledger.web.pages import render

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 100
STATUS_CLASS = {
    "met": "met",
    "on_track": "in-progress",
    "at_risk": "due-soon",
    "overdue": "overdue",
    "not_applicable": "",
}
STATUS_LABEL = {
    "met": "Met",
    "on_track": "On track",
    "at_risk": "Due soon",
    "overdue": "Overdue",
    "not_applicable": "Not applicable",
}
COLUMNS = (
    ("name", "Physician"),
    ("obligation", "Obligation"),
    ("due", "Due"),
    ("status", "Status"),
    ("remaining", "Hours to go"),
)


def _organisation_of(caller: Caller) -> UUID:
    principal = caller.principal
    organisation_id = principal.user.organisation_id
    if principal.role not in (Role.ORG_ADMIN, Role.AUDITOR) or organisation_id is None:
        raise ForbiddenError("the roster is for organisation admins and auditors")
    return organisation_id


def _htmx_target(request: Request) -> str | None:
    if request.headers.get("HX-Request") != "true":
        return None
    return request.headers.get("HX-Target")


def _looks(**context: Any) -> dict[str, Any]:
    return {"status_class": STATUS_CLASS, "status_label": STATUS_LABEL, **context}


def _roster_context(
    caller: Caller, svc: ServicesDep, sort: str, page: int, run: ReminderRun | None = None
) -> dict[str, Any]:
    organisation_id = _organisation_of(caller)
    roster = load_roster(caller, organisation_id, None, sort)
    pages = max(1, -(-len(roster.rows) // PAGE_SIZE))
    page = min(page, pages)
    start = (page - 1) * PAGE_SIZE
    return _looks(
        roster=roster,
        rows=roster.rows[start : start + PAGE_SIZE],
        sort=sort,
        page=page,
        pages=pages,
        columns=COLUMNS,
        csv_url=f"/api/v1/organisations/{organisation_id}/roster.csv?sort={sort}",
        can_send=caller.principal.role is Role.ORG_ADMIN,
        lead_days=sorted(svc.settings.reminder_days, reverse=True),
        run=run,
        error=None,
    )


@router.get("/organisation")
def roster_page(
    request: Request,
    caller: CallerDep,
    svc: ServicesDep,
    sort: Annotated[str, Query(pattern=SORT_PATTERN)] = "due",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> HTMLResponse:
    context = _roster_context(caller, svc, sort, page)
    if _htmx_target(request) == "roster":
        return render(request, "_roster_table.html", caller, **context)
    return render(request, "organisation.html", caller, **context)


@router.post("/organisation/reminders")
def send_reminders_now(
    request: Request,
    caller: CallerDep,
    svc: ServicesDep,
    dry_run: Annotated[str, Form(pattern="^[01]$")] = "1",
) -> HTMLResponse:
    """The form's two buttons: preview (dry run) or send. Errors from the mail server are
    shown beside the form rather than on an error page."""
    organisation_id = _organisation_of(caller)
    roster_actions.require_reminder_sender(caller.principal, organisation_id)
    run: ReminderRun | None = None
    error: str | None = None
    status = 200
    try:
        run = run_reminders(caller, svc, organisation_id, dry_run=dry_run == "1")
    except ProblemError as exc:
        error, status = exc.detail, exc.status
    if _htmx_target(request) == "reminder-result":
        # htmx swaps only 2xx answers, so the error travels in a 200 with the notice.
        return render(request, "_roster_reminders.html", caller, run=run, error=error)
    context = _roster_context(caller, svc, "due", 1, run)
    context["error"] = error
    return render(request, "organisation.html", caller, status_code=status, **context)


def _progress(o: Obligation) -> tuple[int, int] | None:
    """Counted and required hours as whole numbers for a <progress> bar."""
    if o.required_hours is None or o.required_hours <= 0:
        return None
    counted = min(o.counted_hours, o.required_hours)
    return int(counted * 100), int(o.required_hours * 100)


@router.get("/organisation/physicians/{physician_id}")
def member_page(request: Request, physician_id: UUID, caller: CallerDep) -> HTMLResponse:
    organisation_id = _organisation_of(caller)
    roster_actions.require_organisation_reader(caller.principal, organisation_id)
    with caller.ledger() as ledger:
        found = roster_actions.member_compliance(
            ledger, organisation_id, physician_id, as_of=today(), statuses=caller.services.statuses
        )
    labels = {o.id: o.label for o in found.report.obligations}
    return render(
        request,
        "organisation_physician.html",
        caller,
        **_looks(
            member=found,
            cards=[(o, _progress(o)) for o in found.report.obligations],
            labels=labels,
        ),
    )
