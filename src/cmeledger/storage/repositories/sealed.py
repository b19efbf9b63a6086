"""Every sealed column in one registry, so key rotation cannot forget one."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from cmeledger.storage.access_models import OrganisationRow
from cmeledger.storage.crypto import FieldCipher, field_aad
from cmeledger.storage.models import (
    BoardCertificationRow,
    DeaRegistrationRow,
    LicenseRow,
    ParsLearnerRecordRow,
    ParsProviderRow,
    PhysicianRow,
)
from cmeledger.storage.repositories.audit import AuditRepository


@dataclass(frozen=True, slots=True)
class SealedColumn:
    model: Any
    column: str
    aad_field: str
    owner: str = "physician_id"
    owner_kind: str = "physician"  # or provider, organisation: whose data, for the audit entry

    @property
    def table(self) -> str:
        return str(self.model.__tablename__)


BIRTH = SealedColumn(PhysicianRow, "birth_enc", "birth", owner="id")
LICENSE_NUMBER = SealedColumn(LicenseRow, "number_enc", "number")
BOARD_ID = SealedColumn(BoardCertificationRow, "board_id_enc", "board_id")
DEA_NUMBER = SealedColumn(DeaRegistrationRow, "number_enc", "number")
PARS_PASSWORD = SealedColumn(
    ParsProviderRow, "ws_password_enc", "ws_password", owner="id", owner_kind="provider"
)
_LEARNER = {"owner": "provider_id", "owner_kind": "provider"}
LEARNER_BIRTH = SealedColumn(ParsLearnerRecordRow, "birth_enc", "birth", **_LEARNER)
LEARNER_LICENSE = SealedColumn(
    ParsLearnerRecordRow, "license_number_enc", "license_number", **_LEARNER
)
LEARNER_NPI = SealedColumn(ParsLearnerRecordRow, "npi_enc", "npi", **_LEARNER)
LEARNER_BOARD_ID = SealedColumn(ParsLearnerRecordRow, "board_id_enc", "board_id", **_LEARNER)
OIDC_SECRET = SealedColumn(
    OrganisationRow,
    "oidc_client_secret_enc",
    "oidc_client_secret",
    owner="id",
    owner_kind="organisation",
)
SEALED_COLUMNS: tuple[SealedColumn, ...] = (
    BIRTH,
    LICENSE_NUMBER,
    BOARD_ID,
    DEA_NUMBER,
    PARS_PASSWORD,
    LEARNER_BIRTH,
    LEARNER_LICENSE,
    LEARNER_NPI,
    LEARNER_BOARD_ID,
    OIDC_SECRET,
)


def seal(
    cipher: FieldCipher, column: SealedColumn, value: str, row_id: UUID, owner_id: UUID
) -> bytes:
    return cipher.encrypt(value, field_aad(column.table, column.aad_field, row_id, owner_id))


def reveal(
    cipher: FieldCipher,
    audit: AuditRepository,
    column: SealedColumn,
    blob: bytes,
    *,
    row_id: UUID,
    owner_id: UUID,
    event: str,
    entity_type: str,
) -> str:
    """The one way to read a sealed value: decrypt it and write the audit entry together."""
    (value,) = reveal_row(
        cipher,
        audit,
        [(column, blob)],
        row_id=row_id,
        owner_id=owner_id,
        event=event,
        entity_type=entity_type,
    )
    assert value is not None
    return value


def reveal_row(
    cipher: FieldCipher,
    audit: AuditRepository,
    fields: list[tuple[SealedColumn, bytes | None]],
    *,
    row_id: UUID,
    owner_id: UUID,
    event: str,
    entity_type: str,
) -> list[str | None]:
    """Several sealed values of one row, with one audit entry naming every field read."""
    values = [
        None
        if blob is None
        else cipher.decrypt(blob, field_aad(column.table, column.aad_field, row_id, owner_id))
        for column, blob in fields
    ]
    names = [column.aad_field for column, blob in fields if blob is not None]
    if not names:
        return values
    kinds = {column.owner_kind for column, _ in fields}
    assert len(kinds) == 1, "one row has one owner"
    if kinds == {"physician"}:
        audit.record(event, entity_type, row_id, physician_id=owner_id, fields=names)
    else:
        (kind,) = kinds
        owner: dict[str, Any] = {f"{kind}_id": str(owner_id)}
        audit.record(event, entity_type, row_id, fields=names, **owner)
    return values


class SealedRepository:
    """Bulk access to ciphertext for key rotation; plaintext never leaves this class."""

    def __init__(self, session: Session, cipher: FieldCipher) -> None:
        self._session = session
        self._cipher = cipher

    def page_after(
        self, sealed: SealedColumn, after: UUID | None, limit: int
    ) -> list[tuple[UUID, UUID, bytes]]:
        """Up to `limit` (row id, owner id, ciphertext) with ids above `after` (keyset paging)."""
        model, column = sealed.model, getattr(sealed.model, sealed.column)
        query = (
            select(model.id, getattr(model, sealed.owner), column)
            .where(column.is_not(None))
            .order_by(model.id)
        )
        if after is not None:
            query = query.where(model.id > after)
        return [(r[0], r[1], bytes(r[2])) for r in self._session.execute(query.limit(limit))]

    def pages(self, sealed: SealedColumn, limit: int) -> Iterator[list[tuple[UUID, UUID, bytes]]]:
        after: UUID | None = None
        while rows := self.page_after(sealed, after, limit):
            yield rows
            after = rows[-1][0]

    def reseal(self, sealed: SealedColumn, rows: list[tuple[UUID, UUID, bytes]]) -> int:
        """Re-encrypt under the active key every value that is under another; returns count."""
        active = self._cipher.keyring.active_id
        changed = 0
        for row_id, owner_id, blob in rows:
            if self._cipher.key_id_of(blob) == active:
                continue
            aad = field_aad(sealed.table, sealed.aad_field, row_id, owner_id)
            fresh = self._cipher.encrypt(self._cipher.decrypt(blob, aad), aad)
            self._session.execute(
                update(sealed.model)
                .where(sealed.model.id == row_id, getattr(sealed.model, sealed.column) == blob)
                .values({sealed.column: fresh}),
                execution_options={"synchronize_session": False},
            )
            changed += 1
        return changed

    def count_under(self, key_id: str) -> int:
        return sum(
            1
            for sealed in SEALED_COLUMNS
            for page in self.pages(sealed, 1000)
            for _, _, blob in page
            if self._cipher.key_id_of(blob) == key_id
        )
