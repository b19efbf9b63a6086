"""Opening a ledger from settings: keys, engine, schema. The embedded default sets itself up."""

from __future__ import annotations

from collections.abc import Callable

from cmeledger.errors import ConfigurationError
from cmeledger.settings import Settings
from cmeledger.storage import keyfile, migrate
from cmeledger.storage.blobs import BlobStore
from cmeledger.storage.crypto import FieldCipher
from cmeledger.storage.db import make_engine
from cmeledger.storage.ledger import Store


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


def open_store(
    settings: Settings, *, initialise: bool = False, notice: Callable[[str], None] = _quiet
) -> Store:
    """A ready Store. SQLite under CMELEDGER_HOME creates itself; other databases need `init`."""
    embedded = settings.database_url is None
    if embedded:
        settings.home.mkdir(parents=True, exist_ok=True, mode=0o700)
    cipher = open_cipher(settings, may_create=embedded or initialise, notice=notice)
    engine = make_engine(settings.resolved_database_url)
    try:
        if not migrate.is_current(engine):
            if not (embedded or initialise):
                raise ConfigurationError(
                    "the database has no ledger schema or an older one; run `cmeledger init`"
                )
            migrate.upgrade(engine)
    except BaseException:
        engine.dispose()
        raise
    return Store(engine, cipher, BlobStore(settings.blob_dir, settings.max_upload_bytes))
