"""The database's record of its keys: the active key id and the key file's fingerprint."""

from __future__ import annotations

import hmac
from datetime import UTC, datetime
from hashlib import sha256

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from cmeledger.errors import SecurityError
from cmeledger.storage.crypto import FieldCipher, Keyring
from cmeledger.storage.models import KeyringStateRow

STATE_ID = 1


def fingerprint(keyring: Keyring) -> str:
    """Identifies a key file by its keys that never rotate (index and audit keys)."""
    return hmac.new(
        keyring.audit_key, b"cmeledger-keyring:" + keyring.index_key, sha256
    ).hexdigest()


class KeyringStateRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def active_key_id(self, *, lock: bool) -> str | None:
        """The active key id; with `lock`, a shared row lock held to the end of the transaction
        (PostgreSQL), so a rotation waits for writers that checked the old key."""
        query = select(KeyringStateRow.active_key_id).where(KeyringStateRow.id == STATE_ID)
        if lock:
            query = query.with_for_update(read=True)
        return self._session.execute(query).scalar_one_or_none()

    def fingerprint(self) -> str | None:
        return self._session.execute(
            select(KeyringStateRow.fingerprint).where(KeyringStateRow.id == STATE_ID)
        ).scalar_one_or_none()

    def claim(self, keyring: Keyring) -> None:
        """Tie this database to this key file (first use), or check that it is the right one."""
        known = self.fingerprint()
        if known is None:
            self._session.execute(
                insert(KeyringStateRow).values(
                    id=STATE_ID,
                    active_key_id=keyring.active_id,
                    fingerprint=fingerprint(keyring),
                    updated_at=datetime.now(UTC),
                )
            )
        elif not hmac.compare_digest(known, fingerprint(keyring)):
            raise SecurityError(
                "the key file does not belong to this database (different keys); restore "
                "the key file that was used with it"
            )

    def set_active(self, key_id: str) -> None:
        self._session.execute(
            update(KeyringStateRow)
            .where(KeyringStateRow.id == STATE_ID)
            .values(active_key_id=key_id, updated_at=datetime.now(UTC)),
            execution_options={"synchronize_session": False},
        )


def ensure_current_key(session: Session, cipher: FieldCipher) -> None:
    """Before a transaction writes: encrypt with the key the database says is active.

    The database, not the key file, names the active key: during a rotation the file already
    holds the new key while the database still names the old one, and every process must
    agree on one of them.
    """
    active = KeyringStateRepository(session).active_key_id(lock=True)
    if active is None or active == cipher.keyring.active_id:
        return
    if active not in cipher.keyring.data_keys:
        cipher.refresh()
    if active not in cipher.keyring.data_keys:
        raise SecurityError(
            f"the database uses key {active!r}, which the key file does not hold; restore "
            "the current key file"
        )
    cipher.activate(active)


class TransactionCipher(FieldCipher):
    """The process's cipher as one transaction uses it.

    Before its first encryption it runs `ensure_current_key`, whose shared row lock then
    lasts to the end of the transaction. A transaction that only reads (most of them) takes
    no lock and writes nothing, so PostgreSQL commits it without a WAL flush.
    Every method delegates to the process's cipher, which holds the keys.
    """

    def __init__(self, shared: FieldCipher, session: Session) -> None:
        # No super().__init__(): the keys stay in `shared`, where a rotation updates them.
        self._shared = shared
        self._session = session
        self._checked = False

    @property
    def keyring(self) -> Keyring:
        return self._shared.keyring

    def activate(self, key_id: str) -> None:
        self._shared.activate(key_id)

    def refresh(self) -> None:
        self._shared.refresh()

    def encrypt(self, plaintext: str, aad: bytes) -> bytes:
        if not self._checked:
            ensure_current_key(self._session, self._shared)
            self._checked = True
        return self._shared.encrypt(plaintext, aad)

    def key_id_of(self, blob: bytes) -> str:
        return self._shared.key_id_of(blob)

    def decrypt(self, blob: bytes, aad: bytes) -> str:
        return self._shared.decrypt(blob, aad)

    def blind_index(self, purpose: str, value: str) -> str:
        return self._shared.blind_index(purpose, value)
