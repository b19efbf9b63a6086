"""Providers, their PARS activities, learner records and per-credit reporting state.

Every query is limited to the caller's providers (`Scope.provider_clause`); a provider's
web-service password and each learner's identifiers are sealed, and reading them back goes
through `sealed.reveal`, which writes the audit entry.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from uuid import UUID

from sqlalchemy import Select, delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cmeledger.audit import events
from cmeledger.domain.pars.model import (
    Activity,
    Learner,
    LearnerCredit,
    LearnerRecord,
    RecordAction,
)
from cmeledger.domain.pars.plain import activity_to_plain
from cmeledger.domain.pars.results import Credentials
from cmeledger.domain.people import MonthDay
from cmeledger.errors import ConflictError, NotFoundError
from cmeledger.storage.crypto import FieldCipher
from cmeledger.storage.models import (
    ParsActivityRow,
    ParsCreditRow,
    ParsLearnerRecordRow,
    ParsProviderRow,
)
from cmeledger.storage.repositories.audit import AuditRepository
from cmeledger.storage.repositories.pars_reads import ParsReads
from cmeledger.storage.repositories.pars_rows import (
    CreditState as CreditState,
)
from cmeledger.storage.repositories.pars_rows import (
    Provider as Provider,
)
from cmeledger.storage.repositories.pars_rows import (
    StoredActivity as StoredActivity,
)
from cmeledger.storage.repositories.pars_rows import (
    credit_query,
    credit_state,
    provider_of,
    stored_activity,
)
from cmeledger.storage.repositories.sealed import (
    LEARNER_BIRTH,
    LEARNER_BOARD_ID,
    LEARNER_LICENSE,
    LEARNER_NPI,
    PARS_PASSWORD,
    SealedColumn,
    reveal,
    reveal_row,
    seal,
)
from cmeledger.storage.scope import Scope


def _now() -> datetime:
    return datetime.now(UTC)


class ParsRepository(ParsReads):
    """Writes, and the reads the outbox and CLI need; the portal's pages are in ParsReads."""

    def __init__(
        self, session: Session, scope: Scope, cipher: FieldCipher, audit: AuditRepository
    ) -> None:
        self._session = session
        self._scope = scope
        self._cipher = cipher
        self._audit = audit

    # Providers

    def add_provider(
        self, accme_id: str, name: str, ws_user: str | None, ws_password: str | None
    ) -> Provider:
        provider_id = uuid.uuid4()
        row = ParsProviderRow(
            id=provider_id,
            accme_id=accme_id,
            name=name,
            ws_user=ws_user,
            ws_password_enc=None
            if ws_password is None
            else seal(self._cipher, PARS_PASSWORD, ws_password, provider_id, provider_id),
            created_at=_now(),
        )
        self._session.add(row)
        try:
            self._session.flush()
        except IntegrityError:
            raise ConflictError(f"provider {accme_id} already exists") from None
        self._audit.record(events.PROVIDER_CREATED, "pars_provider", provider_id, name=name)
        return provider_of(row)

    def provider(self, key: UUID | str) -> Provider:
        """By our id, or by the 7-digit ACCME provider ID."""
        if isinstance(key, UUID):
            return provider_of(self._provider_row(key))
        row = self._session.execute(
            select(ParsProviderRow).where(
                ParsProviderRow.accme_id == key, self._scope.provider_clause(ParsProviderRow.id)
            )
        ).scalar_one_or_none()
        if row is None:
            raise NotFoundError(f"no provider with ACCME ID {key}")
        return provider_of(row)

    def providers(self) -> list[Provider]:
        rows = self._session.execute(
            select(ParsProviderRow)
            .where(self._scope.provider_clause(ParsProviderRow.id))
            .order_by(ParsProviderRow.accme_id)
        ).scalars()
        return [provider_of(r) for r in rows]

    def credentials(self, provider_id: UUID) -> Credentials:
        row = self._provider_row(provider_id)
        if row.ws_user is None or row.ws_password_enc is None:
            raise NotFoundError(
                f"provider {row.accme_id} has no PARS web-service login; add it with "
                "`provider add … --pars-user U --pars-password-file F`"
            )
        password = reveal(
            self._cipher,
            self._audit,
            PARS_PASSWORD,
            row.ws_password_enc,
            row_id=row.id,
            owner_id=row.id,
            event=events.PROVIDER_SECRET_READ,
            entity_type="pars_provider",
        )
        return Credentials(row.accme_id, row.ws_user, password)

    # Activities

    def save_activity(self, provider_id: UUID, activity: Activity, state: str) -> StoredActivity:
        """Insert, or update the activity with the same provider activity ID."""
        self._provider_row(provider_id)
        assert activity.provider_activity_id, "activities are keyed by provider activity ID"
        row = self._session.execute(
            select(ParsActivityRow).where(
                ParsActivityRow.provider_id == provider_id,
                ParsActivityRow.provider_activity_id == activity.provider_activity_id,
            )
        ).scalar_one_or_none()
        now = _now()
        if row is None:
            row = ParsActivityRow(id=uuid.uuid4(), provider_id=provider_id, created_at=now)
            self._session.add(row)
        row.provider_activity_id = activity.provider_activity_id
        row.accme_id = activity.accme_id or row.accme_id
        row.title = activity.title
        row.start_date = activity.start
        row.end_date = activity.end
        row.document = activity_to_plain(activity)
        row.state = state
        row.problems = []
        row.updated_at = now
        self._session.flush()
        self._audit.record(events.PARS_ACTIVITY_SAVED, "pars_activity", row.id, state=state)
        return stored_activity(row)

    def activity(self, activity_id: UUID) -> StoredActivity:
        row = self._session.execute(
            select(ParsActivityRow).where(
                ParsActivityRow.id == activity_id,
                self._scope.provider_clause(ParsActivityRow.provider_id),
            )
        ).scalar_one_or_none()
        if row is None:
            raise NotFoundError(f"no PARS activity {activity_id}")
        return stored_activity(row)

    def activity_by_accme_id(self, provider_id: UUID, accme_id: str) -> StoredActivity:
        row = self._session.execute(
            select(ParsActivityRow).where(
                ParsActivityRow.provider_id == provider_id,
                ParsActivityRow.accme_id == accme_id,
                self._scope.provider_clause(ParsActivityRow.provider_id),
            )
        ).scalar_one_or_none()
        if row is None:
            raise NotFoundError(
                f"no activity with ACCME ID {accme_id} for this provider; import or push "
                "the activity first (`pars import-activities`, `pars push-activities`)"
            )
        return stored_activity(row)

    def activities(self, provider_id: UUID, *, states: Sequence[str] = ()) -> list[StoredActivity]:
        query = select(ParsActivityRow).where(
            ParsActivityRow.provider_id == provider_id,
            self._scope.provider_clause(ParsActivityRow.provider_id),
        )
        if states:
            query = query.where(ParsActivityRow.state.in_(states))
        rows = self._session.execute(query.order_by(ParsActivityRow.start_date, ParsActivityRow.id))
        return [stored_activity(r) for r in rows.scalars()]

    def set_activity_result(
        self, activity_id: UUID, state: str, accme_id: str | None, problems: Sequence[str]
    ) -> None:
        self.activity(activity_id)  # in scope, or NotFoundError
        values: dict[str, object] = {
            "state": state,
            "problems": list(problems),
            "updated_at": _now(),
        }
        if accme_id:
            values["accme_id"] = accme_id
        self._session.execute(
            update(ParsActivityRow).where(ParsActivityRow.id == activity_id).values(**values),
            execution_options={"synchronize_session": False},
        )
        self._audit.record(
            events.PARS_ACTIVITY_RESULT,
            "pars_activity",
            activity_id,
            state=state,
            accme_id=accme_id,
        )

    # Learner records

    def _seal(
        self, column: SealedColumn, value: str | None, row_id: UUID, owner: UUID
    ) -> bytes | None:
        return None if value is None else seal(self._cipher, column, value, row_id, owner)

    def add_learner_record(
        self, provider_id: UUID, activity_id: UUID, record: LearnerRecord
    ) -> UUID:
        """Store a record and its credits as queued. A credit ID already stored for this
        provider is a conflict: PARS records are immutable (delete, then add a new ID)."""
        self._provider_row(provider_id)
        ids = [c.credit_id for c in record.credits]
        if record.action is RecordAction.ADD:
            taken = self._session.execute(
                select(ParsCreditRow.credit_id, ParsCreditRow.state).where(
                    ParsCreditRow.provider_id == provider_id, ParsCreditRow.credit_id.in_(ids)
                )
            ).all()
            live = [cid for cid, state in taken if state != "rejected"]
            if live:
                raise ConflictError(
                    f"credit ID {live[0]} was already reported; PARS records cannot be edited "
                    "(delete it, then report the correction under a new credit ID)"
                )
            if taken:  # PARS refused these, so the corrected record may reuse their IDs
                self._session.execute(
                    delete(ParsCreditRow).where(
                        ParsCreditRow.provider_id == provider_id,
                        ParsCreditRow.credit_id.in_([cid for cid, _ in taken]),
                    )
                )
        record_id = uuid.uuid4()
        learner = record.learner
        now = _now()
        self._session.add(
            ParsLearnerRecordRow(
                id=record_id,
                provider_id=provider_id,
                activity_id=activity_id,
                first_name=learner.first_name,
                last_name=learner.last_name,
                birth_enc=seal(
                    self._cipher, LEARNER_BIRTH, str(learner.birth), record_id, provider_id
                ),
                license_state=learner.license_state,
                license_number_enc=self._seal(
                    LEARNER_LICENSE, learner.license_number, record_id, provider_id
                ),
                npi_enc=self._seal(LEARNER_NPI, learner.npi, record_id, provider_id),
                board=learner.board,
                board_id_enc=self._seal(LEARNER_BOARD_ID, learner.board_id, record_id, provider_id),
                completed_on=record.completed_on,
                consent=record.consent,
                action=record.action.value,
                created_at=now,
            )
        )
        self._session.flush()
        if record.action is RecordAction.ADD:
            for credit in record.credits:
                self._session.add(
                    ParsCreditRow(
                        id=uuid.uuid4(),
                        record_id=record_id,
                        provider_id=provider_id,
                        credit_id=credit.credit_id,
                        certification=credit.certification,
                        board=credit.board,
                        amount=credit.amount,
                        state="queued",
                        updated_at=now,
                    )
                )
            self._session.flush()
        return record_id

    def learner_record(self, record_id: UUID) -> LearnerRecord:
        """The record as it will be sent; reading the sealed identifiers is audited."""
        row = self._session.execute(
            select(ParsLearnerRecordRow).where(
                ParsLearnerRecordRow.id == record_id,
                self._scope.provider_clause(ParsLearnerRecordRow.provider_id),
            )
        ).scalar_one_or_none()
        if row is None:
            raise NotFoundError(f"no learner record {record_id}")
        provider = self._provider_row(row.provider_id)
        activity = self.activity(row.activity_id)

        birth, license_number, npi, board_id = reveal_row(
            self._cipher,
            self._audit,
            [
                (LEARNER_BIRTH, row.birth_enc),
                (LEARNER_LICENSE, row.license_number_enc),
                (LEARNER_NPI, row.npi_enc),
                (LEARNER_BOARD_ID, row.board_id_enc),
            ],
            row_id=row.id,
            owner_id=row.provider_id,
            event=events.LEARNER_SENSITIVE_READ,
            entity_type="pars_learner",
        )
        assert birth is not None
        credits = self.credits_of(record_id)
        return LearnerRecord(
            provider_id=provider.accme_id,
            accme_activity_id=activity.activity.accme_id or "",
            activity_title=activity.activity.title,
            learner=Learner(
                first_name=row.first_name,
                last_name=row.last_name,
                birth=MonthDay.parse(birth),
                license_state=row.license_state,
                license_number=license_number,
                npi=npi,
                board=row.board,
                board_id=board_id,
            ),
            completed_on=row.completed_on,
            credits=credits,
            consent=row.consent,
            action=RecordAction(row.action),
            reporting_organization=provider.name,
        )

    def credits_of(self, record_id: UUID) -> tuple[LearnerCredit, ...]:
        rows = self._session.execute(
            select(ParsCreditRow)
            .where(
                ParsCreditRow.record_id == record_id,
                self._scope.provider_clause(ParsCreditRow.provider_id),
            )
            .order_by(ParsCreditRow.credit_id)
        ).scalars()
        return tuple(LearnerCredit(r.credit_id, r.certification, r.amount, r.board) for r in rows)

    def record_ids(self, provider_id: UUID) -> list[UUID]:
        """Learner records that add credit (deletes are kept as jobs, not records)."""
        rows = self._session.execute(
            select(ParsLearnerRecordRow.id)
            .where(
                ParsLearnerRecordRow.provider_id == provider_id,
                ParsLearnerRecordRow.action == "add",
                self._scope.provider_clause(ParsLearnerRecordRow.provider_id),
            )
            .order_by(ParsLearnerRecordRow.completed_on, ParsLearnerRecordRow.id)
        )
        return list(rows.scalars())

    def credit_state_map(self, record_id: UUID) -> dict[str, str]:
        rows = self._session.execute(
            select(ParsCreditRow.credit_id, ParsCreditRow.state)
            .where(
                ParsCreditRow.record_id == record_id,
                self._scope.provider_clause(ParsCreditRow.provider_id),
            )
            .order_by(ParsCreditRow.credit_id)
        )
        return {cid: state for cid, state in rows.tuples()}

    def record_of_credit(self, provider_id: UUID, credit_id: str) -> UUID:
        found = self._session.execute(
            select(ParsCreditRow.record_id).where(
                ParsCreditRow.provider_id == provider_id,
                ParsCreditRow.credit_id == credit_id,
                self._scope.provider_clause(ParsCreditRow.provider_id),
            )
        ).scalar_one_or_none()
        if found is None:
            raise NotFoundError(f"no credit {credit_id} for this provider")
        return found

    def records_of_provider(self, provider_id: UUID) -> Select[tuple[UUID]]:
        """A subquery of the provider's learner record ids (to batch jobs per provider)."""
        return select(ParsLearnerRecordRow.id).where(
            ParsLearnerRecordRow.provider_id == provider_id,
            self._scope.provider_clause(ParsLearnerRecordRow.provider_id),
        )

    def record_provider(self, record_id: UUID) -> UUID:
        found = self._session.execute(
            select(ParsLearnerRecordRow.provider_id).where(
                ParsLearnerRecordRow.id == record_id,
                self._scope.provider_clause(ParsLearnerRecordRow.provider_id),
            )
        ).scalar_one_or_none()
        if found is None:
            raise NotFoundError(f"no learner record {record_id}")
        return found

    def set_credit_state(
        self, provider_id: UUID, credit_id: str, state: str, reason: str | None = None
    ) -> None:
        self.set_credit_states(provider_id, [(credit_id, state, reason)])

    def set_credit_states(
        self, provider_id: UUID, changes: Sequence[tuple[str, str, str | None]]
    ) -> None:
        """Record (credit ID, state, reason) changes; one audit entry names them all, so a
        batch of credits costs one link of the chain, not one per credit."""
        if not changes:
            return
        self._scope.require_provider(provider_id)
        now = _now()
        for credit_id, state, reason in changes:
            self._session.execute(
                update(ParsCreditRow)
                .where(
                    ParsCreditRow.provider_id == provider_id, ParsCreditRow.credit_id == credit_id
                )
                .values(state=state, reason=reason, updated_at=now),
                execution_options={"synchronize_session": False},
            )
        self._audit.record(
            events.LEARNER_CREDIT_RESULT,
            "pars_credit",
            changes[0][0] if len(changes) == 1 else None,
            provider_id=str(provider_id),
            changes=[[cid, state, reason] for cid, state, reason in changes],
        )

    def credit_states(self, provider_id: UUID) -> list[CreditState]:
        self._provider_row(provider_id)
        rows = self._session.execute(
            credit_query(self._scope, provider_id).order_by(
                ParsLearnerRecordRow.completed_on, ParsCreditRow.credit_id
            )
        )
        return [credit_state(c, r, a) for c, r, a in rows.tuples()]

    def state_counts(self, provider_id: UUID) -> dict[str, int]:
        self._provider_row(provider_id)
        rows = self._session.execute(
            select(ParsCreditRow.state, func.count())
            .where(ParsCreditRow.provider_id == provider_id)
            .group_by(ParsCreditRow.state)
        )
        return {state: int(n) for state, n in rows}
