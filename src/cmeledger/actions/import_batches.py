"""Uploads imported in the background: store the files now, read them in a worker.

Reading a scanned certificate can take seconds per page, far longer than a web request
should wait, so an upload only stores the bytes and queues a job in the same transaction;
the worker imports file by file, each in its own transaction (one file lands whole or not
at all), and records each file's outcome so progress can be shown and a retried job skips
the files already done.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Iterable
from datetime import timedelta
from typing import Any, BinaryIO
from uuid import UUID

from cmeledger.actions.imports import FileReport, import_extraction
from cmeledger.audit import events
from cmeledger.errors import CmeLedgerError
from cmeledger.importers.errors import ExtractionError
from cmeledger.importers.pipeline import Limits, extract_bytes
from cmeledger.settings import Settings
from cmeledger.storage.ledger import Ledger, Store
from cmeledger.storage.repositories.import_batches import ImportBatch
from cmeledger.storage.scope import Scope

IMPORT_BATCH = "import.batch"
WORKER_SCOPE = Scope.owner("system:imports")
LEASE = timedelta(minutes=10)
MAX_FILES = 100


def report_as_dict(report: FileReport) -> dict[str, Any]:
    return {
        "file": report.source,
        "status": report.status,
        "error": report.error,
        "imported": report.count("imported"),
        "duplicate": report.count("duplicate"),
        "needs_review": report.count("needs_review"),
        "warnings": report.warnings,
        "records": [
            {
                "status": o.status,
                "title": o.title,
                "page": o.page,
                "completion_id": None if o.completion_id is None else str(o.completion_id),
                "review_item_id": None if o.review_item_id is None else str(o.review_item_id),
                "reasons": o.reasons,
            }
            for o in report.outcomes
        ],
    }


def safe_name(name: str) -> str:
    """The name as shown to people: no directories (a name like ../../etc/passwd or
    C:\\x\\y.pdf keeps only its last part) and no control characters."""
    last = name.replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = "".join(ch for ch in last if ch.isprintable()).strip().lstrip(".")
    return cleaned[:255] or "upload"


def queue_import(
    ledger: Ledger, physician_id: UUID, files: Iterable[tuple[str, BinaryIO]]
) -> ImportBatch:
    """Store the uploaded files (the blob store refuses oversized ones) and queue their import."""
    ledger.physicians.require(physician_id)
    stored: list[dict[str, Any]] = []
    for name, stream in files:
        if len(stored) == MAX_FILES:
            raise CmeLedgerError(f"at most {MAX_FILES} files per upload; send the rest next")
        shown = safe_name(name)
        blob = ledger.blobs.put(stream, shown)
        if blob.size == 0:
            raise CmeLedgerError(f"{shown} is empty (0 bytes); nothing was uploaded")
        media = mimetypes.guess_type(shown)[0] or "application/octet-stream"
        document, _ = ledger.documents.attach(physician_id, blob.sha256, blob.size, media, shown)
        stored.append(
            {
                "name": shown,
                "sha256": blob.sha256,
                "size": blob.size,
                "document_id": str(document.id),
            }
        )
    if not stored:
        raise CmeLedgerError("no files were sent; choose one or more certificates or transcripts")
    batch = ledger.imports.add(physician_id, stored)
    ledger.jobs.enqueue(IMPORT_BATCH, batch.id)
    ledger.audit.record(
        events.IMPORT_BATCH_QUEUED,
        "import_batch",
        batch.id,
        physician_id=physician_id,
        files=len(stored),
    )
    return batch


def _limits(settings: Settings) -> Limits:
    return Limits(
        max_bytes=settings.max_upload_bytes,
        max_pdf_pages=settings.max_pdf_pages,
        max_ocr_pages=settings.max_ocr_pages,
    )


def run_batch(store: Store, settings: Settings, batch_id: UUID) -> ImportBatch:
    """Import every file of a batch not imported yet; safe to run again after a crash."""
    with store.ledger(WORKER_SCOPE) as ledger:
        batch = ledger.imports.start(batch_id)
    # The import is written as the person who uploaded, within that physician's ledger only.
    scope = Scope.physicians(batch.actor, batch.physician_id)
    for index, entry in enumerate(batch.files):
        if index < batch.done:
            continue
        try:
            with store.blobs.open(entry["sha256"]) as stream:
                data = stream.read()
            extraction = extract_bytes(entry["name"], data, limits=_limits(settings))
            with store.ledger(scope) as ledger:
                report = import_extraction(ledger, batch.physician_id, extraction)
                ledger.imports.file_done(batch_id, index, report_as_dict(report))
        except (ExtractionError, CmeLedgerError) as exc:
            failed = FileReport(entry["name"], "failed", error=getattr(exc, "reason", str(exc)))
            with store.ledger(scope) as ledger:
                ledger.imports.file_done(batch_id, index, report_as_dict(failed))
    with store.ledger(scope) as ledger:
        ledger.imports.finish(batch_id)
        done = ledger.imports.get(batch_id)
        ledger.audit.record(
            events.IMPORT_BATCH_FINISHED,
            "import_batch",
            batch_id,
            physician_id=batch.physician_id,
            imported=sum(r["imported"] for r in done.report),
            failed=sum(1 for r in done.report if r["status"] == "failed"),
        )
    return done


def work_import_batches(store: Store, settings: Settings, worker: str, *, limit: int) -> int:
    """Claim and run up to `limit` queued batches; the number run."""
    ran = 0
    while ran < limit:
        with store.ledger(WORKER_SCOPE) as ledger:
            job = ledger.jobs.claim(worker, LEASE, kinds=(IMPORT_BATCH,))
        if job is None:
            break
        try:
            run_batch(store, settings, job.ref_id)
        except Exception as exc:
            # Settle the batch so nobody waits on it forever; each file not read says so.
            with store.ledger(WORKER_SCOPE) as ledger:
                ledger.jobs.fail(job.id, worker, f"{type(exc).__name__}: {exc}")
                batch = ledger.imports.get(job.ref_id)
                for index in range(batch.done, batch.total):
                    stopped = FileReport(
                        batch.files[index]["name"],
                        "failed",
                        error="the import stopped unexpectedly; upload this file again",
                    )
                    ledger.imports.file_done(batch.id, index, report_as_dict(stopped))
                ledger.imports.finish(batch.id)
            raise
        with store.ledger(WORKER_SCOPE) as ledger:
            ledger.jobs.complete(job.id, worker)
        ran += 1
    return ran
