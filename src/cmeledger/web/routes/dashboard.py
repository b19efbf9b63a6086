"""The dashboard: one card per licence, board certification and DEA registration, what to
take next, and how much waits for review."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup

from cmeledger.actions.accounts import Role
from cmeledger.actions.compliance import StatusReport
from cmeledger.api.auth import CallerDep
from cmeledger.api.problems import ProblemError
from cmeledger.api.schemas_common import in_range
from cmeledger.domain.compliance import Obligation, Status
from cmeledger.domain.compliance.plan import PlanItem, plan
from cmeledger.reports.labels import category_label, topic_label
from cmeledger.web.pages import fragment
from cmeledger.web.physician_context import (
    page,
    physician_context,
)

router = APIRouter(include_in_schema=False)
ZERO = Decimal(0)

# Status → (CSS class, words). Colour is never the only signal: the words are shown too.
_STATUS = {
    Status.MET: ("met", "Met"),
    Status.ON_TRACK: ("in-progress", "In progress"),
    Status.AT_RISK: ("due-soon", "Due soon"),
    Status.OVERDUE: ("overdue", "Overdue"),
    Status.NOT_APPLICABLE: ("not-applicable", "No hours required"),
}


def status_of(obligation: Obligation) -> tuple[str, str]:
    if obligation.status is Status.ON_TRACK and obligation.counted_hours == ZERO:
        return "not-started", "Not started"  # on track: nothing is wrong yet, so not red
    return _STATUS[obligation.status]


@dataclass(frozen=True, slots=True)
class Shortfall:
    name: str
    remaining: Decimal
    required: Decimal


@dataclass(frozen=True, slots=True)
class Card:
    obligation: Obligation
    css: str
    status_text: str
    shortfalls: tuple[Shortfall, ...]
    other_topics: tuple[str, ...]  # topics shown for information: they may not bind
    days_left: int

    @property
    def bar_value(self) -> Decimal:
        required = self.obligation.required_hours
        counted = self.obligation.counted_hours
        return counted if required is None else min(counted, required)


def card_for(obligation: Obligation, today: date) -> Card:
    css, words = status_of(obligation)
    shortfalls = [
        Shortfall(topic_label(t.topic), t.required - t.counted, t.required)
        for t in obligation.topics
        if t.applies and t.required is not None and t.counted < t.required
    ]
    shortfalls += [
        Shortfall(category_label(c.category), c.required - c.counted, c.required)
        for c in obligation.categories
        if c.counted < c.required
    ]
    others = tuple(
        f"{topic_label(t.topic)} ({t.applies_to})" for t in obligation.topics if not t.applies
    )
    return Card(
        obligation,
        css,
        words,
        tuple(shortfalls),
        others,
        (obligation.due_date - today).days,
    )


@dataclass(frozen=True, slots=True)
class NextStep:
    what: str
    hours: Decimal
    by: date
    counts_for: tuple[str, ...]


def next_step(item: PlanItem) -> NextStep:
    if item.kind == "topic":
        what = f"Topic: {topic_label(item.name)}"
    elif item.kind == "category":
        what = f"Credit: {category_label(item.name)}"
    else:
        what = "Any AMA PRA Category 1 credit"
    return NextStep(what, item.hours, item.by, tuple(item.for_obligations))


def _as_of(text: str | None) -> date:
    if not text:
        return date.today()  # noqa: DTZ011 - deadlines are calendar days where the user is
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise ProblemError(422, "as_of must be a date written YYYY-MM-DD") from None
    return in_range(day, "as_of") or day  # far dates would only overflow the cycles


@router.get("/")
def dashboard(
    request: Request,
    caller: CallerDep,
    physician: str | None = None,
    as_of: str | None = None,
) -> Response:
    role = caller.principal.role
    if role in (Role.ORG_ADMIN, Role.AUDITOR) and not physician:
        return RedirectResponse("/organisation", status_code=303)
    if role is Role.PROVIDER_ADMIN:
        return RedirectResponse("/pars", status_code=303)
    day = _as_of(as_of)
    with caller.ledger() as ledger:
        ctx = physician_context(caller, ledger, physician)
        waiting = ledger.review.count_open(ctx.id)
        found = caller.services.statuses.read(ledger, ctx.physician, day)

    def cards(report: StatusReport) -> str:
        return fragment(
            "_status.html",
            ctx=ctx,
            as_of=day,
            cards=[card_for(o, day) for o in report.obligations],
            steps=[next_step(i) for i in plan(report.obligations)],
            unmatched=report.unmatched,
        )

    # After the commit (no lock held meanwhile); made once per cached status, for each way
    # the links and actions can differ.
    made = found.view(f"portal:dashboard:{ctx.explicit}:{ctx.can_write}", cards)
    return page(
        request,
        "dashboard.html",
        caller,
        ctx,
        as_of=day,
        status_html=Markup(made),  # noqa: S704 - rendered by an autoescaping template
        waiting=waiting,
    )
