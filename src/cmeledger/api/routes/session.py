"""Signing in over the API, the signed-in user, and API tokens."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Request, Response

from cmeledger.actions import accounts
from cmeledger.api.auth import AUTH_ACTOR, CallerDep
from cmeledger.api.context import API_PREFIX, ServicesDep
from cmeledger.api.schemas import NewTokenOut, SessionOut, SignInIn, TokenIn, TokenOut, UserOut
from cmeledger.api.schemas_common import problems
from cmeledger.api.signin import set_session_cookie, sign_in, sign_out
from cmeledger.storage.repositories.accounts import ApiToken, User
from cmeledger.storage.scope import Scope

router = APIRouter(prefix=API_PREFIX, tags=["session"])


def user_out(user: User, physician_ids: frozenset[UUID]) -> UserOut:
    return UserOut(
        id=user.id,
        email=user.email,
        display_name=user.display_name,
        role=user.role,
        physician_id=user.physician_id,
        organisation_id=user.organisation_id,
        provider_id=user.provider_id,
        physician_ids=sorted(physician_ids),
    )


def _token_out(token: ApiToken) -> TokenOut:
    return TokenOut(
        id=token.id,
        name=token.name,
        prefix=token.prefix,
        purpose=token.purpose,
        created_at=token.created_at,
        last_used_at=token.last_used_at,
        revoked=token.revoked,
    )


@router.post("/session", status_code=201, responses=problems(401, 422, 429))
def create_session(
    body: SignInIn, request: Request, response: Response, svc: ServicesDep
) -> SessionOut:
    """Sign in with e-mail and password; the session cookie comes back HttpOnly."""
    user, session_id, csrf = sign_in(svc, request, body.email, body.password)
    set_session_cookie(svc, response, session_id)
    with svc.store.ledger(Scope.owner(AUTH_ACTOR)) as ledger:
        scope = accounts.scope_for(ledger, user)
    return SessionOut(user=user_out(user, scope.physician_ids or frozenset()), csrf_token=csrf)


@router.delete("/session", status_code=204, responses=problems(401, 403))
def delete_session(caller: CallerDep, response: Response) -> Response:
    sign_out(caller, response)
    response.status_code = 204
    return response


@router.get("/me", responses=problems(401))
def me(caller: CallerDep) -> UserOut:
    return user_out(caller.principal.user, caller.principal.physician_ids)


@router.get("/tokens", responses=problems(401))
def list_tokens(caller: CallerDep) -> list[TokenOut]:
    with caller.ledger() as ledger:
        return [_token_out(t) for t in ledger.accounts.tokens(caller.principal.user.id)]


@router.post("/tokens", status_code=201, responses=problems(401, 403, 422))
def create_token(body: TokenIn, caller: CallerDep) -> NewTokenOut:
    """A bearer token for scripts: `Authorization: Bearer cmel_…`. Shown once."""
    with caller.ledger() as ledger:
        token, secret = accounts.create_token(
            ledger, caller.principal.user, body.name, purpose=accounts.TokenPurpose(body.purpose)
        )
    return NewTokenOut(**_token_out(token).model_dump(), token=secret)


@router.delete("/tokens/{token_id}", status_code=204, responses=problems(401, 403, 404, 422))
def revoke_token(token_id: UUID, caller: CallerDep) -> Response:
    with caller.ledger() as ledger:
        accounts.revoke_token(ledger, caller.principal.user, token_id)
    return Response(status_code=204)
