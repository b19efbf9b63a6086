"""Key rotation and audit verification."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass

from cmeledger.audit import chain, events
from cmeledger.errors import ConfigurationError
from cmeledger.settings import Settings
from cmeledger.storage import keyfile
from cmeledger.storage.crypto import FieldCipher, Keyring
from cmeledger.storage.ledger import Store
from cmeledger.storage.repositories.sealed import SEALED_COLUMNS
from cmeledger.storage.scope import Scope


def verify_audit(store: Store, scope: Scope) -> chain.Verdict:
    with store.ledger(scope) as ledger:
        head_seq, head_hash = ledger.audit.head()
        return chain.verify(
            ledger.audit.links(), ledger.cipher.keyring.audit_key, head_seq, head_hash
        )


@dataclass(frozen=True, slots=True)
class Rotation:
    new_key_id: str
    retired_key_ids: tuple[str, ...]
    resealed: int


def rotate_keys(
    store: Store,
    settings: Settings,
    scope: Scope,
    *,
    page: int = 500,
    progress: Callable[[int], None] = lambda _: None,
) -> Rotation:
    """Re-encrypt every sealed value under a fresh key, one committed page at a time.

    1. The new key is added to the key file as active, the old ones kept: from here on new
       writes use it, and every process can still read everything (readers reload the file
       when they meet a key id they do not know).
    2. Pages of rows are re-encrypted and committed; readers are never blocked for long.
    3. Only when no value remains under an old key are the old keys dropped from the file.
    """
    if settings.keys is not None:
        raise ConfigurationError(
            "keys come from CMELEDGER_KEYS, which cannot be rewritten; "
            "use CMELEDGER_KEYS_FILE to rotate keys"
        )
    path = settings.resolved_keys_file
    current = keyfile.read(path)
    kid = keyfile.new_key_id()
    staged = Keyring(
        active_id=kid,
        data_keys={**current.data_keys, kid: secrets.token_bytes(32)},
        index_key=current.index_key,
        audit_key=current.audit_key,
    )
    keyfile.write_atomically(path, staged)
    cipher = FieldCipher(staged)
    resealed = 0
    rotating = Store(store.engine, cipher, store.blobs)
    for sealed in SEALED_COLUMNS:
        after = None
        while True:
            with rotating.ledger(scope) as ledger:
                rows = ledger.sealed.page_after(sealed, after, page)
                resealed += ledger.sealed.reseal(sealed, rows)
            if not rows:
                break
            after = rows[-1][0]
            progress(resealed)
    retired = tuple(k for k in staged.data_keys if k != kid)
    with rotating.ledger(scope) as ledger:
        leftover = sum(ledger.sealed.count_under(old) for old in retired)
        if leftover:
            raise ConfigurationError(
                f"{leftover} values are still under old keys (written during rotation by an "
                "old process?); run `cmeledger keys rotate` again"
            )
        ledger.audit.record(
            events.KEYS_ROTATED, "keyring", kid, resealed=resealed, retired=list(retired)
        )
    keyfile.write_atomically(
        path,
        Keyring(
            active_id=kid,
            data_keys={kid: staged.data_keys[kid]},
            index_key=staged.index_key,
            audit_key=staged.audit_key,
        ),
    )
    return Rotation(kid, retired, resealed)
