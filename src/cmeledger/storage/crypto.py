"""Field-level encryption (AES-256-GCM) and keyed blind indexes for sensitive identifiers.

Ciphertext layout: version byte, key-id length, key id, 12-byte nonce, ciphertext+tag.
The key id travels with each value so rotation can re-encrypt row by row while readers
keep working with whichever key a row names. The associated data binds a value to its
table, column, row and physician, so a ciphertext copied to another row or column, or a
row re-pointed at another physician, fails to decrypt.
"""

from __future__ import annotations

import hmac
import os
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from hashlib import sha256
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from cmeledger.errors import SecurityError

_VERSION = 1
_NONCE_BYTES = 12


@dataclass(frozen=True)
class Keyring:
    active_id: str
    data_keys: Mapping[str, bytes]
    index_key: bytes
    audit_key: bytes

    def __post_init__(self) -> None:
        if self.active_id not in self.data_keys:
            raise SecurityError("the key file names an active key it does not contain")
        for key in (*self.data_keys.values(), self.index_key, self.audit_key):
            if len(key) != 32:
                raise SecurityError("every key in the key file must be 32 bytes")

    def __repr__(self) -> str:
        return f"Keyring(active_id={self.active_id!r}, keys={sorted(self.data_keys)})"


def normalise_identifier(value: str) -> str:
    """Licence and registration numbers match regardless of case, spaces and dashes."""
    folded = unicodedata.normalize("NFKC", value).upper()
    return "".join(ch for ch in folded if ch.isalnum())


def field_aad(table: str, column: str, row_id: UUID, owner_id: UUID) -> bytes:
    """Binds a value to its table, column, row and owning physician: a ciphertext copied to
    another row, or a row moved to another physician, no longer decrypts."""
    return f"cmeledger:{table}.{column}:{row_id}:{owner_id}".encode()


class FieldCipher:
    """Encrypts and decrypts one field value at a time under a `Keyring`.

    `reload` is consulted once when a value names a key this process does not know yet,
    which is how long-running readers pick up a rotation done by another process.
    """

    def __init__(self, keyring: Keyring, reload: Callable[[], Keyring] | None = None) -> None:
        self._keyring = keyring
        self._reload = reload

    @property
    def keyring(self) -> Keyring:
        return self._keyring

    def activate(self, key_id: str) -> None:
        """Encrypt with `key_id` from now on (it must already be in the keyring)."""
        k = self._keyring
        self._keyring = Keyring(
            active_id=key_id, data_keys=k.data_keys, index_key=k.index_key, audit_key=k.audit_key
        )

    def refresh(self) -> None:
        """Re-read the key file (another process rotated the keys)."""
        if self._reload is not None:
            active = self._keyring.active_id
            self._keyring = self._reload()
            if active in self._keyring.data_keys and active != self._keyring.active_id:
                self.activate(active)  # the database decides when the new key takes over

    def encrypt(self, plaintext: str, aad: bytes) -> bytes:
        kid = self._keyring.active_id.encode()
        nonce = os.urandom(_NONCE_BYTES)
        sealed = AESGCM(self._keyring.data_keys[self._keyring.active_id]).encrypt(
            nonce, plaintext.encode(), aad
        )
        return bytes([_VERSION, len(kid)]) + kid + nonce + sealed

    def key_id_of(self, blob: bytes) -> str:
        if len(blob) < 2 + _NONCE_BYTES + 16 or blob[0] != _VERSION:
            raise SecurityError("an encrypted field is malformed; restore it from backup")
        kid_len = blob[1]
        return blob[2 : 2 + kid_len].decode("ascii", errors="replace")

    def decrypt(self, blob: bytes, aad: bytes) -> str:
        kid = self.key_id_of(blob)
        key = self._keyring.data_keys.get(kid)
        if key is None:
            self.refresh()
            key = self._keyring.data_keys.get(kid)
        if key is None:
            raise SecurityError(
                f"an encrypted field uses key {kid!r}, which the key file does not hold; "
                "restore the key file that was in use when it was written"
            )
        start = 2 + blob[1]
        nonce, sealed = blob[start : start + _NONCE_BYTES], blob[start + _NONCE_BYTES :]
        try:
            return AESGCM(key).decrypt(nonce, sealed, aad).decode()
        except InvalidTag:
            raise SecurityError(
                "an encrypted field failed its integrity check (tampered, or moved between rows)"
            ) from None

    def blind_index(self, purpose: str, value: str) -> str:
        """A keyed, deterministic token for equality lookups; reveals nothing without the key."""
        message = f"{purpose}\x00{normalise_identifier(value)}".encode()
        return hmac.new(self._keyring.index_key, message, sha256).hexdigest()
