"""`cmeledger remind` (cron): reminders due today, once each, to a real local SMTP server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner, Result

from cmeledger.cli.main import run
from cmeledger.cli.remind import remind_command
from cmeledger.mail.smtp import MailError
from cmeledger.settings import get_settings
from cmeledger.storage.ledger import Store
from cmeledger.storage.setup import open_store
from tests.mail.smtp_server import LocalSmtp, free_port, local_smtp
from tests.web.accounts import OWNER
from tests.web.organisation.builders import Member, a_member, an_organisation

app = typer.Typer()
app.command()(remind_command)


@pytest.fixture
def smtp(cli_home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[LocalSmtp]:
    with local_smtp() as server:
        monkeypatch.setenv("CMELEDGER_SMTP_URL", server.url)
        monkeypatch.setenv("CMELEDGER_MAIL_FROM", "CME Ledger <noreply@ledger.example.org>")
        get_settings.cache_clear()
        with pytest.raises(SystemExit) as done:
            run(["init"])
        assert done.value.code in (0, None)
        yield server
        get_settings.cache_clear()


@pytest.fixture
def store(smtp: LocalSmtp) -> Iterator[Store]:
    opened = open_store(get_settings())
    yield opened
    opened.dispose()


def remind(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


def as_json(result: Result) -> Any:
    assert result.exit_code == 0, (result.output, result.exception)
    return json.loads(result.stdout)


def test_it_sends_every_due_reminder_once_and_a_second_run_sends_nothing(
    smtp: LocalSmtp, store: Store
) -> None:
    ann = a_member(store, "Ann", "Able", serial=41)

    preview = as_json(remind("--dry-run", "--json"))
    assert smtp.messages == []
    first = as_json(remind("--json"))
    second = as_json(remind("--json"))

    assert len(preview["would_send"]) == 2
    assert [r["recipient"] for r in first["sent"]] == [ann.email, ann.email]
    assert second["sent"] == []
    assert len(smtp.collector.to(ann.email)) == 2
    body = smtp.messages[0].body
    assert "CME Ledger sends this reminder" in body


def test_it_reminds_only_an_organisations_sharing_members_when_asked(
    smtp: LocalSmtp, store: Store
) -> None:
    ann = a_member(store, "Ann", "Able", serial=42)
    ben = a_member(store, "Ben", "Bright", serial=43)
    org = an_organisation(store, "Cron Clinic", ann)
    with store.ledger(OWNER) as ledger:
        ledger.accounts.add_member(org.id, ben.physician_id)  # no consent

    run_for_org = as_json(remind("--organisation", str(org.id), "--json"))

    assert {r["recipient"] for r in run_for_org["sent"]} == {ann.email}
    assert smtp.collector.to(ben.email) == []
    assert "Cron Clinic sends this reminder" in smtp.collector.to(ann.email)[0].body


def test_it_fails_clearly_when_the_mail_server_is_down_and_records_nothing(
    smtp: LocalSmtp, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    member: Member = a_member(store, "Ann", "Able", serial=44)
    dead = free_port()
    monkeypatch.setenv("CMELEDGER_SMTP_URL", f"smtp://127.0.0.1:{dead}?timeout=5")
    get_settings.cache_clear()

    down = remind("--json")

    assert isinstance(down.exception, MailError)
    assert f"127.0.0.1:{dead}" in str(down.exception)
    monkeypatch.setenv("CMELEDGER_SMTP_URL", smtp.url)
    get_settings.cache_clear()
    assert len(as_json(remind("--json"))["sent"]) == 2
    assert len(smtp.collector.to(member.email)) == 2
