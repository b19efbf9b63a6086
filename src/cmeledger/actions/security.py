"""Key rotation and audit verification."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass

from cmeledger.audit import chain, events
from cmeledger.errors import ConfigurationError, SecurityError
from cmeledger.settings import Settings
from cmeledger.storage import keyfile
from cmeledger.storage.crypto import FieldCipher, Keyring
from cmeledger.storage.ledger import Store
from cmeledger.storage.repositories.keyring import KeyringStateRepository
from cmeledger.storage.repositories.sealed import SEALED_COLUMNS
from cmeledger.storage.scope import Scope


@dataclass(frozen=True, slots=True)
class AuditReport:
    verdict: chain.Verdict
    head_seq: int
    head_hash: str


def verify_audit(store: Store, scope: Scope) -> AuditReport:
    """Check the chain in one consistent snapshot, without blocking writers.

    The head (seq, hash) is printed so it can be kept outside the database: comparing it
    later is what catches a rollback of the whole database to an older copy.
    """
    with store.reader(scope) as ledger:
        try:
            seq, last_hash, mac = ledger.audit.head()
        except SecurityError as exc:
            return AuditReport(chain.Verdict(False, 0, 1, str(exc)), 0, "")
        key = ledger.cipher.keyring.audit_key
        verdict = chain.verify(
            ledger.audit.links(upto=seq), key, seq, last_hash, mac if seq else None
        )
        if verdict.ok and ledger.audit.count_after(seq):
            verdict = chain.Verdict(
                False,
                verdict.checked,
                seq + 1,
                f"rows after the head (row {seq + 1} on) were inserted outside the ledger",
            )
        return AuditReport(verdict, seq, last_hash)


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

    1. Under an exclusive lock on the key file, the new key is added as active with the old
       ones kept, and the database's keyring state is switched to it. Writers check that
       state inside each transaction (holding a shared lock on PostgreSQL), so from then on
       every write uses the new key, and writes begun before the switch finish first.
    2. Pages of rows are re-encrypted and committed; readers keep working: a process that
       meets the new key id re-reads the key file.
    3. Only when no value remains under an old key are the old keys dropped from the file;
       otherwise they stay and the rotation says to run it again.
    """
    if settings.keys is not None:
        raise ConfigurationError(
            "keys come from CMELEDGER_KEYS, which cannot be rewritten; "
            "use CMELEDGER_KEYS_FILE to rotate keys"
        )
    path = settings.resolved_keys_file
    with keyfile.exclusive(path):
        current = keyfile.read(path)
        kid = keyfile.new_key_id()
        staged = Keyring(
            active_id=kid,
            data_keys={**current.data_keys, kid: secrets.token_bytes(32)},
            index_key=current.index_key,
            audit_key=current.audit_key,
        )
        retired = tuple(k for k in staged.data_keys if k != kid)
        keyfile.write_atomically(path, staged)
        rotating = Store(
            store.engine, FieldCipher(staged, reload=lambda: keyfile.read(path)), store.blobs
        )
        with rotating.ledger(scope) as ledger:
            KeyringStateRepository(ledger.session).set_active(kid)
            ledger.audit.record(
                events.KEYS_ROTATION_STARTED, "keyring", kid, retiring=list(retired)
            )
        resealed = 0
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
        with rotating.ledger(scope) as ledger:
            leftover = sum(ledger.sealed.count_under(old) for old in retired)
            if leftover:
                raise SecurityError(
                    f"{leftover} values are still under old keys; the old keys "
                    "were kept: run `cmeledger keys rotate` again"
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
    store.cipher.refresh()
    return Rotation(kid, retired, resealed)
