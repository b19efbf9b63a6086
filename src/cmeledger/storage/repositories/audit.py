"""Appending to and reading back the audit chain."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from cmeledger.audit.chain import Entry, Link, canonical_details, head_mac, link_hash
from cmeledger.errors import SecurityError
from cmeledger.storage.models import AuditHeadRow, AuditRow

HEAD_ID = 1


def utc_timestamp() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class AuditRepository:
    def __init__(self, session: Session, key: bytes, actor: str) -> None:
        self._session = session
        self._key = key
        self._actor = actor

    def record(
        self,
        action: str,
        entity_type: str,
        entity_id: UUID | str | None = None,
        *,
        physician_id: UUID | None = None,
        **details: Any,
    ) -> int:
        """Append one entry in the caller's transaction; returns its sequence number.

        The head row is updated first, which takes its row lock (PostgreSQL) or the write
        lock (SQLite) before the previous hash is read, so concurrent writers queue up
        instead of forking the chain. Details must never hold plaintext identifiers.
        """
        seq, prev_hash = self._session.execute(
            update(AuditHeadRow)
            .where(AuditHeadRow.id == HEAD_ID)
            .values(last_seq=AuditHeadRow.last_seq + 1)
            .returning(AuditHeadRow.last_seq, AuditHeadRow.last_hash),
            execution_options={"synchronize_session": False},
        ).one()
        entry = Entry(
            seq=seq,
            at=utc_timestamp(),
            actor=self._actor,
            action=action,
            entity_type=entity_type,
            entity_id=None if entity_id is None else str(entity_id),
            physician_id=None if physician_id is None else str(physician_id),
            details=canonical_details(details),
        )
        digest = link_hash(self._key, prev_hash, entry)
        self._session.execute(
            insert(AuditRow).values(
                seq=entry.seq,
                at=entry.at,
                actor=entry.actor,
                action=entry.action,
                entity_type=entry.entity_type,
                entity_id=entry.entity_id,
                physician_id=entry.physician_id,
                details=entry.details,
                prev_hash=prev_hash,
                hash=digest,
            )
        )
        self._session.execute(
            update(AuditHeadRow)
            .where(AuditHeadRow.id == HEAD_ID)
            .values(last_hash=digest, head_mac=head_mac(self._key, entry.seq, digest)),
            execution_options={"synchronize_session": False},
        )
        return int(seq)

    def head(self) -> tuple[int, str, str | None]:
        """(last seq, last hash, head MAC); SecurityError if the head row itself is gone."""
        row = self._session.execute(
            select(AuditHeadRow.last_seq, AuditHeadRow.last_hash, AuditHeadRow.head_mac).where(
                AuditHeadRow.id == HEAD_ID
            )
        ).one_or_none()
        if row is None:
            raise SecurityError(
                "the audit log's head row is missing: the log was tampered "
                "with; restore the database from backup"
            )
        return int(row.last_seq), str(row.last_hash), row.head_mac

    def count_after(self, seq: int) -> int:
        return int(
            self._session.execute(
                select(func.count()).select_from(AuditRow).where(AuditRow.seq > seq)
            ).scalar_one()
        )

    def links(self, upto: int, batch: int = 5000) -> Iterator[Link]:
        """Entries 1..upto in seq order, read in pages so memory stays flat on long logs."""
        cols = (
            AuditRow.seq,
            AuditRow.at,
            AuditRow.actor,
            AuditRow.action,
            AuditRow.entity_type,
            AuditRow.entity_id,
            AuditRow.physician_id,
            AuditRow.details,
            AuditRow.prev_hash,
            AuditRow.hash,
        )
        after = 0
        while True:
            rows = self._session.execute(
                select(*cols)
                .where(AuditRow.seq > after, AuditRow.seq <= upto)
                .order_by(AuditRow.seq)
                .limit(batch)
            ).all()
            if not rows:
                return
            for r in rows:
                yield Link(
                    Entry(
                        r.seq,
                        r.at,
                        r.actor,
                        r.action,
                        r.entity_type,
                        r.entity_id,
                        r.physician_id,
                        r.details,
                    ),
                    r.prev_hash,
                    r.hash,
                )
            after = rows[-1].seq
