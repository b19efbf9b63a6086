"""`cmeledger provider …`, `cmeledger pars …`, `cmeledger worker`, `cmeledger pars-sandbox`."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from cmeledger.actions.pars import (
    add_activities,
    add_provider,
    delete_credit,
    import_learners,
    provider_ref,
    queue_activities,
    retry_credit,
)
from cmeledger.actions.pars_outbox import RetryPolicy, work
from cmeledger.cli.common import (
    JsonOption,
    UsageError,
    emit,
    err,
    ledger,
    open_cli_store,
    out,
    parse_date,
)
from cmeledger.cli.pars_files import read_activities_file, read_learners_file, write_export
from cmeledger.domain.pars.model import (
    Activity,
    DeliveryMethod,
    Location,
    MocRegistration,
)
from cmeledger.domain.pars.plain import activity_to_plain
from cmeledger.domain.pars.rules import ParsRules, Window
from cmeledger.domain.pars.vocabulary import MOC_CREDIT_TYPES, activity_format
from cmeledger.pars.transport import client_factory
from cmeledger.settings import Settings, get_settings

provider_app = typer.Typer(help="Accredited CME providers (the PARS side).", no_args_is_help=True)
pars_app = typer.Typer(
    help="Report activities and learner credits to ACCME PARS.", no_args_is_help=True
)
activity_app = typer.Typer(help="PARS activities.", no_args_is_help=True)
pars_app.add_typer(activity_app, name="activity")

# Short names for MOC credit types on the command line (`--moc ABIM:MK:1`).
MOC_SHORT = {"MK": "Medical Knowledge", "PA": "Practice Assessment", "PS": "Patient Safety",
             "LL": "Lifelong Learning", "QI": "Quality Improvement", "SA": "Self-Assessment",
             "LLSA": "Lifelong Learning and Self-Assessment", "CME": "Accredited CME"}  # fmt: skip


def rules_from(settings: Settings) -> ParsRules:
    return ParsRules(
        window=Window(settings.pars_reporting_window),
        abp_whole_points=settings.pars_abp_whole_points,
    )


def policy_from(settings: Settings) -> RetryPolicy:
    return RetryPolicy(
        max_attempts=settings.pars_max_attempts,
        base_seconds=settings.pars_retry_base,
        lease=timedelta(seconds=settings.pars_lease_seconds),
        poll_seconds=settings.pars_poll_seconds,
        batch=settings.pars_batch_size,
    )


@provider_app.command("add")
def provider_add(
    accme_id: Annotated[str, typer.Option("--accme-id", help="ACCME's 7-digit provider ID.")],
    name: Annotated[str, typer.Option("--name", help="The provider's name.")],
    pars_user: Annotated[
        str | None, typer.Option("--pars-user", help="PARS web-service user name.")
    ] = None,
    pars_password_file: Annotated[
        Path | None,
        typer.Option("--pars-password-file", help="File holding the web-service password."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Add an accredited provider; its PARS password is stored encrypted."""
    password = None
    if pars_password_file is not None:
        password = pars_password_file.read_text(encoding="utf-8").strip()
        if not password:
            raise UsageError(f"{pars_password_file} is empty; it should hold the password")
    with ledger() as opened:
        provider = add_provider(opened, accme_id.strip(), name, pars_user, password)
    emit(
        {"id": str(provider.id), "accme_id": provider.accme_id, "name": provider.name},
        as_json,
        lambda: out.print(f"{provider.id}  {provider.accme_id}  {provider.name}"),
    )


@provider_app.command("list")
def provider_list(as_json: JsonOption = False) -> None:
    """Every provider, with whether a PARS login is on file (never the password)."""
    with ledger() as opened:
        found = opened.pars.providers()
    rows = [
        {"id": str(p.id), "accme_id": p.accme_id, "name": p.name, "pars_login": p.has_password}
        for p in found
    ]

    def render() -> None:
        table = Table("id", "ACCME ID", "name", "PARS login", title=f"Providers ({len(rows)})")
        for p in found:
            table.add_row(str(p.id), p.accme_id, p.name, "yes" if p.has_password else "no")
        out.print(table)

    emit({"providers": rows}, as_json, render)


def _moc(text: str) -> MocRegistration:
    parts = text.split(":")
    if len(parts) != 3:
        raise UsageError(f"--moc {text!r}: write BOARD:TYPE:POINTS, e.g. ABIM:MK:1 or ABIM:MK+PS:2")
    board, kinds, points = (p.strip() for p in parts)
    board = board.upper()
    known = MOC_CREDIT_TYPES.get(board)
    if known is None:
        raise UsageError(f"--moc {text!r}: unknown board; known: {', '.join(MOC_CREDIT_TYPES)}")
    types = []
    for kind in kinds.split("+"):
        full = MOC_SHORT.get(kind.strip().upper(), kind.strip())
        match = [
            k for k in known if k.lower() == full.lower() or k.lower().startswith(full.lower())
        ]
        if not match:
            raise UsageError(
                f"--moc {text!r}: {kind!r} is not a {board} credit type ({'; '.join(known)})"
            )
        types.append(match[0])
    try:
        amount = Decimal(points)
    except InvalidOperation:
        raise UsageError(f"--moc {text!r}: {points!r} is not a number of points") from None
    return MocRegistration(board, amount, tuple(types))


@activity_app.command("add")
def activity_add(
    provider_id: Annotated[str, typer.Argument(help="Provider id or 7-digit ACCME ID.")],
    title: Annotated[str, typer.Option("--title")],
    format_: Annotated[
        str, typer.Option("--format", help="live, rss, enduring, journal, pi, … or a PARS name.")
    ],
    start: Annotated[str, typer.Option("--start", help="YYYY-MM-DD")],
    end: Annotated[str, typer.Option("--end", help="YYYY-MM-DD")],
    credits: Annotated[
        str, typer.Option("--credits", help="AMA PRA Category 1 Credits designated.")
    ],
    moc: Annotated[
        list[str] | None,
        typer.Option("--moc", help="MOC registration BOARD:TYPE[+TYPE]:POINTS (repeatable)."),
    ] = None,
    description: Annotated[str | None, typer.Option("--description")] = None,
    city: Annotated[str | None, typer.Option("--city")] = None,
    state: Annotated[str | None, typer.Option("--state", help="USPS state code.")] = None,
    country: Annotated[str | None, typer.Option("--country", help="ISO alpha-3, e.g. USA.")] = None,
    delivery: Annotated[
        list[str] | None,
        typer.Option("--delivery", help="In-Person, Live-Streamed, Online or Print/Other."),
    ] = None,
    provider_activity_id: Annotated[
        str | None, typer.Option("--provider-activity-id", help="Your own id for it.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Add an activity (checked against PARS's rules now, sent by `push-activities`)."""
    fmt = activity_format(format_)
    if fmt is None:
        raise UsageError(f"--format {format_!r} is not a PARS activity format")
    try:
        amount = Decimal(credits)
    except InvalidOperation:
        raise UsageError(f"--credits {credits!r} is not a number") from None
    methods = []
    for d in delivery or ():
        match = [m for m in DeliveryMethod if m.value.lower() == d.strip().lower()]
        if not match:
            raise UsageError(
                f"--delivery {d!r}: one of {', '.join(m.value for m in DeliveryMethod)}"
            )
        methods.append(match[0])
    settings = get_settings()
    with ledger() as opened:
        provider = provider_ref(opened, provider_id)
        activity = Activity(
            provider_id=provider.accme_id,
            title=title,
            format=fmt,
            start=parse_date(start, "--start"),
            end=parse_date(end, "--end"),
            credits=amount,
            provider_activity_id=provider_activity_id,
            description=description,
            location=Location(
                city, state.upper() if state else None, country.upper() if country else None
            ),
            delivery_methods=tuple(methods),
            moc=tuple(_moc(m) for m in moc or ()),
        )
        (stored,) = add_activities(opened, provider, [activity], rules_from(settings))
    emit(
        {
            "id": str(stored.id),
            "state": stored.state,
            "activity": activity_to_plain(stored.activity),
        },
        as_json,
        lambda: out.print(
            f"{stored.id}  {stored.activity.title}  "
            f"({stored.state}; send it with `pars push-activities`)"
        ),
    )


@pars_app.command("import-activities")
def import_activities_command(
    provider_id: Annotated[str, typer.Argument(help="Provider id or 7-digit ACCME ID.")],
    file: Annotated[Path, typer.Argument(help="PARS activity Excel template or MEMS XML.")],
    as_json: JsonOption = False,
) -> None:
    """Read activities from a file, check every one, store them all as drafts (or none)."""
    settings = get_settings()
    with ledger() as opened:
        provider = provider_ref(opened, provider_id)
        activities = read_activities_file(file, provider.accme_id, settings.max_upload_bytes)
        stored = add_activities(opened, provider, activities, rules_from(settings))
    rows = [{"id": str(s.id), "title": s.activity.title, "state": s.state} for s in stored]
    emit({"imported": rows}, as_json, lambda: out.print(f"{len(rows)} activities stored as drafts"))


@pars_app.command("import-learners")
def import_learners_command(
    provider_id: Annotated[str, typer.Argument(help="Provider id or 7-digit ACCME ID.")],
    file: Annotated[Path, typer.Argument(help="ACCME learner template (917) or learner XML.")],
    consent_recorded: Annotated[
        bool,
        typer.Option(
            "--consent-recorded",
            help="Confirm that every learner in the file agreed to have it reported to PARS.",
        ),
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Check every learner record against its activity and PARS's rules, then queue them
    all for the worker (or none, with every problem listed)."""
    if not consent_recorded:
        raise UsageError(
            "PARS requires each learner's permission before reporting; the file format has no "
            "consent column, so confirm it with --consent-recorded"
        )
    settings = get_settings()
    with ledger() as opened:
        provider = provider_ref(opened, provider_id)
        titles = {
            s.activity.accme_id: s.activity.title
            for s in opened.pars.activities(provider.id)
            if s.activity.accme_id
        }
        records = read_learners_file(
            file, provider.accme_id, settings.max_upload_bytes, titles, consent=True
        )
        queued = import_learners(
            opened, provider, records, rules_from(settings), datetime.now(UTC).date()
        )
    rows = [{"record_id": str(q.record_id), "credit_ids": list(q.credit_ids)} for q in queued]
    emit(
        {"queued": rows},
        as_json,
        lambda: out.print(f"{len(rows)} learner records queued; `cmeledger worker` sends them"),
    )


def _run_worker(once: bool) -> Any:
    settings = get_settings()
    policy = policy_from(settings)
    with open_cli_store() as store:
        try:
            return work(
                store,
                client_factory(settings.pars_url, settings.pars_transport, settings.pars_timeout),
                policy,
                once=once,
                on_job=lambda outcome: err.print(f"job {outcome}"),
            )
        except KeyboardInterrupt:
            return None


@pars_app.command("push-activities")
def push_activities_command(
    provider_id: Annotated[str, typer.Argument(help="Provider id or 7-digit ACCME ID.")],
    queue_only: Annotated[
        bool, typer.Option("--queue-only", help="Queue them for `cmeledger worker` only.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Send every activity PARS has not accepted yet, then show what it answered."""
    with ledger() as opened:
        provider = provider_ref(opened, provider_id)
        queued = queue_activities(opened, provider)
    if not queue_only and queued:
        _run_worker(once=True)
    with ledger() as opened:
        found = [opened.pars.activity(s.id) for s in queued]
    rows = [
        {
            "id": str(s.id),
            "title": s.activity.title,
            "accme_id": s.activity.accme_id,
            "state": s.state,
            "problems": list(s.problems),
        }
        for s in found
    ]

    def render() -> None:
        table = Table("title", "ACCME ID", "state", "problems", title=f"Activities ({len(rows)})")
        for s in found:
            table.add_row(
                s.activity.title, s.activity.accme_id or "—", s.state, "; ".join(s.problems)
            )
        out.print(table)

    emit({"activities": rows}, as_json, render)


@pars_app.command("delete")
def delete_command(
    provider_id: Annotated[str, typer.Argument(help="Provider id or 7-digit ACCME ID.")],
    credit_id: Annotated[str, typer.Argument(help="The credit ID reported to PARS.")],
    as_json: JsonOption = False,
) -> None:
    """Queue the deletion of a reported learner record (to correct it: delete, re-add)."""
    with ledger() as opened:
        provider = provider_ref(opened, provider_id)
        record_id = delete_credit(opened, provider, credit_id)
    emit(
        {"queued_delete": str(record_id)},
        as_json,
        lambda: out.print(f"delete queued for {credit_id}"),
    )


@pars_app.command("retry")
def retry_command(
    provider_id: Annotated[str, typer.Argument(help="Provider id or 7-digit ACCME ID.")],
    credit_id: Annotated[str, typer.Argument(help="A credit whose sending failed.")],
    as_json: JsonOption = False,
) -> None:
    """Queue a failed send again (the worker first asks PARS whether it already has it)."""
    with ledger() as opened:
        provider = provider_ref(opened, provider_id)
        record_id = retry_credit(opened, provider, credit_id)
    emit({"queued": str(record_id)}, as_json, lambda: out.print(f"{credit_id} queued again"))


@pars_app.command("status")
def status_command(
    provider_id: Annotated[str, typer.Argument(help="Provider id or 7-digit ACCME ID.")],
    as_json: JsonOption = False,
) -> None:
    """Per credit: queued, sent, pending (a board has yet to answer), accepted, rejected with
    PARS's reason (correct and import again), failed (fate unknown: `pars retry`), deleting or
    deleted."""
    with ledger() as opened:
        provider = provider_ref(opened, provider_id)
        credits = opened.pars.credit_states(provider.id)
        activities = opened.pars.activities(provider.id)
        jobs = opened.jobs.counts()
    data = {
        "provider": provider.accme_id,
        "activities": [
            {
                "title": s.activity.title,
                "accme_id": s.activity.accme_id,
                "state": s.state,
                "problems": list(s.problems),
            }
            for s in activities
        ],
        "credits": [asdict(c) for c in credits],  # emit() writes Decimals and dates as text
        "jobs": jobs,
    }

    def render() -> None:
        table = Table(
            "credit ID",
            "learner",
            "completed",
            "credit",
            "state",
            "reason",
            title=f"Learner credits ({len(credits)})",
        )
        for c in credits:
            credit = f"{c.amount} {c.board + ' ' if c.board else ''}{c.certification}"
            table.add_row(
                c.credit_id, c.learner, c.completed_on.isoformat(), credit, c.state, c.reason or ""
            )
        out.print(table)
        out.print("jobs: " + (", ".join(f"{k} {v}" for k, v in sorted(jobs.items())) or "none"))

    emit(data, as_json, render)


@pars_app.command("export")
def export_command(
    provider_id: Annotated[str, typer.Argument(help="Provider id or 7-digit ACCME ID.")],
    format_: Annotated[
        str, typer.Option("--format", help="mems-xml, learner-xml or learner-xlsx.")
    ],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File to write (default: stdout).")
    ] = None,
) -> None:
    """Write the provider's activities (MEMS XML) or learner records (XML or the 917 Excel
    template) for PARS's batch upload."""
    with ledger() as opened:
        provider = provider_ref(opened, provider_id)
        data = write_export(opened, provider, format_)
    if output is None:
        import sys

        sys.stdout.buffer.write(data)
    else:
        output.write_bytes(data)
        err.print(f"wrote {output} ({len(data)} bytes)")


def worker_command(
    once: Annotated[bool, typer.Option("--once", help="Run what is due, then stop.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Send queued PARS work (activities, learner credits, status polls) with retries."""
    stats = _run_worker(once)
    if stats is not None:
        emit(
            {"done": stats.done, "retried": stats.retried, "failed": stats.failed},
            as_json,
            lambda: out.print(f"done {stats.done}, retried {stats.retried}, failed {stats.failed}"),
        )


def sandbox_command(
    port: Annotated[int, typer.Option("--port", help="Port on 127.0.0.1.")] = 8765,
    fault_rate: Annotated[
        float, typer.Option("--fault-rate", help="Share of requests given a fault (0..1).")
    ] = 0.0,
    state: Annotated[
        Path | None, typer.Option("--state", help="SQLite file for the sandbox's own state.")
    ] = None,
    provider: Annotated[
        list[str] | None,
        typer.Option(
            "--provider", help="Seed a provider login ACCMEID:USER:PASSWORD (repeatable)."
        ),
    ] = None,
    seed: Annotated[int | None, typer.Option("--seed", help="Seed for the fault RNG.")] = None,
) -> None:
    """Run the local PARS sandbox (the same endpoints and documents as PARS)."""
    # imported here: only this command needs uvicorn and the sandbox app
    from cmeledger.pars.sandbox import serve
    from cmeledger.pars.sandbox.registry import Registry

    if not 0 <= fault_rate <= 1:
        raise UsageError("--fault-rate is a share between 0 and 1")
    path = state or get_settings().home / "pars-sandbox.db"
    path.parent.mkdir(parents=True, exist_ok=True)
    logins = []
    for item in provider or ():
        parts = item.split(":", 2)
        if len(parts) != 3:
            raise UsageError(f"--provider {item!r}: write ACCMEID:USER:PASSWORD")
        logins.append((parts[0], parts[1], parts[2]))
    if logins:
        registry = Registry(path)
        for accme_id, user, password in logins:
            registry.add_provider(accme_id, user, password)
    err.print(f"PARS sandbox on http://127.0.0.1:{port} (state {path}, fault rate {fault_rate})")
    serve(port, path, fault_rate, seed=seed)
