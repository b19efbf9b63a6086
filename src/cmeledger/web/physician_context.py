"""Whose ledger a portal page shows.

A physician sees their own ledger. A delegate may hold several; `?physician=<id>` picks one
(default: the one picked last, kept in a cookie, else the first by name), and every link
and form on the page carries the choice on.
Organisation admins and auditors reach a sharing physician's pages the same way, read-only.
An id outside the caller's scope is a 404 (never a 403: it must not say the ledger exists).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlencode
from uuid import UUID

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse
from starlette.datastructures import FormData

from cmeledger.actions.accounts import Role
from cmeledger.api.auth import Caller
from cmeledger.errors import NotFoundError
from cmeledger.reports.labels import category_label, credit_label, topic_label
from cmeledger.storage.ledger import Ledger
from cmeledger.storage.repositories.physicians import PhysicianSummary
from cmeledger.web.pages import render

MAX_CHOICES = 200
CHOICE_COOKIE = "cmeledger_physician"  # the delegate's last choice; only ever a default


class NoLedgerError(NotFoundError):
    """Signed in, but no physician's ledger is open to this user (yet)."""


@dataclass(frozen=True, slots=True)
class PhysicianContext:
    physician: PhysicianSummary
    choices: tuple[PhysicianSummary, ...]  # for the delegate's switcher; empty otherwise
    explicit: bool  # links must name the physician (everyone but the physician themself)
    can_write: bool

    @property
    def id(self) -> UUID:
        return self.physician.id

    @property
    def api(self) -> str:
        """The REST API's base path for this ledger."""
        return f"/api/v1/physicians/{self.id}"

    def url(self, path: str, **params: object) -> str:
        """A portal URL that keeps this physician chosen; empty parameters are dropped."""
        query = {k: str(v) for k, v in params.items() if v is not None and v != ""}
        if self.explicit:
            query["physician"] = str(self.id)
        return path + ("?" + urlencode(query) if query else "")


def _parse(requested: str) -> UUID:
    try:
        return UUID(requested.strip())
    except ValueError:
        raise NotFoundError(f"no physician {requested[:40]!r}") from None


def _remembered(caller: Caller) -> UUID | None:
    """The delegate's last choice, if it is still granted (a revoked one is forgotten)."""
    text = caller.request.cookies.get(CHOICE_COOKIE)
    try:
        chosen = UUID(text) if text else None
    except ValueError:
        return None
    return chosen if chosen in caller.principal.physician_ids else None


def physician_context(caller: Caller, ledger: Ledger, requested: str | None) -> PhysicianContext:
    principal = caller.principal
    role = principal.role
    explicit = role is not Role.PHYSICIAN
    choices: tuple[PhysicianSummary, ...] = ()
    if role is Role.DELEGATE:
        choices = tuple(ledger.physicians.summaries(limit=MAX_CHOICES))
    if requested:
        # The scoped query answers "not found" for another tenant's id, as for an unknown one.
        chosen = ledger.physicians.require(_parse(requested))
    elif role is Role.PHYSICIAN and principal.user.physician_id is not None:
        chosen = ledger.physicians.require(principal.user.physician_id)
    elif role is Role.DELEGATE and (remembered := _remembered(caller)) is not None:
        chosen = ledger.physicians.require(remembered)
    else:
        first = choices[:1] or tuple(ledger.physicians.summaries(limit=1))
        if not first:
            raise NoLedgerError(
                "no physician has opened their ledger to you yet: a physician adds you as "
                "a delegate under Account, or shares with your organisation"
            )
        chosen = first[0]
    return PhysicianContext(chosen, choices, explicit, principal.writes_ledgers)


async def posted_form(request: Request) -> FormData:
    """The posted form, for handlers whose fields are not known in advance (or may be
    empty file parts, which a browser sends when no file was chosen)."""
    return await request.form()


PostedForm = Annotated[FormData, Depends(posted_form)]


def wants_partial(request: Request) -> bool:
    """htmx asks for a fragment; a plain browser request gets the whole page, and so does
    htmx restoring a page from history (it swaps in the whole body)."""
    headers = request.headers
    return (
        headers.get("hx-request") == "true" and headers.get("hx-history-restore-request") != "true"
    )


def page(
    request: Request,
    template: str,
    caller: Caller,
    ctx: PhysicianContext,
    *,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    """A physician page: the layout's context, the chosen ledger, and the label helpers."""
    answer = render(
        request,
        template,
        caller,
        status_code=status_code,
        ctx=ctx,
        credit_label=credit_label,
        category_label=category_label,
        topic_label=topic_label,
        **context,
    )
    if ctx.choices:
        # The layout's links do not name a physician, so a delegate's choice is remembered.
        answer.set_cookie(
            CHOICE_COOKIE,
            str(ctx.id),
            httponly=True,
            secure=caller.services.settings.cookie_secure,
            samesite="lax",
        )
    return answer
