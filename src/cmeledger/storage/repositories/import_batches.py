"""Upload batches: the files a person sent together, and how far their import has got."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cmeledger.errors import NotFoundError
from cmeledger.storage.access_models import ImportBatchRow
from cmeledger.storage.scope import Scope

QUEUED, RUNNING, DONE = "queued", "running", "done"


@dataclass(frozen=True, slots=True)
class ImportBatch:
    id: UUID
    physician_id: UUID
    actor: str
    state: str
    files: list[dict[str, Any]]  # name, sha256, size
    done: int
    report: list[dict[str, Any]]  # one entry per finished file, in order
    created_at: datetime
    updated_at: datetime

    @property
    def total(self) -> int:
        return len(self.files)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _batch(row: ImportBatchRow) -> ImportBatch:
    return ImportBatch(
        row.id,
        row.physician_id,
        row.actor,
        row.state,
        list(row.files),
        row.done,
        list(row.report or []),
        _aware(row.created_at),
        _aware(row.updated_at),
    )


class ImportBatchRepository:
    def __init__(self, session: Session, scope: Scope) -> None:
        self._session = session
        self._scope = scope

    def add(self, physician_id: UUID, files: list[dict[str, Any]]) -> ImportBatch:
        self._scope.require(physician_id)
        now = datetime.now(UTC)
        row = ImportBatchRow(
            id=uuid.uuid4(),
            physician_id=physician_id,
            actor=self._scope.actor,
            state=QUEUED,
            files=files,
            done=0,
            report=[],
            created_at=now,
            updated_at=now,
        )
        self._session.add(row)
        self._session.flush()
        return _batch(row)

    def _row(self, batch_id: UUID, *, lock: bool = False) -> ImportBatchRow:
        query = select(ImportBatchRow).where(
            ImportBatchRow.id == batch_id, self._scope.clause(ImportBatchRow.physician_id)
        )
        if lock:
            query = query.with_for_update()
        row = self._session.scalars(query).one_or_none()
        if row is None:
            raise NotFoundError(f"no import {batch_id}")
        return row

    def get(self, batch_id: UUID) -> ImportBatch:
        return _batch(self._row(batch_id))

    def for_physician(self, physician_id: UUID, *, limit: int, offset: int) -> list[ImportBatch]:
        self._scope.require(physician_id)
        rows = self._session.scalars(
            select(ImportBatchRow)
            .where(ImportBatchRow.physician_id == physician_id)
            .order_by(ImportBatchRow.created_at.desc(), ImportBatchRow.id)
            .limit(limit)
            .offset(offset)
        )
        return [_batch(r) for r in rows]

    def count_for(self, physician_id: UUID) -> int:
        self._scope.require(physician_id)
        return int(
            self._session.execute(
                select(func.count())
                .select_from(ImportBatchRow)
                .where(ImportBatchRow.physician_id == physician_id)
            ).scalar_one()
        )

    def start(self, batch_id: UUID) -> ImportBatch:
        row = self._row(batch_id, lock=True)
        if row.state == QUEUED:
            row.state = RUNNING
            row.updated_at = datetime.now(UTC)
        return _batch(row)

    def file_done(self, batch_id: UUID, index: int, outcome: dict[str, Any]) -> None:
        """Record one file's outcome; a file already recorded (a retried job) is kept."""
        row = self._row(batch_id, lock=True)
        report = list(row.report or [])
        if index < len(report):
            return
        report.append(outcome)
        row.report = report
        row.done = len(report)
        row.updated_at = datetime.now(UTC)

    def finish(self, batch_id: UUID) -> None:
        row = self._row(batch_id, lock=True)
        row.state = DONE
        row.updated_at = datetime.now(UTC)
