"""PARS business rules, shared by the client's pre-flight check and the local sandbox.

Each broken rule is a `Problem` with a code from the sandbox's catalogue (ACCME publishes no
codes; ours are stable so tests and people can refer to them) and the HTTP status the
sandbox answers with. Rules the research marks [inferred] are settings of `ParsRules`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum

from cmeledger.domain.compliance.cycles import add_months
from cmeledger.domain.errors import DomainError
from cmeledger.domain.pars.model import (
    CME_CERTIFICATION,
    Activity,
    ActivityFormat,
    DeliveryMethod,
    LearnerRecord,
    RecordAction,
    Sponsorship,
)
from cmeledger.domain.pars.vocabulary import LIVE_FORMATS, MOC_CREDIT_TYPES, US_STATES
from cmeledger.domain.people import check_npi

PROVIDER_ID = re.compile(r"^\d{7}$")
ACCME_ID = re.compile(r"^\d{9}$")
CREDIT_ID_MAX = 300
TITLE_MAX = 500
DESCRIPTION_MAX = 2500


class Window(StrEnum):
    """When a reporting year closes to learner data (the sources disagree)."""

    ACCME_FAQ = "accme_faq"  # through 31 March of the following year
    CURRENT_AND_PREVIOUS = "current_and_previous"  # integrator: through 31 March, year + 2


@dataclass(frozen=True, slots=True)
class ParsRules:
    step: Decimal = Decimal("0.25")
    enduring_max_months: int = 36
    other_max_months: int = 12
    abp_whole_points: bool = True  # older ABP guidance; newer FAQ allows quarter points
    abp_once_per_day: bool = True
    window: Window = Window.ACCME_FAQ
    moc_credit_types: Mapping[str, tuple[str, ...]] = field(
        default_factory=lambda: dict(MOC_CREDIT_TYPES)
    )
    board_id_optional: frozenset[str] = frozenset({"ABS"})


@dataclass(frozen=True, slots=True)
class Problem:
    code: str
    field: str
    message: str

    @property
    def http_status(self) -> int:
        return HTTP_STATUS.get(self.code, 400)

    def __str__(self) -> str:
        return f"{self.code} {self.field}: {self.message}"


HTTP_STATUS = {
    "AUTH-001": 401,
    "AUTH-002": 403,
    "ACT-001": 404,
    "ACT-006": 409,
    "LRN-004": 422,
    "LRN-005": 409,
    "LRN-008": 404,
}


def _steps(amount: Decimal, step: Decimal) -> bool:
    return amount >= step and amount % step == 0


def window_closes(completed_on: date, rules: ParsRules) -> date:
    """The last day PARS takes a learner record completed on `completed_on`."""
    extra = 1 if rules.window is Window.ACCME_FAQ else 2
    if completed_on.year + extra > date.max.year:
        return date.max  # a date near 9999 is refused as in the future, not crashed on
    return date(completed_on.year + extra, 3, 31)


def _months_after(day: date, months: int) -> date:
    try:
        return add_months(day, months)
    except ValueError:  # past the year 9999: no end date can be later
        return date.max


def validate_activity(activity: Activity, rules: ParsRules) -> list[Problem]:
    found: list[Problem] = []

    def bad(code: str, where: str, message: str) -> None:
        found.append(Problem(code, where, message))

    if not PROVIDER_ID.match(activity.provider_id):
        bad("ACT-007", "ProviderID", "provider ID must be ACCME's 7 digits (keep leading zeros)")
    if activity.accme_id is not None and not ACCME_ID.match(activity.accme_id):
        bad("ACT-001", "ACCME Activity ID", "an ACCME activity ID is 9 digits")
    title = activity.title.strip()
    if not title or len(title) > TITLE_MAX:
        bad("ACT-008", "title", f"title is required and at most {TITLE_MAX} characters")
    if activity.description is not None and len(activity.description) > DESCRIPTION_MAX:
        bad("ACT-008", "description", f"description is at most {DESCRIPTION_MAX} characters")
    if activity.end < activity.start:
        bad("ACT-002", "endDateTime", "the end date is before the start date")
    else:
        months = (
            rules.enduring_max_months
            if activity.format is ActivityFormat.ENDURING
            else rules.other_max_months
        )
        if activity.end > _months_after(activity.start, months):
            bad(
                "ACT-002",
                "endDateTime",
                f"a {activity.format.value} activity may last at most {months} months; "
                "report a new activity for the next period",
            )
    if activity.format in LIVE_FORMATS and (
        not activity.delivery_methods or DeliveryMethod.IN_PERSON in activity.delivery_methods
    ):
        where = activity.location
        if not where.city or not where.country:
            bad("ACT-003", "activityLocation", "an in-person live activity needs city and country")
        elif where.country == "USA" and (where.state or "") not in US_STATES:
            bad("ACT-003", "stateOrProvince", "a US location needs a 2-letter USPS state code")
    if activity.sponsorship is Sponsorship.JOINT and not activity.joint_providers:
        bad("ACT-004", "nonAccreditedProvider", "joint providership needs the joint provider")
    if activity.commercial_support and not activity.supporters:
        bad("ACT-004", "commercialSupportAmount", "commercial support needs each supporter")
    if any(s.amount_usd < 0 for s in activity.supporters):
        bad("ACT-004", "commercialSupportAmount", "support amounts are whole US dollars >= 0")
    if not _steps(activity.credits, rules.step):
        bad("ACT-005", "numberOfCredits", f"credits must be >= {rules.step} in {rules.step} steps")
    boards: set[str] = set()
    for reg in activity.moc:
        board = reg.board.upper()
        where_ = f"MOCRegistration[{board}]"
        if board in boards:
            bad("ACT-009", where_, "the board is registered twice")
        boards.add(board)
        known = rules.moc_credit_types.get(board)
        if known is None:
            bad(
                "ACT-009",
                where_,
                f"unknown board; known: {', '.join(sorted(rules.moc_credit_types))}",
            )
            continue
        if not reg.credit_types:
            bad("ACT-009", where_, "name at least one MOC credit type")
        for ct in reg.credit_types:
            if ct not in known:
                bad("ACT-009", where_, f"{ct!r} is not a {board} credit type ({'; '.join(known)})")
        if not _steps(reg.points, rules.step):
            bad("ACT-005", f"{where_}.mocPoints", f"points must be >= {rules.step} in steps")
        elif board == "ABP" and rules.abp_whole_points and reg.points % 1 != 0:
            bad("ACT-005", f"{where_}.mocPoints", "ABP takes whole MOC points")
        if not (activity.description or "").strip():
            bad("ACT-008", "description", "an activity registered for MOC needs a description")
    if activity.rems is not None and activity.rems not in ("Opioid Analgesic", "Mycophenolate"):
        bad("ACT-010", "REMSType", "REMS type is 'Opioid Analgesic' or 'Mycophenolate'")
    return found


def validate_learner(
    record: LearnerRecord,
    activity: Activity | None,
    rules: ParsRules,
    today: date,
) -> list[Problem]:
    """Rules one record must meet on its own; duplicates need state and are the store's job."""
    found: list[Problem] = []

    def bad(code: str, where: str, message: str) -> None:
        found.append(Problem(code, where, message))

    if activity is None:
        bad("ACT-001", "moduleID", f"activity {record.accme_activity_id} is not registered in PARS")
    if not record.consent:
        bad("LRN-009", "consent", "the learner has not consented to having this reported")
    learner = record.learner
    if not learner.first_name.strip() or not learner.last_name.strip():
        bad("LRN-010", "Name", "first and last name are both required")
    if not record.credits:
        bad("LRN-011", "CreditCertificate", "a record needs at least one credit")
    if record.action is RecordAction.DELETE:
        return found
    has_state = bool(learner.license_state and learner.license_number)
    if learner.license_state and learner.license_state not in US_STATES:
        bad("LRN-010", "LicenseState", "licensing state must be a USPS code")
    if learner.npi:
        try:
            check_npi(learner.npi)
        except DomainError as exc:
            bad("LRN-010", "NPI", str(exc))
    cme = [c for c in record.credits if not c.is_moc]
    moc = [c for c in record.credits if c.is_moc]
    if cme and not (has_state or learner.npi):
        bad("LRN-010", "UniqueID", "CME credit needs the state licence (state + number) or NPI")
    if not (has_state or learner.npi or (learner.board and learner.board_id)):
        bad("LRN-010", "UniqueID", "give a state licence, an NPI or a certifying board ID")
    if record.completed_on > today:
        bad("LRN-002", "CompletedDateTime", "the completion date is in the future")
    if today > window_closes(record.completed_on, rules):
        bad(
            "LRN-003",
            "CompletedDateTime",
            f"reporting year {record.completed_on.year} closed on "
            f"{window_closes(record.completed_on, rules).isoformat()}",
        )
    seen: set[str] = set()
    for credit in record.credits:
        where = f"CreditID[{credit.credit_id}]"
        if not credit.credit_id.strip() or len(credit.credit_id) > CREDIT_ID_MAX:
            bad("LRN-011", where, f"a credit ID is required, at most {CREDIT_ID_MAX} characters")
        if credit.credit_id in seen:
            bad("LRN-005", where, "the same credit ID appears twice in the record")
        seen.add(credit.credit_id)
        if not _steps(credit.amount, rules.step):
            bad("LRN-011", where, f"credits must be >= {rules.step} in {rules.step} steps")
    if activity is None:
        return found
    if record.completed_on < activity.start or record.completed_on > activity.end:
        bad(
            "LRN-002",
            "CompletedDateTime",
            f"completion {record.completed_on.isoformat()} is outside the activity's dates "
            f"({activity.start.isoformat()} to {activity.end.isoformat()})",
        )
    cme_total = sum((c.amount for c in cme), Decimal(0))
    if any(c.certification != CME_CERTIFICATION for c in cme):
        bad("LRN-001", "activityCertification", f"CME credit must be {CME_CERTIFICATION!r}")
    if cme_total > activity.credits:
        bad(
            "LRN-006",
            "numberOfCredits",
            f"{cme_total} CME credits exceed the {activity.credits} designated",
        )
    by_board: dict[str, Decimal] = {}
    for credit in moc:
        board = (credit.board or "").upper()
        where = f"CreditID[{credit.credit_id}]"
        reg = activity.moc_for(board)
        if reg is None or credit.certification not in reg.credit_types:
            bad(
                "LRN-001",
                where,
                f"activity not registered for {board} {credit.certification!r}",
            )
            continue
        by_board[board] = by_board.get(board, Decimal(0)) + credit.amount
        if reg.claim_date is not None and record.completed_on > reg.claim_date:
            bad("LRN-012", where, f"{board} points could be claimed until {reg.claim_date}")
        if board == "ABP" and rules.abp_whole_points and credit.amount % 1 != 0:
            bad("LRN-011", where, "ABP takes whole MOC points")
        named = (learner.board or "").upper() == board and bool(learner.board_id)
        if not named and board not in rules.board_id_optional:
            bad("LRN-010", where, f"{board} credit needs the learner's {board} ID")
    for board, points in by_board.items():
        reg = activity.moc_for(board)
        if reg is not None and points > reg.points:
            bad(
                "LRN-006",
                f"mocPoints[{board}]",
                f"{points} points exceed the {reg.points} registered",
            )
    return found
