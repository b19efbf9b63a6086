"""Signing in and who may see what: passwords, sessions, API tokens, throttling, scopes.

Secrets handed to a browser or a script (session cookies, API tokens) are random and only
their SHA-256 is stored, so a copy of the database does not let anyone sign in.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from uuid import UUID

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from cmeledger.audit import events
from cmeledger.errors import CmeLedgerError, NotFoundError
from cmeledger.storage.ledger import Ledger
from cmeledger.storage.repositories.accounts import ApiToken, User, utcnow
from cmeledger.storage.scope import Scope

TOKEN_PREFIX = "cmel_"  # noqa: S105 - a visible prefix, so leaked tokens are recognisable
MIN_PASSWORD = 12
_hasher = PasswordHasher()
# Verifying against this when the e-mail is unknown keeps the answer time the same, so
# response times do not reveal which addresses have accounts.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


class Role(StrEnum):
    PHYSICIAN = "physician"
    DELEGATE = "delegate"
    ORG_ADMIN = "org_admin"
    PROVIDER_ADMIN = "provider_admin"
    AUDITOR = "auditor"


class TokenPurpose(StrEnum):
    API = "api"  # the whole API, as the user
    CALENDAR = "calendar"  # only the user's deadline feeds (calendar.ics)


class SignInError(CmeLedgerError):
    """Wrong e-mail or password; deliberately does not say which."""

    exit_code = 7


class ThrottledError(CmeLedgerError):
    exit_code = 7

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            f"too many failed sign-ins; try again in {max(1, math.ceil(retry_after / 60))} "
            "minute(s)"
        )
        self.retry_after = retry_after


class ForbiddenError(CmeLedgerError):
    """Signed in, and may see this, but not change it (auditors, organisation admins)."""

    exit_code = 7


@dataclass(frozen=True, slots=True)
class Principal:
    """The signed-in user and what they may reach; built fresh for every request."""

    user: User
    scope: Scope

    @property
    def role(self) -> Role:
        return Role(self.user.role)

    @property
    def writes_ledgers(self) -> bool:
        return self.role in (Role.PHYSICIAN, Role.DELEGATE)

    @property
    def logs_views(self) -> bool:
        return self.role is Role.AUDITOR

    def require_ledger_writer(self) -> None:
        if not self.writes_ledgers:
            raise ForbiddenError(f"a {self.role.value} may read these ledgers but not change them")

    def require_role(self, *roles: Role) -> None:
        if self.role not in roles:
            wanted = " or ".join(r.value for r in roles)
            raise ForbiddenError(f"this needs the {wanted} role")

    @property
    def physician_ids(self) -> frozenset[UUID]:
        return self.scope.physician_ids or frozenset()


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise CmeLedgerError(f"passwords need at least {MIN_PASSWORD} characters")
    return _hasher.hash(password)


def scope_for(ledger: Ledger, user: User) -> Scope:
    actor = f"user:{user.email}"
    role = Role(user.role)
    if role is Role.PHYSICIAN:
        return Scope.physicians(actor, *([user.physician_id] if user.physician_id else []))
    if role is Role.DELEGATE:
        return Scope.physicians(actor, *ledger.accounts.delegated_physicians(user.id))
    if role in (Role.ORG_ADMIN, Role.AUDITOR):
        members = (
            ledger.accounts.sharing_members(user.organisation_id)
            if user.organisation_id
            else frozenset()
        )
        return Scope.physicians(actor, *members)
    return Scope.providers(actor, *([user.provider_id] if user.provider_id else []))


def create_user(
    ledger: Ledger,
    *,
    email: str,
    display_name: str,
    role: Role,
    password: str | None,
    physician_id: UUID | None = None,
    organisation_id: UUID | None = None,
    provider_id: UUID | None = None,
) -> User:
    needs = {
        Role.PHYSICIAN: ("physician", physician_id),
        Role.ORG_ADMIN: ("organisation", organisation_id),
        Role.AUDITOR: ("organisation", organisation_id),
        Role.PROVIDER_ADMIN: ("provider", provider_id),
    }
    if role in needs and needs[role][1] is None:
        raise CmeLedgerError(f"a {role.value} account needs its {needs[role][0]}")
    if physician_id is not None:
        ledger.physicians.require(physician_id)
    if organisation_id is not None:
        ledger.accounts.organisation(organisation_id)
    if provider_id is not None:
        ledger.scope.require_provider(provider_id)
    user = ledger.accounts.add_user(
        email=email.strip().lower(),
        display_name=display_name.strip(),
        role=role.value,
        password_hash=None if password is None else hash_password(password),
        physician_id=physician_id,
        organisation_id=organisation_id,
        provider_id=provider_id,
    )
    ledger.audit.record(events.USER_CREATED, "user", user.id, role=role.value)
    return user


def _throttle_keys(email: str, client: str | None) -> list[str]:
    keys = [f"email:{email}"]
    if client:
        keys.append(f"client:{client}")
    return keys


def check_throttle(ledger: Ledger, email: str, client: str | None, limit: int, window: int) -> None:
    """Refuse before checking the password once a key has `limit` failures in the window."""
    now = utcnow()
    since = now - timedelta(seconds=window)
    for key in _throttle_keys(email.strip().lower(), client):
        # A shared client address (an office NAT) gets more room than one account.
        allowed = limit if key.startswith("email:") else limit * 4
        count, oldest = ledger.accounts.failures_since(key, since)
        if count >= allowed and oldest is not None:
            left = (oldest + timedelta(seconds=window) - now).total_seconds()
            raise ThrottledError(max(1, math.ceil(left)))


def authenticate(ledger: Ledger, email: str, password: str, client: str | None) -> User:
    """The user whose password this is; a failure is counted for throttling.

    The caller commits the failure even though it raises (see `record_failure`)."""
    address = email.strip().lower()
    found = ledger.accounts.by_email(address)
    stored = found[1] if found else None
    try:
        _hasher.verify(stored or _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        raise SignInError("the e-mail address or password is wrong") from None
    if found is None or stored is None or found[0].disabled:
        raise SignInError("the e-mail address or password is wrong")
    user = found[0]
    if _hasher.check_needs_rehash(stored):
        ledger.accounts.set_password_hash(user.id, _hasher.hash(password))
    ledger.accounts.clear_failures(f"email:{address}")  # the client key keeps counting
    return user


def record_failure(ledger: Ledger, email: str, client: str | None, *, window: int) -> None:
    address = email.strip().lower()
    # Failures older than the longest window no longer count; dropping them keeps it small.
    ledger.accounts.purge_failures_before(utcnow() - timedelta(seconds=window))
    for key in _throttle_keys(address, client):
        ledger.accounts.add_failure(key)
    ledger.audit.record(events.USER_SIGN_IN_FAILED, "user", None, client=client or "")


def start_session(ledger: Ledger, user: User, *, ttl: timedelta, via: str) -> tuple[str, str]:
    """A fresh session id (never one the browser brought: no fixation) and its CSRF token.

    Expired sessions are swept here, on an indexed column, so the table does not grow
    without a separate cleaning job."""
    ledger.accounts.purge_expired_sessions()
    session_id = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    ledger.accounts.add_session(_digest(session_id), user.id, csrf, ttl)
    ledger.audit.record(events.USER_SIGNED_IN, "user", user.id, via=via)
    return session_id, csrf


def session_user(ledger: Ledger, session_id: str) -> tuple[User, str] | None:
    record = ledger.accounts.session(_digest(session_id))
    if record is None or record.user.disabled:
        return None
    return record.user, record.csrf_token


def end_session(ledger: Ledger, session_id: str, user: User) -> None:
    ledger.accounts.drop_session(_digest(session_id))
    ledger.audit.record(events.USER_SIGNED_OUT, "user", user.id)


def csrf_matches(expected: str, given: str | None) -> bool:
    return given is not None and hmac.compare_digest(expected.encode(), given.encode())


def create_token(
    ledger: Ledger, user: User, name: str, *, purpose: TokenPurpose = TokenPurpose.API
) -> tuple[ApiToken, str]:
    """The token is shown once; only its hash is kept."""
    if not name.strip():
        raise CmeLedgerError("give the token a name that says what uses it")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ledger.accounts.add_token(
        user.id, name.strip()[:100], _digest(secret), secret[:12], purpose.value
    )
    ledger.audit.record(
        events.API_TOKEN_CREATED, "api_token", token.id, name=token.name, purpose=purpose.value
    )
    return token, secret


def token_user(
    ledger: Ledger, secret: str, *, purpose: TokenPurpose = TokenPurpose.API
) -> User | None:
    if not secret.startswith(TOKEN_PREFIX):
        return None
    user = ledger.accounts.user_for_token(_digest(secret), purpose.value)
    return None if user is None or user.disabled else user


def revoke_token(ledger: Ledger, user: User, token_id: UUID) -> None:
    ledger.accounts.revoke_token(user.id, token_id)
    ledger.audit.record(events.API_TOKEN_REVOKED, "api_token", token_id)


def grant_delegate(ledger: Ledger, physician_id: UUID, delegate_email: str) -> User:
    ledger.physicians.require(physician_id)
    found = ledger.accounts.by_email(delegate_email.strip().lower())
    if found is None or found[0].role != Role.DELEGATE.value:
        raise NotFoundError(f"no delegate account {delegate_email}; ask them to get one first")
    ledger.accounts.grant(physician_id, found[0].id)
    ledger.audit.record(events.DELEGATION_GRANTED, "user", found[0].id, physician_id=physician_id)
    return found[0]


def revoke_delegate(ledger: Ledger, physician_id: UUID, user_id: UUID) -> None:
    ledger.physicians.require(physician_id)
    ledger.accounts.revoke(physician_id, user_id)
    ledger.audit.record(events.DELEGATION_REVOKED, "user", user_id, physician_id=physician_id)


def join_organisation(ledger: Ledger, organisation_id: UUID, physician_id: UUID) -> None:
    """Put a physician on a roster; nothing is shared until the physician consents."""
    ledger.physicians.require(physician_id)
    ledger.accounts.organisation(organisation_id)
    ledger.accounts.add_member(organisation_id, physician_id)
    ledger.audit.record(
        events.MEMBERSHIP_ADDED, "organisation", organisation_id, physician_id=physician_id
    )


def set_sharing(ledger: Ledger, organisation_id: UUID, physician_id: UUID, shares: bool) -> None:
    ledger.physicians.require(physician_id)
    ledger.accounts.set_sharing(organisation_id, physician_id, shares)
    ledger.audit.record(
        events.MEMBERSHIP_SHARING_CHANGED,
        "organisation",
        organisation_id,
        physician_id=physician_id,
        shares=shares,
    )
