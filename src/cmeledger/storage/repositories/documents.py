"""Documents a physician uploaded; the bytes live in the blob store, rows here."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cmeledger.audit import events
from cmeledger.errors import NotFoundError
from cmeledger.storage.models import DocumentRow
from cmeledger.storage.repositories.audit import AuditRepository
from cmeledger.storage.scope import Scope


@dataclass(frozen=True, slots=True)
class Document:
    id: UUID
    physician_id: UUID
    sha256: str
    size: int
    media_type: str
    original_name: str


class DocumentRepository:
    def __init__(self, session: Session, scope: Scope, audit: AuditRepository) -> None:
        self._session = session
        self._scope = scope
        self._audit = audit

    def attach(
        self, physician_id: UUID, sha256: str, size: int, media_type: str, original_name: str
    ) -> tuple[Document, bool]:
        """The physician's document with this content, stored once. True if it is new."""
        self._scope.require(physician_id)
        row = self._session.execute(
            select(DocumentRow).where(
                DocumentRow.physician_id == physician_id,
                DocumentRow.sha256 == sha256,
                self._scope.clause(DocumentRow.physician_id),
            )
        ).scalar_one_or_none()
        if row is not None:
            return _document(row), False
        row = DocumentRow(
            id=uuid.uuid4(),
            physician_id=physician_id,
            sha256=sha256,
            size=size,
            media_type=media_type,
            original_name=original_name[:255],
            created_at=datetime.now(UTC),
        )
        self._session.add(row)
        self._audit.record(
            events.DOCUMENT_STORED,
            "document",
            row.id,
            physician_id=physician_id,
            sha256=sha256,
            size=size,
            media_type=media_type,
        )
        return _document(row), True

    def for_physician(self, physician_id: UUID) -> list[Document]:
        rows = self._session.execute(
            select(DocumentRow)
            .where(
                DocumentRow.physician_id == physician_id,
                self._scope.clause(DocumentRow.physician_id),
            )
            .order_by(DocumentRow.created_at, DocumentRow.id)
        ).scalars()
        return [_document(r) for r in rows]

    def get(self, physician_id: UUID, document_id: UUID) -> Document:
        row = self._session.execute(
            select(DocumentRow).where(
                DocumentRow.id == document_id,
                DocumentRow.physician_id == physician_id,
                self._scope.clause(DocumentRow.physician_id),
            )
        ).scalar_one_or_none()
        if row is None:
            raise NotFoundError(f"no document {document_id} for physician {physician_id}")
        return _document(row)

    def by_sha256(self, physician_id: UUID, sha256: str) -> Document | None:
        row = self._session.execute(
            select(DocumentRow).where(
                DocumentRow.physician_id == physician_id,
                DocumentRow.sha256 == sha256,
                self._scope.clause(DocumentRow.physician_id),
            )
        ).scalar_one_or_none()
        return None if row is None else _document(row)

    def page(self, physician_id: UUID, *, limit: int, offset: int) -> tuple[list[Document], int]:
        """Newest first, and how many the physician has in all."""
        where = (
            DocumentRow.physician_id == physician_id,
            self._scope.clause(DocumentRow.physician_id),
        )
        total = int(
            self._session.execute(
                select(func.count()).select_from(DocumentRow).where(*where)
            ).scalar_one()
        )
        rows = self._session.execute(
            select(DocumentRow)
            .where(*where)
            .order_by(DocumentRow.created_at.desc(), DocumentRow.id)
            .limit(limit)
            .offset(offset)
        ).scalars()
        return [_document(r) for r in rows], total


def _document(row: DocumentRow) -> Document:
    return Document(
        row.id, row.physician_id, row.sha256, row.size, row.media_type, row.original_name
    )
