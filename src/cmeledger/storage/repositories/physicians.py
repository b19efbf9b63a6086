"""Physicians: create, list without secrets, and read with secrets (audited)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Row, func, select
from sqlalchemy.orm import Session

from cmeledger.audit import events
from cmeledger.domain.people import Degree, MonthDay, Physician
from cmeledger.errors import NotFoundError
from cmeledger.storage.crypto import FieldCipher
from cmeledger.storage.models import PhysicianRow
from cmeledger.storage.repositories import ledger_revision
from cmeledger.storage.repositories.audit import AuditRepository
from cmeledger.storage.repositories.sealed import BIRTH, reveal, seal
from cmeledger.storage.scope import Scope

# Lives here until audit/events.py carries it (that module belongs to another change).
PROFILE_FIELDS = frozenset(
    {"first_name", "last_name", "degree", "npi", "email", "birth", "credentials"}
)


@dataclass(frozen=True, slots=True)
class PhysicianSummary:
    """What lists show: no encrypted field, so listing needs no audit entry per row."""

    id: UUID
    first_name: str
    last_name: str
    degree: Degree
    npi: str | None
    email: str | None
    revision: int  # the ledger revision when read: a status computed after it is current

    @property
    def display_name(self) -> str:
        return f"{self.first_name} {self.last_name}, {self.degree.value}"


# Plain table columns: `require` is on every request's path, where the ORM layer would
# cost more than the query itself.
_PHYSICIANS = PhysicianRow.__table__.c
_SUMMARY_COLUMNS = (
    _PHYSICIANS.id,
    _PHYSICIANS.first_name,
    _PHYSICIANS.last_name,
    _PHYSICIANS.degree,
    _PHYSICIANS.npi,
    _PHYSICIANS.email,
    _PHYSICIANS.ledger_revision,
)


class PhysicianRepository:
    def __init__(
        self, session: Session, scope: Scope, cipher: FieldCipher, audit: AuditRepository
    ) -> None:
        self._session = session
        self._scope = scope
        self._cipher = cipher
        self._audit = audit

    def add(self, physician: Physician) -> None:
        self._scope.require(physician.id)
        now = datetime.now(UTC)
        birth = (
            None
            if physician.birth is None
            else seal(self._cipher, BIRTH, str(physician.birth), physician.id, physician.id)
        )
        self._session.add(
            PhysicianRow(
                id=physician.id,
                first_name=physician.first_name,
                last_name=physician.last_name,
                degree=physician.degree.value,
                npi=physician.npi,
                email=physician.email,
                credentials=list(physician.credentials),
                birth_enc=birth,
                created_at=now,
                updated_at=now,
            )
        )
        self._audit.record(
            events.PHYSICIAN_CREATED,
            "physician",
            physician.id,
            physician_id=physician.id,
            degree=physician.degree.value,
            has_birth=physician.birth is not None,
        )

    def _row(self, physician_id: UUID) -> PhysicianRow:
        row = self._session.execute(
            select(PhysicianRow).where(
                PhysicianRow.id == physician_id, self._scope.clause(PhysicianRow.id)
            )
        ).scalar_one_or_none()
        if row is None:
            raise NotFoundError(
                f"no physician {physician_id}; `cmeledger physician list` shows the ids"
            )
        return row

    def require(self, physician_id: UUID) -> PhysicianSummary:
        """The physician's summary, or NotFoundError if absent or outside the scope.

        Read as columns, not as a mapped row, so the revision is always the stored one,
        never a value the session kept from earlier."""
        found = self._session.execute(
            select(*_SUMMARY_COLUMNS).where(
                _PHYSICIANS.id == physician_id, self._scope.clause(_PHYSICIANS.id)
            )
        ).one_or_none()
        if found is None:
            raise NotFoundError(
                f"no physician {physician_id}; `cmeledger physician list` shows the ids"
            )
        return _summary(found)

    def get(self, physician_id: UUID) -> Physician:
        """The full record; decrypting the birth month/day is audited."""
        row = self._row(physician_id)
        birth = None
        if row.birth_enc is not None:
            birth = MonthDay.parse(
                reveal(
                    self._cipher,
                    self._audit,
                    BIRTH,
                    row.birth_enc,
                    row_id=row.id,
                    owner_id=row.id,
                    event=events.PHYSICIAN_SENSITIVE_READ,
                    entity_type="physician",
                )
            )
        return Physician(
            id=row.id,
            first_name=row.first_name,
            last_name=row.last_name,
            degree=Degree(row.degree),
            npi=row.npi,
            email=row.email,
            birth=birth,
            credentials=tuple(row.credentials),
        )

    def summaries(self, *, limit: int = 1000, offset: int = 0) -> list[PhysicianSummary]:
        rows = self._session.execute(
            select(PhysicianRow)
            .where(self._scope.clause(PhysicianRow.id))
            .order_by(PhysicianRow.last_name, PhysicianRow.first_name, PhysicianRow.id)
            .limit(limit)
            .offset(offset)
        ).scalars()
        return [_summary(r) for r in rows]

    def count(self) -> int:
        return int(
            self._session.execute(
                select(func.count())
                .select_from(PhysicianRow)
                .where(self._scope.clause(PhysicianRow.id))
            ).scalar_one()
        )

    def find_by_email(self, email: str) -> PhysicianSummary | None:
        row = self._session.execute(
            select(PhysicianRow)
            .where(
                func.lower(PhysicianRow.email) == email.lower(), self._scope.clause(PhysicianRow.id)
            )
            .order_by(PhysicianRow.created_at)
            .limit(1)
        ).scalar_one_or_none()
        return None if row is None else _summary(row)

    def lock(self, physician_id: UUID) -> PhysicianSummary:
        """The summary, with the row locked until the transaction ends (PostgreSQL; SQLite
        transactions here already hold the write lock): a check-then-write such as an
        If-Match comparison cannot be overtaken by another writer."""
        row = self._session.execute(
            select(PhysicianRow)
            .where(PhysicianRow.id == physician_id, self._scope.clause(PhysicianRow.id))
            .with_for_update()
        ).scalar_one_or_none()
        if row is None:
            raise NotFoundError(f"no physician {physician_id}")
        return _summary(row)

    def update_profile(self, physician: Physician, fields: Collection[str]) -> None:
        """Write the named profile fields of `physician` (validated by the domain already).

        The audit entry names the fields that changed, never their values."""
        unknown = set(fields) - PROFILE_FIELDS
        if unknown:
            raise ValueError(f"not profile fields: {sorted(unknown)}")
        row = self._row(physician.id)
        values: dict[str, object] = {
            "first_name": physician.first_name,
            "last_name": physician.last_name,
            "degree": physician.degree.value,
            "npi": physician.npi,
            "email": physician.email,
            "credentials": list(physician.credentials),
        }
        for name in sorted(set(fields) - {"birth"}):
            setattr(row, name, values[name])
        if "birth" in fields:
            row.birth_enc = (
                None
                if physician.birth is None
                else seal(self._cipher, BIRTH, str(physician.birth), row.id, row.id)
            )
        row.updated_at = datetime.now(UTC)
        self._session.flush()
        ledger_revision.bump(self._session, [row.id])
        self._audit.record(
            events.PHYSICIAN_UPDATED,
            "physician",
            physician.id,
            physician_id=physician.id,
            fields=sorted(fields),
        )


def _summary(row: PhysicianRow | Row[Any]) -> PhysicianSummary:
    return PhysicianSummary(
        row.id,
        row.first_name,
        row.last_name,
        Degree(row.degree),
        row.npi,
        row.email,
        row.ledger_revision,
    )
