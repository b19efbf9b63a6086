"""Opening a ledger from settings: schema, keys, engine. The embedded default sets itself up."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from cmeledger.errors import ConfigurationError, SecurityError
from cmeledger.settings import Settings
from cmeledger.storage import keyfile, migrate
from cmeledger.storage.blobs import BlobStore
from cmeledger.storage.crypto import FieldCipher
from cmeledger.storage.db import make_engine
from cmeledger.storage.ledger import Store
from cmeledger.storage.repositories.keyring import KeyringStateRepository


def _quiet(_: str) -> None:
    return None


def open_cipher(
    settings: Settings, *, may_create: bool, notice: Callable[[str], None]
) -> FieldCipher:
    if settings.keys is not None:
        return FieldCipher(keyfile.loads(settings.keys.get_secret_value(), "CMELEDGER_KEYS"))
    path = settings.resolved_keys_file
    if may_create:
        keyring, created = keyfile.read_or_create(path)
        if created:
            notice(
                f"Created encryption key file {path} (mode 0600). Back it up: without it, "
                "licence numbers, board IDs, DEA numbers and birth dates cannot be read."
            )
    else:
        keyring = keyfile.read(path)
    return FieldCipher(keyring, reload=lambda: keyfile.read(path))


def _private(settings: Settings) -> None:
    """The embedded ledger's directory and database are the owner's alone."""
    settings.home.mkdir(parents=True, exist_ok=True, mode=0o700)
    with contextlib.suppress(PermissionError):
        os.chmod(settings.home, 0o700)
    if settings.sqlite_path.exists():
        with contextlib.suppress(PermissionError):
            os.chmod(settings.sqlite_path, 0o600)


def _bound_fingerprint(engine: Engine) -> str | None:
    with Session(engine) as session:
        return KeyringStateRepository(session).fingerprint()


def open_store(
    settings: Settings, *, initialise: bool = False, notice: Callable[[str], None] = _quiet
) -> Store:
    """A ready Store. SQLite under CMELEDGER_HOME creates itself; other databases need `init`.

    Keys are created only for a database that has none bound to it yet; a database whose
    key file has gone missing refuses to start rather than sealing new data under new keys.
    """
    embedded = settings.database_url is None
    try:
        if embedded:
            _private(settings)
        # Kept-open connections for every thread, and as many again before anyone waits:
        # a PostgreSQL connection costs a process fork, so it should not be made per request.
        pooled = {} if embedded else {"pool_size": settings.db_pool_size, "max_overflow": 10}
        engine = make_engine(settings.resolved_database_url, **pooled)
    except OSError as exc:
        raise ConfigurationError(
            f"cannot use {settings.home}: {exc.strerror}; set "
            "CMELEDGER_HOME to a writable directory"
        ) from None
    try:
        if not migrate.is_current(engine):
            if not (embedded or initialise):
                raise ConfigurationError(
                    "the database has no ledger schema or an older one; run `cmeledger init`"
                )
            migrate.upgrade(engine)
            if embedded:
                _private(settings)
        bound = _bound_fingerprint(engine) is not None
        keys_present = settings.keys is not None or settings.resolved_keys_file.exists()
        if bound and not keys_present:
            raise SecurityError(
                f"the key file {settings.resolved_keys_file} is missing, but this database "
                "holds data sealed with it; restore the key file from backup"
            )
        cipher = open_cipher(
            settings, may_create=(embedded or initialise) and not bound, notice=notice
        )
        with Session(engine) as session, session.begin():
            KeyringStateRepository(session).claim(cipher.keyring)
    except BaseException:
        engine.dispose()
        raise
    return Store(engine, cipher, BlobStore(settings.blob_dir, settings.max_upload_bytes))
