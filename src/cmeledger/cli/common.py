"""What every command shares: opening the ledger, parsing ids and dates, printing results."""

from __future__ import annotations

import getpass
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from typing import Annotated, Any
from uuid import UUID

import typer
from rich.console import Console
from rich.text import Text

from cmeledger.errors import CmeLedgerError
from cmeledger.settings import get_settings
from cmeledger.storage.ledger import Ledger, Store
from cmeledger.storage.scope import Scope
from cmeledger.storage.setup import open_store

JsonOption = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]

# markup=False: names, titles and licence numbers are printed as written, never as markup.
out = Console(highlight=False, markup=False)
err = Console(stderr=True, highlight=False, markup=False)


class UsageError(CmeLedgerError):
    exit_code = 2


def actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli:unknown"


def notice(message: str) -> None:
    err.print(Text.assemble(("note:", "yellow"), f" {message}"))


@contextmanager
def open_cli_store(*, initialise: bool = False) -> Iterator[Store]:
    store = open_store(get_settings(), initialise=initialise, notice=notice)
    try:
        yield store
    finally:
        store.dispose()


@contextmanager
def ledger() -> Iterator[Ledger]:
    """One transaction for the whole command: it lands whole or not at all."""
    with open_cli_store() as store, store.ledger(Scope.owner(actor())) as opened:
        yield opened


def parse_id(text: str, what: str = "physician") -> UUID:
    try:
        return UUID(text.strip())
    except ValueError:
        raise UsageError(
            f"{text!r} is not a {what} id; ids look like 3f2c9a4e-1b7d-4c55-9a0e-2d8f6b1c7e90"
        ) from None


def parse_date(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(f"{option} {text!r} is not a date; write it as YYYY-MM-DD") from None


def parse_optional_date(text: str | None, option: str) -> date | None:
    return None if text is None else parse_date(text, option)


def emit(data: Any, as_json: bool, render: Callable[[], None]) -> None:
    if as_json:
        sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")
    else:
        render()
