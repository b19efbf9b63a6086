"""Exports: the ledger as CSV or JSON, the audit packet, and a calendar subscription.

A calendar application cannot sign in, so its URL carries an API token. The token is made
here on request (named "calendar", revocable under Account) and its URL is shown once.
"""

from __future__ import annotations

from urllib.parse import quote, urlsplit, urlunsplit

from fastapi import APIRouter, Request
from fastapi.responses import Response

from cmeledger.actions import accounts
from cmeledger.api.auth import CallerDep
from cmeledger.web.physician_context import PhysicianContext, page, physician_context

router = APIRouter(include_in_schema=False)
CALENDAR_TOKEN = "calendar"  # noqa: S105 - the token's name, not a secret


def calendar_urls(public_url: str, ctx: PhysicianContext, secret: str) -> tuple[str, str]:
    """The feed's https URL and the same as webcal:// (calendar apps subscribe to that)."""
    base = public_url.rstrip("/")
    https = f"{base}{ctx.api}/calendar.ics?token={quote(secret, safe='')}"
    parts = urlsplit(https)
    webcal = urlunsplit(("webcal", *parts[1:]))
    return https, webcal


@router.get("/exports")
def exports(request: Request, caller: CallerDep, physician: str | None = None) -> Response:
    with caller.ledger() as ledger:
        ctx = physician_context(caller, ledger, physician)
    return page(request, "exports.html", caller, ctx, calendar=None)


@router.post("/exports/calendar")
def calendar_token(request: Request, caller: CallerDep, physician: str | None = None) -> Response:
    """Answered with the page itself, not a redirect: the token is shown this once only."""
    with caller.ledger() as ledger:
        ctx = physician_context(caller, ledger, physician)
        _, secret = accounts.create_token(
            ledger, caller.principal.user, CALENDAR_TOKEN, purpose=accounts.TokenPurpose.CALENDAR
        )
    https, webcal = calendar_urls(caller.services.settings.public_url, ctx, secret)
    return page(request, "exports.html", caller, ctx, calendar={"https": https, "webcal": webcal})
