"""An organisation's roster: each physician who consented to share, and where each of their
obligations stands; one member's full compliance; and the physician's side of consent.

Only members who share (`memberships.shares_since` set) are ever read, whoever asks: the
roster is built from `sharing_members` and the caller's scope, so a physician who withdraws
consent disappears from the roster on the next request.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any
from uuid import UUID

from cmeledger.actions import accounts
from cmeledger.actions.accounts import ForbiddenError, Principal, Role
from cmeledger.actions.compliance import StatusReport, compliance_status
from cmeledger.actions.status_cache import StatusCache
from cmeledger.domain.compliance import Obligation, Status
from cmeledger.errors import CmeLedgerError, NotFoundError
from cmeledger.storage.ledger import Ledger
from cmeledger.storage.repositories.accounts import Organisation
from cmeledger.storage.repositories.physicians import PhysicianSummary
from cmeledger.storage.repositories.reminders import SentReminder

# Worst first, so "sort by status" puts the physicians who need a nudge at the top.
STATUS_RANK = {
    Status.OVERDUE: 0,
    Status.AT_RISK: 1,
    Status.ON_TRACK: 2,
    Status.MET: 3,
    Status.NOT_APPLICABLE: 4,
}


class RosterSort(StrEnum):
    NAME = "name"
    OBLIGATION = "obligation"
    DUE = "due"
    STATUS = "status"
    REMAINING = "remaining"


SORT_CHOICES = tuple(f"{p}{s.value}" for s in RosterSort for p in ("", "-"))


@dataclass(frozen=True, slots=True)
class RosterRow:
    """One obligation of one physician; a physician with nothing evaluated yet has one row
    whose obligation fields are None, so they still appear on the roster."""

    physician_id: UUID
    physician_name: str
    last_name: str
    first_name: str
    npi: str | None
    email: str | None
    obligation_id: str | None = None
    obligation: str | None = None
    kind: str | None = None
    due_date: date | None = None
    status: Status | None = None
    required_hours: Decimal | None = None
    counted_hours: Decimal | None = None
    remaining_hours: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Roster:
    organisation: Organisation
    as_of: date
    sort: str
    physicians: int
    rows: list[RosterRow]


@dataclass(frozen=True, slots=True)
class MemberCompliance:
    organisation: Organisation
    physician: PhysicianSummary
    report: StatusReport
    reminders: list[SentReminder]


@dataclass(frozen=True, slots=True)
class Membership:
    organisation_id: UUID
    organisation_name: str
    shares: bool


def require_organisation_reader(principal: Principal, organisation_id: UUID) -> None:
    """Org admins and auditors reach their own organisation; anyone else is told it does not
    exist (404), exactly as for an id that really does not exist."""
    user = principal.user
    if principal.role not in (Role.ORG_ADMIN, Role.AUDITOR) or user.organisation_id is None:
        raise NotFoundError(f"no organisation {organisation_id}")
    if user.organisation_id != organisation_id:
        raise NotFoundError(f"no organisation {organisation_id}")


def require_reminder_sender(principal: Principal, organisation_id: UUID) -> None:
    require_organisation_reader(principal, organisation_id)
    if principal.role is not Role.ORG_ADMIN:
        raise ForbiddenError("an auditor may read the roster but not send reminders")


def sharing_physicians(ledger: Ledger, organisation_id: UUID) -> list[PhysicianSummary]:
    """The members who consent to share and are in the caller's scope, by name."""
    ledger.accounts.organisation(organisation_id)
    members = [
        p for p in ledger.accounts.sharing_members(organisation_id) if ledger.scope.allows(p)
    ]
    found = [ledger.physicians.require(p) for p in members]
    return sorted(found, key=lambda s: (s.last_name.lower(), s.first_name.lower(), s.id))


def _rows(summary: PhysicianSummary, obligations: list[Obligation]) -> list[RosterRow]:
    base: dict[str, Any] = {
        "physician_id": summary.id,
        "physician_name": summary.display_name,
        "last_name": summary.last_name,
        "first_name": summary.first_name,
        "npi": summary.npi,
        "email": summary.email,
    }
    if not obligations:
        return [RosterRow(**base)]
    return [
        RosterRow(
            **base,
            obligation_id=o.id,
            obligation=o.label,
            kind=o.kind,
            due_date=o.due_date,
            status=o.status,
            required_hours=o.required_hours,
            counted_hours=o.counted_hours,
            remaining_hours=o.remaining_hours,
        )
        for o in obligations
    ]


def _name_key(row: RosterRow) -> tuple[str, str, str]:
    return (row.last_name.lower(), row.first_name.lower(), str(row.physician_id))


_FAR = date.max
_KEYS: dict[RosterSort, Callable[[RosterRow], tuple[Any, ...]]] = {
    RosterSort.NAME: lambda r: (*_name_key(r), r.due_date or _FAR),
    RosterSort.OBLIGATION: lambda r: ((r.obligation or "~").lower(), *_name_key(r)),
    RosterSort.DUE: lambda r: (r.due_date or _FAR, *_name_key(r)),
    RosterSort.STATUS: lambda r: (
        STATUS_RANK.get(r.status, 9) if r.status else 9,
        r.due_date or _FAR,
        *_name_key(r),
    ),
    RosterSort.REMAINING: lambda r: (
        -(r.remaining_hours if r.remaining_hours is not None else Decimal(-1)),
        r.due_date or _FAR,
        *_name_key(r),
    ),
}


def parse_sort(text: str) -> tuple[RosterSort, bool]:
    """`due`, `-due`, `status`, …: the key and whether it is reversed."""
    descending = text.startswith("-")
    try:
        return RosterSort(text.removeprefix("-")), descending
    except ValueError:
        raise CmeLedgerError(
            f"cannot sort the roster by {text!r}; choose one of {', '.join(SORT_CHOICES)}"
        ) from None


def sort_rows(rows: list[RosterRow], sort: str) -> list[RosterRow]:
    key, descending = parse_sort(sort)
    return sorted(rows, key=_KEYS[key], reverse=descending)


def _status(
    ledger: Ledger, summary: PhysicianSummary, as_of: date, statuses: StatusCache | None
) -> StatusReport:
    if statuses is None:
        return compliance_status(ledger, summary.id, as_of)
    return statuses.read(ledger, summary, as_of).report()


def organisation_roster(
    ledger: Ledger,
    organisation_id: UUID,
    *,
    as_of: date,
    sort: str = "due",
    statuses: StatusCache | None = None,
) -> Roster:
    """Every sharing member's obligations on `as_of`, sorted. "remaining" lists the most
    hours to go first; "status" the worst status first. With `statuses`, a member whose
    ledger has not changed is not evaluated (nor their birth month/day read) again."""
    parse_sort(sort)
    organisation = ledger.accounts.organisation(organisation_id)
    rows: list[RosterRow] = []
    members = sharing_physicians(ledger, organisation_id)
    for summary in members:
        rows += _rows(summary, _status(ledger, summary, as_of, statuses).obligations)
    return Roster(organisation, as_of, sort, len(members), sort_rows(rows, sort))


def member_compliance(
    ledger: Ledger,
    organisation_id: UUID,
    physician_id: UUID,
    *,
    as_of: date,
    statuses: StatusCache | None = None,
) -> MemberCompliance:
    """One member's compliance, for the organisation's drill-down: 404 unless that physician
    shares with that organisation (and is in the caller's scope)."""
    organisation = ledger.accounts.organisation(organisation_id)
    if physician_id not in ledger.accounts.sharing_members(organisation_id):
        raise NotFoundError(f"no physician {physician_id} shares with this organisation")
    summary = ledger.physicians.require(physician_id)
    report = _status(ledger, summary, as_of, statuses)
    history = ledger.reminders.history(physician_id)
    return MemberCompliance(organisation, summary, report, history)


def memberships(ledger: Ledger, physician_id: UUID) -> list[Membership]:
    """The organisations a physician is on the roster of, and whether they share with each."""
    ledger.physicians.require(physician_id)
    return [
        Membership(org.id, org.name, shares)
        for org, shares in ledger.accounts.memberships_of(physician_id)
    ]


def change_sharing(
    ledger: Ledger, principal: Principal, physician_id: UUID, organisation_id: UUID, shares: bool
) -> Membership:
    """The physician (or their delegate) gives or withdraws consent to share."""
    ledger.physicians.require(physician_id)
    if principal.role not in (Role.PHYSICIAN, Role.DELEGATE):
        raise ForbiddenError("only the physician or their delegate may change what is shared")
    accounts.set_sharing(ledger, organisation_id, physician_id, shares)
    for found in memberships(ledger, physician_id):
        if found.organisation_id == organisation_id:
            return found
    raise NotFoundError(f"physician {physician_id} is not on that organisation's roster")
