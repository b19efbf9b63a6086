"""`cmeledger status`: for each licence, am I compliant, what is missing, and by when?"""

from __future__ import annotations

import sys
from datetime import datetime
from typing import Annotated, Any

import typer
from rich.table import Table

from cmeledger.actions.compliance import StatusReport, compliance_status
from cmeledger.cli.common import JsonOption, emit, err, ledger, out, parse_id, parse_optional_date
from cmeledger.domain.compliance.plan import plan
from cmeledger.reports.calendar import to_ics


def _report(physician_id: str, as_of: str | None) -> StatusReport:
    # Deadlines are calendar days where the physician is; the machine's local date is the
    # best stand-in the CLI has.
    day = parse_optional_date(as_of, "--as-of") or datetime.now().astimezone().date()
    with ledger() as opened:
        return compliance_status(opened, parse_id(physician_id), day)


def _as_dict(report: StatusReport) -> dict[str, Any]:
    return {
        "physician_id": str(report.physician_id),
        "as_of": report.as_of.isoformat(),
        "obligations": [o.to_dict() for o in report.obligations],
        "not_evaluated": report.unmatched,
    }


def status_command(
    physician_id: Annotated[str, typer.Argument(metavar="PHYSICIAN_ID")],
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="YYYY-MM-DD (default: today).")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Each licence's CME status under its board's rule, with what counted and why."""
    report = _report(physician_id, as_of)

    def render() -> None:
        table = Table(
            "licence",
            "cycle",
            "due",
            "status",
            "counted / required",
            "missing",
            title=f"CME status on {report.as_of}",
        )
        for o in report.obligations:
            missing = [
                f"{t.topic} {t.counted}/{t.required}"
                for t in o.topics
                if t.required is not None and t.counted < t.required
            ]
            table.add_row(
                o.label,
                f"{o.cycle_start} → {o.cycle_end}",
                str(o.due_date),
                o.status.value,
                f"{o.counted_hours} / {o.required_hours or '—'}",
                ", ".join(missing) or ("—" if o.remaining_hours == 0 else f"{o.remaining_hours} h"),
            )
        out.print(table)
        for o in report.obligations:
            for note in (*o.assumptions, *o.uncertain[:2]):
                err.print(f"note: {o.rule_id}: {note}", soft_wrap=True)
        for line in report.unmatched:
            err.print(f"note: {line}", soft_wrap=True)

    emit(_as_dict(report), as_json, render)


def calendar_command(
    physician_id: Annotated[str, typer.Argument(metavar="PHYSICIAN_ID")],
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="YYYY-MM-DD (default: today).")
    ] = None,
) -> None:
    """Every due date as an iCalendar feed: cmeledger calendar ID > deadlines.ics"""
    report = _report(physician_id, as_of)
    sys.stdout.write(to_ics(report))


def plan_command(
    physician_id: Annotated[str, typer.Argument(metavar="PHYSICIAN_ID")],
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="YYYY-MM-DD (default: today).")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """The fewest hours, by topic and category, that would meet every obligation in time."""
    report = _report(physician_id, as_of)
    items = plan(report.obligations)

    def render() -> None:
        table = Table("take", "hours", "by", "counts for", title=f"Plan from {report.as_of}")
        for item in items:
            what = {
                "topic": f"topic: {item.name}",
                "category": f"credit: {item.name}",
                "hours": "any AMA PRA Category 1",
            }[item.kind]
            table.add_row(what, str(item.hours), str(item.by), "\n".join(item.for_obligations))
        out.print(table if items else "Nothing to plan: every obligation is met.")

    emit(
        {
            "physician_id": str(report.physician_id),
            "as_of": report.as_of.isoformat(),
            "items": [i.to_dict() for i in items],
        },
        as_json,
        render,
    )
