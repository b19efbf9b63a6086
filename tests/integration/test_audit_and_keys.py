from __future__ import annotations

import io
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError

from cmeledger.actions.physicians import physician_profile
from cmeledger.actions.security import rotate_keys, verify_audit
from cmeledger.settings import Settings
from cmeledger.storage import keyfile
from cmeledger.storage.blobs import BlobStore, UploadTooLargeError
from cmeledger.storage.crypto import FieldCipher
from cmeledger.storage.ledger import Store
from cmeledger.storage.repositories.sealed import SEALED_COLUMNS
from cmeledger.storage.scope import Scope
from tests.builders import a_completion, a_license, a_physician

OWNER = Scope.owner("test:runner")


def _populate(store: Store, physicians: int = 3) -> None:
    with store.ledger(OWNER) as ledger:
        for i in range(physicians):
            doc = a_physician(ledger, first=f"P{i}")
            a_license(ledger, doc.id, number=f"L{i}")
            a_completion(ledger, doc.id, title=f"T{i}")


@contextmanager
def _guard_lifted(conn: Connection) -> Iterator[None]:
    """Play an intruder with raw database access: switch off the append-only triggers."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("ALTER TABLE audit_log DISABLE TRIGGER USER"))
        yield
        conn.execute(text("ALTER TABLE audit_log ENABLE TRIGGER USER"))
    else:
        conn.execute(text("DROP TRIGGER audit_log_no_update"))
        conn.execute(text("DROP TRIGGER audit_log_no_delete"))
        yield


def test_an_untouched_log_verifies(fresh_store: Store) -> None:
    _populate(fresh_store)
    verdict = verify_audit(fresh_store, OWNER).verdict
    assert verdict.ok and verdict.checked > 6


def test_the_database_refuses_to_update_or_delete_audit_rows(fresh_store: Store) -> None:
    _populate(fresh_store, 1)
    for statement in (
        "UPDATE audit_log SET actor = 'x' WHERE seq = 1",
        "DELETE FROM audit_log WHERE seq = 1",
    ):
        with pytest.raises(DBAPIError, match="append-only"), fresh_store.engine.begin() as conn:
            conn.execute(text(statement))
    assert verify_audit(fresh_store, OWNER).verdict.ok


@pytest.mark.parametrize("seq", [1, 4, 7])
def test_an_altered_audit_row_is_named(fresh_store: Store, seq: int) -> None:
    _populate(fresh_store)
    with fresh_store.engine.begin() as conn, _guard_lifted(conn):
        conn.execute(text("UPDATE audit_log SET details = '{}' WHERE seq = :s"), {"s": seq})
    verdict = verify_audit(fresh_store, OWNER).verdict
    assert not verdict.ok and verdict.first_broken_seq == seq


def test_a_removed_audit_row_is_named(fresh_store: Store) -> None:
    _populate(fresh_store)
    with fresh_store.engine.begin() as conn, _guard_lifted(conn):
        conn.execute(text("DELETE FROM audit_log WHERE seq = 5"))
    verdict = verify_audit(fresh_store, OWNER).verdict
    assert not verdict.ok and verdict.first_broken_seq == 5


def test_a_removed_last_audit_row_is_caught_by_the_head(fresh_store: Store) -> None:
    _populate(fresh_store)
    with fresh_store.engine.begin() as conn, _guard_lifted(conn):
        last = conn.execute(text("SELECT max(seq) FROM audit_log")).scalar_one()
        conn.execute(text("DELETE FROM audit_log WHERE seq = :s"), {"s": last})
    verdict = verify_audit(fresh_store, OWNER).verdict
    assert not verdict.ok and verdict.first_broken_seq == last


def test_a_rolled_back_change_leaves_no_audit_entry(fresh_store: Store) -> None:
    _populate(fresh_store, 1)
    with fresh_store.engine.connect() as conn:
        before = conn.execute(text("SELECT count(*) FROM audit_log")).scalar_one()

    def add_then_fail() -> None:
        with fresh_store.ledger(OWNER) as ledger:
            a_physician(ledger, first="Rolled", last="Back")
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        add_then_fail()
    with fresh_store.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM audit_log")).scalar_one() == before
    assert verify_audit(fresh_store, OWNER).verdict.ok


def test_key_rotation_reseals_everything_and_retires_the_old_key(
    fresh_store: Store, tmp_path: Path
) -> None:
    key_path = tmp_path / "keys.json"
    keyfile.write_atomically(key_path, fresh_store.cipher.keyring)
    old_id = fresh_store.cipher.keyring.active_id
    _populate(fresh_store, 5)
    settings = Settings(home=tmp_path, keys_file=key_path)

    rotation = rotate_keys(fresh_store, settings, OWNER, page=2)

    assert rotation.retired_key_ids == (old_id,)
    assert rotation.resealed == 10  # five birth dates and five licence numbers
    on_disk = keyfile.read(key_path)
    assert list(on_disk.data_keys) == [rotation.new_key_id]
    rotated = Store(fresh_store.engine, FieldCipher(on_disk), fresh_store.blobs)
    with rotated.ledger(OWNER) as ledger:
        for sealed in SEALED_COLUMNS:
            for page in ledger.sealed.pages(sealed, 100):
                assert {ledger.cipher.key_id_of(blob) for _, _, blob in page} == {
                    rotation.new_key_id
                }
        people = ledger.physicians.summaries()
        assert len(people) == 5
        assert physician_profile(ledger, people[0].id).licenses[0].number.startswith("L")
    assert verify_audit(rotated, OWNER).verdict.ok


def test_a_reader_started_before_rotation_keeps_reading(fresh_store: Store, tmp_path: Path) -> None:
    key_path = tmp_path / "keys.json"
    keyfile.write_atomically(key_path, fresh_store.cipher.keyring)
    _populate(fresh_store, 2)
    stale_reader = Store(
        fresh_store.engine,
        FieldCipher(keyfile.read(key_path), reload=lambda: keyfile.read(key_path)),
        fresh_store.blobs,
    )
    rotate_keys(fresh_store, Settings(home=tmp_path, keys_file=key_path), OWNER)
    with stale_reader.ledger(OWNER) as ledger:
        for person in ledger.physicians.summaries():
            assert physician_profile(ledger, person.id).licenses


def test_the_key_file_holds_no_plain_key_in_its_name_and_is_json(tmp_path: Path) -> None:
    path = tmp_path / "k.json"
    keyring, _ = keyfile.read_or_create(path)
    raw = json.loads(path.read_text())
    assert raw["active"] == keyring.active_id and raw["format"] == "cmeledger-keys/1"


def test_blob_store_refuses_oversized_uploads_and_leaves_no_partial_file(tmp_path: Path) -> None:
    store = BlobStore(tmp_path / "blobs", max_bytes=1000)
    with pytest.raises(UploadTooLargeError, match="upload limit"):
        store.put(io.BytesIO(b"x" * 5000), "huge.pdf")
    assert not [p for p in (tmp_path / "blobs").rglob("*") if p.is_file()]
    first = store.put(io.BytesIO(b"same bytes"))
    again = store.put(io.BytesIO(b"same bytes"))
    assert first.created and not again.created and first.sha256 == again.sha256
