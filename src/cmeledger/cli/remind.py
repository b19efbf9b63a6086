"""`cmeledger remind`: send the reminder e-mails due today (meant for a daily cron job).

Without --organisation every physician with an e-mail address is reminded of their own
obligations; with it, only the members who consent to share with that organisation, on its
behalf. Either way each reminder goes out once: a second run the same day sends nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import typer
from rich.table import Table

from cmeledger.actions.reminders import Reminder, ReminderConfig, ReminderRun, send_reminders
from cmeledger.cli.common import JsonOption, emit, err, ledger, out, parse_id
from cmeledger.mail.smtp import MailError, mailer_from_settings
from cmeledger.settings import get_settings


def _reminder(r: Reminder) -> dict[str, Any]:
    return {
        "physician_id": str(r.physician_id),
        "physician_name": r.physician_name,
        "recipient": r.recipient,
        "obligation_id": r.obligation_id,
        "obligation": r.obligation,
        "due_date": r.due_date.isoformat(),
        "days_left": r.days_left,
        "days_before": r.days_before,
        "status": r.status.value,
        "remaining_hours": str(r.remaining_hours),
    }


def run_as_dict(run: ReminderRun) -> dict[str, Any]:
    return {
        "as_of": run.as_of.isoformat(),
        "dry_run": run.dry_run,
        "organisation_id": None if run.organisation is None else str(run.organisation.id),
        "would_send": [_reminder(r) for r in run.would_send],
        "sent": [_reminder(r) for r in run.sent],
        "failed": [{**_reminder(r), "reason": why} for r, why in run.failed],
        "not_sent": [_reminder(r) for r in run.not_sent],
        "skipped": [
            {
                "physician_id": str(s.physician_id),
                "physician_name": s.physician_name,
                "reason": s.reason,
            }
            for s in run.skipped
        ],
        "error": run.error,
    }


def remind_command(
    organisation: Annotated[
        str | None,
        typer.Option("--organisation", help="Only this organisation's sharing members."),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="List what would be sent; send nothing.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Send the reminder e-mails due today (90, 30 and 7 days before a due date not met)."""
    settings = get_settings()
    organisation_id = parse_id(organisation, "organisation") if organisation else None
    # Asked for before the ledger is opened, so a missing CMELEDGER_SMTP_URL fails fast.
    mailer = None if dry_run else mailer_from_settings(settings)
    day = datetime.now().astimezone().date()
    with ledger() as opened:
        run = send_reminders(
            opened,
            ReminderConfig.from_settings(settings),
            mailer,
            as_of=day,
            organisation_id=organisation_id,
            dry_run=dry_run,
        )

    def render() -> None:
        listed = run.would_send if dry_run else run.sent
        verb = "Would send" if dry_run else "Sent"
        table = Table(
            "to",
            "obligation",
            "due",
            "hours to go",
            "reminder",
            title=f"{verb} {len(listed)} reminder(s) on {run.as_of}",
        )
        for r in listed:
            table.add_row(
                f"{r.physician_name} <{r.recipient}>",
                r.obligation,
                f"{r.due_date} (in {r.days_left} d)",
                str(r.remaining_hours),
                f"{r.days_before}-day",
            )
        out.print(table)
        for r, why in run.failed:
            err.print(f"not delivered: {r.physician_name}: {why}", soft_wrap=True)
        for s in run.skipped:
            err.print(f"note: skipped {s.physician_name}: {s.reason}", soft_wrap=True)

    emit(run_as_dict(run), as_json, render)
    if run.error is not None:
        # What went out is recorded (the transaction above committed); the rest waits.
        raise MailError(f"{run.error}; {len(run.not_sent)} reminder(s) left for the next run")
    if run.failed:
        raise typer.Exit(code=1)
