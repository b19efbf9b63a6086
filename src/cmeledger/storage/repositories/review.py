"""The review queue: imported records waiting for a person to accept, correct or reject."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from cmeledger.audit import events
from cmeledger.errors import ConflictError, NotFoundError
from cmeledger.storage.models import ReviewItemRow
from cmeledger.storage.repositories.audit import AuditRepository
from cmeledger.storage.scope import Scope


@dataclass(frozen=True, slots=True)
class ReviewItem:
    id: UUID
    physician_id: UUID
    status: str
    kind: str
    reasons: tuple[str, ...]
    record: dict[str, Any]
    document_sha256: str | None
    page: int | None
    related_completion_id: UUID | None
    created_at: datetime


class ReviewRepository:
    def __init__(self, session: Session, scope: Scope, audit: AuditRepository) -> None:
        self._session = session
        self._scope = scope
        self._audit = audit

    def add(
        self,
        physician_id: UUID,
        *,
        kind: str,
        reasons: list[str],
        record: dict[str, Any],
        document_sha256: str | None,
        page: int | None,
        related_completion_id: UUID | None = None,
    ) -> UUID:
        self._scope.require(physician_id)
        item_id = uuid.uuid4()
        self._session.add(
            ReviewItemRow(
                id=item_id,
                physician_id=physician_id,
                status="open",
                kind=kind,
                reasons=reasons,
                record=record,
                document_sha256=document_sha256,
                page=page,
                related_completion_id=related_completion_id,
                created_at=datetime.now(UTC),
            )
        )
        self._audit.record(
            events.REVIEW_ITEM_CREATED,
            "review_item",
            item_id,
            physician_id=physician_id,
            kind=kind,
            reasons=reasons,
        )
        return item_id

    def count_open(self, physician_id: UUID) -> int:
        """How many items wait for review (the dashboard's notice), without reading them."""
        items = ReviewItemRow.__table__.c
        return int(
            self._session.execute(
                select(func.count()).where(
                    items.physician_id == physician_id,
                    items.status == "open",
                    self._scope.clause(items.physician_id),
                )
            ).scalar_one()
        )

    def open_items(self, physician_id: UUID) -> list[ReviewItem]:
        rows = self._session.execute(
            select(ReviewItemRow)
            .where(
                ReviewItemRow.physician_id == physician_id,
                ReviewItemRow.status == "open",
                self._scope.clause(ReviewItemRow.physician_id),
            )
            .order_by(ReviewItemRow.created_at, ReviewItemRow.id)
        ).scalars()
        return [_item(r) for r in rows]

    def get(self, physician_id: UUID, item_id: UUID) -> ReviewItem:
        row = self._session.execute(
            select(ReviewItemRow).where(
                ReviewItemRow.id == item_id,
                ReviewItemRow.physician_id == physician_id,
                self._scope.clause(ReviewItemRow.physician_id),
            )
        ).scalar_one_or_none()
        if row is None:
            raise NotFoundError(
                f"no review item {item_id}; `cmeledger review {physician_id}` lists them"
            )
        return _item(row)

    def resolve(
        self,
        item: ReviewItem,
        *,
        status: str,
        completion_id: UUID | None = None,
        changes: dict[str, str] | None = None,
    ) -> None:
        if item.status != "open":
            raise ConflictError(f"review item {item.id} is already {item.status}")
        result = self._session.execute(
            update(ReviewItemRow)
            .where(ReviewItemRow.id == item.id, ReviewItemRow.status == "open")
            .values(
                status=status, resolution_completion_id=completion_id, resolved_at=datetime.now(UTC)
            )
            .returning(ReviewItemRow.id),
            execution_options={"synchronize_session": False},
        )
        if result.first() is None:
            raise ConflictError(f"review item {item.id} was resolved by someone else")
        event = (
            events.REVIEW_ITEM_ACCEPTED if status == "accepted" else (events.REVIEW_ITEM_REJECTED)
        )
        self._audit.record(
            event,
            "review_item",
            item.id,
            physician_id=item.physician_id,
            completion_id=None if completion_id is None else str(completion_id),
            corrected=sorted(changes or {}),
        )


def _item(row: ReviewItemRow) -> ReviewItem:
    return ReviewItem(
        row.id,
        row.physician_id,
        row.status,
        row.kind,
        tuple(row.reasons),
        dict(row.record),
        row.document_sha256,
        row.page,
        row.related_completion_id,
        row.created_at if row.created_at.tzinfo else row.created_at.replace(tzinfo=UTC),
    )
