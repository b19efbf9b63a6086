"""Who is asking: a bearer API token or a session cookie, turned into a Principal.

Cookie-authenticated requests that change something must carry the session's CSRF token
(header `X-CSRF-Token`, or form field `csrf_token`), and must not come from another origin.
Bearer-token requests carry no ambient credentials, so they need neither check.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Annotated, Literal
from urllib.parse import urlsplit

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from cmeledger.actions import accounts
from cmeledger.actions.accounts import Principal
from cmeledger.api.context import Services, services
from cmeledger.api.problems import ProblemError
from cmeledger.audit import events
from cmeledger.storage.ledger import Ledger
from cmeledger.storage.scope import Scope

SESSION_COOKIE = "cmeledger_session"
CSRF_COOKIE = "cmeledger_csrf"  # before sign-in only: a double-submit token for the form
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
AUTH_ACTOR = "system:auth"


@dataclass(frozen=True)
class Caller:
    principal: Principal
    via: Literal["session", "token"]
    services: Services
    request: Request
    csrf_token: str | None = None
    session_id: str | None = None

    @contextmanager
    def ledger(self) -> Iterator[Ledger]:
        """One transaction in the caller's scope. An auditor's every view is logged first, in
        a transaction of its own, so a refused look (another tenant's id) is kept too."""
        store = self.services.store
        if self.principal.logs_views:
            with store.ledger(self.principal.scope) as log:
                log.audit.record(
                    events.AUDITOR_VIEWED,
                    "request",
                    None,
                    method=self.request.method,
                    path=self.request.url.path,
                    query=self.request.url.query[:500],
                )
        with store.ledger(self.principal.scope) as ledger:
            yield ledger


def client_address(request: Request) -> str | None:
    return request.client.host if request.client else None


def same_origin(request: Request) -> bool:
    """A browser says where a request comes from; a cross-site one is refused outright."""
    origin = request.headers.get("origin") or request.headers.get("referer")
    if origin is None:
        return True  # not a browser, or one that sends neither; the CSRF token still counts
    netloc = urlsplit(origin).netloc
    public = urlsplit(services(request).settings.public_url).netloc
    return bool(netloc) and netloc in (request.headers.get("host", ""), public)


async def _form_csrf(request: Request) -> str | None:
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        return value if isinstance(value, str) else None
    return None


async def optional_caller(request: Request) -> Caller | None:
    cached = getattr(request.state, "caller", False)
    if cached is not False:
        assert cached is None or isinstance(cached, Caller)
        return cached
    # The lookup is blocking database I/O: off the event loop, like the sync routes.
    found = await run_in_threadpool(_resolve, request, services(request))
    if found is not None and found.via == "session" and request.method not in SAFE_METHODS:
        if not same_origin(request):
            raise ProblemError(403, "cross-origin requests may not change anything")
        given = request.headers.get(CSRF_HEADER) or await _form_csrf(request)
        assert found.csrf_token is not None
        if not accounts.csrf_matches(found.csrf_token, given):
            raise ProblemError(
                403,
                f"missing or wrong CSRF token: send the {CSRF_HEADER} header "
                "(the portal does this for you; reload the page)",
            )
    request.state.caller = found
    return found


def _resolve(request: Request, svc: Services) -> Caller | None:
    authorization = request.headers.get("authorization", "")
    scheme, _, secret = authorization.partition(" ")
    with svc.store.ledger(Scope.owner(AUTH_ACTOR)) as ledger:
        if authorization:
            if scheme.lower() != "bearer" or not secret.strip():
                raise ProblemError(
                    401,
                    "use 'Authorization: Bearer <API token>'",
                    headers={"WWW-Authenticate": "Bearer"},
                )
            user = accounts.token_user(ledger, secret.strip())
            if user is None:
                raise ProblemError(
                    401,
                    "the API token is unknown or revoked; create one under Account",
                    headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
                )
            return Caller(Principal(user, accounts.scope_for(ledger, user)), "token", svc, request)
        session_id = request.cookies.get(SESSION_COOKIE)
        if not session_id:
            return None
        found = accounts.session_user(ledger, session_id)
        if found is None:
            return None
        user, csrf = found
        principal = Principal(user, accounts.scope_for(ledger, user))
        return Caller(principal, "session", svc, request, csrf, session_id)


async def authenticated(request: Request) -> Caller:
    caller = await optional_caller(request)
    if caller is None:
        raise ProblemError(
            401,
            "sign in first (POST /api/v1/session) or send an API token",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return caller


CallerDep = Annotated[Caller, Depends(authenticated)]
OptionalCallerDep = Annotated[Caller | None, Depends(optional_caller)]
