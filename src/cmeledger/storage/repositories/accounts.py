"""Accounts, sessions, API tokens, sign-in failures, delegations and organisation rosters.

These rows say who may see what, so they are read before any scope exists; the queries
here never return ledger data, only identifiers that the caller turns into a Scope.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast
from uuid import UUID

from sqlalchemy import ColumnElement, Row, Table, delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cmeledger.audit import events
from cmeledger.errors import ConflictError, NotFoundError
from cmeledger.storage.access_models import (
    ApiTokenRow,
    DelegationRow,
    LoginFailureRow,
    MembershipRow,
    OrganisationRow,
    UserRow,
    WebSessionRow,
)
from cmeledger.storage.crypto import FieldCipher
from cmeledger.storage.repositories.audit import AuditRepository
from cmeledger.storage.repositories.sealed import OIDC_SECRET, reveal, seal


def utcnow() -> datetime:
    return datetime.now(UTC)


def _aware(value: datetime) -> datetime:
    """SQLite hands back naive datetimes for timezone-aware columns; they were stored as UTC."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class User:
    id: UUID
    email: str
    display_name: str
    role: str
    physician_id: UUID | None
    organisation_id: UUID | None
    provider_id: UUID | None
    disabled: bool


@dataclass(frozen=True, slots=True)
class SessionRecord:
    user: User
    csrf_token: str
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class ApiToken:
    id: UUID
    name: str
    prefix: str
    purpose: str
    created_at: datetime
    last_used_at: datetime | None
    revoked: bool


@dataclass(frozen=True, slots=True)
class Organisation:
    id: UUID
    name: str
    oidc_issuer: str | None
    oidc_client_id: str | None


@dataclass(frozen=True, slots=True)
class OidcClient:
    """How this server signs people in through an organisation's identity provider."""

    organisation_id: UUID
    organisation_name: str
    issuer: str
    client_id: str
    client_secret: str

    def __repr__(self) -> str:
        return f"OidcClient({self.organisation_name!r}, issuer={self.issuer!r})"


def _member_of(organisation_id: UUID) -> ColumnElement[bool]:
    """Users an organisation may vouch for: its own staff (admins, auditors), and the
    physicians on its roster who chose to share with it. A physician merely put on a roster
    has agreed to nothing, so the organisation's identity provider cannot sign them in."""
    sharing = select(MembershipRow.physician_id).where(
        MembershipRow.organisation_id == organisation_id,
        MembershipRow.shares_since.is_not(None),
    )
    return or_(UserRow.organisation_id == organisation_id, UserRow.physician_id.in_(sharing))


def _user(row: UserRow | Row[Any]) -> User:
    return User(
        row.id,
        row.email,
        row.display_name,
        row.role,
        row.physician_id,
        row.organisation_id,
        row.provider_id,
        row.disabled,
    )


# Who signs in is read with plain table columns, not mapped rows or attributes: it is on
# every request's path, and SQLAlchemy's ORM layer costs more than the query itself.
_TOKEN_TABLE = cast(Table, ApiTokenRow.__table__)
_USERS = UserRow.__table__.c
_TOKENS = _TOKEN_TABLE.c
_SESSIONS = WebSessionRow.__table__.c
_USER_COLUMNS = (
    _USERS.id,
    _USERS.email,
    _USERS.display_name,
    _USERS.role,
    _USERS.physician_id,
    _USERS.organisation_id,
    _USERS.provider_id,
    _USERS.disabled,
)


class AccountRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    # users -------------------------------------------------------------------------------
    def add_user(
        self,
        *,
        email: str,
        display_name: str,
        role: str,
        password_hash: str | None,
        physician_id: UUID | None = None,
        organisation_id: UUID | None = None,
        provider_id: UUID | None = None,
        oidc_issuer: str | None = None,
        oidc_subject: str | None = None,
    ) -> User:
        row = UserRow(
            id=uuid.uuid4(),
            email=email,
            display_name=display_name,
            password_hash=password_hash,
            role=role,
            physician_id=physician_id,
            organisation_id=organisation_id,
            provider_id=provider_id,
            oidc_issuer=oidc_issuer,
            oidc_subject=oidc_subject,
            disabled=False,
            created_at=utcnow(),
        )
        try:
            with self._session.begin_nested():
                self._session.add(row)
                self._session.flush()
        except IntegrityError:
            raise ConflictError(f"a user with e-mail {email} already exists") from None
        return _user(row)

    def user(self, user_id: UUID) -> User:
        row = self._session.get(UserRow, user_id)
        if row is None:
            raise NotFoundError(f"no user {user_id}")
        return _user(row)

    def by_email(self, email: str) -> tuple[User, str | None] | None:
        """The user and their password hash, for signing in."""
        row = self._session.scalars(select(UserRow).where(UserRow.email == email)).one_or_none()
        return None if row is None else (_user(row), row.password_hash)

    def by_oidc(self, issuer: str, subject: str) -> User | None:
        row = self._session.scalars(
            select(UserRow).where(UserRow.oidc_issuer == issuer, UserRow.oidc_subject == subject)
        ).one_or_none()
        return None if row is None else _user(row)

    def link_oidc(self, user_id: UUID, issuer: str, subject: str) -> None:
        self._session.execute(
            update(UserRow)
            .where(UserRow.id == user_id)
            .values(oidc_issuer=issuer, oidc_subject=subject)
        )

    def oidc_candidate(
        self, organisation_id: UUID, email: str
    ) -> tuple[User, tuple[str, str] | None] | None:
        """The organisation's user with this e-mail address, and the (issuer, subject) it is
        already linked to, if any."""
        row = self._session.scalars(
            select(UserRow).where(UserRow.email == email, _member_of(organisation_id))
        ).one_or_none()
        if row is None:
            return None
        linked = (
            (row.oidc_issuer, row.oidc_subject)
            if row.oidc_issuer is not None and row.oidc_subject is not None
            else None
        )
        return _user(row), linked

    def belongs_to(self, user_id: UUID, organisation_id: UUID) -> bool:
        found = self._session.scalar(
            select(UserRow.id).where(UserRow.id == user_id, _member_of(organisation_id))
        )
        return found is not None

    def set_password_hash(self, user_id: UUID, password_hash: str) -> None:
        self._session.execute(
            update(UserRow).where(UserRow.id == user_id).values(password_hash=password_hash)
        )

    def users(self) -> list[User]:
        return [_user(r) for r in self._session.scalars(select(UserRow).order_by(UserRow.email))]

    # sessions ----------------------------------------------------------------------------
    def add_session(self, id_hash: str, user_id: UUID, csrf_token: str, ttl: timedelta) -> None:
        now = utcnow()
        self._session.add(
            WebSessionRow(
                id_hash=id_hash,
                user_id=user_id,
                csrf_token=csrf_token,
                created_at=now,
                expires_at=now + ttl,
            )
        )
        self._session.flush()

    def session(self, id_hash: str) -> SessionRecord | None:
        found = self._session.execute(
            select(*_USER_COLUMNS, _SESSIONS.csrf_token, _SESSIONS.expires_at)
            .select_from(UserRow.__table__.join(WebSessionRow.__table__))
            .where(_SESSIONS.id_hash == id_hash)
        ).one_or_none()
        if found is None:
            return None
        expires = _aware(found.expires_at)
        if expires <= utcnow():
            return None
        return SessionRecord(_user(found), found.csrf_token, expires)

    def drop_session(self, id_hash: str) -> None:
        self._session.execute(delete(WebSessionRow).where(WebSessionRow.id_hash == id_hash))

    def drop_sessions_of(self, user_id: UUID) -> None:
        self._session.execute(delete(WebSessionRow).where(WebSessionRow.user_id == user_id))

    def purge_expired_sessions(self) -> int:
        result = self._session.execute(
            delete(WebSessionRow).where(WebSessionRow.expires_at <= utcnow())
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    # API tokens --------------------------------------------------------------------------
    def add_token(
        self, user_id: UUID, name: str, token_hash: str, prefix: str, purpose: str
    ) -> ApiToken:
        row = ApiTokenRow(
            id=uuid.uuid4(),
            user_id=user_id,
            name=name,
            token_hash=token_hash,
            prefix=prefix,
            purpose=purpose,
            created_at=utcnow(),
        )
        self._session.add(row)
        self._session.flush()
        return _token(row)

    def user_for_token(self, token_hash: str, purpose: str) -> User | None:
        found = self._session.execute(
            select(*_USER_COLUMNS, _TOKENS.id.label("token_id"), _TOKENS.last_used_at)
            .select_from(UserRow.__table__.join(_TOKEN_TABLE))
            .where(
                _TOKENS.token_hash == token_hash,
                _TOKENS.purpose == purpose,
                _TOKENS.revoked_at.is_(None),
            )
        ).one_or_none()
        if found is None:
            return None
        now = utcnow()
        last = found.last_used_at
        if last is None or now - _aware(last) > timedelta(minutes=5):
            # Coarse, so a busy token is not a write per request.
            self._session.execute(
                update(_TOKEN_TABLE).where(_TOKENS.id == found.token_id),
                {"last_used_at": now},
            )
        return _user(found)

    def tokens(self, user_id: UUID) -> list[ApiToken]:
        rows = self._session.scalars(
            select(ApiTokenRow)
            .where(ApiTokenRow.user_id == user_id)
            .order_by(ApiTokenRow.created_at)
        )
        return [_token(r) for r in rows]

    def revoke_token(self, user_id: UUID, token_id: UUID) -> None:
        result = self._session.execute(
            update(ApiTokenRow)
            .where(
                ApiTokenRow.id == token_id,
                ApiTokenRow.user_id == user_id,
                ApiTokenRow.revoked_at.is_(None),
            )
            .values(revoked_at=utcnow())
        )
        if not result.rowcount:  # type: ignore[attr-defined]
            raise NotFoundError(f"no active API token {token_id}")

    # sign-in throttling ------------------------------------------------------------------
    def add_failure(self, key: str) -> None:
        self._session.add(LoginFailureRow(key=key, at=utcnow()))

    def failures_since(self, key: str, since: datetime) -> tuple[int, datetime | None]:
        count, oldest = self._session.execute(
            select(func.count(), func.min(LoginFailureRow.at)).where(
                LoginFailureRow.key == key, LoginFailureRow.at > since
            )
        ).one()
        return int(count), None if oldest is None else _aware(oldest)

    def purge_failures_before(self, cutoff: datetime) -> None:
        self._session.execute(delete(LoginFailureRow).where(LoginFailureRow.at <= cutoff))

    def clear_failures(self, key: str) -> None:
        self._session.execute(delete(LoginFailureRow).where(LoginFailureRow.key == key))

    # delegations and organisations -------------------------------------------------------
    def delegated_physicians(self, user_id: UUID) -> frozenset[UUID]:
        rows = self._session.scalars(
            select(DelegationRow.physician_id).where(DelegationRow.user_id == user_id)
        )
        return frozenset(rows)

    def grant(self, physician_id: UUID, user_id: UUID) -> None:
        if self._session.get(DelegationRow, (physician_id, user_id)) is None:
            self._session.add(
                DelegationRow(physician_id=physician_id, user_id=user_id, granted_at=utcnow())
            )
            self._session.flush()

    def revoke(self, physician_id: UUID, user_id: UUID) -> None:
        result = self._session.execute(
            delete(DelegationRow).where(
                DelegationRow.physician_id == physician_id, DelegationRow.user_id == user_id
            )
        )
        if not result.rowcount:  # type: ignore[attr-defined]
            raise NotFoundError(f"user {user_id} is not a delegate of this ledger")

    def delegates_of(self, physician_id: UUID) -> list[User]:
        rows = self._session.scalars(
            select(UserRow)
            .join(DelegationRow, DelegationRow.user_id == UserRow.id)
            .where(DelegationRow.physician_id == physician_id)
            .order_by(UserRow.email)
        )
        return [_user(r) for r in rows]

    def add_organisation(
        self,
        name: str,
        *,
        oidc_issuer: str | None = None,
        oidc_client_id: str | None = None,
        oidc_client_secret: str | None = None,
        cipher: FieldCipher | None = None,
    ) -> Organisation:
        organisation_id = uuid.uuid4()
        secret = None
        if oidc_client_secret is not None:
            assert cipher is not None
            secret = seal(cipher, OIDC_SECRET, oidc_client_secret, organisation_id, organisation_id)
        row = OrganisationRow(
            id=organisation_id,
            name=name,
            oidc_issuer=oidc_issuer,
            oidc_client_id=oidc_client_id,
            oidc_client_secret_enc=secret,
            created_at=utcnow(),
        )
        self._session.add(row)
        self._session.flush()
        return Organisation(row.id, row.name, row.oidc_issuer, row.oidc_client_id)

    def organisation(self, organisation_id: UUID) -> Organisation:
        row = self._session.get(OrganisationRow, organisation_id)
        if row is None:
            raise NotFoundError(f"no organisation {organisation_id}")
        return Organisation(row.id, row.name, row.oidc_issuer, row.oidc_client_id)

    def oidc_client(
        self, organisation_id: UUID, cipher: FieldCipher, audit: AuditRepository
    ) -> OidcClient:
        """The organisation's OpenID Connect client; reading its secret is audited."""
        row = self._session.get(OrganisationRow, organisation_id)
        if row is None:
            raise NotFoundError(f"no organisation {organisation_id}")
        if (
            row.oidc_issuer is None
            or row.oidc_client_id is None
            or row.oidc_client_secret_enc is None
        ):
            raise NotFoundError(f"organisation {row.name} does not sign in through OpenID Connect")
        secret = reveal(
            cipher,
            audit,
            OIDC_SECRET,
            row.oidc_client_secret_enc,
            row_id=row.id,
            owner_id=row.id,
            event=events.ORGANISATION_SECRET_READ,
            entity_type="organisation",
        )
        return OidcClient(row.id, row.name, row.oidc_issuer, row.oidc_client_id, secret)

    def organisations(self) -> list[Organisation]:
        rows = self._session.scalars(select(OrganisationRow).order_by(OrganisationRow.name))
        return [Organisation(r.id, r.name, r.oidc_issuer, r.oidc_client_id) for r in rows]

    def organisation_by_issuer(self, issuer: str) -> Organisation | None:
        row = self._session.scalars(
            select(OrganisationRow).where(OrganisationRow.oidc_issuer == issuer)
        ).first()
        return (
            None
            if row is None
            else Organisation(row.id, row.name, row.oidc_issuer, row.oidc_client_id)
        )

    def add_member(self, organisation_id: UUID, physician_id: UUID) -> None:
        if self._session.get(MembershipRow, (organisation_id, physician_id)) is None:
            self._session.add(
                MembershipRow(
                    organisation_id=organisation_id,
                    physician_id=physician_id,
                    shares_since=None,
                    created_at=utcnow(),
                )
            )
            self._session.flush()

    def set_sharing(self, organisation_id: UUID, physician_id: UUID, shares: bool) -> None:
        result = self._session.execute(
            update(MembershipRow)
            .where(
                MembershipRow.organisation_id == organisation_id,
                MembershipRow.physician_id == physician_id,
            )
            .values(shares_since=utcnow() if shares else None)
        )
        if not result.rowcount:  # type: ignore[attr-defined]
            raise NotFoundError(f"physician {physician_id} is not on that organisation's roster")

    def sharing_members(self, organisation_id: UUID) -> frozenset[UUID]:
        rows = self._session.scalars(
            select(MembershipRow.physician_id).where(
                MembershipRow.organisation_id == organisation_id,
                MembershipRow.shares_since.is_not(None),
            )
        )
        return frozenset(rows)

    def memberships_of(self, physician_id: UUID) -> list[tuple[Organisation, bool]]:
        rows = self._session.execute(
            select(OrganisationRow, MembershipRow.shares_since)
            .join(MembershipRow, MembershipRow.organisation_id == OrganisationRow.id)
            .where(MembershipRow.physician_id == physician_id)
            .order_by(OrganisationRow.name)
        )
        return [
            (Organisation(o.id, o.name, o.oidc_issuer, o.oidc_client_id), since is not None)
            for o, since in rows
        ]


def _token(row: ApiTokenRow) -> ApiToken:
    return ApiToken(
        row.id,
        row.name,
        row.prefix,
        row.purpose,
        _aware(row.created_at),
        None if row.last_used_at is None else _aware(row.last_used_at),
        row.revoked_at is not None,
    )
