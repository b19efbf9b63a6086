"""Organisations: the roster of members who share, one member's compliance, reminder e-mails;
and, on the physician's side, their memberships and consent to share.

An org admin or auditor reaches only their own organisation (any other id is 404, as if it
did not exist) and only the members who consent to share. Auditors read; only org admins
send reminders (403 for an auditor).
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from http import HTTPStatus
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel, Field

from cmeledger.actions import roster as roster_actions
from cmeledger.actions.accounts import Role
from cmeledger.actions.reminders import Reminder, ReminderConfig, ReminderRun, send_reminders
from cmeledger.actions.roster import MemberCompliance, Membership, Roster, RosterRow
from cmeledger.api.auth import CallerDep
from cmeledger.api.context import API_PREFIX, ServicesDep
from cmeledger.api.problems import ProblemError
from cmeledger.api.schemas import Page, PageParams, Strict, page_params
from cmeledger.api.schemas_common import in_range
from cmeledger.domain.compliance import Obligation
from cmeledger.errors import ConfigurationError
from cmeledger.mail.smtp import MailError, mailer_from_settings
from cmeledger.reports.roster import to_csv

router = APIRouter(prefix=API_PREFIX, tags=["organisations"])

SORT_PATTERN = r"^-?(name|obligation|due|status|remaining)$"
StatusName = Literal["met", "on_track", "at_risk", "overdue", "not_applicable"]
_PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
    },
}
_CSV: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The roster as CSV (one row per physician and obligation).",
        "content": {"text/csv": {"schema": {"type": "string"}}},
    }
}


def problems(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the problem+json answers a route can give."""
    return {
        code: {
            "description": HTTPStatus(code).phrase,
            "content": {"application/problem+json": {"schema": _PROBLEM_SCHEMA}},
        }
        for code in codes
    }


def today() -> date:
    # Due dates are calendar days; the server's local date is the best stand-in it has.
    return datetime.now().astimezone().date()


# shapes -----------------------------------------------------------------------------------
class RosterRowOut(BaseModel):
    physician_id: UUID
    physician_name: str
    npi: str | None
    email: str | None
    obligation_id: str | None = Field(description="None when nothing could be evaluated yet")
    obligation: str | None
    kind: str | None
    due_date: date | None
    status: StatusName | None
    required_hours: Decimal | None
    counted_hours: Decimal | None
    remaining_hours: Decimal | None


class RosterOut(Page[RosterRowOut]):
    organisation_id: UUID
    organisation_name: str
    as_of: date
    sort: str
    physicians: int = Field(description="members who share, on every page")


class TopicOut(BaseModel):
    topic: str
    required: Decimal | None
    counted: Decimal
    frequency: str
    applies_to: str
    applies: bool


class CategoryOut(BaseModel):
    category: str
    required: Decimal
    counted: Decimal


class ObligationOut(BaseModel):
    id: str
    label: str
    kind: str
    jurisdiction: str | None
    board_type: str | None
    rule_id: str
    cycle_start: date
    cycle_end: date
    due_date: date
    status: StatusName
    required_hours: Decimal | None
    counted_hours: Decimal
    remaining_hours: Decimal
    categories: list[CategoryOut]
    topics: list[TopicOut]
    explanation: list[str]
    source: str | None
    assumptions: list[str]


class MemberOut(BaseModel):
    id: UUID
    name: str
    npi: str | None
    email: str | None


class SentReminderOut(BaseModel):
    obligation_id: str
    due_date: date
    days_before: int
    sent_at: datetime


class MemberComplianceOut(BaseModel):
    organisation_id: UUID
    physician: MemberOut
    as_of: date
    obligations: list[ObligationOut]
    not_evaluated: list[str]
    reminders_sent: list[SentReminderOut]


class RemindersIn(Strict):
    dry_run: bool = Field(default=False, description="list what would be sent; send nothing")


class ReminderOut(BaseModel):
    physician_id: UUID
    physician_name: str
    recipient: str
    obligation_id: str
    obligation: str
    due_date: date
    days_left: int
    days_before: int = Field(description="the lead time this reminder belongs to")
    status: StatusName
    remaining_hours: Decimal


class FailedReminderOut(ReminderOut):
    reason: str


class SkippedOut(BaseModel):
    physician_id: UUID
    physician_name: str
    reason: str


class ReminderRunOut(BaseModel):
    organisation_id: UUID
    as_of: date
    dry_run: bool
    would_send: list[ReminderOut]
    sent: list[ReminderOut]
    failed: list[FailedReminderOut]
    not_sent: list[ReminderOut] = Field(description="left unsent when the server stopped")
    skipped: list[SkippedOut]
    error: str | None


class MembershipOut(BaseModel):
    organisation_id: UUID
    organisation_name: str
    shares: bool


class SharingIn(Strict):
    shares: bool


# conversions ------------------------------------------------------------------------------
def _row_out(row: RosterRow) -> RosterRowOut:
    return RosterRowOut(
        physician_id=row.physician_id,
        physician_name=row.physician_name,
        npi=row.npi,
        email=row.email,
        obligation_id=row.obligation_id,
        obligation=row.obligation,
        kind=row.kind,
        due_date=row.due_date,
        status=None if row.status is None else row.status.value,
        required_hours=row.required_hours,
        counted_hours=row.counted_hours,
        remaining_hours=row.remaining_hours,
    )


def obligation_out(o: Obligation) -> ObligationOut:
    return ObligationOut(
        id=o.id,
        label=o.label,
        kind=o.kind,
        jurisdiction=o.jurisdiction,
        board_type=o.board_type,
        rule_id=o.rule_id,
        cycle_start=o.cycle_start,
        cycle_end=o.cycle_end,
        due_date=o.due_date,
        status=o.status.value,
        required_hours=o.required_hours,
        counted_hours=o.counted_hours,
        remaining_hours=o.remaining_hours,
        categories=[
            CategoryOut(category=c.category, required=c.required, counted=c.counted)
            for c in o.categories
        ],
        topics=[
            TopicOut(
                topic=t.topic,
                required=t.required,
                counted=t.counted,
                frequency=t.frequency,
                applies_to=t.applies_to,
                applies=t.applies,
            )
            for t in o.topics
        ],
        explanation=list(o.explanation),
        source=o.source,
        assumptions=list(o.assumptions),
    )


def _reminder_fields(r: Reminder) -> dict[str, Any]:
    return {
        "physician_id": r.physician_id,
        "physician_name": r.physician_name,
        "recipient": r.recipient,
        "obligation_id": r.obligation_id,
        "obligation": r.obligation,
        "due_date": r.due_date,
        "days_left": r.days_left,
        "days_before": r.days_before,
        "status": r.status.value,
        "remaining_hours": r.remaining_hours,
    }


def run_out(organisation_id: UUID, run: ReminderRun) -> ReminderRunOut:
    return ReminderRunOut(
        organisation_id=organisation_id,
        as_of=run.as_of,
        dry_run=run.dry_run,
        would_send=[ReminderOut(**_reminder_fields(r)) for r in run.would_send],
        sent=[ReminderOut(**_reminder_fields(r)) for r in run.sent],
        failed=[FailedReminderOut(**_reminder_fields(r), reason=why) for r, why in run.failed],
        not_sent=[ReminderOut(**_reminder_fields(r)) for r in run.not_sent],
        skipped=[
            SkippedOut(
                physician_id=s.physician_id, physician_name=s.physician_name, reason=s.reason
            )
            for s in run.skipped
        ],
        error=run.error,
    )


def _membership_out(m: Membership) -> MembershipOut:
    return MembershipOut(
        organisation_id=m.organisation_id, organisation_name=m.organisation_name, shares=m.shares
    )


def csv_filename(roster: Roster) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", roster.organisation.name.lower()).strip("-") or "roster"
    return f"roster-{slug[:60]}-{roster.as_of.isoformat()}.csv"


def csv_response(roster: Roster) -> Response:
    return Response(
        to_csv(roster),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{csv_filename(roster)}"'},
    )


def load_roster(caller: CallerDep, organisation_id: UUID, as_of: date | None, sort: str) -> Roster:
    roster_actions.require_organisation_reader(caller.principal, organisation_id)
    with caller.ledger() as ledger:
        return roster_actions.organisation_roster(
            ledger,
            organisation_id,
            as_of=in_range(as_of, "as_of") or today(),
            sort=sort,
            statuses=caller.services.statuses,
        )


def run_reminders(
    caller: CallerDep, svc: ServicesDep, organisation_id: UUID, *, dry_run: bool
) -> ReminderRun:
    """Send (or preview) an organisation's due reminders; the mail server's failures become
    502 (unreachable, refused) or 503 (none configured), with nothing recorded as sent."""
    roster_actions.require_reminder_sender(caller.principal, organisation_id)
    try:
        mailer = None if dry_run else mailer_from_settings(svc.settings)
        with caller.ledger() as ledger:
            return send_reminders(
                ledger,
                ReminderConfig.from_settings(svc.settings),
                mailer,
                as_of=today(),
                organisation_id=organisation_id,
                dry_run=dry_run,
            )
    except ConfigurationError as exc:
        raise ProblemError(503, str(exc)) from None
    except MailError as exc:
        raise ProblemError(502, str(exc)) from None


# routes -----------------------------------------------------------------------------------
SortQuery = Annotated[
    str,
    Query(
        pattern=SORT_PATTERN,
        description="name, obligation, due, status (worst first) or remaining (most first); "
        "a leading - reverses",
    ),
]
AsOfQuery = Annotated[date | None, Query(description="YYYY-MM-DD, 1900 to 2199 (default: today)")]


@router.get(
    "/organisations/{organisation_id}/roster",
    response_model=RosterOut,
    responses={**_CSV, **problems(401, 404, 422)},
)
def get_roster(
    organisation_id: UUID,
    caller: CallerDep,
    page: Annotated[PageParams, Depends(page_params)],
    sort: SortQuery = "due",
    as_of: AsOfQuery = None,
    format: Annotated[Literal["json", "csv"], Query(description="csv: the whole roster")] = "json",
) -> Response | RosterOut:
    """Each sharing member's obligations: status, due date, remaining hours."""
    roster = load_roster(caller, organisation_id, as_of, sort)
    if format == "csv":
        return csv_response(roster)
    return RosterOut(
        items=[_row_out(r) for r in roster.rows[page.offset : page.offset + page.limit]],
        total=len(roster.rows),
        limit=page.limit,
        offset=page.offset,
        organisation_id=roster.organisation.id,
        organisation_name=roster.organisation.name,
        as_of=roster.as_of,
        sort=roster.sort,
        physicians=roster.physicians,
    )


@router.get(
    "/organisations/{organisation_id}/roster.csv",
    response_class=Response,
    responses={**_CSV, **problems(401, 404, 422)},
)
def get_roster_csv(
    organisation_id: UUID, caller: CallerDep, sort: SortQuery = "due", as_of: AsOfQuery = None
) -> Response:
    """The whole roster as CSV, cells that could run as spreadsheet formulas neutralised."""
    return csv_response(load_roster(caller, organisation_id, as_of, sort))


@router.get(
    "/organisations/{organisation_id}/roster/{physician_id}",
    responses=problems(401, 404, 422),
)
def get_member(
    organisation_id: UUID, physician_id: UUID, caller: CallerDep, as_of: AsOfQuery = None
) -> MemberComplianceOut:
    """One member's compliance; 404 unless that physician shares with this organisation."""
    roster_actions.require_organisation_reader(caller.principal, organisation_id)
    with caller.ledger() as ledger:
        found: MemberCompliance = roster_actions.member_compliance(
            ledger,
            organisation_id,
            physician_id,
            as_of=in_range(as_of, "as_of") or today(),
            statuses=caller.services.statuses,
        )
    p = found.physician
    return MemberComplianceOut(
        organisation_id=organisation_id,
        physician=MemberOut(id=p.id, name=p.display_name, npi=p.npi, email=p.email),
        as_of=found.report.as_of,
        obligations=[obligation_out(o) for o in found.report.obligations],
        not_evaluated=found.report.unmatched,
        reminders_sent=[
            SentReminderOut(
                obligation_id=s.key.obligation,
                due_date=s.key.due,
                days_before=s.key.days_before,
                sent_at=s.sent_at,
            )
            for s in found.reminders
        ],
    )


@router.post(
    "/organisations/{organisation_id}/reminders",
    responses=problems(401, 403, 404, 422, 502, 503),
)
def post_reminders(
    organisation_id: UUID, body: RemindersIn, caller: CallerDep, svc: ServicesDep
) -> ReminderRunOut:
    """Send the reminders due today to members who share (each reminder once, ever).

    With `dry_run` nothing is sent or recorded: the answer lists what would go out."""
    return run_out(
        organisation_id, run_reminders(caller, svc, organisation_id, dry_run=body.dry_run)
    )


@router.get("/physicians/{physician_id}/organisations", responses=problems(401, 403, 404, 422))
def list_memberships(physician_id: UUID, caller: CallerDep) -> list[MembershipOut]:
    """The organisations this physician is on the roster of, and whether they share."""
    with caller.ledger() as ledger:
        ledger.physicians.require(physician_id)
        caller.principal.require_role(Role.PHYSICIAN, Role.DELEGATE)
        return [_membership_out(m) for m in roster_actions.memberships(ledger, physician_id)]


@router.put(
    "/physicians/{physician_id}/organisations/{organisation_id}/sharing",
    responses=problems(401, 403, 404, 422),
)
def put_sharing(
    physician_id: UUID, organisation_id: UUID, body: SharingIn, caller: CallerDep
) -> MembershipOut:
    """Give (true) or withdraw (false) consent to share this ledger with the organisation.
    Only the physician or their delegate may; withdrawing takes effect at once."""
    with caller.ledger() as ledger:
        found = roster_actions.change_sharing(
            ledger, caller.principal, physician_id, organisation_id, body.shares
        )
    return _membership_out(found)
