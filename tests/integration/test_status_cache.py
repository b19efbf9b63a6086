"""The ledger revision and the status cache: a status is computed again after every change
it reads, served from memory otherwise, and reading takes no key lock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date
from uuid import UUID, uuid4

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from cmeledger.actions.compliance import compliance_status
from cmeledger.actions.physicians import add_certification, add_dea, physician_profile
from cmeledger.actions.status_cache import StatusCache
from cmeledger.audit import events
from cmeledger.domain.people import MonthDay
from cmeledger.storage.ledger import Ledger, Store
from cmeledger.storage.models import AuditRow, PhysicianRow
from cmeledger.storage.scope import Scope
from tests.builders import a_completion, a_license, a_physician

DAY = date(2026, 11, 26)
OWNER = Scope.owner("test:status-cache")


def _stored_revision(session: Session, physician_id: UUID) -> int:
    return session.execute(
        select(PhysicianRow.ledger_revision).where(PhysicianRow.id == physician_id)
    ).scalar_one()


def _reveals(session: Session) -> int:
    found = session.execute(
        select(AuditRow.seq).where(AuditRow.action == events.PHYSICIAN_SENSITIVE_READ)
    )
    return len(found.all())


def _changes(ledger: Ledger, physician_id: UUID) -> list[tuple[str, Callable[[], object]]]:
    """One of each change a status reads, in an order where each one is possible."""
    first = a_completion(ledger, physician_id, amount="2")
    return [
        ("licence", lambda: a_license(ledger, physician_id)),
        ("credit", lambda: a_completion(ledger, physician_id, title="Ethics", amount="3")),
        ("credits in bulk", lambda: ledger.completions.add_many([replace(first, id=uuid4())])),
        (
            "topics",
            lambda: ledger.completions.set_topics(physician_id, first.id, ("opioid_prescribing",)),
        ),
        ("deleted credit", lambda: ledger.completions.delete(physician_id, first.id)),
        (
            "certification",
            lambda: add_certification(
                ledger, physician_id, board="abim", specialty="IM", ends=date(2029, 12, 31)
            ),
        ),
        (
            "DEA",
            lambda: add_dea(ledger, physician_id, number="AD1234563", expires=date(2028, 1, 31)),
        ),
        ("profile", lambda: _new_birthday(ledger, physician_id)),
    ]


def _new_birthday(ledger: Ledger, physician_id: UUID) -> None:
    physician = ledger.physicians.get(physician_id)
    ledger.physicians.update_profile(replace(physician, birth=MonthDay(3, 4)), {"birth"})


def test_every_change_a_status_reads_raises_the_ledger_revision(ledger: Ledger) -> None:
    doc = a_physician(ledger)
    for name, change in _changes(ledger, doc.id):
        before = _stored_revision(ledger.session, doc.id)
        assert ledger.physicians.require(doc.id).revision == before
        change()
        after = _stored_revision(ledger.session, doc.id)
        assert after > before, name
        assert ledger.physicians.require(doc.id).revision == after, name


def test_a_cached_status_is_served_until_the_ledger_changes_then_computed_again(
    ledger: Ledger,
) -> None:
    doc = a_physician(ledger)
    a_license(ledger, doc.id)
    cache = StatusCache()

    def cached() -> object:
        return cache.read(ledger, ledger.physicians.require(doc.id), DAY).report()

    first = cached()
    assert (cache.hits, cache.misses) == (0, 1)
    reveals = _reveals(ledger.session)
    assert cached() is first and (cache.hits, cache.misses) == (1, 1)
    assert _reveals(ledger.session) == reveals, "a cached status reveals nothing sealed"
    for name, change in _changes(ledger, doc.id)[1:]:
        change()
        misses = cache.misses
        assert cached() == compliance_status(ledger, doc.id, DAY), name
        assert cache.misses == misses + 1, name


def test_a_status_for_another_day_is_computed_for_that_day(ledger: Ledger) -> None:
    doc = a_physician(ledger)
    a_license(ledger, doc.id)
    cache = StatusCache()
    summary = ledger.physicians.require(doc.id)
    today = cache.read(ledger, summary, DAY).report()
    later = cache.read(ledger, summary, date(2027, 5, 1)).report()
    assert (today.as_of, later.as_of) == (DAY, date(2027, 5, 1)) and cache.misses == 2


def test_the_cache_keeps_at_most_its_size_and_nothing_when_sized_zero(ledger: Ledger) -> None:
    doctors = [a_physician(ledger, first=f"Doc{i}") for i in range(3)]
    small, none = StatusCache(entries=2), StatusCache(entries=0)
    for doc in doctors + doctors[:1]:
        small.read(ledger, ledger.physicians.require(doc.id), DAY).report()
        none.read(ledger, ledger.physicians.require(doc.id), DAY).report()
    assert len(small) == 2 and small.misses == 4, "the least recently used was dropped"
    assert len(none) == 0 and none.hits == 0


def test_a_transaction_that_only_reads_takes_no_key_lock(fresh_store: Store) -> None:
    seen: list[str] = []

    def remember(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        seen.append(statement)

    with fresh_store.ledger(OWNER) as ledger:
        doc = a_physician(ledger)  # seals the birth month/day
    assert sum("keyring_state" in s for s in seen) == 0, "listener not installed yet"
    event.listen(fresh_store.engine, "before_cursor_execute", remember)
    try:
        with fresh_store.ledger(OWNER) as ledger:
            physician_profile(ledger, doc.id)
            compliance_status(ledger, doc.id, DAY)
        assert not [s for s in seen if "keyring_state" in s]
        with fresh_store.ledger(OWNER) as ledger:
            a_license(ledger, doc.id)
            a_license(ledger, doc.id, jurisdiction="TX", number="T 1")
        assert len([s for s in seen if "keyring_state" in s]) == 1, "checked once, then held"
    finally:
        event.remove(fresh_store.engine, "before_cursor_execute", remember)
