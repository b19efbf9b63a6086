"""Signing in through an organisation's identity provider (OpenID Connect).

The first time, the provider's verified e-mail address finds the account among the people
the organisation may vouch for, and the provider's (issuer, subject) is linked to it. From
then on only that link counts, so an address changed at the provider changes nothing here.
A sign-in that ends well starts a fresh session exactly as the password form does.
"""

from __future__ import annotations

import hmac
import time
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response

from cmeledger.api.auth import AUTH_ACTOR
from cmeledger.api.context import Services, ServicesDep
from cmeledger.api.problems import ProblemError
from cmeledger.api.signin import set_session_cookie, start_session_for
from cmeledger.audit import events
from cmeledger.errors import NotFoundError
from cmeledger.storage.ledger import Ledger
from cmeledger.storage.repositories.accounts import OidcClient, User
from cmeledger.storage.scope import Scope
from cmeledger.web import oidc_flow
from cmeledger.web.oidc_flow import STATE_COOKIE, STATE_PATH, Identity, OidcRefusedError
from cmeledger.web.pages import error_page
from cmeledger.web.routes.auth import safe_next

router = APIRouter(include_in_schema=False)

START_AGAIN = "Start again from the sign-in page."


def _redirect_uri(svc: Services) -> str:
    # From settings, never from the Host header: the provider only accepts the registered one.
    return svc.settings.public_url.rstrip("/") + oidc_flow.CALLBACK_PATH


def _cookie_key(svc: Services) -> bytes:
    return oidc_flow.cookie_key(svc.store.cipher.keyring.index_key)


def _forget_flow(svc: Services, response: Response) -> None:
    response.delete_cookie(
        STATE_COOKIE,
        path=STATE_PATH,
        secure=svc.settings.cookie_secure,
        httponly=True,
        samesite="lax",
    )


def _refuse(request: Request, svc: Services, status: int, detail: str) -> Response:
    """The error page; the attempt is over either way, so its cookie goes too."""
    page = error_page(request, status, detail)
    _forget_flow(svc, page)
    return page


@router.get("/login/oidc/callback")
def finish_sign_in(
    request: Request,
    svc: ServicesDep,
    code: Annotated[str | None, Query(max_length=4096)] = None,
    state: Annotated[str | None, Query(max_length=512)] = None,
    iss: Annotated[str | None, Query(max_length=1000)] = None,
    error: Annotated[str | None, Query(max_length=200)] = None,
    error_description: Annotated[str | None, Query(max_length=1000)] = None,
) -> Response:
    sealed = request.cookies.get(STATE_COOKIE)
    flow = oidc_flow.open_state(_cookie_key(svc), sealed, time.time()) if sealed else None
    if flow is None:
        return _refuse(
            request,
            svc,
            400,
            "This sign-in was started too long ago, or in another browser. " + START_AGAIN,
        )
    if state is None or not hmac.compare_digest(state.encode(), flow.state.encode()):
        return _refuse(
            request,
            svc,
            400,
            "The identity provider's answer does not belong to the sign-in started in this "
            "browser. " + START_AGAIN,
        )
    try:
        client = _client_answered(svc, flow.organisation_id, code, error, error_description)
        assert code is not None  # an answer without one was refused just above
        identity = oidc_flow.finish(
            client, flow, code=code, iss=iss, redirect_uri=_redirect_uri(svc)
        )
        with svc.store.ledger(Scope.owner(AUTH_ACTOR)) as ledger:
            user = _account_for(ledger, client, identity)
    except NotFoundError as exc:
        return _refuse(request, svc, 404, str(exc))
    except OidcRefusedError as refused:
        with svc.store.ledger(Scope.owner(AUTH_ACTOR)) as ledger:
            ledger.audit.record(
                events.USER_SIGN_IN_FAILED,
                "user",
                None,
                via="oidc",
                reason=refused.reason,
                organisation_id=str(flow.organisation_id),
            )
        return _refuse(request, svc, refused.status, refused.detail)
    session_id, _ = start_session_for(svc, user, via="oidc")
    response = RedirectResponse(safe_next(flow.next_path), status_code=303)
    set_session_cookie(svc, response, session_id)
    _forget_flow(svc, response)
    return response


def _client_answered(
    svc: Services,
    organisation_id: UUID,
    code: str | None,
    error: str | None,
    error_description: str | None,
) -> OidcClient:
    """The organisation's client, once the provider's answer is a code to exchange (its
    secret is only read, and that read audited, when there is one)."""
    with svc.store.ledger(Scope.owner(AUTH_ACTOR)) as ledger:
        name = ledger.accounts.organisation(organisation_id).name
        if error is not None:
            raise OidcRefusedError(
                403,
                f"{name}'s identity provider did not sign you in "
                f"({error_description or error}). {START_AGAIN}",
                "provider_error",
            )
        if not code:
            raise OidcRefusedError(
                400, f"{name}'s identity provider sent no sign-in code. {START_AGAIN}", "code"
            )
        return ledger.accounts.oidc_client(organisation_id, ledger.cipher, ledger.audit)


@router.get("/login/oidc/{organisation_id}")
def start_sign_in(
    svc: ServicesDep,
    organisation_id: UUID,
    next: Annotated[str | None, Query(max_length=2000)] = None,
) -> Response:
    with svc.store.ledger(Scope.owner(AUTH_ACTOR)) as ledger:
        organisation = ledger.accounts.organisation(organisation_id)
    if organisation.oidc_issuer is None or organisation.oidc_client_id is None:
        raise NotFoundError(
            f"{organisation.name} has no identity provider; sign in with your e-mail address "
            "and password"
        )
    try:
        provider = oidc_flow.metadata(organisation.oidc_issuer)
    except OidcRefusedError as refused:
        raise ProblemError(
            refused.status, f"{organisation.name}'s sign-in is unavailable: {refused.detail}"
        ) from None
    url, flow = oidc_flow.begin(
        provider, organisation.oidc_client_id, organisation.id, _redirect_uri(svc), safe_next(next)
    )
    response = RedirectResponse(url, status_code=303)
    response.set_cookie(
        STATE_COOKIE,
        oidc_flow.seal_state(_cookie_key(svc), flow),
        max_age=oidc_flow.STATE_SECONDS,
        httponly=True,
        secure=svc.settings.cookie_secure,
        # lax, not strict: the provider sends the browser back with a top-level GET from its
        # own site, and a strict cookie would stay behind.
        samesite="lax",
        path=STATE_PATH,
    )
    return response


def _account_for(ledger: Ledger, client: OidcClient, identity: Identity) -> User:
    user = ledger.accounts.by_oidc(identity.issuer, identity.subject)
    if user is None:
        user = _link_by_email(ledger, client, identity)
    elif not ledger.accounts.belongs_to(user.id, client.organisation_id):
        raise OidcRefusedError(
            403,
            f"Your CME Ledger account is not one that {client.organisation_name} signs in any "
            f"more. Ask {client.organisation_name}'s administrator, or sign in with your "
            "e-mail address and password.",
            "not_member",
        )
    if user.disabled:
        raise OidcRefusedError(403, "This CME Ledger account is disabled.", "disabled")
    return user


def _link_by_email(ledger: Ledger, client: OidcClient, identity: Identity) -> User:
    org = client.organisation_name
    if identity.email is None:
        raise OidcRefusedError(
            403,
            f"{org}'s identity provider did not tell us your e-mail address, so your CME "
            f"Ledger account cannot be found. Ask {org}'s administrator.",
            "no_email",
        )
    if not identity.email_verified:
        raise OidcRefusedError(
            403,
            f"{org}'s identity provider has not verified your e-mail address "
            f"{identity.email}, so it cannot be used to find your CME Ledger account. "
            f"Ask {org}'s administrator.",
            "unverified_email",
        )
    found = ledger.accounts.oidc_candidate(client.organisation_id, identity.email)
    if found is None:
        raise OidcRefusedError(
            403,
            f"{org} has no CME Ledger account for {identity.email}. Ask {org}'s administrator "
            "to add you (physicians: join the organisation and share your ledger with it), "
            "then sign in again.",
            "no_account",
        )
    user, linked = found
    if linked is not None:
        raise OidcRefusedError(
            403,
            f"The CME Ledger account for {identity.email} already signs in through another "
            f"identity provider account. Ask {org}'s administrator.",
            "linked_elsewhere",
        )
    ledger.accounts.link_oidc(user.id, identity.issuer, identity.subject)
    ledger.audit.record(
        events.USER_OIDC_LINKED,
        "user",
        user.id,
        organisation_id=str(client.organisation_id),
        issuer=identity.issuer,
    )
    return user
