"""Signing in and out of the portal.

The sign-in form has no session yet, so its CSRF defence is a double-submit token: a
random value in a strict same-site cookie that the form must echo. A successful sign-in
always gets a new session id, whatever cookie the browser brought (no session fixation).
"""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from cmeledger.actions import accounts
from cmeledger.api.auth import CSRF_COOKIE, OptionalCallerDep
from cmeledger.api.context import ServicesDep
from cmeledger.api.signin import set_session_cookie, sign_in, sign_out
from cmeledger.storage.scope import Scope
from cmeledger.web.pages import render

router = APIRouter(include_in_schema=False)


def safe_next(target: str | None) -> str:
    """Only paths on this site: never `//evil.example` or `https://…` (open redirect)."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return "/"
    return target


def _login_page(
    request: Request,
    svc: ServicesDep,
    *,
    next_path: str,
    error: str | None = None,
    email: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    token = secrets.token_urlsafe(32)
    with svc.store.ledger(Scope.owner("system:auth")) as ledger:
        providers = [o for o in ledger.accounts.organisations() if o.oidc_issuer]
    page = render(
        request,
        "login.html",
        None,
        status_code=status_code,
        login_csrf=token,
        next=next_path,
        error=error,
        email=email,
        oidc_providers=providers,
    )
    page.set_cookie(
        CSRF_COOKIE,
        token,
        max_age=3600,
        httponly=True,
        secure=svc.settings.cookie_secure,
        samesite="strict",
        path="/login",
    )
    return page


@router.get("/login")
def login_form(
    request: Request, svc: ServicesDep, caller: OptionalCallerDep, next: str | None = None
) -> Response:
    if caller is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return _login_page(request, svc, next_path=safe_next(next))


@router.post("/login")
def login(
    request: Request,
    svc: ServicesDep,
    email: Annotated[str, Form(max_length=254)],
    password: Annotated[str, Form(max_length=1024)],
    csrf_token: Annotated[str, Form(max_length=100)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    target = safe_next(next)
    if not accounts.csrf_matches(request.cookies.get(CSRF_COOKIE, ""), csrf_token or None):
        return _login_page(
            request,
            svc,
            next_path=target,
            error="The sign-in form expired or came from another site; please try again.",
            email=email,
            status_code=403,
        )
    try:
        _, session_id, _ = sign_in(svc, request, email, password)
    except accounts.ThrottledError as exc:
        page = _login_page(
            request, svc, next_path=target, error=str(exc), email=email, status_code=429
        )
        page.headers["Retry-After"] = str(exc.retry_after)
        return page
    except accounts.SignInError as exc:
        return _login_page(
            request, svc, next_path=target, error=str(exc), email=email, status_code=401
        )
    response = RedirectResponse(target, status_code=303)
    set_session_cookie(svc, response, session_id)
    response.delete_cookie(CSRF_COOKIE, path="/login")
    return response


@router.post("/logout")
def logout(caller: OptionalCallerDep) -> Response:
    response = RedirectResponse("/login", status_code=303)
    if caller is not None:
        sign_out(caller, response)
    return response
