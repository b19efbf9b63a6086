"""Regression tests for problems found in review: each names the attack or accident."""

from __future__ import annotations

import threading
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import text

from cmeledger.actions.credits import record_completion
from cmeledger.actions.physicians import physician_profile
from cmeledger.actions.security import rotate_keys, verify_audit
from cmeledger.domain.activities import ActivityFormat
from cmeledger.domain.credits import CreditClaim
from cmeledger.settings import Settings
from cmeledger.storage import keyfile
from cmeledger.storage.crypto import FieldCipher
from cmeledger.storage.ledger import Store
from cmeledger.storage.models import LicenseRow
from cmeledger.storage.scope import Scope
from tests.builders import a_license, a_physician
from tests.integration.test_audit_and_keys import OWNER, _guard_lifted, _populate


def _with_key_file(store: Store, tmp_path: Path) -> Settings:
    path = tmp_path / "keys.json"
    keyfile.write_atomically(path, store.cipher.keyring)
    return Settings(home=tmp_path, keys_file=path)


def test_a_writer_that_loaded_keys_before_a_rotation_writes_under_the_new_key(
    fresh_store: Store, tmp_path: Path
) -> None:
    settings = _with_key_file(fresh_store, tmp_path)
    path = settings.resolved_keys_file
    stale = Store(
        fresh_store.engine,
        FieldCipher(keyfile.read(path), reload=lambda: keyfile.read(path)),
        fresh_store.blobs,
    )
    _populate(fresh_store, 2)
    rotation = rotate_keys(fresh_store, settings, OWNER)
    with stale.ledger(OWNER) as ledger:
        lic = a_license(ledger, a_physician(ledger, first="Late").id, number="LATE-1")
    current = Store(fresh_store.engine, FieldCipher(keyfile.read(path)), fresh_store.blobs)
    with current.ledger(OWNER) as ledger:
        row = ledger.session.get(LicenseRow, lic.id)
        assert row is not None
        assert ledger.cipher.key_id_of(row.number_enc) == rotation.new_key_id
        assert physician_profile(ledger, lic.physician_id).licenses[0].number == "LATE-1"
    # and a second rotation still finds every value readable
    rotate_keys(fresh_store, settings, OWNER)


def test_truncating_the_log_and_moving_the_head_back_is_caught(fresh_store: Store) -> None:
    _populate(fresh_store)
    with fresh_store.engine.begin() as conn, _guard_lifted(conn):
        last = conn.execute(text("SELECT max(seq) FROM audit_log")).scalar_one()
        keep = last - 3
        kept_hash = conn.execute(
            text("SELECT hash FROM audit_log WHERE seq = :s"), {"s": keep}
        ).scalar_one()
        conn.execute(text("DELETE FROM audit_log WHERE seq > :s"), {"s": keep})
        conn.execute(
            text("UPDATE audit_head SET last_seq = :s, last_hash = :h"), {"s": keep, "h": kept_hash}
        )
    verdict = verify_audit(fresh_store, OWNER).verdict
    assert not verdict.ok and "head" in verdict.reason


def test_rows_slipped_in_after_the_head_are_caught(fresh_store: Store) -> None:
    _populate(fresh_store, 1)
    with fresh_store.engine.begin() as conn:
        last = conn.execute(text("SELECT max(seq) FROM audit_log")).scalar_one()
        conn.execute(
            text(
                "INSERT INTO audit_log (seq, at, actor, action, entity_type, entity_id, "
                "physician_id, details, prev_hash, hash) VALUES (:s, 'x', 'intruder', 'x.y', 'x', "
                "NULL, NULL, '{}', 'a', 'b')"
            ),
            {"s": last + 1},
        )
    verdict = verify_audit(fresh_store, OWNER).verdict
    assert not verdict.ok and verdict.first_broken_seq == last + 1


def test_a_deleted_head_row_is_reported_not_crashed_on(fresh_store: Store) -> None:
    _populate(fresh_store, 1)
    with fresh_store.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_head"))
    verdict = verify_audit(fresh_store, OWNER).verdict
    assert not verdict.ok and "head row is missing" in verdict.reason


def test_verification_while_others_write_never_cries_wolf(fresh_store: Store) -> None:
    _populate(fresh_store, 1)
    stop = threading.Event()
    failures: list[BaseException] = []

    def writer() -> None:
        try:
            i = 0
            while not stop.is_set() and i < 200:
                with fresh_store.ledger(Scope.owner("test:writer")) as ledger:
                    a_physician(ledger, first=f"W{i}")
                i += 1
        except BaseException as exc:  # reported below
            failures.append(exc)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        for _ in range(15):
            verdict = verify_audit(fresh_store, OWNER).verdict
            assert verdict.ok, verdict.reason
    finally:
        stop.set()
        thread.join()
    assert failures == []


def test_activities_are_only_shared_when_every_field_agrees(fresh_store: Store) -> None:
    with fresh_store.ledger(OWNER) as ledger:
        a, b = a_physician(ledger), a_physician(ledger, first="Grace", last="Hopper")
        common: dict[str, Any] = {
            "title": "Update",
            "provider": "P",
            "completed_on": date(2026, 1, 5),
            "credits": [CreditClaim.awarded("ama_pra_1", "1")],
        }
        first = record_completion(ledger, a.id, activity_format=ActivityFormat.LIVE, **common)
        second = record_completion(
            ledger, b.id, activity_format=ActivityFormat.JOURNAL, accredited_provider="Y", **common
        )
        third = record_completion(ledger, b.id, activity_format=ActivityFormat.LIVE, **common)
    assert first.activity.id != second.activity.id
    assert second.activity.format is ActivityFormat.JOURNAL
    assert second.activity.accredited_provider == "Y"
    assert third.activity.id == first.activity.id
