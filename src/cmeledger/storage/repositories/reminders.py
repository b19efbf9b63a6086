"""Which reminder e-mails have gone out, so that none is ever sent twice.

A reminder is keyed by physician, obligation, due date and lead time (90, 30, 7 days…).
Sending claims the key first (an insert that a concurrent run's identical insert waits on
and then fails), so two runs at once cannot both send the same reminder.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from uuid import UUID

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cmeledger.storage.access_models import ReminderSentRow
from cmeledger.storage.scope import Scope

_CHUNK = 500  # ids per IN (...), well under every database's parameter limit


@dataclass(frozen=True, slots=True, order=True)
class ReminderKey:
    physician_id: UUID
    obligation: str
    due: date
    days_before: int


@dataclass(frozen=True, slots=True)
class SentReminder:
    key: ReminderKey
    sent_at: datetime


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _key(row: ReminderSentRow) -> ReminderKey:
    return ReminderKey(row.physician_id, row.obligation, row.due, row.days_before)


class ReminderRepository:
    def __init__(self, session: Session, scope: Scope) -> None:
        self._session = session
        self._scope = scope

    def sent_keys(self, physician_ids: Iterable[UUID]) -> frozenset[ReminderKey]:
        wanted = sorted({p for p in physician_ids if self._scope.allows(p)})
        found: set[ReminderKey] = set()
        for start in range(0, len(wanted), _CHUNK):
            rows = self._session.scalars(
                select(ReminderSentRow).where(
                    ReminderSentRow.physician_id.in_(wanted[start : start + _CHUNK])
                )
            )
            found.update(_key(r) for r in rows)
        return frozenset(found)

    def history(self, physician_id: UUID) -> list[SentReminder]:
        """Reminders sent to one physician, newest first."""
        self._scope.require(physician_id)
        rows = self._session.scalars(
            select(ReminderSentRow)
            .where(ReminderSentRow.physician_id == physician_id)
            .order_by(ReminderSentRow.sent_at.desc(), ReminderSentRow.obligation)
        )
        return [SentReminder(_key(r), _aware(r.sent_at)) for r in rows]

    def claim(self, key: ReminderKey) -> bool:
        """Mark `key` as sent; False if it already was (by this run or another)."""
        self._scope.require(key.physician_id)
        row = ReminderSentRow(
            physician_id=key.physician_id,
            obligation=key.obligation,
            due=key.due,
            days_before=key.days_before,
            sent_at=datetime.now(UTC),
        )
        try:
            with self._session.begin_nested():
                self._session.add(row)
                self._session.flush()
        except IntegrityError:
            return False
        return True

    def release(self, key: ReminderKey) -> None:
        """Undo a claim whose message could not be delivered, so a later run tries again."""
        self._scope.require(key.physician_id)
        self._session.execute(
            delete(ReminderSentRow).where(
                ReminderSentRow.physician_id == key.physician_id,
                ReminderSentRow.obligation == key.obligation,
                ReminderSentRow.due == key.due,
                ReminderSentRow.days_before == key.days_before,
            )
        )
