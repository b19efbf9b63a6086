"""The outbox. A job row is written in the same transaction as the change that needs it;
workers claim jobs with a lease, so a worker that dies mid-job leaves it to be claimed again.

Claiming: PostgreSQL takes the row with FOR UPDATE SKIP LOCKED; SQLite (one writer at a
time) uses a conditional UPDATE that only succeeds while the row is still claimable.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

from sqlalchemy import ColumnElement, Select, and_, func, insert, or_, select, update
from sqlalchemy.orm import Session

from cmeledger.storage.models import JobRow

READY, RUNNING, DONE, FAILED = "ready", "running", "done", "failed"


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Job:
    id: int
    kind: str
    ref_id: UUID
    attempts: int  # including this one
    last_error: str | None


class JobRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def enqueue(self, kind: str, ref_id: UUID, *, run_after: datetime | None = None) -> int:
        now = utcnow()
        result = self._session.execute(
            insert(JobRow)
            .values(
                kind=kind,
                ref_id=ref_id,
                state=READY,
                attempts=0,
                run_after=run_after or now,
                created_at=now,
                updated_at=now,
            )
            .returning(JobRow.id)
        )
        return int(result.scalar_one())

    @staticmethod
    def _claimable(now: datetime) -> ColumnElement[bool]:
        return or_(
            and_(JobRow.state == READY, JobRow.run_after <= now),
            and_(JobRow.state == RUNNING, JobRow.locked_until < now),  # lease ran out
        )

    def claim(self, worker: str, lease: timedelta, *, kinds: tuple[str, ...] = ()) -> Job | None:
        """Take the oldest claimable job, or None. The caller commits right after."""
        now = utcnow()
        query = select(JobRow.id).where(self._claimable(now)).order_by(JobRow.id).limit(1)
        if kinds:
            query = query.where(JobRow.kind.in_(kinds))
        if self._session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        job_id = self._session.execute(query).scalar_one_or_none()
        if job_id is None:
            return None
        row = self._session.execute(
            update(JobRow)
            .where(JobRow.id == job_id, self._claimable(now))
            .values(
                state=RUNNING,
                attempts=JobRow.attempts + 1,
                locked_by=worker,
                locked_until=now + lease,
                updated_at=now,
            )
            .returning(JobRow.id, JobRow.kind, JobRow.ref_id, JobRow.attempts, JobRow.last_error),
            execution_options={"synchronize_session": False},
        ).one_or_none()
        if row is None:  # another worker won the race
            return None
        return Job(row[0], row[1], row[2], row[3], row[4])

    def claim_more(
        self,
        worker: str,
        lease: timedelta,
        kind: str,
        limit: int,
        refs: Select[tuple[UUID]] | None = None,
    ) -> list[Job]:
        """Up to `limit` more claimable jobs of `kind` (whose ref is in `refs`, if given), to
        be sent together."""
        now = utcnow()
        query = (
            select(JobRow.id)
            .where(self._claimable(now), JobRow.kind == kind)
            .order_by(JobRow.id)
            .limit(limit)
        )
        if refs is not None:
            query = query.where(JobRow.ref_id.in_(refs))
        if self._session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        ids = list(self._session.execute(query).scalars())
        if not ids:
            return []
        rows = self._session.execute(
            update(JobRow)
            .where(JobRow.id.in_(ids), self._claimable(now))
            .values(
                state=RUNNING,
                attempts=JobRow.attempts + 1,
                locked_by=worker,
                locked_until=now + lease,
                updated_at=now,
            )
            .returning(JobRow.id, JobRow.kind, JobRow.ref_id, JobRow.attempts, JobRow.last_error),
            execution_options={"synchronize_session": False},
        ).all()
        return sorted((Job(r[0], r[1], r[2], r[3], r[4]) for r in rows), key=lambda j: j.id)

    def extend(self, job_ids: list[int], worker: str, lease: timedelta) -> set[int]:
        """Renew the lease on jobs this worker still holds; returns the ids it still holds."""
        if not job_ids:
            return set()
        now = utcnow()
        rows = self._session.execute(
            update(JobRow)
            .where(
                JobRow.id.in_(job_ids),
                JobRow.locked_by == worker,
                JobRow.state == RUNNING,
                JobRow.locked_until >= now,
            )
            .values(locked_until=now + lease, updated_at=now)
            .returning(JobRow.id),
            execution_options={"synchronize_session": False},
        )
        return {int(r[0]) for r in rows}

    def _finish(self, job_id: int, worker: str, **values: object) -> bool:
        """Only the worker holding the lease may finish the job."""
        result = self._session.execute(
            update(JobRow)
            .where(JobRow.id == job_id, JobRow.locked_by == worker, JobRow.state == RUNNING)
            .values(updated_at=utcnow(), locked_until=None, **values),
            execution_options={"synchronize_session": False},
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def complete(self, job_id: int, worker: str) -> bool:
        return self._finish(job_id, worker, state=DONE, last_error=None)

    def retry(self, job_id: int, worker: str, error: str, run_after: datetime) -> bool:
        return self._finish(
            job_id, worker, state=READY, last_error=error, run_after=run_after, locked_by=None
        )

    def fail(self, job_id: int, worker: str, error: str) -> bool:
        return self._finish(job_id, worker, state=FAILED, last_error=error)

    def counts(self) -> dict[str, int]:
        rows = self._session.execute(select(JobRow.state, func.count()).group_by(JobRow.state))
        return {state: int(n) for state, n in rows}

    def open_for(self, ref_id: UUID) -> list[tuple[str, str, int, str | None]]:
        """(kind, state, attempts, last error) of every job for `ref_id`, oldest first."""
        rows = self._session.execute(
            select(JobRow.kind, JobRow.state, JobRow.attempts, JobRow.last_error)
            .where(JobRow.ref_id == ref_id)
            .order_by(JobRow.id)
        )
        return [(r[0], r[1], int(r[2]), r[3]) for r in rows]

    def pending(self) -> int:
        return int(
            self._session.execute(
                select(func.count()).select_from(JobRow).where(JobRow.state.in_((READY, RUNNING)))
            ).scalar_one()
        )
