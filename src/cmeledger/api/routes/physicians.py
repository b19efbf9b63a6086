"""Physicians, what they hold (licences, certifications, DEA), and who may act for them.

Licence, board and DEA numbers are sensitive: lists show their last three characters, and
the full number comes only from GET on one record (each decryption is audited).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Path, Response

from cmeledger.actions import accounts
from cmeledger.actions.accounts import ForbiddenError, Role
from cmeledger.actions.physicians import add_certification, add_dea, add_license
from cmeledger.api.auth import Caller, CallerDep
from cmeledger.api.context import API_PREFIX
from cmeledger.api.etags import IfMatch, etag_of, require_match
from cmeledger.api.schemas import Page, PageParams, page_params
from cmeledger.api.schemas_common import (
    ETAG_HEADER,
    LOCATION_HEADER,
    READ,
    WRITE,
    PhysicianId,
    problems,
    with_headers,
)
from cmeledger.api.schemas_ledger import (
    CertificationIn,
    CertificationOut,
    CertificationSummaryOut,
    DeaIn,
    DeaOut,
    DeaSummaryOut,
    DelegateIn,
    DelegateOut,
    LicenseIn,
    LicenseOut,
    LicenseSummaryOut,
    PhysicianOut,
    PhysicianPatch,
    PhysicianSummaryOut,
    hint,
)
from cmeledger.domain.people import (
    BoardCertification,
    DeaRegistration,
    License,
    MonthDay,
    Physician,
)
from cmeledger.storage.repositories.accounts import User
from cmeledger.storage.repositories.physicians import PhysicianSummary

router = APIRouter(prefix=API_PREFIX, tags=["physicians"])
Paging = Annotated[PageParams, Depends(page_params)]
RecordId = Annotated[UUID, Path(description="the record's id")]


def _base(p: Physician | PhysicianSummary) -> dict[str, Any]:
    return {
        "id": p.id,
        "display_name": p.display_name,
        "first_name": p.first_name,
        "last_name": p.last_name,
        "degree": p.degree,
        "npi": p.npi,
        "email": p.email,
    }


def physician_out(p: Physician) -> PhysicianOut:
    return PhysicianOut(
        **_base(p),
        birth=None if p.birth is None else str(p.birth),
        credentials=list(p.credentials),
    )


def _location(response: Response, url: str) -> str:
    response.headers["Location"] = url
    return url


@router.get("/physicians", responses=problems(401, 422))
def list_physicians(caller: CallerDep, page: Paging) -> Page[PhysicianSummaryOut]:
    """The physicians whose ledgers you may open."""
    with caller.ledger() as ledger:
        found = ledger.physicians.summaries(limit=page.limit, offset=page.offset)
        total = ledger.physicians.count()
    items = [PhysicianSummaryOut(**_base(s)) for s in found]
    return Page(items=items, total=total, limit=page.limit, offset=page.offset)


@router.get(
    "/physicians/{physician_id}", responses={**with_headers(200, ETAG_HEADER), **problems(*READ)}
)
def get_physician(physician_id: PhysicianId, caller: CallerDep, response: Response) -> PhysicianOut:
    """The profile, with a strong ETag to send back as If-Match when changing it."""
    with caller.ledger() as ledger:
        found = physician_out(ledger.physicians.get(physician_id))
    response.headers["ETag"] = etag_of(found)
    return found


def _changes(body: PhysicianPatch) -> dict[str, Any]:
    given = body.model_dump(exclude_unset=True)
    changes: dict[str, Any] = {}
    for name, value in given.items():
        if name == "birth":
            changes[name] = None if value is None else MonthDay.parse(value)
        elif name == "credentials":
            changes[name] = tuple(v.strip() for v in value)
        elif isinstance(value, str):
            changes[name] = value.strip()
        else:
            changes[name] = value
    return changes


@router.patch(
    "/physicians/{physician_id}",
    responses={**with_headers(200, ETAG_HEADER), **problems(*WRITE, 412, 428)},
)
def patch_physician(
    physician_id: PhysicianId,
    body: PhysicianPatch,
    caller: CallerDep,
    response: Response,
    if_match: IfMatch = None,
) -> PhysicianOut:
    """Change the profile. Needs If-Match: 428 without it, 412 if it changed meanwhile."""
    caller.principal.require_ledger_writer()
    with caller.ledger() as ledger:
        ledger.physicians.lock(physician_id)
        current = ledger.physicians.get(physician_id)
        require_match(if_match, etag_of(physician_out(current)))
        changes = _changes(body)
        updated = replace(current, **changes)  # the domain checks the new values
        changed = [name for name in changes if getattr(current, name) != getattr(updated, name)]
        if changed:
            ledger.physicians.update_profile(updated, changed)
    found = physician_out(updated)
    response.headers["ETag"] = etag_of(found)
    return found


# --- licences -------------------------------------------------------------------------------
def _license_summary(lic: License) -> LicenseSummaryOut:
    return LicenseSummaryOut(
        id=lic.id,
        jurisdiction=lic.jurisdiction,
        board_type=lic.board_type,
        number_hint=hint(lic.number) or "…",
        issued=lic.issued,
        expires=lic.expires,
        status=lic.status,
    )


def _license_out(lic: License) -> LicenseOut:
    return LicenseOut(**_license_summary(lic).model_dump(), number=lic.number)


@router.get("/physicians/{physician_id}/licenses", responses=problems(*READ))
def list_licenses(physician_id: PhysicianId, caller: CallerDep) -> list[LicenseSummaryOut]:
    with caller.ledger() as ledger:
        ledger.physicians.require(physician_id)
        return [_license_summary(lic) for lic in ledger.credentials.licenses(physician_id)]


@router.post(
    "/physicians/{physician_id}/licenses",
    status_code=201,
    responses={**with_headers(201, LOCATION_HEADER, "Created"), **problems(*WRITE, 409)},
)
def create_license(
    physician_id: PhysicianId, body: LicenseIn, caller: CallerDep, response: Response
) -> LicenseOut:
    caller.principal.require_ledger_writer()
    with caller.ledger() as ledger:
        lic = add_license(
            ledger,
            physician_id,
            jurisdiction=body.jurisdiction,
            board_type=body.board_type,
            number=body.number,
            expires=body.expires,
            issued=body.issued,
            status=body.status,
        )
    _location(response, f"/api/v1/physicians/{physician_id}/licenses/{lic.id}")
    return _license_out(lic)


@router.get("/physicians/{physician_id}/licenses/{license_id}", responses=problems(*READ))
def get_license(physician_id: PhysicianId, license_id: RecordId, caller: CallerDep) -> LicenseOut:
    """One licence with its full number (the read is audited)."""
    with caller.ledger() as ledger:
        return _license_out(ledger.credentials.license(physician_id, license_id))


# --- board certifications ---------------------------------------------------------------
def _certification_summary(cert: BoardCertification) -> CertificationSummaryOut:
    return CertificationSummaryOut(
        id=cert.id,
        board=cert.board,
        specialty=cert.specialty,
        board_id_hint=hint(cert.board_id),
        starts=cert.starts,
        ends=cert.ends,
    )


def _certification_out(cert: BoardCertification) -> CertificationOut:
    return CertificationOut(**_certification_summary(cert).model_dump(), board_id=cert.board_id)


@router.get("/physicians/{physician_id}/certifications", responses=problems(*READ))
def list_certifications(
    physician_id: PhysicianId, caller: CallerDep
) -> list[CertificationSummaryOut]:
    with caller.ledger() as ledger:
        ledger.physicians.require(physician_id)
        found = ledger.credentials.certifications(physician_id)
    return [_certification_summary(c) for c in found]


@router.post(
    "/physicians/{physician_id}/certifications",
    status_code=201,
    responses={**with_headers(201, LOCATION_HEADER, "Created"), **problems(*WRITE, 409)},
)
def create_certification(
    physician_id: PhysicianId, body: CertificationIn, caller: CallerDep, response: Response
) -> CertificationOut:
    caller.principal.require_ledger_writer()
    with caller.ledger() as ledger:
        cert = add_certification(
            ledger,
            physician_id,
            board=body.board,
            specialty=body.specialty,
            board_id=body.board_id,
            starts=body.starts,
            ends=body.ends,
        )
    _location(response, f"/api/v1/physicians/{physician_id}/certifications/{cert.id}")
    return _certification_out(cert)


@router.get(
    "/physicians/{physician_id}/certifications/{certification_id}", responses=problems(*READ)
)
def get_certification(
    physician_id: PhysicianId, certification_id: RecordId, caller: CallerDep
) -> CertificationOut:
    with caller.ledger() as ledger:
        return _certification_out(ledger.credentials.certification(physician_id, certification_id))


# --- DEA registrations ----------------------------------------------------------------------
def _dea_summary(reg: DeaRegistration) -> DeaSummaryOut:
    return DeaSummaryOut(
        id=reg.id, number_hint=hint(reg.number) or "…", issued=reg.issued, expires=reg.expires
    )


def _dea_out(reg: DeaRegistration) -> DeaOut:
    return DeaOut(**_dea_summary(reg).model_dump(), number=reg.number)


@router.get("/physicians/{physician_id}/dea-registrations", responses=problems(*READ))
def list_dea_registrations(physician_id: PhysicianId, caller: CallerDep) -> list[DeaSummaryOut]:
    with caller.ledger() as ledger:
        ledger.physicians.require(physician_id)
        return [_dea_summary(r) for r in ledger.credentials.dea_registrations(physician_id)]


@router.post(
    "/physicians/{physician_id}/dea-registrations",
    status_code=201,
    responses={**with_headers(201, LOCATION_HEADER, "Created"), **problems(*WRITE, 409)},
)
def create_dea_registration(
    physician_id: PhysicianId, body: DeaIn, caller: CallerDep, response: Response
) -> DeaOut:
    caller.principal.require_ledger_writer()
    with caller.ledger() as ledger:
        reg = add_dea(
            ledger,
            physician_id,
            number=body.number.upper(),
            expires=body.expires,
            issued=body.issued,
        )
    _location(response, f"/api/v1/physicians/{physician_id}/dea-registrations/{reg.id}")
    return _dea_out(reg)


@router.get(
    "/physicians/{physician_id}/dea-registrations/{registration_id}", responses=problems(*READ)
)
def get_dea_registration(
    physician_id: PhysicianId, registration_id: RecordId, caller: CallerDep
) -> DeaOut:
    with caller.ledger() as ledger:
        return _dea_out(ledger.credentials.dea_registration(physician_id, registration_id))


# --- delegates ------------------------------------------------------------------------------
def _delegate_out(user: User) -> DelegateOut:
    return DelegateOut(id=user.id, email=user.email, display_name=user.display_name)


def _require_self(caller: Caller, physician_id: UUID) -> None:
    principal = caller.principal
    if principal.role is not Role.PHYSICIAN or principal.user.physician_id != physician_id:
        raise ForbiddenError("only the physician may choose who acts for them")


@router.get("/physicians/{physician_id}/delegates", responses=problems(*WRITE))
def list_delegates(physician_id: PhysicianId, caller: CallerDep) -> list[DelegateOut]:
    """Who may act for this physician (shown to the physician and their delegates)."""
    with caller.ledger() as ledger:
        ledger.physicians.require(physician_id)
        caller.principal.require_ledger_writer()
        return [_delegate_out(u) for u in ledger.accounts.delegates_of(physician_id)]


@router.post(
    "/physicians/{physician_id}/delegates",
    status_code=201,
    responses=problems(*WRITE),
)
def grant_delegate(physician_id: PhysicianId, body: DelegateIn, caller: CallerDep) -> DelegateOut:
    """Let a delegate account (an assistant) act for you. Only the physician may."""
    with caller.ledger() as ledger:
        ledger.physicians.require(physician_id)
        _require_self(caller, physician_id)
        return _delegate_out(accounts.grant_delegate(ledger, physician_id, body.email))


@router.delete(
    "/physicians/{physician_id}/delegates/{user_id}",
    status_code=204,
    responses=problems(*WRITE),
)
def revoke_delegate(
    physician_id: PhysicianId,
    user_id: Annotated[UUID, Path(description="the delegate's user id")],
    caller: CallerDep,
) -> Response:
    with caller.ledger() as ledger:
        ledger.physicians.require(physician_id)
        _require_self(caller, physician_id)
        accounts.revoke_delegate(ledger, physician_id, user_id)
    return Response(status_code=204)
