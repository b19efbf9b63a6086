"""`cmeledger init`, `demo`, `audit verify`, `keys rotate`, `credit-types`."""

from __future__ import annotations

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn
from rich.table import Table
from rich.text import Text
from sqlalchemy.engine import make_url

from cmeledger.actions.credits import ledger_view
from cmeledger.actions.demo import load_demo
from cmeledger.actions.security import rotate_keys, verify_audit
from cmeledger.audit import events
from cmeledger.cli.common import JsonOption, actor, emit, err, ledger, open_cli_store, out
from cmeledger.cli.credits import render_ledger
from cmeledger.domain.credit_taxonomy import CREDIT_TYPES, EQUIVALENCES
from cmeledger.errors import SecurityError
from cmeledger.reports.export import view_as_dict
from cmeledger.settings import get_settings
from cmeledger.storage import migrate
from cmeledger.storage.scope import Scope

audit_app = typer.Typer(help="The tamper-evident audit log.", no_args_is_help=True)
keys_app = typer.Typer(help="Encryption keys.", no_args_is_help=True)


def init_command(as_json: JsonOption = False) -> None:
    """Create the ledger database and key file (safe to run again)."""
    settings = get_settings()
    with open_cli_store(initialise=True) as store:
        with store.ledger(Scope.owner(actor())) as opened:
            if opened.audit.head()[0] == 0:
                opened.audit.record(events.LEDGER_INITIALISED, "ledger", None)
        revision = migrate.current_revision(store.engine)
    url = make_url(settings.resolved_database_url).render_as_string(hide_password=True)
    data = {
        "home": str(settings.home),
        "database": url,
        "keys_file": None if settings.keys is not None else str(settings.resolved_keys_file),
        "schema_revision": revision,
    }
    emit(
        data,
        as_json,
        lambda: out.print(
            f"Ledger ready: {url}\nKeys: {data['keys_file'] or 'CMELEDGER_KEYS'}\n"
            f"Schema revision {revision}"
        ),
    )


def demo_command(as_json: JsonOption = False) -> None:
    """Load the demo physician (once) and print the ledger."""
    with ledger() as opened:
        physician_id, created = load_demo(opened)
        view = ledger_view(opened, physician_id)
        who = opened.physicians.require(physician_id)

    def render() -> None:
        verb = "Loaded" if created else "Showing"
        out.print(
            Text.assemble(
                f"{verb} demo physician ", (who.display_name, "bold"), f" ({physician_id})"
            )
        )
        render_ledger(view)
        out.print(f"Next: cmeledger physician show {physician_id}")

    emit(view_as_dict(view) | {"created": created}, as_json, render)


@audit_app.command("verify")
def audit_verify(as_json: JsonOption = False) -> None:
    """Check the whole audit chain; name the first row that was altered or removed."""
    with open_cli_store() as store:
        report = verify_audit(store, Scope.owner(actor()))
    verdict = report.verdict
    data = {
        "ok": verdict.ok,
        "checked": verdict.checked,
        "first_broken_seq": verdict.first_broken_seq,
        "reason": verdict.reason,
        "head": {"seq": report.head_seq, "hash": report.head_hash},
    }

    def render() -> None:
        if verdict.ok:
            out.print(
                f"Audit chain intact: {verdict.checked} entries verified. Head: row "
                f"{report.head_seq}, hash {report.head_hash[:16]}… (keep it elsewhere "
                "to detect a rollback of the whole database)."
            )
        else:
            out.print(
                Text.assemble(
                    (f"Audit chain BROKEN at row {verdict.first_broken_seq}:", "red"),
                    f" {verdict.reason}",
                )
            )

    emit(data, as_json, render)
    if not verdict.ok:
        raise typer.Exit(SecurityError.exit_code)


@keys_app.command("rotate")
def keys_rotate(as_json: JsonOption = False) -> None:
    """Re-encrypt every sensitive field under a new key; reads keep working throughout."""
    settings = get_settings()
    with (
        open_cli_store() as store,
        Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            console=err,
            disable=as_json,
            transient=True,
        ) as bar,
    ):
        task = bar.add_task("Re-encrypting…")
        rotation = rotate_keys(
            store,
            settings,
            Scope.owner(actor()),
            progress=lambda n: bar.update(task, description=f"Re-encrypted {n} values"),
        )
    data = {
        "active_key": rotation.new_key_id,
        "retired_keys": list(rotation.retired_key_ids),
        "resealed": rotation.resealed,
    }
    emit(
        data,
        as_json,
        lambda: out.print(
            f"Now using key {rotation.new_key_id}; re-encrypted {rotation.resealed} values; "
            f"retired {', '.join(rotation.retired_key_ids) or 'nothing'}."
        ),
    )


def credit_types_command(as_json: JsonOption = False) -> None:
    """List the credit types the ledger knows, with their rounding and sources."""

    def render() -> None:
        table = Table("code", "label", "unit", "step", "rounding", title="Credit types")
        for ct in CREDIT_TYPES:
            table.add_row(ct.code, ct.label, ct.unit.value, str(ct.step or "—"), ct.rounding.value)
        out.print(table)
        eqs = Table("counts", "as", "recognised by", "verified", title="Equivalences")
        for e in EQUIVALENCES:
            eqs.add_row(
                e.source_type, e.target_type, e.recognised_by, "yes" if e.verified else "no"
            )
        out.print(eqs)

    emit(
        {
            "credit_types": [
                {
                    "code": ct.code,
                    "label": ct.label,
                    "system": ct.system,
                    "unit": ct.unit.value,
                    "step": ct.step,
                    "rounding": ct.rounding.value,
                    "board": ct.board,
                    "source": ct.source,
                    "note": ct.note,
                }
                for ct in CREDIT_TYPES
            ],
            "equivalences": [
                {
                    "source_type": e.source_type,
                    "target_type": e.target_type,
                    "recognised_by": e.recognised_by,
                    "ratio": e.ratio,
                    "verified": e.verified,
                    "source": e.source,
                }
                for e in EQUIVALENCES
            ],
        },
        as_json,
        render,
    )
