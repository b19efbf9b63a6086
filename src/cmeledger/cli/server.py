"""`cmeledger serve` and the accounts it serves: users, organisations, delegates."""

from __future__ import annotations

import getpass
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from cmeledger.actions import accounts
from cmeledger.actions.accounts import Role
from cmeledger.actions.demo import DEMO_PASSWORD, load_demo, load_demo_accounts
from cmeledger.cli.common import JsonOption, UsageError, emit, ledger, notice, out, parse_id
from cmeledger.server import processes
from cmeledger.settings import get_settings

user_app = typer.Typer(no_args_is_help=True, help="Portal and API sign-ins.")
org_app = typer.Typer(no_args_is_help=True, help="Organisations and their rosters.")


def serve_command(
    port: Annotated[int, typer.Option("--port", help="TCP port.")] = 8000,
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    workers: Annotated[
        int, typer.Option("--workers", min=1, help="Processes (each also imports uploads).")
    ] = 1,
    demo: Annotated[
        bool, typer.Option("--demo", help="Load the demo physician and demo sign-ins first.")
    ] = False,
) -> None:
    """Serve the portal and the REST API (OpenAPI at /api/openapi.json, docs at /api/docs)."""
    settings = get_settings()
    processes.check_port_free(host, port)  # before the demo is loaded and the URL printed
    if demo:
        with ledger() as opened:
            physician_id, _ = load_demo(opened)
            made = load_demo_accounts(opened, physician_id)
    base = f"http://{host}:{port}"
    out.print(
        Text.assemble("CME Ledger is at ", (base + "/", "bold"), f"  (API docs: {base}/api/docs)")
    )
    if demo:
        out.print(f"Demo sign-ins (password {DEMO_PASSWORD}):")
        for account in made:
            out.print(f"  {account.email:<34} {account.role.value:<15} {account.what}")
    if not settings.cookie_secure:
        notice("CMELEDGER_COOKIE_SECURE=false: session cookies also travel over plain HTTP")
    out.print("Press Ctrl+C to stop.")
    sys.stdout.flush()
    processes.serve(host, port, workers)  # a port in use is a ConfigurationError, said plainly


def _password(file: Path | None, *, needed: bool) -> str | None:
    if file is not None:
        return file.read_text(encoding="utf-8").strip()
    if not needed:
        return None
    if not sys.stdin.isatty():
        raise UsageError("give --password-file (no terminal to ask on)")
    first = getpass.getpass("Password (12+ characters): ")
    if getpass.getpass("Again: ") != first:
        raise UsageError("the two passwords differ")
    return first


@user_app.command("add")
def user_add(
    email: Annotated[str, typer.Option("--email")],
    role: Annotated[Role, typer.Option("--role")],
    name: Annotated[str, typer.Option("--name", help="Display name.")],
    physician: Annotated[str | None, typer.Option("--physician", help="For a physician.")] = None,
    organisation: Annotated[
        str | None, typer.Option("--organisation", help="For an org admin or auditor.")
    ] = None,
    provider: Annotated[
        str | None, typer.Option("--provider", help="For a provider admin: id or ACCME ID.")
    ] = None,
    password_file: Annotated[
        Path | None, typer.Option("--password-file", help="Read the password from a file.")
    ] = None,
    oidc_only: Annotated[
        bool, typer.Option("--oidc-only", help="No password: signs in through the organisation.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Create a sign-in. Without --password-file the password is asked for twice."""
    from cmeledger.actions.pars import provider_ref

    password = _password(password_file, needed=not oidc_only)
    with ledger() as opened:
        provider_id = provider_ref(opened, provider).id if provider else None
        user = accounts.create_user(
            opened,
            email=email,
            display_name=name,
            role=role,
            password=password,
            physician_id=parse_id(physician) if physician else None,
            organisation_id=parse_id(organisation) if organisation else None,
            provider_id=provider_id,
        )
    emit(
        {"id": str(user.id), "email": user.email, "role": user.role},
        as_json,
        lambda: out.print(f"Created {user.role} sign-in {user.email} ({user.id})"),
    )


@user_app.command("list")
def user_list(as_json: JsonOption = False) -> None:
    with ledger() as opened:
        users = opened.accounts.users()
    rows = [
        {"id": str(u.id), "email": u.email, "name": u.display_name, "role": u.role} for u in users
    ]

    def render() -> None:
        table = Table("email", "name", "role", "id", title=f"{len(rows)} sign-ins")
        for r in rows:
            table.add_row(r["email"], r["name"], r["role"], r["id"])
        out.print(table)

    emit(rows, as_json, render)


@user_app.command("grant")
def user_grant(
    physician: Annotated[str, typer.Option("--physician")],
    delegate: Annotated[str, typer.Option("--delegate", help="The delegate's e-mail.")],
) -> None:
    """Let a delegate (an assistant) work in a physician's ledger."""
    with ledger() as opened:
        user = accounts.grant_delegate(opened, parse_id(physician), delegate)
    out.print(f"{user.email} may now work in ledger {physician}")


@org_app.command("add")
def org_add(
    name: Annotated[str, typer.Argument()],
    oidc_issuer: Annotated[
        str | None, typer.Option("--oidc-issuer", help="The identity provider's issuer URL.")
    ] = None,
    oidc_client_id: Annotated[str | None, typer.Option("--oidc-client-id")] = None,
    oidc_secret_file: Annotated[
        Path | None, typer.Option("--oidc-client-secret-file", help="Client secret, from a file.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Create an organisation, optionally with its OpenID Connect sign-in."""
    from cmeledger.actions.organisations import add_organisation

    secret = oidc_secret_file.read_text(encoding="utf-8").strip() if oidc_secret_file else None
    with ledger() as opened:
        org = add_organisation(
            opened,
            name,
            oidc_issuer=oidc_issuer,
            oidc_client_id=oidc_client_id,
            oidc_client_secret=secret,
        )
    emit(
        {"id": str(org.id), "name": org.name},
        as_json,
        lambda: out.print(f"Created organisation {org.name} ({org.id})"),
    )


@org_app.command("member")
def org_member(
    organisation: Annotated[str, typer.Argument()],
    physician: Annotated[str, typer.Argument()],
    shares: Annotated[
        bool, typer.Option("--shares/--no-shares", help="The physician's consent to share.")
    ] = False,
) -> None:
    """Put a physician on the roster; the roster sees the ledger only with their consent."""
    with ledger() as opened:
        accounts.join_organisation(opened, parse_id(organisation), parse_id(physician))
        accounts.set_sharing(opened, parse_id(organisation), parse_id(physician), shares)
    out.print("Added" + (" (sharing)" if shares else " (not sharing until the physician consents)"))
