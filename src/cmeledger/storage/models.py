"""Tables. Sensitive identifiers are stored only sealed (`*_enc`) and blind-indexed (`*_bidx`)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Hundredths(TypeDecorator[Decimal]):
    """Decimal amounts stored as integer hundredths: exact on every backend, cheap to sum."""

    impl = Integer
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> int | None:
        if value is None:
            return None
        scaled = value * 100
        if scaled != scaled.to_integral_value():
            raise ValueError("amount has more than two decimal places")
        return int(scaled)

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        return None if value is None else Decimal(int(value)).scaleb(-2)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class PhysicianRow(Base):
    __tablename__ = "physicians"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    first_name: Mapped[str] = mapped_column(String(120))
    last_name: Mapped[str] = mapped_column(String(120))
    degree: Mapped[str] = mapped_column(String(8))
    npi: Mapped[str | None] = mapped_column(String(10), index=True)
    email: Mapped[str | None] = mapped_column(String(254), index=True)
    credentials: Mapped[list[str]] = mapped_column(JSON, default=list)
    birth_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # Goes up in the transaction of every change to what a compliance status is computed
    # from (profile, licences, certifications, DEA, credits), so a status computed at one
    # revision can be served again until the next (see actions/status_cache.py).
    ledger_revision: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class LicenseRow(Base):
    __tablename__ = "licenses"
    __table_args__ = (UniqueConstraint("jurisdiction", "board_type", "number_bidx"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    physician_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("physicians.id", ondelete="CASCADE"), index=True
    )
    jurisdiction: Mapped[str] = mapped_column(String(2))
    board_type: Mapped[str] = mapped_column(String(4))
    number_enc: Mapped[bytes] = mapped_column(LargeBinary)
    number_bidx: Mapped[str] = mapped_column(String(64), index=True)
    issued: Mapped[date | None] = mapped_column(Date)
    expires: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class BoardCertificationRow(Base):
    __tablename__ = "board_certifications"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    physician_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("physicians.id", ondelete="CASCADE"), index=True
    )
    board: Mapped[str] = mapped_column(String(16))
    specialty: Mapped[str] = mapped_column(String(200))
    board_id_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    board_id_bidx: Mapped[str | None] = mapped_column(String(64), index=True)
    starts: Mapped[date | None] = mapped_column(Date)
    ends: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class DeaRegistrationRow(Base):
    __tablename__ = "dea_registrations"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    physician_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("physicians.id", ondelete="CASCADE"), index=True
    )
    number_enc: Mapped[bytes] = mapped_column(LargeBinary)
    number_bidx: Mapped[str] = mapped_column(String(64), unique=True)
    issued: Mapped[date | None] = mapped_column(Date)
    expires: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ActivityRow(Base):
    __tablename__ = "activities"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    title: Mapped[str] = mapped_column(String(500))
    provider: Mapped[str] = mapped_column(String(300))
    accredited_provider: Mapped[str | None] = mapped_column(String(300))
    joint_providers: Mapped[list[str]] = mapped_column(JSON, default=list)
    format: Mapped[str] = mapped_column(String(16))
    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    accme_activity_id: Mapped[str | None] = mapped_column(String(12), index=True)
    provider_activity_id: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ActivityCreditRow(Base):
    """Designated maxima of an activity, per credit type."""

    __tablename__ = "activity_credits"

    activity_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("activities.id", ondelete="CASCADE"), primary_key=True
    )
    type_code: Mapped[str] = mapped_column(String(32), primary_key=True)
    amount: Mapped[Decimal] = mapped_column(Hundredths)


class CompletionRow(Base):
    __tablename__ = "completions"
    __table_args__ = (Index("ix_completions_physician_date", "physician_id", "completed_on"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    physician_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("physicians.id", ondelete="CASCADE"))
    activity_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("activities.id"), index=True)
    completed_on: Mapped[date] = mapped_column(Date)
    topics: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CompletionCreditRow(Base):
    __tablename__ = "completion_credits"

    completion_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("completions.id", ondelete="CASCADE"), primary_key=True
    )
    type_code: Mapped[str] = mapped_column(String(32), primary_key=True)
    amount: Mapped[Decimal] = mapped_column(Hundredths)


class ProvenanceRow(Base):
    __tablename__ = "provenance"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    completion_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("completions.id", ondelete="CASCADE"), index=True
    )
    source_kind: Mapped[str] = mapped_column(String(16))
    method: Mapped[str] = mapped_column(String(64))
    confidence_milli: Mapped[int] = mapped_column(Integer)
    document_sha256: Mapped[str | None] = mapped_column(String(64))
    page: Mapped[int | None] = mapped_column(Integer)
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class DocumentRow(Base):
    """A physician's uploaded file; its bytes live once in the blob store under `sha256`."""

    __tablename__ = "documents"
    __table_args__ = (UniqueConstraint("physician_id", "sha256"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    physician_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("physicians.id", ondelete="CASCADE"), index=True
    )
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(BigInteger)
    media_type: Mapped[str] = mapped_column(String(100))
    original_name: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ReviewItemRow(Base):
    """Something an import found but would not count without a person's look."""

    __tablename__ = "review_items"
    __table_args__ = (Index("ix_review_items_physician_status", "physician_id", "status"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    physician_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("physicians.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(24))
    reasons: Mapped[list[str]] = mapped_column(JSON)
    record: Mapped[dict[str, Any]] = mapped_column(JSON)
    document_sha256: Mapped[str | None] = mapped_column(String(64))
    page: Mapped[int | None] = mapped_column(Integer)
    related_completion_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    resolution_completion_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class AuditRow(Base):
    """Append-only (database triggers refuse UPDATE and DELETE); each row chains to the last."""

    __tablename__ = "audit_log"

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    at: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(64), index=True)
    entity_type: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[str | None] = mapped_column(String(64))
    physician_id: Mapped[str | None] = mapped_column(String(36), index=True)
    details: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class KeyringStateRow(Base):
    """Which key is active, and a fingerprint of the key file this database belongs to.

    Writers read this row (shared lock on PostgreSQL) at the start of every transaction, so a
    rotation cannot slip between a writer's key check and its write.
    """

    __tablename__ = "keyring_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    active_key_id: Mapped[str] = mapped_column(String(64))
    fingerprint: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AuditHeadRow(Base):
    """One row: the newest seq and hash. Appenders lock it, so the chain never forks."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_seq: Mapped[int] = mapped_column(BigInteger)
    last_hash: Mapped[str] = mapped_column(String(64))
    # HMAC of (seq, hash) under the audit key: moving the head back to hide a truncated tail
    # needs the key.
    head_mac: Mapped[str | None] = mapped_column(String(64))


class ParsProviderRow(Base):
    """An accredited CME provider; its PARS web-service password is stored only sealed."""

    __tablename__ = "pars_providers"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    accme_id: Mapped[str] = mapped_column(String(7), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    ws_user: Mapped[str | None] = mapped_column(String(200))
    ws_password_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ParsActivityRow(Base):
    """A provider's activity; `document` holds every PARS field (domain.pars.plain)."""

    __tablename__ = "pars_activities"
    __table_args__ = (UniqueConstraint("provider_id", "provider_activity_id"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    provider_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("pars_providers.id", ondelete="CASCADE"), index=True
    )
    provider_activity_id: Mapped[str] = mapped_column(String(100))
    accme_id: Mapped[str | None] = mapped_column(String(9), index=True)
    title: Mapped[str] = mapped_column(String(500))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(16))  # draft|queued|accepted|rejected
    problems: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ParsLearnerRecordRow(Base):
    """One learner completion to report. Identifiers and birth month/day are sealed."""

    __tablename__ = "pars_learner_records"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    provider_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("pars_providers.id", ondelete="CASCADE"), index=True
    )
    activity_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("pars_activities.id", ondelete="CASCADE"), index=True
    )
    first_name: Mapped[str] = mapped_column(String(120))
    last_name: Mapped[str] = mapped_column(String(120))
    birth_enc: Mapped[bytes] = mapped_column(LargeBinary)
    license_state: Mapped[str | None] = mapped_column(String(2))
    license_number_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    npi_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    board: Mapped[str | None] = mapped_column(String(16))
    board_id_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    completed_on: Mapped[date] = mapped_column(Date)
    consent: Mapped[bool] = mapped_column(Boolean)
    action: Mapped[str] = mapped_column(String(8))  # add|delete
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ParsCreditRow(Base):
    """One credit of a learner record, keyed by the provider-unique CreditID."""

    __tablename__ = "pars_credits"
    __table_args__ = (UniqueConstraint("provider_id", "credit_id"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    record_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("pars_learner_records.id", ondelete="CASCADE"), index=True
    )
    provider_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("pars_providers.id", ondelete="CASCADE")
    )
    credit_id: Mapped[str] = mapped_column(String(300))
    certification: Mapped[str] = mapped_column(String(120))
    board: Mapped[str | None] = mapped_column(String(16))
    amount: Mapped[Decimal] = mapped_column(Hundredths)
    # queued | sent | accepted | pending | rejected | deleted | failed
    state: Mapped[str] = mapped_column(String(16), index=True)
    reason: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class JobRow(Base):
    """The outbox: work written in the same transaction as the change that needs it."""

    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_state_run_after", "state", "run_after"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(64))
    ref_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    state: Mapped[str] = mapped_column(String(16))  # ready|running|done|failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    run_after: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    locked_by: Mapped[str | None] = mapped_column(String(64))
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
