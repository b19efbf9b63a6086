"""Licences, board certifications and DEA registrations, and forms to add them.

Numbers are sensitive: this page shows only their last three characters (reading them is
audited like every decryption), and no error message repeats one.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from cmeledger.actions.physicians import (
    add_certification,
    add_dea,
    add_license,
    physician_profile,
)
from cmeledger.api.auth import Caller, CallerDep
from cmeledger.api.problems import status_of
from cmeledger.domain.errors import DomainError
from cmeledger.domain.people import US_JURISDICTIONS, BoardType, LicenseStatus
from cmeledger.errors import CmeLedgerError
from cmeledger.requirements import all_rules
from cmeledger.requirements.model import RuleKind
from cmeledger.storage.ledger import Ledger
from cmeledger.web.physician_context import PhysicianContext, page, physician_context

router = APIRouter(include_in_schema=False)
Text = Annotated[str, Form(max_length=200)]
DateText = Annotated[str, Form(max_length=20)]
ADDED = {
    "licence": "Licence added.",
    "certification": "Board certification added.",
    "dea": "DEA registration added.",
}


def mask(secret: str | None) -> str:
    """Only the last three characters; a number of three or fewer shows none of it."""
    if not secret:
        return ""
    return secret[-3:] if len(secret) > 3 else ""


def _date(text: str, label: str, *, required: bool = False) -> date | None:
    if not text.strip():
        if required:
            raise DomainError(f"{label} is required")
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise DomainError(f"{label} must be a date written YYYY-MM-DD") from None


def _required(text: str, label: str) -> date:
    found = _date(text, label, required=True)
    assert found is not None
    return found


def _page(
    request: Request,
    caller: Caller,
    ctx: PhysicianContext,
    ledger: Ledger,
    *,
    added: str | None = None,
    failed: str | None = None,
    error: str | None = None,
    values: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    profile = physician_profile(ledger, ctx.id)
    boards = sorted(r.id for r in all_rules() if r.kind is RuleKind.BOARD)
    return page(
        request,
        "credentials.html",
        caller,
        ctx,
        status_code=status_code,
        profile=profile,
        mask=mask,
        added=ADDED.get(added or ""),
        failed=failed,
        error=error,
        values=values or {},
        jurisdictions=sorted(US_JURISDICTIONS),
        board_types=[b.value for b in BoardType],
        statuses=[s.value for s in LicenseStatus],
        boards=boards,
    )


@router.get("/credentials")
def credentials(
    request: Request, caller: CallerDep, physician: str | None = None, added: str | None = None
) -> Response:
    with caller.ledger() as ledger:
        ctx = physician_context(caller, ledger, physician)
        return _page(request, caller, ctx, ledger, added=added)


def _add(
    request: Request,
    caller: Caller,
    physician: str | None,
    kind: str,
    values: dict[str, str],
    write: Callable[[Ledger, PhysicianContext], object],
) -> Response:
    """Add one thing; a refusal shows the page again with the message and what was typed
    (except numbers, which are not echoed back)."""
    caller.principal.require_ledger_writer()
    with caller.ledger() as ledger:
        ctx = physician_context(caller, ledger, physician)
        try:
            with ledger.session.begin_nested():
                write(ledger, ctx)
        except (DomainError, CmeLedgerError) as exc:
            return _page(
                request,
                caller,
                ctx,
                ledger,
                failed=kind,
                error=str(exc),
                values=values,
                status_code=status_of(exc),
            )
    return RedirectResponse(ctx.url("/credentials", added=kind), status_code=303)


@router.post("/credentials/licences")
def add_licence(
    request: Request,
    caller: CallerDep,
    jurisdiction: Text,
    board_type: Text,
    number: Text,
    expires: DateText,
    issued: DateText = "",
    status: Text = LicenseStatus.ACTIVE.value,
    physician: str | None = None,
) -> Response:
    def write(ledger: Ledger, ctx: PhysicianContext) -> object:
        try:
            kind, state = BoardType(board_type), LicenseStatus(status)
        except ValueError:
            raise DomainError("choose the board type and status from the lists") from None
        return add_license(
            ledger,
            ctx.id,
            jurisdiction=jurisdiction,
            board_type=kind,
            number=number,
            expires=_required(expires, "Expiry date"),
            issued=_date(issued, "Issue date"),
            status=state,
        )

    values = {
        "jurisdiction": jurisdiction,
        "board_type": board_type,
        "expires": expires,
        "issued": issued,
        "status": status,
    }
    return _add(request, caller, physician, "licence", values, write)


@router.post("/credentials/certifications")
def add_board_certification(
    request: Request,
    caller: CallerDep,
    board: Text,
    specialty: Text,
    board_id: Text = "",
    starts: DateText = "",
    ends: DateText = "",
    physician: str | None = None,
) -> Response:
    def write(ledger: Ledger, ctx: PhysicianContext) -> object:
        return add_certification(
            ledger,
            ctx.id,
            board=board,
            specialty=specialty,
            board_id=board_id.strip() or None,
            starts=_date(starts, "Start date"),
            ends=_date(ends, "End date"),
        )

    values = {"board": board, "specialty": specialty, "starts": starts, "ends": ends}
    return _add(request, caller, physician, "certification", values, write)


@router.post("/credentials/dea")
def add_dea_registration(
    request: Request,
    caller: CallerDep,
    number: Text,
    expires: DateText,
    issued: DateText = "",
    physician: str | None = None,
) -> Response:
    def write(ledger: Ledger, ctx: PhysicianContext) -> object:
        return add_dea(
            ledger,
            ctx.id,
            number=number.strip().upper(),
            expires=_required(expires, "Expiry date"),
            issued=_date(issued, "Issue date"),
        )

    return _add(request, caller, physician, "dea", {"expires": expires, "issued": issued}, write)
