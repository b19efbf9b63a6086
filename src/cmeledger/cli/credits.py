"""`cmeledger credit add`, `credits`, `export`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from cmeledger.actions.credits import LedgerView, ledger_view, record_completion, retag_completion
from cmeledger.audit import events
from cmeledger.cli.common import (
    JsonOption,
    UsageError,
    emit,
    ledger,
    notice,
    out,
    parse_date,
    parse_id,
    parse_optional_date,
)
from cmeledger.domain.activities import ActivityFormat
from cmeledger.domain.credit_taxonomy import credit_type
from cmeledger.domain.credits import CreditClaim, parse_amount
from cmeledger.reports.export import to_csv, to_json, view_as_dict

credit_app = typer.Typer(help="Credits in the ledger.", no_args_is_help=True)


def _claims(types: list[str], amounts: list[str]) -> list[CreditClaim]:
    if len(types) != len(amounts):
        raise UsageError("give one --amount for each --type, in the same order")
    claims = []
    for code, raw in zip(types, amounts, strict=True):
        claim = CreditClaim.awarded(code.strip().lower(), raw)
        if claim.amount != parse_amount(raw):
            ctype = credit_type(claim.type_code)
            notice(
                f"{raw} {ctype.label} counted as {claim.amount}: the system counts steps "
                f"of {ctype.step} ({ctype.rounding.value})."
            )
        claims.append(claim)
    return claims


@credit_app.command("add")
def credit_add(
    physician_id: Annotated[str, typer.Argument(metavar="PHYSICIAN_ID")],
    title: Annotated[str, typer.Option("--title")],
    provider: Annotated[str, typer.Option("--provider")],
    completed: Annotated[str, typer.Option("--date", help="Completion date, YYYY-MM-DD.")],
    types: Annotated[
        list[str],
        typer.Option(
            "--type", help="Credit type code, e.g. ama_pra_1 (repeatable, pairs with --amount)."
        ),
    ],
    amounts: Annotated[list[str], typer.Option("--amount", help="Amount awarded, e.g. 1.5.")],
    topics: Annotated[
        list[str] | None,
        typer.Option("--topic", help="Topic tag such as opioid_prescribing (repeatable)."),
    ] = None,
    activity_format: Annotated[
        str, typer.Option("--format", help="live, enduring, journal, point_of_care or other.")
    ] = "other",
    accredited_provider: Annotated[str | None, typer.Option("--accredited-provider")] = None,
    certificate: Annotated[
        Path | None,
        typer.Option(
            "--certificate", help="Attach the certificate file (kept in the document store)."
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Record a completed activity and the credit awarded for it."""
    try:
        fmt = ActivityFormat(activity_format.strip().lower())
    except ValueError:
        allowed = ", ".join(f.value for f in ActivityFormat)
        raise UsageError(f"--format {activity_format!r} is not one of: {allowed}") from None
    claims = _claims(types, amounts)
    with ledger() as opened:
        completion = record_completion(
            opened,
            parse_id(physician_id),
            title=title,
            provider=provider,
            completed_on=parse_date(completed, "--date"),
            credits=claims,
            topics=list(topics or []),
            activity_format=fmt,
            accredited_provider=accredited_provider,
            certificate=certificate,
        )
    emit(
        {
            "id": str(completion.id),
            "credits": [{"type": c.type_code, "amount": str(c.amount)} for c in claims],
        },
        as_json,
        lambda: out.print(str(completion.id)),
    )


@credit_app.command("tag")
def credit_tag(
    physician_id: Annotated[str, typer.Argument(metavar="PHYSICIAN_ID")],
    credit_id: Annotated[str, typer.Argument(metavar="CREDIT_ID")],
    add: Annotated[list[str] | None, typer.Option("--add", help="Topic to add.")] = None,
    remove: Annotated[list[str] | None, typer.Option("--remove", help="Topic to drop.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Override the topics a credit counts for (e.g. --add opioid_prescribing)."""
    if not add and not remove:
        raise UsageError("give --add TOPIC and/or --remove TOPIC")
    with ledger() as opened:
        topics = retag_completion(
            opened,
            parse_id(physician_id),
            parse_id(credit_id, "credit"),
            add=list(add or []),
            remove=list(remove or []),
        )
    emit(
        {"credit_id": credit_id, "topics": list(topics)},
        as_json,
        lambda: out.print("Topics: " + (", ".join(topics) or "none")),
    )


def render_ledger(view: LedgerView) -> None:
    table = Table(
        "date",
        "activity",
        "provider",
        "credits",
        "topics",
        "source",
        title=f"CME ledger — {len(view.completions)} completions",
    )
    for c in view.completions:
        credits = "\n".join(f"{cl.amount} {credit_type(cl.type_code).label}" for cl in c.credits)
        sources = ", ".join(sorted({p.source_kind.value for p in c.provenance}))
        table.add_row(
            c.completed_on.isoformat(),
            c.activity.title,
            c.activity.provider,
            credits,
            ", ".join(c.topics),
            sources,
        )
    out.print(table)
    totals = Table("credit type", "total", title="Totals")
    for code, amount in view.totals.items():
        totals.add_row(credit_type(code).label, str(amount))
    out.print(totals)


def ledger_command(
    physician_id: Annotated[str, typer.Argument(metavar="PHYSICIAN_ID")],
    since: Annotated[str | None, typer.Option("--since", help="YYYY-MM-DD.")] = None,
    until: Annotated[str | None, typer.Option("--until", help="YYYY-MM-DD.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Show a physician's ledger: every completion and the totals per credit type."""
    with ledger() as opened:
        view = ledger_view(
            opened,
            parse_id(physician_id),
            since=parse_optional_date(since, "--since"),
            until=parse_optional_date(until, "--until"),
        )
    emit(view_as_dict(view), as_json, lambda: render_ledger(view))


def export_command(
    physician_id: Annotated[str, typer.Argument(metavar="PHYSICIAN_ID")],
    fmt: Annotated[str, typer.Option("--format", help="csv or json.")] = "csv",
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write to this file instead of standard output."),
    ] = None,
) -> None:
    """Export the ledger, one line per credit, for spreadsheets or other systems."""
    if fmt not in ("csv", "json"):
        raise UsageError(f"--format {fmt!r} is not one of: csv, json")
    # Open the destination first: a bad path fails before anything is recorded as exported.
    target = None if output is None else output.open("w", encoding="utf-8")
    try:
        with ledger() as opened:
            view = ledger_view(opened, parse_id(physician_id))
            text = to_csv(view) if fmt == "csv" else to_json(view) + "\n"
            opened.audit.record(
                events.LEDGER_EXPORTED,
                "physician",
                view.physician_id,
                physician_id=view.physician_id,
                format=fmt,
                completions=len(view.completions),
            )
        (target or sys.stdout).write(text)
    finally:
        if target is not None:
            target.close()
