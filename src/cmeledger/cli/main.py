"""The `cmeledger` entry point: command groups, and errors turned into one clear line."""

from __future__ import annotations

import sys

import typer
from pydantic import ValidationError
from rich.text import Text
from sqlalchemy.exc import DBAPIError, OperationalError

from cmeledger.cli import (
    admin,
    compliance,
    credits,
    imports,
    packet,
    pars,
    physicians,
    remind,
    rules,
    server,
)
from cmeledger.cli.common import err
from cmeledger.domain.errors import DomainError
from cmeledger.errors import CmeLedgerError

app = typer.Typer(
    name="cmeledger",
    no_args_is_help=True,
    add_completion=False,
    help="Every CME credit in one ledger, checked against every licence and board.",
    pretty_exceptions_enable=False,
)
app.add_typer(physicians.physician_app, name="physician")
app.add_typer(physicians.license_app, name="license")
app.add_typer(physicians.certification_app, name="certification")
app.add_typer(physicians.dea_app, name="dea")
app.add_typer(credits.credit_app, name="credit")
app.command("credits")(credits.ledger_command)
app.command("export")(credits.export_command)
app.command("extract")(imports.extract_command)
app.command("import")(imports.import_command)
app.command("review")(imports.review_command)
app.command("status")(compliance.status_command)
app.command("calendar")(compliance.calendar_command)
app.command("plan")(compliance.plan_command)
app.command("init")(admin.init_command)
app.command("demo")(admin.demo_command)
app.command("credit-types")(admin.credit_types_command)
app.add_typer(rules.rules_app, name="rules")
app.add_typer(admin.audit_app, name="audit")
app.add_typer(admin.keys_app, name="keys")
app.add_typer(pars.provider_app, name="provider")
app.add_typer(pars.pars_app, name="pars")
app.command("worker")(pars.worker_command)
app.command("pars-sandbox")(pars.sandbox_command)
app.command("serve")(server.serve_command)
app.add_typer(server.user_app, name="user")
app.add_typer(server.org_app, name="org")
app.command("remind")(remind.remind_command)
app.command("packet")(packet.packet_command)


def _fail(message: str, code: int) -> None:
    err.print(Text.assemble(("error:", "red"), f" {message}"), soft_wrap=True)
    sys.exit(code)


def run(argv: list[str] | None = None) -> None:
    """Run the CLI; every known failure becomes one line on stderr and a non-zero exit."""
    try:
        app(args=argv, prog_name="cmeledger", standalone_mode=True)
    except CmeLedgerError as exc:
        _fail(str(exc), exc.exit_code)
    except DomainError as exc:
        _fail(str(exc), 2)
    except ValidationError as exc:
        first = exc.errors()[0]
        _fail(f"configuration: {'.'.join(map(str, first['loc']))}: {first['msg']}", 6)
    except OperationalError as exc:
        _fail(
            f"cannot use the database ({type(exc.orig).__name__}); check "
            "CMELEDGER_DATABASE_URL and that the server is running",
            8,
        )
    except OSError as exc:
        where = f" {exc.filename}" if exc.filename else ""
        _fail(f"cannot use{where}: {exc.strerror or exc}", 1)
    except DBAPIError as exc:
        _fail(f"the database refused the change ({type(exc.orig).__name__}); nothing was saved", 8)
