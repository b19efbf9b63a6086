"""What the PARS console and REST API need beyond `actions.pars`: learner files uploaded over
HTTP (sniffed by content, like the CLI), their problems as rows a person can act on, the
provider's status summary, and two small write steps (queue one activity; resubmit one
credit whether its send failed or PARS refused it).

Files stay all-or-nothing: `upload_learners` raises `LearnerFileError` before anything is
written, and the caller's transaction rolls back on any other error.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal
from uuid import UUID

from cmeledger.actions.pars import (
    ACTIVITY_SAVE,
    LEARNER_ADD,
    ParsValidationError,
    Queued,
    add_activities,
    import_learners,
    retry_credit,
)
from cmeledger.audit import events
from cmeledger.domain.pars.model import Activity, LearnerRecord
from cmeledger.domain.pars.rules import ParsRules, Problem, Window
from cmeledger.errors import CmeLedgerError, ConflictError, NotFoundError
from cmeledger.pars import excel_learners, json_documents, xml_documents
from cmeledger.pars.errors import ParsDocumentError
from cmeledger.pars.excel_workbook import is_blank, read_sheet
from cmeledger.settings import Settings
from cmeledger.storage.ledger import Ledger
from cmeledger.storage.repositories.pars import CreditState, Provider, StoredActivity

FileKind = Literal["xlsx", "xml", "json"]
RESUBMITTABLE = frozenset({"rejected", "failed"})
_RECORD = re.compile(r"^record (\d+)\b")
_ROW = re.compile(r"\brow (\d+)\b")
_COLUMN = re.compile(r"column '([^']*)'")


def rules_from(settings: Settings) -> ParsRules:
    return ParsRules(
        window=Window(settings.pars_reporting_window),
        abp_whole_points=settings.pars_abp_whole_points,
    )


@dataclass(frozen=True, slots=True)
class FileProblem:
    """One reason a file was refused, located as precisely as the format allows."""

    code: str
    field: str
    message: str
    where: str
    record: int | None = None  # 1-based, in file order
    row: int | None = None  # worksheet row (Excel only)
    column: str | None = None  # worksheet column header (Excel only)


class LearnerFileError(CmeLedgerError):
    """The uploaded learner file was refused whole; nothing of it was stored."""

    def __init__(self, message: str, problems: Sequence[FileProblem]) -> None:
        super().__init__(message)
        self.problems = tuple(problems)


def sniff(data: bytes) -> FileKind | None:
    """The format by content, never by file name (as `cli.pars_files` does)."""
    if data.startswith(b"PK\x03\x04"):
        return "xlsx"
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if head == b"<":
        return "xml"
    if head in (b"{", b"["):
        return "json"
    return None


def _excel_rows(data: bytes) -> list[int]:
    """The worksheet row of each record `read_learner_workbook` gives, in order: the
    non-blank rows from row 3 (the reader skips blank ones the same way)."""
    template = excel_learners.LearnerTemplate()
    _, rows = read_sheet(data, template.limits, template.sheet)
    return [n for n, values in enumerate(rows[2:], start=3) if any(not is_blank(v) for v in values)]


def _document_problems(exc: ParsDocumentError) -> list[FileProblem]:
    if not exc.problems:
        return [FileProblem("DOC-001", "document", str(exc), "file")]
    found = []
    for p in exc.problems:
        row, column = _ROW.search(p.field), _COLUMN.search(p.field)
        found.append(
            FileProblem(
                p.code,
                p.field,
                p.message,
                p.field,
                row=int(row.group(1)) if row else None,
                column=column.group(1) if column else None,
            )
        )
    return found


def validation_problems(exc: ParsValidationError, rows: Sequence[int] = ()) -> list[FileProblem]:
    """Each problem of refused records, with the worksheet row when `rows` maps them."""
    found = []
    for where, p in exc.problems:
        match = _RECORD.match(where)
        record = int(match.group(1)) if match else None
        row = rows[record - 1] if record is not None and 0 < record <= len(rows) else None
        found.append(FileProblem(p.code, p.field, p.message, where, record=record, row=row))
    return found


def read_learner_file(
    data: bytes, provider: Provider, titles: dict[str, str], *, limit: int
) -> tuple[FileKind, list[LearnerRecord]]:
    if not data.strip():
        raise LearnerFileError(
            "the file is empty", [FileProblem("DOC-001", "file", "the file is empty", "file")]
        )
    kind = sniff(data)
    if kind is None:
        message = "not an Excel workbook (.xlsx), an XML or a JSON learner document"
        raise LearnerFileError(message, [FileProblem("DOC-001", "file", message, "file")])
    try:
        if kind == "xlsx":
            records = excel_learners.read_learner_workbook(
                data, provider_id=provider.accme_id, consent=True, activity_titles=titles
            )
        elif kind == "xml":
            records = xml_documents.read_learner_document(data, consent=True, limit=limit)
        else:
            records = json_documents.read_learner_reports_json(
                json_documents.loads(data, limit=limit), consent=True
            )
    except ParsDocumentError as exc:
        raise LearnerFileError(str(exc), _document_problems(exc)) from None
    if not records:
        message = "the file holds no learner records"
        raise LearnerFileError(message, [FileProblem("DOC-002", "file", message, "file")])
    return kind, records


def upload_learners(
    ledger: Ledger,
    provider: Provider,
    data: bytes,
    *,
    consent_recorded: bool,
    settings: Settings,
) -> list[Queued]:
    """Check every record of an uploaded file, then queue them all for PARS (or none).

    `consent_recorded` is the uploader's statement that every learner agreed to be reported;
    none of the formats carries it, so without it nothing is read."""
    if not consent_recorded:
        raise CmeLedgerError(
            "PARS requires each learner's permission before reporting; the file has no consent "
            "column, so confirm that every learner in it agreed (consent_recorded)"
        )
    titles = {
        s.activity.accme_id: s.activity.title
        for s in ledger.pars.activities(provider.id)
        if s.activity.accme_id
    }
    kind, records = read_learner_file(data, provider, titles, limit=settings.max_upload_bytes)
    today = datetime.now(UTC).date()
    # The rules compute the reporting window from the year; a year near 9999 overflows it.
    absurd = [
        (
            f"record {n}",
            Problem("LRN-002", "CompletedDateTime", "the completion date is in the future"),
        )
        for n, r in enumerate(records, 1)
        if r.completed_on.year > today.year + 100
    ]
    if absurd:
        exc = ParsValidationError("learner records", absurd)
        rows = _excel_rows(data) if kind == "xlsx" else []
        raise LearnerFileError(str(exc), validation_problems(exc, rows))
    try:
        return import_learners(ledger, provider, records, rules_from(settings), today)
    except ParsValidationError as exc:
        rows = _excel_rows(data) if kind == "xlsx" else []
        raise LearnerFileError(str(exc), validation_problems(exc, rows)) from None


def add_activity(
    ledger: Ledger, provider: Provider, activity: Activity, rules: ParsRules
) -> StoredActivity:
    """Check one new activity against PARS's rules, store it and queue it for sending.

    Saving under an existing provider activity ID would overwrite that activity (and re-send
    it to PARS as an update), so a new one must bring an unused ID."""
    key = activity.provider_activity_id
    if key and ledger.pars.activity_by_key(provider.id, key) is not None:
        raise ConflictError(f"provider activity ID {key!r} is already used by another activity")
    (stored,) = add_activities(ledger, provider, [activity], rules)
    ledger.pars.set_activity_result(stored.id, "queued", None, ())
    ledger.jobs.enqueue(ACTIVITY_SAVE, stored.id)
    ledger.audit.record(events.PARS_ACTIVITY_QUEUED, "pars_activity", stored.id)
    return ledger.pars.activity(stored.id)


def provider_activity(ledger: Ledger, provider: Provider, activity_id: UUID) -> StoredActivity:
    """An activity of this provider (another provider's id is not found, even in scope)."""
    stored = ledger.pars.activity(activity_id)
    if stored.provider_id != provider.id:
        raise NotFoundError(f"no PARS activity {activity_id}")
    return stored


def resubmit_credit(ledger: Ledger, provider: Provider, credit_id: str) -> CreditView:
    """Send one credit again. A failed send goes through `retry_credit` (the worker asks PARS
    what it holds first). A refused one is queued as it is: worth it once its cause is fixed
    outside the record (the learner matched by PARS or the board, the provider's PARS login
    added); a wrong record is corrected by uploading it again instead."""
    before = credit_view(ledger, provider, credit_id)
    current = before.credit
    if current.state not in RESUBMITTABLE:
        raise ConflictError(
            f"credit {credit_id} is {current.state}; only a rejected or failed credit is "
            "resubmitted"
        )
    if current.state == "failed":
        if before.retry_queued:
            return before  # a second click queues nothing more
        retry_credit(ledger, provider, credit_id)
    else:
        ledger.pars.set_credit_state(provider.id, credit_id, "queued")
        ledger.jobs.enqueue(LEARNER_ADD, current.record_id)
        ledger.audit.record(
            events.LEARNER_RECORD_QUEUED, "pars_learner", current.record_id, resubmit=credit_id
        )
    return credit_view(ledger, provider, credit_id)


@dataclass(frozen=True, slots=True)
class CreditView:
    credit: CreditState
    retry_queued: bool  # a send of its record is waiting for the worker


def credit_views(
    ledger: Ledger, provider: Provider, *, states: Sequence[str], limit: int, offset: int
) -> tuple[list[CreditView], int]:
    """A page of the provider's credits, each saying whether a send is already waiting (a
    failed credit keeps its state until the worker has asked PARS about it)."""
    page, total = ledger.pars.credit_page(provider.id, states=states, limit=limit, offset=offset)
    waiting = ledger.pars.records_awaiting(
        provider.id, sorted({c.record_id for c in page}), (LEARNER_ADD,)
    )
    return [CreditView(c, c.record_id in waiting) for c in page], total


def credit_view(ledger: Ledger, provider: Provider, credit_id: str) -> CreditView:
    credit = ledger.pars.credit(provider.id, credit_id)
    waiting = ledger.pars.records_awaiting(provider.id, [credit.record_id], (LEARNER_ADD,))
    return CreditView(credit, credit.record_id in waiting)


@dataclass(frozen=True, slots=True)
class ProviderStatus:
    credits: dict[str, int]
    activities: dict[str, int]
    jobs: dict[str, int]

    @property
    def jobs_pending(self) -> int:
        return self.jobs.get("ready", 0) + self.jobs.get("running", 0)

    @property
    def needs_attention(self) -> int:
        return self.credits.get("rejected", 0) + self.credits.get("failed", 0)


def provider_status(ledger: Ledger, provider: Provider) -> ProviderStatus:
    return ProviderStatus(
        credits=ledger.pars.state_counts(provider.id),
        activities=ledger.pars.activity_counts(provider.id),
        jobs=ledger.pars.job_counts(provider.id),
    )
