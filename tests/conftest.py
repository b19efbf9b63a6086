"""Databases for tests: SQLite always; PostgreSQL when CMELEDGER_TEST_DATABASE_URL is set.

Each PostgreSQL run works in schemas of its own (dropped afterwards), so runs never see
each other's rows. Schemas are built by running the real migrations.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from cmeledger.settings import get_settings
from cmeledger.storage import keyfile, migrate
from cmeledger.storage.blobs import BlobStore
from cmeledger.storage.crypto import FieldCipher, Keyring
from cmeledger.storage.db import make_engine, normalise_url
from cmeledger.storage.ledger import Ledger, Store
from cmeledger.storage.repositories.keyring import KeyringStateRepository
from cmeledger.storage.scope import Scope

settings.register_profile(
    "cmeledger",
    deadline=None,
    max_examples=60,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "cmeledger"))

PG_URL = os.environ.get("CMELEDGER_TEST_DATABASE_URL")
ACTOR = "test:runner"


def _pg_schema_url(schema: str) -> str:
    assert PG_URL is not None
    url = make_url(normalise_url(PG_URL))
    return url.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
        hide_password=False
    )


class PgSchemas:
    """Creates throwaway schemas on the test server and drops them all at the end."""

    def __init__(self) -> None:
        assert PG_URL is not None
        self._admin = create_engine(normalise_url(PG_URL), isolation_level="AUTOCOMMIT")
        self._made: list[str] = []

    def new(self) -> str:
        schema = f"cmeledger_t_{os.getpid()}_{secrets.token_hex(4)}"
        with self._admin.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        self._made.append(schema)
        return _pg_schema_url(schema)

    def drop_all(self) -> None:
        with self._admin.connect() as conn:
            for schema in self._made:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        self._admin.dispose()


@pytest.fixture(scope="session")
def pg_schemas() -> Iterator[PgSchemas | None]:
    if PG_URL is None:
        yield None
        return
    schemas = PgSchemas()
    yield schemas
    schemas.drop_all()


@pytest.fixture(scope="session")
def backend() -> str:
    return "postgresql" if PG_URL else "sqlite"


@pytest.fixture(scope="session")
def keyring() -> Keyring:
    return keyfile.generate_keyring()


def _new_database_url(pg_schemas: PgSchemas | None, directory: Path) -> str:
    if pg_schemas is not None:
        return pg_schemas.new()
    return f"sqlite:///{directory / 'ledger.db'}"


@pytest.fixture(scope="session")
def engine(
    pg_schemas: PgSchemas | None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    """One migrated database for the session; tests roll back their changes."""
    eng = make_engine(_new_database_url(pg_schemas, tmp_path_factory.mktemp("db")))
    migrate.upgrade(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session inside a transaction that is rolled back after the test, whatever it did."""
    with engine.connect() as conn:
        outer = conn.begin()
        sess = Session(bind=conn, join_transaction_mode="create_savepoint")
        try:
            yield sess
        finally:
            sess.close()
            outer.rollback()


@pytest.fixture
def blobs(tmp_path: Path) -> BlobStore:
    return BlobStore(tmp_path / "blobs", max_bytes=1024 * 1024)


@pytest.fixture
def cipher(keyring: Keyring) -> FieldCipher:
    return FieldCipher(keyring)


@pytest.fixture
def ledger(session: Session, cipher: FieldCipher, blobs: BlobStore) -> Ledger:
    return Ledger(session, cipher, blobs, Scope.owner(ACTOR))


@pytest.fixture
def fresh_store(pg_schemas: PgSchemas | None, tmp_path: Path, keyring: Keyring) -> Iterator[Store]:
    """A database of its own that really commits: for work spanning several transactions."""
    eng = make_engine(_new_database_url(pg_schemas, tmp_path))
    migrate.upgrade(eng)
    with Session(eng) as sess, sess.begin():
        KeyringStateRepository(sess).claim(keyring)
    store = Store(eng, FieldCipher(keyring), BlobStore(tmp_path / "blobs", 1024 * 1024))
    yield store
    eng.dispose()


@pytest.fixture
def cli_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pg_schemas: PgSchemas | None
) -> Iterator[Path]:
    """A CMELEDGER_HOME for CLI tests; on PostgreSQL runs the ledger lives in a fresh schema."""
    home = tmp_path / "home"
    monkeypatch.setenv("CMELEDGER_HOME", str(home))
    for name in ("CMELEDGER_DATABASE_URL", "CMELEDGER_KEYS", "CMELEDGER_KEYS_FILE"):
        monkeypatch.delenv(name, raising=False)
    if pg_schemas is not None:
        monkeypatch.setenv("CMELEDGER_DATABASE_URL", pg_schemas.new())
    get_settings.cache_clear()
    yield home
    get_settings.cache_clear()
