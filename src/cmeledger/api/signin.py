"""Signing in and out, shared by the JSON API and the portal's form."""

from __future__ import annotations

from fastapi import Request, Response

from cmeledger.actions import accounts
from cmeledger.api.auth import AUTH_ACTOR, SESSION_COOKIE, Caller, client_address
from cmeledger.api.context import Services
from cmeledger.storage.repositories.accounts import User
from cmeledger.storage.scope import Scope


def sign_in(svc: Services, request: Request, email: str, password: str) -> tuple[User, str, str]:
    """(user, session id, CSRF token). Throttled per account and per client address; the
    failure is committed before the error is raised, so it counts."""
    client = client_address(request)
    limit, window = svc.settings.login_max_failures, svc.settings.login_window_seconds
    with svc.store.ledger(Scope.owner(AUTH_ACTOR)) as ledger:
        accounts.check_throttle(ledger, email, client, limit, window)
    try:
        with svc.store.ledger(Scope.owner(AUTH_ACTOR)) as ledger:
            user = accounts.authenticate(ledger, email, password, client)
            session_id, csrf = accounts.start_session(
                ledger, user, ttl=svc.session_ttl, via="password"
            )
    except accounts.SignInError:
        with svc.store.ledger(Scope.owner(AUTH_ACTOR)) as ledger:
            accounts.record_failure(ledger, email, client, window=window)
        raise
    return user, session_id, csrf


def start_session_for(svc: Services, user: User, via: str) -> tuple[str, str]:
    with svc.store.ledger(Scope.owner(AUTH_ACTOR)) as ledger:
        return accounts.start_session(ledger, user, ttl=svc.session_ttl, via=via)


def set_session_cookie(svc: Services, response: Response, session_id: str) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        session_id,
        max_age=int(svc.session_ttl.total_seconds()),
        httponly=True,
        secure=svc.settings.cookie_secure,
        # lax: a link in a reminder e-mail opens the portal signed in; CSRF tokens guard writes
        samesite="lax",
        path="/",
    )


def sign_out(caller: Caller, response: Response) -> None:
    if caller.session_id is not None:
        with caller.services.store.ledger(Scope.owner(AUTH_ACTOR)) as ledger:
            accounts.end_session(ledger, caller.session_id, caller.principal.user)
    response.delete_cookie(
        SESSION_COOKIE, path="/", secure=caller.services.settings.cookie_secure, httponly=True
    )
