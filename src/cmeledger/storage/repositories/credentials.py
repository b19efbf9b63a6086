"""Licences, board certifications and DEA registrations; numbers are sealed and audited."""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cmeledger.audit import events
from cmeledger.domain.people import (
    BoardCertification,
    BoardType,
    DeaRegistration,
    License,
    LicenseStatus,
)
from cmeledger.errors import ConflictError, NotFoundError
from cmeledger.storage.crypto import FieldCipher
from cmeledger.storage.models import BoardCertificationRow, DeaRegistrationRow, LicenseRow
from cmeledger.storage.repositories import ledger_revision
from cmeledger.storage.repositories.audit import AuditRepository
from cmeledger.storage.repositories.sealed import BOARD_ID, DEA_NUMBER, LICENSE_NUMBER, reveal, seal
from cmeledger.storage.scope import Scope


# Blind-index purposes: a licence number in one state must not match the same digits in another.
def license_index_purpose(jurisdiction: str, board_type: str) -> str:
    return f"license:{jurisdiction}:{board_type}"


# Stands in for a licence number that was deliberately not decrypted.
SEALED = "(sealed)"
BOARD_ID_PURPOSE = "board_id"
DEA_PURPOSE = "dea"


class CredentialRepository:
    def __init__(
        self, session: Session, scope: Scope, cipher: FieldCipher, audit: AuditRepository
    ) -> None:
        self._session = session
        self._scope = scope
        self._cipher = cipher
        self._audit = audit

    def _insert(
        self, row: LicenseRow | BoardCertificationRow | DeaRegistrationRow, what: str
    ) -> None:
        try:
            with self._session.begin_nested():
                self._session.add(row)
                self._session.flush()
        except IntegrityError:
            raise ConflictError(f"{what} is already on record") from None
        ledger_revision.bump(self._session, [row.physician_id])

    # --- licences -----------------------------------------------------------------------
    def add_license(self, lic: License) -> None:
        self._scope.require(lic.physician_id)
        purpose = license_index_purpose(lic.jurisdiction, lic.board_type.value)
        self._insert(
            LicenseRow(
                id=lic.id,
                physician_id=lic.physician_id,
                jurisdiction=lic.jurisdiction,
                board_type=lic.board_type.value,
                number_enc=seal(self._cipher, LICENSE_NUMBER, lic.number, lic.id, lic.physician_id),
                number_bidx=self._cipher.blind_index(purpose, lic.number),
                issued=lic.issued,
                expires=lic.expires,
                status=lic.status.value,
                created_at=datetime.now(UTC),
            ),
            f"a {lic.jurisdiction} {lic.board_type.value} licence with that number",
        )
        self._audit.record(
            events.LICENSE_CREATED,
            "license",
            lic.id,
            physician_id=lic.physician_id,
            jurisdiction=lic.jurisdiction,
            board_type=lic.board_type.value,
            expires=lic.expires.isoformat(),
        )

    def _license_rows(self, physician_id: UUID) -> list[LicenseRow]:
        return list(
            self._session.execute(
                select(LicenseRow)
                .where(
                    LicenseRow.physician_id == physician_id,
                    self._scope.clause(LicenseRow.physician_id),
                )
                .order_by(LicenseRow.jurisdiction, LicenseRow.board_type, LicenseRow.id)
            ).scalars()
        )

    def _certification_rows(self, physician_id: UUID) -> list[BoardCertificationRow]:
        return list(
            self._session.execute(
                select(BoardCertificationRow)
                .where(
                    BoardCertificationRow.physician_id == physician_id,
                    self._scope.clause(BoardCertificationRow.physician_id),
                )
                .order_by(BoardCertificationRow.board, BoardCertificationRow.id)
            ).scalars()
        )

    def licenses(self, physician_id: UUID) -> list[License]:
        rows = self._license_rows(physician_id)
        return [self._reveal_license(r) for r in rows]

    def license_terms(self, physician_id: UUID) -> list[License]:
        """Licences with their dates and status but the number left sealed (not decrypted, so
        not audited as read): what compliance needs, and nothing more."""
        rows = self._license_rows(physician_id)
        return [
            License(
                id=r.id,
                physician_id=r.physician_id,
                jurisdiction=r.jurisdiction,
                board_type=BoardType(r.board_type),
                number=SEALED,
                expires=r.expires,
                issued=r.issued,
                status=LicenseStatus(r.status),
            )
            for r in rows
        ]

    def dea_terms(self, physician_id: UUID) -> list[tuple[UUID, date]]:
        """(registration id, expiry) of each DEA registration, the number left sealed."""
        rows = self._session.execute(
            select(DeaRegistrationRow.id, DeaRegistrationRow.expires)
            .where(
                DeaRegistrationRow.physician_id == physician_id,
                self._scope.clause(DeaRegistrationRow.physician_id),
            )
            .order_by(DeaRegistrationRow.expires, DeaRegistrationRow.id)
        ).all()
        return [(r.id, r.expires) for r in rows]

    def certification_terms(self, physician_id: UUID) -> list[BoardCertification]:
        """Board certifications with their dates; the board ID stays sealed (not read)."""
        rows = self._certification_rows(physician_id)
        return [
            BoardCertification(
                id=r.id,
                physician_id=r.physician_id,
                board=r.board,
                specialty=r.specialty,
                board_id=None,
                starts=r.starts,
                ends=r.ends,
            )
            for r in rows
        ]

    def find_license(self, jurisdiction: str, board_type: BoardType, number: str) -> License | None:
        """Look a licence up by its number without ever storing or querying the plaintext."""
        purpose = license_index_purpose(jurisdiction, board_type.value)
        row = self._session.execute(
            select(LicenseRow).where(
                LicenseRow.jurisdiction == jurisdiction,
                LicenseRow.board_type == board_type.value,
                LicenseRow.number_bidx == self._cipher.blind_index(purpose, number),
                self._scope.clause(LicenseRow.physician_id),
            )
        ).scalar_one_or_none()
        if row is None:
            return None
        self._audit.record(
            events.LICENSE_LOOKED_UP, "license", row.id, physician_id=row.physician_id, by="number"
        )
        return self._reveal_license(row)

    def _reveal_license(self, row: LicenseRow) -> License:
        number = reveal(
            self._cipher,
            self._audit,
            LICENSE_NUMBER,
            row.number_enc,
            row_id=row.id,
            owner_id=row.physician_id,
            event=events.LICENSE_SENSITIVE_READ,
            entity_type="license",
        )
        return License(
            id=row.id,
            physician_id=row.physician_id,
            jurisdiction=row.jurisdiction,
            board_type=BoardType(row.board_type),
            number=number,
            expires=row.expires,
            issued=row.issued,
            status=LicenseStatus(row.status),
        )

    # --- board certifications -----------------------------------------------------------
    def add_certification(self, cert: BoardCertification) -> None:
        self._scope.require(cert.physician_id)
        enc = bidx = None
        if cert.board_id is not None:
            enc = seal(self._cipher, BOARD_ID, cert.board_id, cert.id, cert.physician_id)
            bidx = self._cipher.blind_index(f"{BOARD_ID_PURPOSE}:{cert.board}", cert.board_id)
        self._insert(
            BoardCertificationRow(
                id=cert.id,
                physician_id=cert.physician_id,
                board=cert.board,
                specialty=cert.specialty,
                board_id_enc=enc,
                board_id_bidx=bidx,
                starts=cert.starts,
                ends=cert.ends,
                created_at=datetime.now(UTC),
            ),
            "that certification",
        )
        self._audit.record(
            events.CERTIFICATION_CREATED,
            "certification",
            cert.id,
            physician_id=cert.physician_id,
            board=cert.board,
            specialty=cert.specialty,
            has_board_id=cert.board_id is not None,
        )

    def certifications(self, physician_id: UUID) -> list[BoardCertification]:
        return [self._reveal_certification(r) for r in self._certification_rows(physician_id)]

    def _reveal_certification(self, row: BoardCertificationRow) -> BoardCertification:
        board_id = None
        if row.board_id_enc is not None:
            board_id = reveal(
                self._cipher,
                self._audit,
                BOARD_ID,
                row.board_id_enc,
                row_id=row.id,
                owner_id=row.physician_id,
                event=events.CERTIFICATION_SENSITIVE_READ,
                entity_type="certification",
            )
        return BoardCertification(
            id=row.id,
            physician_id=row.physician_id,
            board=row.board,
            specialty=row.specialty,
            board_id=board_id,
            starts=row.starts,
            ends=row.ends,
        )

    # --- DEA ----------------------------------------------------------------------------
    def add_dea(self, reg: DeaRegistration) -> None:
        self._scope.require(reg.physician_id)
        self._insert(
            DeaRegistrationRow(
                id=reg.id,
                physician_id=reg.physician_id,
                number_enc=seal(self._cipher, DEA_NUMBER, reg.number, reg.id, reg.physician_id),
                number_bidx=self._cipher.blind_index(DEA_PURPOSE, reg.number),
                issued=reg.issued,
                expires=reg.expires,
                created_at=datetime.now(UTC),
            ),
            "that DEA registration",
        )
        self._audit.record(
            events.DEA_CREATED,
            "dea",
            reg.id,
            physician_id=reg.physician_id,
            expires=reg.expires.isoformat(),
        )

    def dea_registrations(self, physician_id: UUID) -> list[DeaRegistration]:
        rows = (
            self._session.execute(
                select(DeaRegistrationRow)
                .where(
                    DeaRegistrationRow.physician_id == physician_id,
                    self._scope.clause(DeaRegistrationRow.physician_id),
                )
                .order_by(DeaRegistrationRow.expires, DeaRegistrationRow.id)
            )
            .scalars()
            .all()
        )
        return [self._reveal_dea(r) for r in rows]

    def _reveal_dea(self, row: DeaRegistrationRow) -> DeaRegistration:
        number = reveal(
            self._cipher,
            self._audit,
            DEA_NUMBER,
            row.number_enc,
            row_id=row.id,
            owner_id=row.physician_id,
            event=events.DEA_SENSITIVE_READ,
            entity_type="dea",
        )
        return DeaRegistration(
            id=row.id,
            physician_id=row.physician_id,
            number=number,
            expires=row.expires,
            issued=row.issued,
        )

    # --- one record by id (each read of a number is audited) ------------------------------
    def license(self, physician_id: UUID, license_id: UUID) -> License:
        row = self._session.execute(
            select(LicenseRow).where(
                LicenseRow.id == license_id,
                LicenseRow.physician_id == physician_id,
                self._scope.clause(LicenseRow.physician_id),
            )
        ).scalar_one_or_none()
        if row is None:
            raise NotFoundError(f"no licence {license_id} for physician {physician_id}")
        return self._reveal_license(row)

    def certification(self, physician_id: UUID, certification_id: UUID) -> BoardCertification:
        row = self._session.execute(
            select(BoardCertificationRow).where(
                BoardCertificationRow.id == certification_id,
                BoardCertificationRow.physician_id == physician_id,
                self._scope.clause(BoardCertificationRow.physician_id),
            )
        ).scalar_one_or_none()
        if row is None:
            raise NotFoundError(f"no certification {certification_id} for physician {physician_id}")
        return self._reveal_certification(row)

    def dea_registration(self, physician_id: UUID, registration_id: UUID) -> DeaRegistration:
        row = self._session.execute(
            select(DeaRegistrationRow).where(
                DeaRegistrationRow.id == registration_id,
                DeaRegistrationRow.physician_id == physician_id,
                self._scope.clause(DeaRegistrationRow.physician_id),
            )
        ).scalar_one_or_none()
        if row is None:
            raise NotFoundError(
                f"no DEA registration {registration_id} for physician {physician_id}"
            )
        return self._reveal_dea(row)
