"""An Excel layout for PARS activities: CME Ledger's own, NOT ACCME's activity template.

ACCME offers an "Excel Activity Batch Template (CME and MOC)", but its current column list is
not public (research note §1.4, §9.8). This layout is our reading of the activity fields PARS
collects (§2.3), meant for people who review or prepare activities in a spreadsheet and for
moving them in and out of CME Ledger. Do not upload it to PARS as if it were ACCME's file; the
guidance row of every sheet we write says so too.

Layout: row 1 guidance, row 2 header, one activity per row from row 3. Lists inside a cell
(delivery methods, joint providers, in-kind supporters, specialties, MOC credit types) are
separated by ";". Commercial supporters and MOC registrations repeat in column groups, as many
as `ActivityTemplate` says. The provider ID is not a column: every row belongs to the
`provider_id` given when reading, and a sheet is written for one provider.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import TypeVar

from openpyxl import Workbook

from cmeledger.domain.pars.model import (
    Activity,
    ActivityAction,
    ActivityFormat,
    CommercialSupport,
    DeliveryMethod,
    Location,
    MocRegistration,
    Sponsorship,
)
from cmeledger.domain.pars.vocabulary import activity_format, state_code
from cmeledger.pars.errors import ParsDocumentError
from cmeledger.pars.excel_workbook import (
    CellError,
    RowErrors,
    RowReader,
    WorkbookLimits,
    cell_date,
    cell_decimal,
    cell_name,
    cell_text,
    check_header,
    is_blank,
    new_sheet,
    put,
    read_sheet,
    workbook_bytes,
)

_E = TypeVar("_E", bound=StrEnum)
SEPARATOR = ";"
FIXED = (
    "Record Action",
    "ACCME Activity ID",
    "Provider Activity ID",
    "Activity Title",
    "Activity Format",
    "Start Date",
    "End Date",
    "City",
    "State",
    "Country",
    "Delivery Methods",
    "Providership",
    "Joint Providers",
    "AMA PRA Category 1 Credits",
    "Description",
    "URL",
    "Commercial Support",
    "In-Kind Supporters",
    "Specialties",
    "REMS Type",
    "REMS ID",
    "Physician Learners",
    "Other Learners",
    "List on CME Passport",
    "Close Activity",
)
_COL = {name: i for i, name in enumerate(FIXED)}
GUIDANCE = (
    "CME Ledger's activity layout - NOT ACCME's Excel Activity Batch Template, whose current "
    "columns are not public; do not upload this file to PARS. One activity per row from row 3. "
    "Dates MM/DD/YYYY. Record Action: Add, Update or Delete. Providership: Direct or Joint. "
    "Yes/No columns take Yes or No. Separate several values in one cell with ';'. State: USPS "
    "code for US locations. Country: ISO 3166 three-letter code (USA)."
)


@dataclass(frozen=True, slots=True)
class ActivityTemplate:
    supporters: int = 5  # (Commercial Supporter n, Support Amount (USD) n) column pairs
    moc_boards: int = 3  # (MOC Board n, MOC Points n, MOC Credit Types n, MOC Claim Date n)
    sheet: str = "Activities"
    limits: WorkbookLimits = field(default_factory=WorkbookLimits)

    def header(self) -> tuple[str, ...]:
        supporters = tuple(
            name
            for n in range(1, self.supporters + 1)
            for name in (f"Commercial Supporter {n}", f"Support Amount (USD) {n}")
        )
        boards = tuple(
            name
            for n in range(1, self.moc_boards + 1)
            for name in (
                f"MOC Board {n}",
                f"MOC Points {n}",
                f"MOC Credit Types {n}",
                f"MOC Claim Date {n}",
            )
        )
        return FIXED + supporters + boards


# ---------------------------------------------------------------------------------------------
# Writing


def write_activity_workbook(
    activities: Sequence[Activity], template: ActivityTemplate = ActivityTemplate()
) -> bytes:
    """An .xlsx with one activity per row in CME Ledger's layout (see the module docstring)."""
    providers = {a.provider_id for a in activities}
    if len(providers) > 1:
        raise ParsDocumentError(f"a sheet holds one provider's activities, not {sorted(providers)}")
    book = Workbook()
    sheet = new_sheet(book, template.sheet, GUIDANCE, template.header())
    for n, activity in enumerate(activities):
        for column, (value, fmt) in enumerate(_row(activity, n, template), start=1):
            put(sheet, n + 3, column, value, fmt)
    return workbook_bytes(book)


def _joined(values: Sequence[str], where: str) -> str | None:
    for value in values:
        if SEPARATOR in value:
            raise ParsDocumentError(
                f"{where}: {value!r} contains {SEPARATOR!r}, the list separator"
            )
    return f"{SEPARATOR} ".join(values) or None


def _yes(value: bool | None) -> str | None:
    return None if value is None else "Yes" if value else "No"


def _day(value: date | None) -> datetime | None:
    return None if value is None else datetime.combine(value, datetime.min.time())


def _row(a: Activity, n: int, template: ActivityTemplate) -> list[tuple[object, str]]:
    where = f"activity {n + 1}"
    if len(a.supporters) > template.supporters or len(a.moc) > template.moc_boards:
        raise ParsDocumentError(
            f"{where}: {len(a.supporters)} supporters and {len(a.moc)} MOC boards; the layout "
            f"has room for {template.supporters} and {template.moc_boards}"
        )
    cells: list[tuple[object, str]] = [
        (a.action.value, ""),
        (a.accme_id, ""),
        (a.provider_activity_id, ""),
        (a.title, ""),
        (a.format.value, ""),
        (_day(a.start), "mm/dd/yyyy"),
        (_day(a.end), "mm/dd/yyyy"),
        (a.location.city, ""),
        (a.location.state, ""),
        (a.location.country, ""),
        (_joined([d.value for d in a.delivery_methods], f"{where} Delivery Methods"), ""),
        (a.sponsorship.value.capitalize(), ""),
        (_joined(a.joint_providers, f"{where} Joint Providers"), ""),
        (a.credits, "0.00"),
        (a.description, ""),
        (a.url, ""),
        (_yes(a.commercial_support), ""),
        (_joined(a.in_kind_supporters, f"{where} In-Kind Supporters"), ""),
        (_joined(a.specialties, f"{where} Specialties"), ""),
        (a.rems, ""),
        (a.rems_id, ""),
        (a.physician_learners, "0"),
        (a.other_learners, "0"),
        (_yes(a.for_public_list), ""),
        (_yes(a.close), ""),
    ]
    for i in range(template.supporters):
        s = a.supporters[i] if i < len(a.supporters) else None
        cells += [(s and s.source, ""), (s and s.amount_usd, "0")]
    for i in range(template.moc_boards):
        m = a.moc[i] if i < len(a.moc) else None
        types = None if m is None else _joined(m.credit_types, f"{where} MOC Credit Types")
        cells += [
            (m and m.board, ""),
            (m and m.points, "0.00"),
            (types, ""),
            (None if m is None else _day(m.claim_date), "mm/dd/yyyy"),
        ]
    return cells


# ---------------------------------------------------------------------------------------------
# Reading


def read_activity_workbook(
    data: bytes, *, provider_id: str, template: ActivityTemplate = ActivityTemplate()
) -> list[Activity]:
    """Every activity row, or ParsDocumentError naming each bad cell by sheet, row and column."""
    title, rows = read_sheet(data, template.limits, template.sheet)
    errors = RowErrors(title)
    header = template.header()
    check_header(errors, rows, header)
    errors.raise_any()
    activities: list[Activity] = []
    for index, values in enumerate(rows[2:], start=3):
        if all(is_blank(v) for v in values):
            continue
        activity = _read_row(RowReader(errors, index, values, header), provider_id, template)
        if activity is not None:
            activities.append(activity)
    errors.raise_any()
    return activities


def _choice(kind: type[_E]) -> Callable[[object], _E]:
    def parse(value: object) -> _E:
        wanted = " ".join((cell_text(value) or "").split()).lower()
        for option in kind:
            if option.value.lower() == wanted:
                return option
        raise CellError(f"expected one of {', '.join(o.value for o in kind)}")

    return parse


def _format(value: object) -> ActivityFormat:
    found = activity_format(cell_text(value) or "")
    if found is None:
        raise CellError(f"unknown activity format; use one of {', '.join(ActivityFormat)}")
    return found


def _list(value: object) -> tuple[str, ...]:
    return tuple(p.strip() for p in (cell_text(value) or "").split(SEPARATOR) if p.strip())


def _deliveries(value: object) -> tuple[DeliveryMethod, ...]:
    return tuple(_choice(DeliveryMethod)(item) for item in _list(value))


def _yes_no(value: object) -> bool:
    if isinstance(value, bool):
        return value
    text = (cell_text(value) or "").lower()
    if text in ("yes", "y", "true"):
        return True
    if text in ("no", "n", "false"):
        return False
    raise CellError("expected Yes or No")


def _whole(value: object) -> int:
    amount = cell_decimal(value)
    if amount != amount.to_integral_value():
        raise CellError("must be a whole number")
    return int(amount)


def _state(value: object) -> str:
    text = cell_text(value) or ""
    # A US state by name or code becomes its USPS code; a province elsewhere stays as written.
    return state_code(text) or text


def _read_row(r: RowReader, provider_id: str, template: ActivityTemplate) -> Activity | None:
    c = _COL
    start, end = r.need(c["Start Date"], cell_date), r.need(c["End Date"], cell_date)
    supporters: list[CommercialSupport] = []
    for i in range(template.supporters):
        col = len(FIXED) + 2 * i
        if is_blank(r.raw(col)) != is_blank(r.raw(col + 1)):
            r.fail(col + is_blank(r.raw(col + 1)), "a supporter and its amount go together")
            continue
        source, amount = r.get(col, cell_text), r.get(col + 1, _whole)
        if source is not None and amount is not None:
            supporters.append(CommercialSupport(source, amount))
    moc: list[MocRegistration] = []
    for i in range(template.moc_boards):
        col = len(FIXED) + 2 * template.supporters + 4 * i
        if all(is_blank(r.raw(col + k)) for k in range(4)):
            continue
        board = r.need(col, lambda v: cell_name(v).upper())
        points = r.need(col + 1, cell_decimal)
        types = r.need(col + 2, _list)
        claim = r.get(col + 3, cell_date)
        if r.ok:
            moc.append(MocRegistration(board, points, types, claim))
    activity = Activity(
        provider_id=provider_id,
        title=r.need(c["Activity Title"], cell_name),
        format=r.need(c["Activity Format"], _format),
        start=start,
        end=end,
        credits=r.need(c["AMA PRA Category 1 Credits"], cell_decimal),
        accme_id=r.get(c["ACCME Activity ID"], cell_text),
        provider_activity_id=r.get(c["Provider Activity ID"], cell_text),
        description=r.get(c["Description"], cell_text),
        url=r.get(c["URL"], cell_text),
        location=Location(
            city=r.get(c["City"], cell_text),
            state=r.get(c["State"], _state),
            country=r.get(c["Country"], lambda v: cell_name(v).upper()),
        ),
        delivery_methods=r.get(c["Delivery Methods"], _deliveries) or (),
        sponsorship=r.get(c["Providership"], _choice(Sponsorship)) or Sponsorship.DIRECT,
        joint_providers=r.get(c["Joint Providers"], _list) or (),
        commercial_support=r.get(c["Commercial Support"], _yes_no) or False,
        supporters=tuple(supporters),
        in_kind_supporters=r.get(c["In-Kind Supporters"], _list) or (),
        moc=tuple(moc),
        specialties=r.get(c["Specialties"], _list) or (),
        rems=r.get(c["REMS Type"], cell_text),
        rems_id=r.get(c["REMS ID"], cell_text),
        physician_learners=r.get(c["Physician Learners"], _whole),
        other_learners=r.get(c["Other Learners"], _whole),
        for_public_list=r.get(c["List on CME Passport"], _yes_no),
        action=r.get(c["Record Action"], _choice(ActivityAction)) or ActivityAction.ADD,
        close=r.get(c["Close Activity"], _yes_no) or False,
    )
    return activity if r.ok else None
