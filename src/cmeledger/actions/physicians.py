"""Registering physicians and what they hold."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from uuid import UUID

from cmeledger.domain.people import (
    BoardCertification,
    BoardType,
    DeaRegistration,
    Degree,
    License,
    LicenseStatus,
    MonthDay,
    Physician,
    check_jurisdiction,
)
from cmeledger.storage.ledger import Ledger


def add_physician(
    ledger: Ledger,
    *,
    first_name: str,
    last_name: str,
    degree: Degree,
    npi: str | None = None,
    email: str | None = None,
    birth: MonthDay | None = None,
    credentials: tuple[str, ...] = (),
) -> Physician:
    physician = Physician(
        id=uuid.uuid4(),
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        degree=degree,
        npi=npi,
        email=email,
        birth=birth,
        credentials=credentials,
    )
    ledger.physicians.add(physician)
    return physician


def add_license(
    ledger: Ledger,
    physician_id: UUID,
    *,
    jurisdiction: str,
    board_type: BoardType,
    number: str,
    expires: date,
    issued: date | None = None,
    status: LicenseStatus = LicenseStatus.ACTIVE,
) -> License:
    ledger.physicians.require(physician_id)
    lic = License(
        id=uuid.uuid4(),
        physician_id=physician_id,
        jurisdiction=check_jurisdiction(jurisdiction),
        board_type=board_type,
        number=number.strip(),
        expires=expires,
        issued=issued,
        status=status,
    )
    ledger.credentials.add_license(lic)
    return lic


def add_certification(
    ledger: Ledger,
    physician_id: UUID,
    *,
    board: str,
    specialty: str,
    board_id: str | None = None,
    starts: date | None = None,
    ends: date | None = None,
) -> BoardCertification:
    ledger.physicians.require(physician_id)
    cert = BoardCertification(
        id=uuid.uuid4(),
        physician_id=physician_id,
        board=board.strip().upper(),
        specialty=specialty.strip(),
        board_id=None if board_id is None else board_id.strip(),
        starts=starts,
        ends=ends,
    )
    ledger.credentials.add_certification(cert)
    return cert


def add_dea(
    ledger: Ledger, physician_id: UUID, *, number: str, expires: date, issued: date | None = None
) -> DeaRegistration:
    ledger.physicians.require(physician_id)
    reg = DeaRegistration(
        id=uuid.uuid4(), physician_id=physician_id, number=number, expires=expires, issued=issued
    )
    ledger.credentials.add_dea(reg)
    return reg


@dataclass(frozen=True, slots=True)
class Profile:
    physician: Physician
    licenses: list[License]
    certifications: list[BoardCertification]
    dea: list[DeaRegistration]


def physician_profile(ledger: Ledger, physician_id: UUID) -> Profile:
    """Everything about a physician, decrypted; each decryption is audited."""
    return Profile(
        physician=ledger.physicians.get(physician_id),
        licenses=ledger.credentials.licenses(physician_id),
        certifications=ledger.credentials.certifications(physician_id),
        dea=ledger.credentials.dea_registrations(physician_id),
    )
