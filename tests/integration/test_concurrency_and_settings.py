from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import text

from cmeledger.actions.security import verify_audit
from cmeledger.errors import ConfigurationError, SecurityError
from cmeledger.settings import Settings
from cmeledger.storage.ledger import Store
from cmeledger.storage.scope import Scope
from cmeledger.storage.setup import open_store
from tests.builders import a_license, a_physician


def test_concurrent_writers_never_fork_the_audit_chain(fresh_store: Store) -> None:
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            for i in range(10):
                with fresh_store.ledger(Scope.owner(f"test:writer{n}")) as ledger:
                    doc = a_physician(ledger, first=f"W{n}", last=f"N{i}")
                    a_license(ledger, doc.id, number=f"W{n}-{i}")
        except BaseException as exc:  # surfaced below; a thread cannot raise into pytest
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    verdict = verify_audit(fresh_store, Scope.owner("test:runner")).verdict
    assert verdict.ok
    assert verdict.checked == 4 * 10 * 2
    with fresh_store.engine.connect() as conn:
        assert (
            conn.execute(text("SELECT count(DISTINCT prev_hash) FROM audit_log")).scalar_one() == 80
        )


def test_secrets_can_come_from_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url_file = tmp_path / "db-url"
    url_file.write_text(f"sqlite:///{tmp_path / 'from-file.db'}\n")
    monkeypatch.setenv("CMELEDGER_DATABASE_URL_FILE", str(url_file))
    monkeypatch.delenv("CMELEDGER_DATABASE_URL", raising=False)
    settings = Settings(home=tmp_path)
    assert settings.resolved_database_url == f"sqlite:///{tmp_path / 'from-file.db'}"


def test_an_unreadable_secret_file_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CMELEDGER_KEYS_FILE", str(tmp_path / "k.json"))
    monkeypatch.setenv("CMELEDGER_DATABASE_URL_FILE", str(tmp_path / "missing"))
    with pytest.raises(ConfigurationError, match="CMELEDGER_DATABASE_URL_FILE points at"):
        Settings(home=tmp_path)


def test_an_uninitialised_server_database_asks_for_init(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "home", database_url=f"sqlite:///{tmp_path / 's.db'}")
    with pytest.raises(ConfigurationError, match="run `cmeledger init`"):
        open_store(settings)
    open_store(settings, initialise=True).dispose()
    open_store(settings).dispose()


def test_a_missing_key_file_is_never_silently_replaced(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "home")
    store = open_store(settings)
    with store.ledger(Scope.owner("test")) as ledger:
        a_license(ledger, a_physician(ledger).id)
    store.dispose()
    (tmp_path / "home" / "keys.json").rename(tmp_path / "keys.backup")
    with pytest.raises(SecurityError, match="restore the key file"):
        open_store(settings)
    assert not (tmp_path / "home" / "keys.json").exists()


def test_a_key_file_from_another_ledger_is_refused(tmp_path: Path) -> None:
    mine, other = Settings(home=tmp_path / "mine"), Settings(home=tmp_path / "other")
    open_store(mine).dispose()
    open_store(other).dispose()
    (tmp_path / "other" / "keys.json").replace(tmp_path / "mine" / "keys.json")
    with pytest.raises(SecurityError, match="does not belong to this database"):
        open_store(mine)


def test_the_embedded_ledger_sets_itself_up_and_announces_the_key_once(tmp_path: Path) -> None:
    said: list[str] = []
    settings = Settings(home=tmp_path / "home")
    open_store(settings, notice=said.append).dispose()
    open_store(settings, notice=said.append).dispose()
    assert len(said) == 1 and "keys.json" in said[0]
    assert (tmp_path / "home" / "keys.json").stat().st_mode & 0o777 == 0o600
