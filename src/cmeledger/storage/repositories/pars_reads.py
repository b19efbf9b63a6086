"""The read side of PARS for the portal and the REST API: pages, one credit, counts.

Every query is limited to the caller's providers, like the rest of ParsRepository.
"""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from cmeledger.errors import NotFoundError
from cmeledger.storage.models import (
    JobRow,
    ParsActivityRow,
    ParsCreditRow,
    ParsLearnerRecordRow,
    ParsProviderRow,
)
from cmeledger.storage.repositories.pars_rows import (
    CreditState,
    StoredActivity,
    credit_query,
    credit_state,
    stored_activity,
)
from cmeledger.storage.scope import Scope


class ParsReads:
    _session: Session
    _scope: Scope

    def _provider_row(self, provider_id: UUID) -> ParsProviderRow:
        row = self._session.execute(
            select(ParsProviderRow).where(
                ParsProviderRow.id == provider_id, self._scope.provider_clause(ParsProviderRow.id)
            )
        ).scalar_one_or_none()
        if row is None:
            raise NotFoundError(f"no provider {provider_id}")
        return row

    def activity_page(
        self, provider_id: UUID, *, states: Sequence[str] = (), limit: int, offset: int
    ) -> tuple[list[StoredActivity], int]:
        """The newest activities first, and how many match in all."""
        self._provider_row(provider_id)
        query = select(ParsActivityRow).where(
            ParsActivityRow.provider_id == provider_id,
            self._scope.provider_clause(ParsActivityRow.provider_id),
        )
        if states:
            query = query.where(ParsActivityRow.state.in_(states))
        total = self._session.execute(
            select(func.count()).select_from(query.subquery())
        ).scalar_one()
        rows = self._session.execute(
            query.order_by(ParsActivityRow.start_date.desc(), ParsActivityRow.id)
            .limit(limit)
            .offset(offset)
        ).scalars()
        return [stored_activity(r) for r in rows], int(total)

    def activity_by_key(
        self, provider_id: UUID, provider_activity_id: str
    ) -> StoredActivity | None:
        row = self._session.execute(
            select(ParsActivityRow).where(
                ParsActivityRow.provider_id == provider_id,
                ParsActivityRow.provider_activity_id == provider_activity_id,
                self._scope.provider_clause(ParsActivityRow.provider_id),
            )
        ).scalar_one_or_none()
        return None if row is None else stored_activity(row)

    def activity_counts(self, provider_id: UUID) -> dict[str, int]:
        self._provider_row(provider_id)
        rows = self._session.execute(
            select(ParsActivityRow.state, func.count())
            .where(ParsActivityRow.provider_id == provider_id)
            .group_by(ParsActivityRow.state)
        )
        return {state: int(n) for state, n in rows}

    def credit_page(
        self, provider_id: UUID, *, states: Sequence[str] = (), limit: int, offset: int
    ) -> tuple[list[CreditState], int]:
        """The most recently changed credits first, and how many match in all."""
        self._provider_row(provider_id)
        query = credit_query(self._scope, provider_id)
        if states:
            query = query.where(ParsCreditRow.state.in_(states))
        total = self._session.execute(
            select(func.count()).select_from(query.subquery())
        ).scalar_one()
        rows = self._session.execute(
            query.order_by(ParsCreditRow.updated_at.desc(), ParsCreditRow.credit_id)
            .limit(limit)
            .offset(offset)
        )
        return [credit_state(c, r, a) for c, r, a in rows.tuples()], int(total)

    def credit(self, provider_id: UUID, credit_id: str) -> CreditState:
        found = (
            self._session.execute(
                credit_query(self._scope, provider_id).where(ParsCreditRow.credit_id == credit_id)
            )
            .tuples()
            .one_or_none()
        )
        if found is None:
            raise NotFoundError(f"no credit {credit_id} for this provider")
        return credit_state(*found)

    def job_counts(self, provider_id: UUID) -> dict[str, int]:
        """Outbox jobs (by state) for this provider's activities and learner records only."""
        self._provider_row(provider_id)
        mine = or_(
            JobRow.ref_id.in_(
                select(ParsActivityRow.id).where(ParsActivityRow.provider_id == provider_id)
            ),
            JobRow.ref_id.in_(
                select(ParsLearnerRecordRow.id).where(
                    ParsLearnerRecordRow.provider_id == provider_id
                )
            ),
        )
        rows = self._session.execute(
            select(JobRow.state, func.count()).where(mine).group_by(JobRow.state)
        )
        return {state: int(n) for state, n in rows}

    def records_awaiting(
        self, provider_id: UUID, record_ids: Sequence[UUID], kinds: Sequence[str]
    ) -> set[UUID]:
        """Which of these learner records have a job of `kinds` waiting or running."""
        if not record_ids:
            return set()
        rows = self._session.execute(
            select(JobRow.ref_id)
            .join(ParsLearnerRecordRow, JobRow.ref_id == ParsLearnerRecordRow.id)
            .where(
                ParsLearnerRecordRow.provider_id == provider_id,
                self._scope.provider_clause(ParsLearnerRecordRow.provider_id),
                JobRow.ref_id.in_(record_ids),
                JobRow.kind.in_(kinds),
                JobRow.state.in_(("ready", "running")),
            )
        )
        return set(rows.scalars())
