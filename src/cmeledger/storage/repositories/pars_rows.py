"""What the PARS tables read back as, and the joins several queries share."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from uuid import UUID

from sqlalchemy import Select, select

from cmeledger.domain.pars.model import Activity
from cmeledger.domain.pars.plain import activity_from_plain
from cmeledger.storage.models import (
    ParsActivityRow,
    ParsCreditRow,
    ParsLearnerRecordRow,
    ParsProviderRow,
)
from cmeledger.storage.scope import Scope


@dataclass(frozen=True, slots=True)
class Provider:
    id: UUID
    accme_id: str
    name: str
    ws_user: str | None
    has_password: bool


@dataclass(frozen=True, slots=True)
class StoredActivity:
    id: UUID
    provider_id: UUID
    activity: Activity
    state: str
    problems: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class CreditState:
    credit_id: str
    record_id: UUID
    activity_title: str
    accme_activity_id: str | None
    learner: str  # "Last, First"
    completed_on: date
    certification: str
    board: str | None
    amount: Decimal
    state: str
    reason: str | None
    action: str


def provider_of(row: ParsProviderRow) -> Provider:
    return Provider(row.id, row.accme_id, row.name, row.ws_user, row.ws_password_enc is not None)


def stored_activity(row: ParsActivityRow) -> StoredActivity:
    activity = activity_from_plain(row.document)
    if row.accme_id and activity.accme_id != row.accme_id:
        activity = replace(activity, accme_id=row.accme_id)
    return StoredActivity(row.id, row.provider_id, activity, row.state, tuple(row.problems))


def credit_query(
    scope: Scope, provider_id: UUID
) -> Select[tuple[ParsCreditRow, ParsLearnerRecordRow, ParsActivityRow]]:
    """A provider's credits with their learner record and activity, in the caller's scope."""
    return (
        select(ParsCreditRow, ParsLearnerRecordRow, ParsActivityRow)
        .join(ParsLearnerRecordRow, ParsCreditRow.record_id == ParsLearnerRecordRow.id)
        .join(ParsActivityRow, ParsLearnerRecordRow.activity_id == ParsActivityRow.id)
        .where(
            ParsCreditRow.provider_id == provider_id,
            scope.provider_clause(ParsCreditRow.provider_id),
        )
    )


def credit_state(c: ParsCreditRow, r: ParsLearnerRecordRow, a: ParsActivityRow) -> CreditState:
    return CreditState(
        credit_id=c.credit_id,
        record_id=r.id,
        activity_title=a.title,
        accme_activity_id=a.accme_id,
        learner=f"{r.last_name}, {r.first_name}",
        completed_on=r.completed_on,
        certification=c.certification,
        board=c.board,
        amount=c.amount,
        state=c.state,
        reason=c.reason,
        action=r.action,
    )
