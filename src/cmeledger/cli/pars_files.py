"""PARS batch files in and out: the format is told by the content, not the file name."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from cmeledger.cli.common import UsageError
from cmeledger.domain.pars.model import Activity, LearnerRecord
from cmeledger.pars import excel_activities, excel_learners, json_documents, xml_documents
from cmeledger.pars.errors import ParsDocumentError
from cmeledger.storage.ledger import Ledger
from cmeledger.storage.repositories.pars import Provider

EXPORT_FORMATS = ("mems-xml", "learner-xml", "learner-xlsx")


def _read(path: Path, limit: int) -> tuple[str, bytes]:
    if not path.is_file():
        raise UsageError(f"{path} is not a regular file")
    size = path.stat().st_size
    if size > limit:
        raise UsageError(
            f"{path} is {size:,} bytes; the limit is {limit:,} (CMELEDGER_MAX_UPLOAD_BYTES)"
        )
    data = path.read_bytes()
    if not data.strip():
        raise UsageError(f"{path} is empty")
    if data.startswith(b"PK\x03\x04"):
        return "xlsx", data
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if head == b"<":
        return "xml", data
    if head in (b"{", b"["):
        return "json", data
    raise UsageError(f"{path}: not an Excel workbook (.xlsx), an XML or a JSON document")


def _named(path: Path, exc: ParsDocumentError) -> ParsDocumentError:
    return ParsDocumentError(f"{path}: {exc}", exc.problems)


def read_activities_file(path: Path, provider_id: str, limit: int) -> list[Activity]:
    kind, data = _read(path, limit)
    try:
        if kind == "xlsx":
            return excel_activities.read_activity_workbook(data, provider_id=provider_id)
        if kind == "xml":
            return xml_documents.read_mems(data)
        return json_documents.read_activities_json(json_documents.loads(data, limit=limit))
    except ParsDocumentError as exc:
        raise _named(path, exc) from None


def read_learners_file(
    path: Path, provider_id: str, limit: int, titles: Mapping[str, str], *, consent: bool
) -> list[LearnerRecord]:
    kind, data = _read(path, limit)
    try:
        if kind == "xlsx":
            return excel_learners.read_learner_workbook(
                data, provider_id=provider_id, consent=consent, activity_titles=titles
            )
        if kind == "xml":
            return xml_documents.read_learner_document(data, consent=consent)
        return json_documents.read_learner_reports_json(
            json_documents.loads(data, limit=limit), consent=consent
        )
    except ParsDocumentError as exc:
        raise _named(path, exc) from None


def write_export(ledger: Ledger, provider: Provider, fmt: str) -> bytes:
    if fmt not in EXPORT_FORMATS:
        raise UsageError(f"--format {fmt!r}: one of {', '.join(EXPORT_FORMATS)}")
    if fmt == "mems-xml":
        activities = [s.activity for s in ledger.pars.activities(provider.id)]
        if not activities:
            raise UsageError(f"provider {provider.accme_id} has no activities to export")
        return xml_documents.mems_document(activities)
    records = [ledger.pars.learner_record(r) for r in ledger.pars.record_ids(provider.id)]
    if not records:
        raise UsageError(f"provider {provider.accme_id} has no learner records to export")
    if fmt == "learner-xml":
        return xml_documents.learner_document(records)
    return excel_learners.write_learner_workbook(records)
