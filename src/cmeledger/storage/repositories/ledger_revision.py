"""The physician's ledger revision: one counter per ledger, raised by every change to what a
compliance status reads, in the same transaction as the change."""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

from sqlalchemy import update
from sqlalchemy.orm import Session

from cmeledger.storage.models import PhysicianRow


def bump(session: Session, physician_ids: Iterable[UUID]) -> None:
    """Raise the revision of each ledger named. Sorted, so two writers touching the same
    ledgers lock their rows in the same order and cannot deadlock."""
    ids = sorted(set(physician_ids))
    if ids:
        session.execute(
            update(PhysicianRow)
            .where(PhysicianRow.id.in_(ids))
            .values(ledger_revision=PhysicianRow.ledger_revision + 1),
            # "fetch": a physician row already loaded in this session sees the new revision.
            execution_options={"synchronize_session": "fetch"},
        )
