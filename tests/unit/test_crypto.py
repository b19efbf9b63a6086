from __future__ import annotations

import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cmeledger.errors import SecurityError
from cmeledger.storage import keyfile
from cmeledger.storage.crypto import FieldCipher, Keyring, field_aad

KEYRING = keyfile.generate_keyring()
ROW = uuid.UUID("12345678-1234-5678-1234-567812345678")
OWNER = uuid.UUID("87654321-4321-8765-4321-876543218765")


@given(st.text(max_size=200), st.uuids())
def test_it_decrypts_what_it_encrypted(plaintext: str, row: uuid.UUID) -> None:
    cipher = FieldCipher(KEYRING)
    aad = field_aad("licenses", "number", row, OWNER)
    sealed = cipher.encrypt(plaintext, aad)
    assert cipher.decrypt(sealed, aad) == plaintext
    if len(plaintext) >= 4:
        assert plaintext.encode() not in sealed


@given(st.text(min_size=1, max_size=50), st.data())
def test_it_detects_any_flipped_byte(plaintext: str, data: st.DataObject) -> None:
    cipher = FieldCipher(KEYRING)
    aad = field_aad("licenses", "number", ROW, OWNER)
    sealed = bytearray(cipher.encrypt(plaintext, aad))
    i = data.draw(st.integers(0, len(sealed) - 1))
    sealed[i] ^= data.draw(st.integers(1, 255))
    with pytest.raises(SecurityError) as caught:
        cipher.decrypt(bytes(sealed), aad)
    assert plaintext not in str(caught.value) or len(plaintext) < 3


def test_a_value_moved_to_another_row_does_not_decrypt() -> None:
    cipher = FieldCipher(KEYRING)
    sealed = cipher.encrypt("G12345", field_aad("licenses", "number", ROW, OWNER))
    with pytest.raises(SecurityError, match="moved between rows"):
        cipher.decrypt(sealed, field_aad("licenses", "number", uuid.uuid4(), OWNER))


def test_a_row_re_pointed_at_another_physician_does_not_decrypt() -> None:
    cipher = FieldCipher(KEYRING)
    sealed = cipher.encrypt("G12345", field_aad("licenses", "number", ROW, OWNER))
    with pytest.raises(SecurityError):
        cipher.decrypt(sealed, field_aad("licenses", "number", ROW, uuid.uuid4()))


def test_blind_index_ignores_case_spaces_and_dashes_but_not_purpose() -> None:
    cipher = FieldCipher(KEYRING)
    assert cipher.blind_index("license:CA:MD", "a 123-456") == cipher.blind_index(
        "license:CA:MD", "A123456"
    )
    assert cipher.blind_index("license:CA:MD", "A123456") != cipher.blind_index(
        "license:NY:MD", "A123456"
    )
    other = FieldCipher(keyfile.generate_keyring())
    assert cipher.blind_index("dea", "A1") != other.blind_index("dea", "A1")


def test_a_reader_reloads_the_key_file_when_it_meets_a_new_key() -> None:
    rotated = Keyring(
        active_id="k-new",
        data_keys={**KEYRING.data_keys, "k-new": b"n" * 32},
        index_key=KEYRING.index_key,
        audit_key=KEYRING.audit_key,
    )
    aad = field_aad("dea_registrations", "number", ROW, OWNER)
    sealed = FieldCipher(rotated).encrypt("AD1234563", aad)
    stale = FieldCipher(KEYRING, reload=lambda: rotated)
    assert stale.decrypt(sealed, aad) == "AD1234563"
    with pytest.raises(SecurityError, match="does not hold"):
        FieldCipher(KEYRING).decrypt(sealed, aad)


def test_key_file_is_created_once_with_owner_only_permissions(tmp_path: object) -> None:
    from pathlib import Path

    assert isinstance(tmp_path, Path)
    path = tmp_path / "keys.json"
    first, created = keyfile.read_or_create(path)
    again, created_again = keyfile.read_or_create(path)
    assert created and not created_again
    assert first.data_keys == again.data_keys
    assert path.stat().st_mode & 0o777 == 0o600


def test_a_damaged_key_file_gives_a_clear_error(tmp_path: object) -> None:
    from pathlib import Path

    assert isinstance(tmp_path, Path)
    path = tmp_path / "keys.json"
    path.write_text('{"active": "k1"}')
    path.chmod(0o600)
    with pytest.raises(SecurityError, match="not a valid cmeledger key file"):
        keyfile.read(path)


def test_a_key_file_others_can_read_is_refused(tmp_path: object) -> None:
    from pathlib import Path

    assert isinstance(tmp_path, Path)
    path = tmp_path / "keys.json"
    keyfile.read_or_create(path)
    path.chmod(0o644)
    with pytest.raises(SecurityError, match="chmod 600"):
        keyfile.read(path)
