"""Activities and completions: the ledger itself."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import Table, delete, exists, func, insert, select
from sqlalchemy.orm import Session

from cmeledger.audit import events
from cmeledger.domain.activities import (
    Activity,
    ActivityFormat,
    Completion,
    Provenance,
    SourceKind,
)
from cmeledger.domain.credits import CreditClaim, CreditRole
from cmeledger.errors import NotFoundError
from cmeledger.storage.models import (
    ActivityCreditRow,
    ActivityRow,
    CompletionCreditRow,
    CompletionRow,
    PhysicianRow,
    ProvenanceRow,
)
from cmeledger.storage.repositories import ledger_revision
from cmeledger.storage.repositories.audit import AuditRepository
from cmeledger.storage.scope import Scope

CREDIT_SORTS = ("date", "title", "hours")


def _like_pattern(text: str) -> str:
    """`text` as a LIKE pattern that matches it literally, anywhere in the value."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def activity_values(activity: Activity, now: datetime) -> dict[str, Any]:
    return {
        "id": activity.id,
        "title": activity.title,
        "provider": activity.provider,
        "accredited_provider": activity.accredited_provider,
        "joint_providers": list(activity.joint_providers),
        "format": activity.format.value,
        "start_date": activity.start_date,
        "end_date": activity.end_date,
        "accme_activity_id": activity.accme_activity_id,
        "provider_activity_id": activity.provider_activity_id,
        "created_at": now,
    }


def completion_rows(
    completion: Completion, now: datetime
) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
    """The completion, credit and provenance rows of one completion, as plain dicts."""
    head = {
        "id": completion.id,
        "physician_id": completion.physician_id,
        "activity_id": completion.activity.id,
        "completed_on": completion.completed_on,
        "topics": list(completion.topics),
        "created_at": now,
    }
    credits = [
        {"completion_id": completion.id, "type_code": c.type_code, "amount": c.amount}
        for c in completion.credits
    ]
    provenance = [
        {
            "completion_id": completion.id,
            "source_kind": p.source_kind.value,
            "method": p.method,
            "confidence_milli": int(p.confidence * 1000),
            "document_sha256": p.document_sha256,
            "page": p.page,
            "detail": None if p.detail is None else dict(p.detail),
        }
        for p in completion.provenance
    ]
    return head, credits, provenance


# Bulk writes go to the Core tables: the ORM's bulk path costs several times more per row and
# buys nothing for rows the session never needs to track.
_ACTIVITIES: Table = ActivityRow.__table__  # type: ignore[assignment]
_ACTIVITY_CREDITS: Table = ActivityCreditRow.__table__  # type: ignore[assignment]
_COMPLETIONS: Table = CompletionRow.__table__  # type: ignore[assignment]
_COMPLETION_CREDITS: Table = CompletionCreditRow.__table__  # type: ignore[assignment]
_PROVENANCE: Table = ProvenanceRow.__table__  # type: ignore[assignment]


class CompletionRepository:
    def __init__(self, session: Session, scope: Scope, audit: AuditRepository) -> None:
        self._session = session
        self._scope = scope
        self._audit = audit

    # --- activities (a shared catalogue, not user data) ---------------------------------
    def add_activity(self, activity: Activity) -> None:
        self._session.execute(
            insert(_ACTIVITIES).values(activity_values(activity, datetime.now(UTC)))
        )
        if activity.designated:
            self._session.execute(
                insert(_ACTIVITY_CREDITS),
                [
                    {"activity_id": activity.id, "type_code": c.type_code, "amount": c.amount}
                    for c in activity.designated
                ],
            )
        self._audit.record(
            events.ACTIVITY_CREATED,
            "activity",
            activity.id,
            title=activity.title,
            provider=activity.provider,
        )

    def add_activities(self, activities: Sequence[Activity]) -> None:
        now = datetime.now(UTC)
        self._session.execute(insert(_ACTIVITIES), [activity_values(a, now) for a in activities])
        designated = [
            {"activity_id": a.id, "type_code": c.type_code, "amount": c.amount}
            for a in activities
            for c in a.designated
        ]
        if designated:
            self._session.execute(insert(_ACTIVITY_CREDITS), designated)
        self._audit.record(events.ACTIVITY_CREATED, "activity", None, count=len(activities))

    def find_activity(self, wanted: Activity) -> Activity | None:
        """An existing activity identical in every field to `wanted` (the shared catalogue is
        only reused when nothing about the activity would change)."""

        def same(column: Any, value: object) -> Any:
            return column.is_(None) if value is None else column == value

        rows = (
            self._session.execute(
                select(ActivityRow)
                .where(
                    ActivityRow.title == wanted.title,
                    ActivityRow.provider == wanted.provider,
                    ActivityRow.format == wanted.format.value,
                    same(ActivityRow.start_date, wanted.start_date),
                    same(ActivityRow.end_date, wanted.end_date),
                    same(ActivityRow.accredited_provider, wanted.accredited_provider),
                    same(ActivityRow.accme_activity_id, wanted.accme_activity_id),
                    same(ActivityRow.provider_activity_id, wanted.provider_activity_id),
                )
                .order_by(ActivityRow.created_at, ActivityRow.id)
                .limit(20)
            )
            .scalars()
            .all()
        )
        for candidate in self._activities(rows).values():
            if (
                candidate.joint_providers == wanted.joint_providers
                and candidate.designated
                == tuple(sorted(wanted.designated, key=lambda c: c.type_code))
            ):
                return candidate
        return None

    def _activities(self, rows: Iterable[ActivityRow]) -> dict[UUID, Activity]:
        by_id = {r.id: r for r in rows}
        designated: dict[UUID, list[CreditClaim]] = defaultdict(list)
        if by_id:
            for c in self._session.execute(
                select(ActivityCreditRow).where(ActivityCreditRow.activity_id.in_(by_id))
            ).scalars():
                designated[c.activity_id].append(
                    CreditClaim(c.type_code, c.amount, CreditRole.DESIGNATED)
                )
        return {
            aid: Activity(
                id=r.id,
                title=r.title,
                provider=r.provider,
                format=ActivityFormat(r.format),
                accredited_provider=r.accredited_provider,
                joint_providers=tuple(r.joint_providers),
                start_date=r.start_date,
                end_date=r.end_date,
                accme_activity_id=r.accme_activity_id,
                provider_activity_id=r.provider_activity_id,
                designated=tuple(sorted(designated[aid], key=lambda c: c.type_code)),
            )
            for aid, r in by_id.items()
        }

    # --- completions ----------------------------------------------------------------------
    def _require_physician(self, physician_id: UUID) -> None:
        found = self._session.execute(
            select(PhysicianRow.id).where(
                PhysicianRow.id == physician_id, self._scope.clause(PhysicianRow.id)
            )
        ).first()
        if found is None:
            raise NotFoundError(
                f"no physician {physician_id}; `cmeledger physician list` shows the ids"
            )

    def add(self, completion: Completion) -> None:
        self._require_physician(completion.physician_id)
        head, credits, provenance = completion_rows(completion, datetime.now(UTC))
        self._session.execute(insert(_COMPLETIONS).values(head))
        self._session.execute(insert(_COMPLETION_CREDITS), credits)
        if provenance:
            self._session.execute(insert(_PROVENANCE), provenance)
        ledger_revision.bump(self._session, [completion.physician_id])
        self._audit.record(
            events.COMPLETION_CREATED,
            "completion",
            completion.id,
            physician_id=completion.physician_id,
            activity_id=str(completion.activity.id),
            completed_on=completion.completed_on.isoformat(),
            credits={c.type_code: str(c.amount) for c in completion.credits},
        )

    def add_many(self, completions: Sequence[Completion]) -> int:
        """Insert a batch with one executemany per table and one audit entry for the batch.

        The audit entry names every completion id it covers, so each one stays traceable.
        """
        if not completions:
            return 0
        physicians = {c.physician_id for c in completions}
        if not self._scope.allows_all(physicians):
            raise NotFoundError("a completion names a physician outside your access")
        now = datetime.now(UTC)
        heads: list[dict[str, Any]] = []
        credits: list[dict[str, Any]] = []
        provenance: list[dict[str, Any]] = []
        for completion in completions:
            head, c_rows, p_rows = completion_rows(completion, now)
            heads.append(head)
            credits.extend(c_rows)
            provenance.extend(p_rows)
        self._session.execute(insert(_COMPLETIONS), heads)
        self._session.execute(insert(_COMPLETION_CREDITS), credits)
        if provenance:
            self._session.execute(insert(_PROVENANCE), provenance)
        ledger_revision.bump(self._session, physicians)
        self._audit.record(
            events.COMPLETIONS_BULK_CREATED,
            "completion",
            None,
            count=len(completions),
            ids=[str(c.id) for c in completions],
        )
        return len(completions)

    def for_physician(
        self,
        physician_id: UUID,
        *,
        since: date | None = None,
        until: date | None = None,
        provenance: bool = True,
    ) -> list[Completion]:
        """`provenance=False` leaves the evidence out, for readers that only count hours
        (compliance): it is the costliest part to load (one JSON document per source)."""
        self._require_physician(physician_id)
        query = select(CompletionRow).where(
            CompletionRow.physician_id == physician_id,
            self._scope.clause(CompletionRow.physician_id),
        )
        if since is not None:
            query = query.where(CompletionRow.completed_on >= since)
        if until is not None:
            query = query.where(CompletionRow.completed_on <= until)
        rows = (
            self._session.execute(query.order_by(CompletionRow.completed_on, CompletionRow.id))
            .scalars()
            .all()
        )
        return self._hydrate(rows, provenance=provenance)

    def add_provenance(
        self, physician_id: UUID, completion_id: UUID, provenance: Provenance
    ) -> bool:
        """More evidence for a completion we already have (the same certificate seen again).

        The same page of the same document is recorded once: re-importing a file adds nothing.
        """
        owner = self._session.execute(
            select(CompletionRow.physician_id).where(
                CompletionRow.id == completion_id,
                CompletionRow.physician_id == physician_id,
                self._scope.clause(CompletionRow.physician_id),
            )
        ).first()
        if owner is None:
            raise NotFoundError(f"no credit {completion_id} for physician {physician_id}")
        if provenance.document_sha256 is not None:
            seen = self._session.execute(
                select(ProvenanceRow.id)
                .where(
                    ProvenanceRow.completion_id == completion_id,
                    ProvenanceRow.document_sha256 == provenance.document_sha256,
                    ProvenanceRow.page.is_(None)
                    if provenance.page is None
                    else ProvenanceRow.page == provenance.page,
                )
                .limit(1)
            ).first()
            if seen is not None:
                return False
        row = {
            "completion_id": completion_id,
            "source_kind": provenance.source_kind.value,
            "method": provenance.method,
            "confidence_milli": int(provenance.confidence * 1000),
            "document_sha256": provenance.document_sha256,
            "page": provenance.page,
            "detail": None if provenance.detail is None else dict(provenance.detail),
        }
        self._session.execute(insert(_PROVENANCE).values(row))
        self._audit.record(
            events.COMPLETION_EVIDENCE_ADDED,
            "completion",
            completion_id,
            physician_id=physician_id,
            source_kind=provenance.source_kind.value,
            document_sha256=provenance.document_sha256,
        )
        return True

    def set_topics(
        self, physician_id: UUID, completion_id: UUID, topics: tuple[str, ...]
    ) -> tuple[str, ...]:
        """Replace a completion's topic tags (a person's override); returns the old ones."""
        row = self._session.execute(
            select(CompletionRow).where(
                CompletionRow.id == completion_id,
                CompletionRow.physician_id == physician_id,
                self._scope.clause(CompletionRow.physician_id),
            )
        ).scalar_one_or_none()
        if row is None:
            raise NotFoundError(f"no credit {completion_id} for physician {physician_id}")
        before = tuple(row.topics)
        row.topics = list(topics)
        self._session.flush()
        ledger_revision.bump(self._session, [physician_id])
        self._audit.record(
            events.COMPLETION_TOPICS_CHANGED,
            "completion",
            completion_id,
            physician_id=physician_id,
            before=list(before),
            after=list(topics),
        )
        return before

    def delete(self, physician_id: UUID, completion_id: UUID) -> None:
        result = self._session.execute(
            delete(CompletionRow)
            .where(
                CompletionRow.id == completion_id,
                CompletionRow.physician_id == physician_id,
                self._scope.clause(CompletionRow.physician_id),
            )
            .returning(CompletionRow.id)
        )
        if result.first() is None:
            raise NotFoundError(f"no credit {completion_id} for physician {physician_id}")
        ledger_revision.bump(self._session, [physician_id])
        self._audit.record(
            events.COMPLETION_DELETED, "completion", completion_id, physician_id=physician_id
        )

    # --- one credit, and pages of them ------------------------------------------------------
    def one(self, physician_id: UUID, completion_id: UUID, *, lock: bool = False) -> Completion:
        """One completion with its credits and provenance. `lock` holds its row until the
        transaction ends, so a check-then-write (If-Match) cannot be overtaken."""
        query = select(CompletionRow).where(
            CompletionRow.id == completion_id,
            CompletionRow.physician_id == physician_id,
            self._scope.clause(CompletionRow.physician_id),
        )
        if lock:
            query = query.with_for_update()
        row = self._session.execute(query).scalar_one_or_none()
        if row is None:
            raise NotFoundError(f"no credit {completion_id} for physician {physician_id}")
        return self._hydrate([row])[0]

    def page(
        self,
        physician_id: UUID,
        *,
        since: date | None = None,
        until: date | None = None,
        title_contains: str | None = None,
        source: SourceKind | None = None,
        sort: str = "date",
        descending: bool = True,
        limit: int = 100,
        offset: int = 0,
    ) -> tuple[list[Completion], int]:
        """One page of a physician's completions, filtered and sorted in the database, and the
        number that match. `sort` is date, title or hours (the largest credit amount)."""
        if sort not in CREDIT_SORTS:
            raise ValueError(f"sort must be one of {CREDIT_SORTS}")
        self._require_physician(physician_id)
        conditions: list[Any] = [
            CompletionRow.physician_id == physician_id,
            self._scope.clause(CompletionRow.physician_id),
        ]
        if since is not None:
            conditions.append(CompletionRow.completed_on >= since)
        if until is not None:
            conditions.append(CompletionRow.completed_on <= until)
        if title_contains:
            conditions.append(ActivityRow.title.ilike(_like_pattern(title_contains), escape="\\"))
        if source is not None:
            conditions.append(
                exists().where(
                    ProvenanceRow.completion_id == CompletionRow.id,
                    ProvenanceRow.source_kind == source.value,
                )
            )
        joined = select(CompletionRow.id).join(
            ActivityRow, ActivityRow.id == CompletionRow.activity_id
        )
        total = int(
            self._session.execute(
                select(func.count()).select_from(joined.where(*conditions).subquery())
            ).scalar_one()
        )
        hours = (
            select(func.max(_COMPLETION_CREDITS.c.amount))
            .where(_COMPLETION_CREDITS.c.completion_id == CompletionRow.id)
            .scalar_subquery()
        )
        key: Any = {
            "date": CompletionRow.completed_on,
            "title": func.lower(ActivityRow.title),
            "hours": hours,
        }[sort]
        order = [key.desc() if descending else key.asc()]
        if sort != "date":
            order.append(CompletionRow.completed_on.desc())
        order.append(CompletionRow.id.desc() if descending else CompletionRow.id.asc())
        rows = (
            self._session.execute(
                select(CompletionRow)
                .join(ActivityRow, ActivityRow.id == CompletionRow.activity_id)
                .where(*conditions)
                .order_by(*order)
                .limit(limit)
                .offset(offset)
            )
            .scalars()
            .all()
        )
        return self._hydrate(rows), total

    def _hydrate(
        self, rows: Sequence[CompletionRow], *, provenance: bool = True
    ) -> list[Completion]:
        """Completions with their credits, provenance and activity, in the order of `rows`."""
        if not rows:
            return []
        ids = [r.id for r in rows]
        credits: dict[UUID, list[CreditClaim]] = defaultdict(list)
        for c in self._session.execute(
            select(CompletionCreditRow)
            .where(CompletionCreditRow.completion_id.in_(ids))
            .order_by(CompletionCreditRow.type_code)
        ).scalars():
            credits[c.completion_id].append(CreditClaim(c.type_code, c.amount))
        evidence: dict[UUID, list[Provenance]] = defaultdict(list)
        found = (
            self._session.execute(
                select(ProvenanceRow)
                .where(ProvenanceRow.completion_id.in_(ids))
                .order_by(ProvenanceRow.id)
            ).scalars()
            if provenance
            else ()
        )
        for p in found:
            evidence[p.completion_id].append(
                Provenance(
                    source_kind=SourceKind(p.source_kind),
                    method=p.method,
                    confidence=Decimal(p.confidence_milli).scaleb(-3),
                    document_sha256=p.document_sha256,
                    page=p.page,
                    detail=p.detail,
                )
            )
        activities = self._activities(
            self._session.execute(
                select(ActivityRow).where(ActivityRow.id.in_({r.activity_id for r in rows}))
            ).scalars()
        )
        return [
            Completion(
                id=r.id,
                physician_id=r.physician_id,
                activity=activities[r.activity_id],
                completed_on=r.completed_on,
                credits=tuple(credits[r.id]),
                topics=tuple(r.topics),
                provenance=tuple(evidence[r.id]),
            )
            for r in rows
        ]
