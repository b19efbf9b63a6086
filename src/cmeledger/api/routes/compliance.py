"""Compliance: each obligation's status, what to take next, deadlines as a calendar feed, and
the rules behind them with their sources."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, cast

from fastapi import APIRouter, Depends, Path, Query, Request, Response

from cmeledger.actions import accounts
from cmeledger.actions.accounts import Principal
from cmeledger.actions.compliance import StatusReport
from cmeledger.actions.status_cache import StatusRead
from cmeledger.api.auth import AUTH_ACTOR, Caller, CallerDep, authenticated
from cmeledger.api.context import API_PREFIX, services
from cmeledger.api.problems import ProblemError
from cmeledger.api.schemas_common import (
    DAY_PATTERN,
    READ,
    CalendarResponse,
    PhysicianId,
    binary,
    in_range,
    problems,
)
from cmeledger.api.schemas_workflow import (
    CategoryProgressOut,
    ComplianceOut,
    ObligationOut,
    PlanItemKind,
    PlanItemOut,
    PlanOut,
    RuleCategoryOut,
    RuleOut,
    RuleSummaryOut,
    RuleTopicOut,
    RuleVersionOut,
    SourceOut,
    TopicProgressOut,
)
from cmeledger.domain.compliance import Obligation
from cmeledger.domain.compliance.plan import plan
from cmeledger.reports.calendar import to_ics
from cmeledger.requirements import Rule, RuleVersion, all_rules, rule_for, version_in_force
from cmeledger.requirements.model import RuleKind
from cmeledger.storage.scope import Scope

router = APIRouter(prefix=API_PREFIX, tags=["compliance"])
AsOf = Annotated[
    date | None,
    Query(
        description="YYYY-MM-DD, 1900 to 2199; default today (UTC)",
        json_schema_extra={"pattern": DAY_PATTERN},
    ),
]
ZERO = Decimal(0)


def _day(as_of: date | None) -> date:
    return in_range(as_of, "as_of") or datetime.now(UTC).date()


def _status(caller: Caller, physician_id: PhysicianId, as_of: date | None) -> StatusRead:
    day = _day(as_of)
    with caller.ledger() as ledger:
        return caller.services.statuses.read(ledger, ledger.physicians.require(physician_id), day)


def _report(caller: Caller, physician_id: PhysicianId, as_of: date | None) -> StatusReport:
    return _status(caller, physician_id, as_of).report()  # after the commit: no lock held


def obligation_out(o: Obligation) -> ObligationOut:
    return ObligationOut(
        id=o.id,
        kind=RuleKind(o.kind),
        name=o.label,
        rule_key=o.rule_id,
        source_url=o.source,
        holding_id=o.license_id,
        jurisdiction=o.jurisdiction,
        board_type=None if o.board_type is None else str(o.board_type),
        cycle_start=o.cycle_start,
        cycle_end=o.cycle_end,
        due_date=o.due_date,
        status=o.status,
        required_hours=o.required_hours,
        earned_hours=o.counted_hours,
        remaining_hours=o.remaining_hours,
        topics=[
            TopicProgressOut(
                topic=t.topic,
                required=t.required,
                earned=t.counted,
                remaining=None if t.required is None else max(t.required - t.counted, ZERO),
                frequency=t.frequency,
                applies_to=t.applies_to,
                applies=t.applies,
            )
            for t in o.topics
        ],
        categories=[
            CategoryProgressOut(
                category=c.category,
                required=c.required,
                earned=c.counted,
                remaining=max(c.required - c.counted, ZERO),
            )
            for c in o.categories
        ],
        explanation=list(o.explanation),
        uncertain=list(o.uncertain),
        assumptions=list(o.assumptions),
    )


def compliance_json(report: StatusReport) -> str:
    return ComplianceOut(
        physician_id=report.physician_id,
        as_of=report.as_of,
        obligations=[obligation_out(o) for o in report.obligations],
        not_evaluated=report.unmatched,
    ).model_dump_json()


@router.get(
    "/physicians/{physician_id}/compliance",
    responses=problems(*READ),
    response_model=ComplianceOut,
)
def get_compliance(physician_id: PhysicianId, caller: CallerDep, as_of: AsOf = None) -> Response:
    """Every licence, board certification and DEA registration: the rule in force, the
    cycle, hours required, earned and remaining (overall and per topic), and the status."""
    # (the JSON is made once per cached status: most reads find the ledger unchanged)
    text = _status(caller, physician_id, as_of).view("api:compliance", compliance_json)
    return Response(text, media_type="application/json")


@router.get("/physicians/{physician_id}/plan", responses=problems(*READ))
def get_plan(physician_id: PhysicianId, caller: CallerDep, as_of: AsOf = None) -> PlanOut:
    """What to take next: the fewest hours, by topic and category, that would meet every
    obligation by its due date (one activity counts toward every licence that accepts it)."""
    report = _report(caller, physician_id, as_of)
    return PlanOut(
        physician_id=report.physician_id,
        as_of=report.as_of,
        items=[
            PlanItemOut(
                kind=cast(PlanItemKind, item.kind),  # validated by the model
                name=item.name,
                hours=item.hours,
                by=item.by,
                for_obligations=list(item.for_obligations),
            )
            for item in plan(report.obligations)
        ],
    )


async def calendar_caller(
    request: Request,
    token: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=200,
            description="a calendar token (made under Exports), for calendar apps that "
            "cannot sign in; it opens nothing but these feeds",
        ),
    ] = None,
) -> Caller:
    """The usual sign-in, or `?token=` on this route only: a calendar app subscribes to a
    URL and can send neither a cookie nor an Authorization header."""
    if token is None:
        return await authenticated(request)
    svc = services(request)
    with svc.store.ledger(Scope.owner(AUTH_ACTOR)) as ledger:
        user = accounts.token_user(ledger, token, purpose=accounts.TokenPurpose.CALENDAR)
        if user is None:
            raise ProblemError(401, "the calendar link's token is unknown or revoked")
        principal = Principal(user, accounts.scope_for(ledger, user))
    return Caller(principal, "token", svc, request)


@router.get(
    "/physicians/{physician_id}/calendar.ics",
    response_class=CalendarResponse,
    responses={200: binary(("text/calendar",), "an iCalendar feed"), **problems(*READ)},
)
def get_calendar(
    physician_id: PhysicianId,
    caller: Annotated[Caller, Depends(calendar_caller)],
    as_of: AsOf = None,
) -> CalendarResponse:
    """Every due date as an all-day event with a reminder 30 days before."""
    report = _report(caller, physician_id, as_of)
    return CalendarResponse(
        to_ics(report),
        media_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": 'inline; filename="cme-deadlines.ics"'},
    )


# --- rules ----------------------------------------------------------------------------------
def _current(rule: Rule) -> RuleVersion:
    return version_in_force(rule, datetime.now(UTC).date()) or rule.versions[-1]


def rule_summary(rule: Rule) -> RuleSummaryOut:
    version = _current(rule)
    return RuleSummaryOut(
        id=rule.id,
        kind=rule.kind,
        name=rule.name,
        jurisdiction=rule.jurisdiction,
        board_type=rule.board_type,
        total_hours=version.total_hours,
        cycle_months=version.cycle.months,
        anchor=version.cycle.anchor.type.value,
        confidence=rule.confidence,
        uncertain_count=len(rule.uncertain),
        source_checked=rule.source_checked,
        sources=[SourceOut(url=s.url, title=s.title) for s in rule.sources],
    )


def _version_out(v: RuleVersion) -> RuleVersionOut:
    return RuleVersionOut(
        effective_from=v.effective_from,
        effective_to=v.effective_to,
        cycle_months=v.cycle.months,
        anchor=v.cycle.anchor.type.value,
        anchor_detail=v.cycle.anchor.detail,
        total_hours=v.total_hours,
        categories=[
            RuleCategoryOut(
                credit_types=list(c.credit_types),
                min_hours=c.min_hours,
                max_hours=c.max_hours,
                note=c.note,
            )
            for c in v.categories
        ],
        accepted_credit_types=list(v.accepted_credit_types),
        accepted_credit_note=v.accepted_credit_note,
        topics=[
            RuleTopicOut(
                topic=t.topic,
                title=t.title,
                hours=t.hours,
                frequency=t.frequency.value,
                every_n=t.every_n,
                applies_to=t.applies_to,
                audience=t.audience.value,
                note=t.note,
            )
            for t in v.topics
        ],
        first_renewal=v.first_renewal,
        prorating=v.prorating,
        carryover=v.carryover,
        moc_in_lieu=v.moc_in_lieu,
        caps=v.caps,
        exemptions=list(v.exemptions),
    )


@router.get("/rules", responses=problems(401))
def list_rules(caller: CallerDep) -> list[RuleSummaryOut]:
    """Every licence, board and DEA rule we hold: hours, cycle, confidence and sources."""
    return [rule_summary(r) for r in all_rules()]


@router.get("/rules/{rule_key}", responses=problems(401, 404, 422))
def get_rule(
    rule_key: Annotated[
        str,
        Path(
            min_length=1,
            max_length=40,
            pattern=r"^[A-Za-z0-9_-]+$",
            description="e.g. CA-MD, TX, ABIM, DEA-MATE",
        ),
    ],
    caller: CallerDep,
) -> RuleOut:
    """One rule in full: every version, its topics and terms, sources, and what is uncertain."""
    rule = rule_for(rule_key)
    return RuleOut(
        **rule_summary(rule).model_dump(),
        verification=rule.verification,
        versions=[_version_out(v) for v in rule.versions],
        uncertain=list(rule.uncertain),
        conflicts=list(rule.conflicts),
        notes=list(rule.notes),
    )
