"""ACCME's learner batch template, 917_20240125 "Learner_Excel_CME_MOC_Template" (.xlsx).

Layout (research note §3.2, header verified against ACCME's file by a public repository):
row 1 guidance text, row 2 the header, one learner completion per row from row 3. The header
strings are ACCME's, including the trailing space in "Credit Type ". The verified header ends
with one (Credit Type, Credits Awarded for Credit Type) pair; how many "Additional Credit Type"
pairs follow, and their exact names, are NOT confirmed, so `LearnerTemplate` makes both settings.
Reading accepts any number of additional pairs present in the header.

Mapping to `LearnerRecord`:
* "Licensing State" is written as the full state name (ACCME's sample row says "Maine"); a USPS
  code is accepted on reading.
* "Licensing ID or NPI" holds one identifier: 10 digits with a valid NPI check digit is read as
  an NPI, anything else as a licence number. When a learner has both, the licence number is
  written (state boards key on it) and the NPI is left out.
* "Total Board Credits" is written as the sum of the credit-type amounts; on reading it is only
  checked to be a number, since ACCME's own sample row (total 5, one credit type worth 1) is not
  a sum.
* The template has no credit IDs. Reading derives one per credit from (provider ID, activity ID,
  learner, completion date, credit kind) as `ccid:<provider>:<32 hex of SHA-256>`, where the
  learner is names, birth month/day, state, licence/NPI, board and board ID. Re-importing the
  same row (as Add or as Delete) therefore gives the same IDs; `template_credit_ids` computes them.
* The template has no activity title: pass `activity_titles` (ACCME activity ID -> title);
  unknown IDs get an empty title.
* "Date of Birth" is written as MM/DD text; a cell Excel turned into a date (it does so when
  "09/10" is typed) is read for its month and day.
* Row 1 of a workbook we write holds our own guidance text, not ACCME's.

The workbook plumbing (size and zip-bomb checks before openpyxl sees the bytes, read-only
loading, row and cell errors that name sheet, row and column) lives in `excel_workbook`; its
names are re-exported here for callers that imported them from this module.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from cmeledger.domain.errors import DomainError
from cmeledger.domain.pars.model import (
    CME_CERTIFICATION,
    Learner,
    LearnerCredit,
    LearnerRecord,
    RecordAction,
)
from cmeledger.domain.pars.vocabulary import MOC_CREDIT_TYPES, US_STATES, state_code
from cmeledger.domain.people import MonthDay, check_npi
from cmeledger.pars.errors import ParsDocumentError
from cmeledger.pars.excel_workbook import (
    EXCEL_CELL_MAX,
    MAX_COLUMNS,
    CellError,
    RowErrors,
    RowReader,
    WorkbookLimits,
    cell_date,
    cell_decimal,
    cell_name,
    cell_text,
    check_header,
    check_xlsx,
    column_letter,
    fold,
    is_blank,
    new_sheet,
    put,
    read_sheet,
    workbook_bytes,
)

__all__ = [
    "EXCEL_CELL_MAX",
    "GUIDANCE",
    "HEADER",
    "MAX_COLUMNS",
    "CellError",
    "LearnerTemplate",
    "RowErrors",
    "RowReader",
    "WorkbookLimits",
    "cell_date",
    "cell_decimal",
    "cell_name",
    "cell_text",
    "check_header",
    "check_xlsx",
    "derive_credit_id",
    "is_blank",
    "new_sheet",
    "put",
    "read_learner_workbook",
    "read_sheet",
    "template_credit_ids",
    "workbook_bytes",
    "write_learner_workbook",
]

# ---------------------------------------------------------------------------------------------
# The learner template

HEADER = (
    "Record Action",
    "ACCME Activity ID",
    "Completion Date",
    "First Name",
    "Last Name",
    "Date of Birth",
    "Licensing State",
    "Licensing ID or NPI",
    "Number of CME Credits",
    "Certifying Board",
    "Certifying Board ID",
    "Total Board Credits",
    "Credit Type ",
    "Credits Awarded for Credit Type",
)
_ACTIONS = {"add": RecordAction.ADD, "delete": RecordAction.DELETE}
_ACTIVITY_ID = re.compile(r"^\d{9}$")
GUIDANCE = (
    "One learner completion per row, starting at row 3. Record Action: Add or Delete. "
    "Completion Date: MM/DD/YYYY. Date of Birth: MM/DD. Licensing State: full state name. "
    "Licensing ID or NPI: the state licence number or the 10-digit NPI. Credits in 0.25 steps. "
    "For MOC, give the certifying board, the learner's board ID and each credit type with "
    "its credits. Written by CME Ledger in the layout of ACCME's template 917_20240125."
)


@dataclass(frozen=True, slots=True)
class LearnerTemplate:
    """Settings for the parts of the template that are not confirmed."""

    credit_type_pairs: int = 4  # [inferred] pairs after "Credit Type " written on export
    additional_pair: tuple[str, str] = (
        "Additional Credit Type",
        "Credits Awarded for Additional Credit Type",
    )  # [inferred] names of the pairs after the first
    sheet: str = "Sheet1"
    limits: WorkbookLimits = field(default_factory=WorkbookLimits)

    def header(self) -> tuple[str, ...]:
        return HEADER + self.additional_pair * (self.credit_type_pairs - 1)


def derive_credit_id(
    provider_id: str, accme_activity_id: str, learner: Learner, completed_on: date, kind: str
) -> str:
    """A stable CreditID for a template row's credit; `kind` is "cme" or "<board>:<type>"."""
    parts = (
        provider_id,
        accme_activity_id,
        learner.first_name.strip().casefold(),
        learner.last_name.strip().casefold(),
        str(learner.birth),
        learner.license_state or "",
        learner.license_number or learner.npi or "",
        (learner.board or "").upper(),
        learner.board_id or "",
        completed_on.isoformat(),
        kind,
    )
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()
    return f"ccid:{provider_id}:{digest[:32]}"


def _kind(credit: LearnerCredit) -> str:
    return "cme" if credit.board is None else f"{credit.board.upper()}:{credit.certification}"


def template_credit_ids(record: LearnerRecord) -> LearnerRecord:
    """The record with the credit IDs `read_learner_workbook` gives its row."""
    learner = record.learner
    if learner.license_number and learner.npi:
        learner = replace(learner, npi=None)  # the row holds only the licence number
    credits = tuple(
        replace(
            c,
            credit_id=derive_credit_id(
                record.provider_id, record.accme_activity_id, learner, record.completed_on, _kind(c)
            ),
        )
        for c in record.credits
    )
    return replace(record, learner=learner, credits=credits)


def write_learner_workbook(
    records: Sequence[LearnerRecord], template: LearnerTemplate = LearnerTemplate()
) -> bytes:
    """An .xlsx in the 917 template's layout, plus a "Valid Values" sheet."""
    header = template.header()
    book = Workbook()
    sheet = new_sheet(book, template.sheet, GUIDANCE, header)
    for n, record in enumerate(records):
        for column, (value, fmt) in enumerate(_row(record, n, template), start=1):
            put(sheet, n + 3, column, value, fmt)
    _valid_values(book, sheet)
    return workbook_bytes(book)


def _row(record: LearnerRecord, n: int, template: LearnerTemplate) -> list[tuple[object, str]]:
    learner = record.learner
    where = f"record {n + 1}"
    cme = [c for c in record.credits if c.board is None]
    moc = [c for c in record.credits if c.board is not None]
    boards = {c.board.upper() for c in moc if c.board} | (
        {learner.board.upper()} if learner.board else set()
    )
    if len(cme) > 1 or any(c.certification != CME_CERTIFICATION for c in cme):
        raise ParsDocumentError(f"{where}: a row holds one {CME_CERTIFICATION} amount")
    if len(boards) > 1:
        raise ParsDocumentError(f"{where}: a row holds one certifying board, not {sorted(boards)}")
    if len(moc) > template.credit_type_pairs:
        raise ParsDocumentError(
            f"{where}: {len(moc)} MOC credit types; the template has {template.credit_type_pairs}"
        )
    if learner.license_number and not learner.license_state:
        raise ParsDocumentError(f"{where}: a licence number needs its licensing state")
    state = learner.license_state
    pairs: list[tuple[object, str]] = []
    for c in moc:
        pairs += [(c.certification, ""), (c.amount, "0.00")]
    return [
        ("Add" if record.action is RecordAction.ADD else "Delete", ""),
        (record.accme_activity_id, ""),
        (datetime.combine(record.completed_on, datetime.min.time()), "mm/dd/yyyy"),
        (learner.first_name, ""),
        (learner.last_name, ""),
        (f"{learner.birth.month:02d}/{learner.birth.day:02d}", ""),
        (US_STATES.get(state, state) if state else None, ""),
        (learner.license_number or learner.npi, ""),
        (cme[0].amount if cme else None, "0.00"),
        (next(iter(boards)) if boards else None, ""),
        (learner.board_id, ""),
        (sum((c.amount for c in moc), Decimal(0)) if moc else None, "0.00"),
        *pairs,
    ]


def _valid_values(book: Workbook, data_sheet: Worksheet) -> None:
    sheet = book.create_sheet("Valid Values")
    lists = {
        "Record Action": ["Add", "Delete"],
        "Licensing State": sorted(US_STATES.values()),
        "Certifying Board": sorted(MOC_CREDIT_TYPES),
        "Credit Type": sorted({t for types in MOC_CREDIT_TYPES.values() for t in types}),
    }
    targets = {"Record Action": "A", "Licensing State": "G", "Certifying Board": "J"}
    for column, (name, values) in enumerate(lists.items(), start=1):
        letter = column_letter(column - 1)
        put(sheet, 1, column, name)
        for row, value in enumerate(values, start=2):
            put(sheet, row, column, value)
        if name in targets:
            rule = DataValidation(
                type="list",
                formula1=f"'Valid Values'!${letter}$2:${letter}${len(values) + 1}",
                allow_blank=True,
            )
            rule.add(f"{targets[name]}3:{targets[name]}10000")
            data_sheet.add_data_validation(rule)


def read_learner_workbook(
    data: bytes,
    *,
    provider_id: str,
    consent: bool,
    activity_titles: Mapping[str, str] | None = None,
    template: LearnerTemplate = LearnerTemplate(),
) -> list[LearnerRecord]:
    """Every learner row of a 917-template workbook, or ParsDocumentError listing bad cells."""
    if not provider_id.strip() or ":" in provider_id:
        raise ValueError("provider_id must be ACCME's provider ID (no colon)")
    title, rows = read_sheet(data, template.limits, template.sheet)
    errors = RowErrors(title)
    filled = _last_filled(rows[1:2])
    extra_pairs = max(0, (filled - len(HEADER) + 1) // 2)
    header = HEADER + template.additional_pair * extra_pairs
    check_header(errors, rows, header)
    errors.raise_any()
    records: list[LearnerRecord] = []
    for index, values in enumerate(rows[2:], start=3):
        if all(is_blank(v) for v in values):
            continue
        record = _read_row(errors, index, values, header, provider_id, consent)
        if record is not None:
            title_of = (activity_titles or {}).get(record.accme_activity_id, "")
            records.append(replace(record, activity_title=title_of))
    errors.raise_any()
    return records


def _last_filled(rows: Iterable[tuple[object, ...]]) -> int:
    return max((i + 1 for row in rows for i, v in enumerate(row) if not is_blank(v)), default=0)


def _read_row(
    errors: RowErrors,
    row: int,
    values: tuple[object, ...],
    header: tuple[str, ...],
    provider_id: str,
    consent: bool,
) -> LearnerRecord | None:
    r = RowReader(errors, row, values, header)
    col = {name: i for i, name in enumerate(HEADER)}
    action = r.need(0, _action)
    activity_id = r.need(1, _activity_id)
    completed = r.need(2, cell_date)
    first, last = r.need(3, cell_name), r.need(4, cell_name)
    birth = r.need(5, _month_day)
    state = r.get(6, _state)
    ident = r.get(7, cell_text)
    cme = r.get(8, cell_decimal)
    board = r.get(9, lambda v: (cell_text(v) or "").upper())
    board_id = r.get(10, cell_text)
    total = r.get(11, cell_decimal)
    pairs: list[tuple[str, Decimal]] = []
    for type_col in range(col["Credit Type "], len(header) - 1, 2):
        kind, amount = r.raw(type_col), r.raw(type_col + 1)
        if is_blank(kind) and is_blank(amount):
            continue
        if is_blank(kind) or is_blank(amount):
            r.fail(type_col + is_blank(amount), "a credit type and its credits go together")
            continue
        credit = r.get(type_col + 1, cell_decimal)
        if credit is not None:
            pairs.append((cell_text(kind) or "", credit))
    npi = ident if ident and _is_npi(ident) else None
    licence = None if npi else ident
    if licence and not state:
        r.fail(6, "a licence number needs its licensing state")
    if (pairs or board_id) and not board:
        r.fail(9, "board credits and board IDs need the board")
    if total is not None and not pairs:
        r.fail(11, "board credits need a credit type and its credits")
    if cme is None and not pairs and r.ok:
        r.fail(8, "the row reports no credits")
    if len({k for k, _ in pairs}) != len(pairs):
        r.fail(col["Credit Type "], "a credit type is listed twice")
    if not r.ok:
        return None
    learner = Learner(first, last, birth, state, licence, npi, board or None, board_id)
    credits = ([LearnerCredit("", CME_CERTIFICATION, cme)] if cme is not None else []) + [
        LearnerCredit("", kind, amount, board) for kind, amount in pairs
    ]
    record = LearnerRecord(
        provider_id, activity_id, "", learner, completed, tuple(credits), consent, action
    )
    return template_credit_ids(record)


def _action(value: object) -> RecordAction:
    found = _ACTIONS.get(fold(value))
    if found is None:
        raise CellError("must be Add or Delete")
    return found


def _activity_id(value: object) -> str:
    text = cell_text(value) or ""
    if not _ACTIVITY_ID.match(text):
        raise CellError("an ACCME activity ID is 9 digits")
    return text


def _month_day(value: object) -> MonthDay:
    if isinstance(value, datetime | date):
        # Excel turns a typed "09/10" into a date in the current year; the year is noise.
        return MonthDay(value.month, value.day)
    return MonthDay.parse(cell_text(value) or "")


def _state(value: object) -> str:
    code = state_code(cell_text(value) or "")
    if code is None:
        raise CellError(f"{value!r} is not a US state or territory")
    return code


def _is_npi(text: str) -> bool:
    try:
        check_npi(text)
    except DomainError:
        return False
    return True
