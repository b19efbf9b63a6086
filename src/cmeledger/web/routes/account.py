"""The signed-in user's account: API tokens; for a physician, delegates and organisations.

A new token is shown once, in the answer to the POST that made it (only its hash is kept),
so that one answer is a page rather than a redirect.
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from cmeledger.actions import accounts
from cmeledger.actions.accounts import Role
from cmeledger.api.auth import Caller, CallerDep
from cmeledger.api.problems import status_of
from cmeledger.domain.errors import DomainError
from cmeledger.errors import CmeLedgerError, NotFoundError
from cmeledger.storage.ledger import Ledger
from cmeledger.web.pages import render

router = APIRouter(include_in_schema=False)
DONE_WORDS = {
    "revoked": "The token is revoked; anything using it can no longer get in.",
    "granted": "Delegate added: they can now open your ledger.",
    "removed": "Delegate removed.",
    "sharing-on": "You now share your compliance status with that organisation.",
    "sharing-off": "You no longer share your compliance status with that organisation.",
}


def _uuid(text: str, what: str) -> UUID:
    try:
        return UUID(text)
    except ValueError:
        raise NotFoundError(f"no {what} {text[:40]!r}") from None


def _page(
    request: Request,
    caller: Caller,
    ledger: Ledger,
    *,
    done: str | None = None,
    error: str | None = None,
    new_token: str | None = None,
    status_code: int = 200,
) -> Response:
    user = caller.principal.user
    delegates = memberships = None
    if caller.principal.role is Role.PHYSICIAN and user.physician_id is not None:
        delegates = ledger.accounts.delegates_of(user.physician_id)
        memberships = ledger.accounts.memberships_of(user.physician_id)
    return render(
        request,
        "account.html",
        caller,
        status_code=status_code,
        tokens=ledger.accounts.tokens(user.id),
        delegates=delegates,
        memberships=memberships,
        done=DONE_WORDS.get(done or ""),
        error=error,
        new_token=new_token,
    )


def _own_ledger(caller: Caller) -> UUID:
    caller.principal.require_role(Role.PHYSICIAN)
    physician_id = caller.principal.user.physician_id
    if physician_id is None:
        raise NotFoundError("this account has no ledger of its own")
    return physician_id


@router.get("/account")
def account(request: Request, caller: CallerDep, done: str | None = None) -> Response:
    with caller.ledger() as ledger:
        return _page(request, caller, ledger, done=done)


@router.post("/account/tokens")
def create_token(
    request: Request, caller: CallerDep, name: Annotated[str, Form(max_length=100)] = ""
) -> Response:
    with caller.ledger() as ledger:
        try:
            with ledger.session.begin_nested():
                _, secret = accounts.create_token(ledger, caller.principal.user, name)
        except CmeLedgerError as exc:
            return _page(request, caller, ledger, error=str(exc), status_code=status_of(exc))
        return _page(request, caller, ledger, new_token=secret)


@router.post("/account/tokens/{token_id}/revoke")
def revoke_token(token_id: str, caller: CallerDep) -> Response:
    with caller.ledger() as ledger:
        accounts.revoke_token(ledger, caller.principal.user, _uuid(token_id, "API token"))
    return RedirectResponse("/account?done=revoked", status_code=303)


@router.post("/account/delegates")
def grant_delegate(
    request: Request, caller: CallerDep, email: Annotated[str, Form(max_length=254)] = ""
) -> Response:
    physician_id = _own_ledger(caller)
    with caller.ledger() as ledger:
        try:
            with ledger.session.begin_nested():
                accounts.grant_delegate(ledger, physician_id, email)
        except (CmeLedgerError, DomainError) as exc:
            return _page(request, caller, ledger, error=str(exc), status_code=status_of(exc))
    return RedirectResponse("/account?done=granted", status_code=303)


@router.post("/account/delegates/{user_id}/revoke")
def revoke_delegate(user_id: str, caller: CallerDep) -> Response:
    physician_id = _own_ledger(caller)
    with caller.ledger() as ledger:
        accounts.revoke_delegate(ledger, physician_id, _uuid(user_id, "delegate"))
    return RedirectResponse("/account?done=removed", status_code=303)


@router.post("/account/organisations/{organisation_id}/sharing")
def set_sharing(
    organisation_id: str,
    caller: CallerDep,
    shares: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    physician_id = _own_ledger(caller)
    on = shares == "on"
    with caller.ledger() as ledger:
        accounts.set_sharing(ledger, _uuid(organisation_id, "organisation"), physician_id, on)
    return RedirectResponse(f"/account?done=sharing-{'on' if on else 'off'}", status_code=303)
