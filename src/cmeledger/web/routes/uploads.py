"""Uploading certificates and transcripts, and watching their import.

With JavaScript, files dropped on the page go one by one to the REST API's imports endpoint
(static/app.js shows each file's transfer); without it, the plain form posts here. Either
way a batch is queued, and its progress is polled (htmx, once a second) until it is done.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import UploadFile as StarletteUpload

from cmeledger.actions.import_batches import queue_import
from cmeledger.api.auth import CallerDep
from cmeledger.errors import NotFoundError
from cmeledger.storage.ledger import Ledger
from cmeledger.storage.repositories.import_batches import ImportBatch
from cmeledger.web.physician_context import PostedForm, page, physician_context, wants_partial

router = APIRouter(include_in_schema=False)
RECENT = 10


def _batch_id(text: str) -> UUID:
    try:
        return UUID(text)
    except ValueError:
        raise NotFoundError(f"no import {text[:40]!r}") from None


def file_rows(batch: ImportBatch) -> list[dict[str, Any]]:
    """Each file of a batch with its outcome so far (the report holds finished files, in order)."""
    rows = []
    for index, entry in enumerate(batch.files):
        report = batch.report[index] if index < len(batch.report) else None
        if report is None:
            state = "reading" if batch.state != "queued" and index == batch.done else "waiting"
        elif report["status"] == "failed":
            state = "failed"
        elif report["needs_review"]:
            state = "needs-review"
        elif report["imported"]:
            state = "imported"
        elif report["duplicate"]:
            state = "duplicate"
        else:
            state = "nothing-found"
        rows.append({"name": entry["name"], "state": state, "report": report})
    return rows


def _batches(ledger: Ledger, physician_id: UUID, wanted: str | None) -> list[ImportBatch]:
    batches = ledger.imports.for_physician(physician_id, limit=RECENT, offset=0)
    if wanted and all(str(b.id) != wanted for b in batches):
        chosen = ledger.imports.get(_batch_id(wanted))
        if chosen.physician_id == physician_id:
            batches.insert(0, chosen)
    return batches


@router.get("/upload")
def upload_page(
    request: Request, caller: CallerDep, physician: str | None = None, batch: str | None = None
) -> Response:
    with caller.ledger() as ledger:
        ctx = physician_context(caller, ledger, physician)
        batches = _batches(ledger, ctx.id, batch)
    return page(
        request,
        "upload.html",
        caller,
        ctx,
        batches=[(b, file_rows(b)) for b in batches],
        queued=batch,
    )


@router.get("/upload/batches")
def recent_batches(request: Request, caller: CallerDep, physician: str | None = None) -> Response:
    """The recent batches alone: the page reloads them once dropped files are uploaded."""
    with caller.ledger() as ledger:
        ctx = physician_context(caller, ledger, physician)
        batches = _batches(ledger, ctx.id, None)
    return page(
        request,
        "_batches.html",
        caller,
        ctx,
        batches=[(b, file_rows(b)) for b in batches],
    )


@router.post("/upload")
def upload(caller: CallerDep, form: PostedForm, physician: str | None = None) -> Response:
    caller.principal.require_ledger_writer()
    # A browser sends one nameless, empty part when no file was chosen.
    chosen = [
        (part.filename, part.file)
        for part in form.getlist("files")
        if isinstance(part, StarletteUpload) and part.filename
    ]
    with caller.ledger() as ledger:
        ctx = physician_context(caller, ledger, physician)
        batch = queue_import(ledger, ctx.id, chosen)
    target = ctx.url("/upload", batch=batch.id) + f"#batch-{batch.id}"
    return RedirectResponse(target, status_code=303)


@router.get("/upload/batches/{batch_id}")
def batch_progress(
    request: Request, batch_id: str, caller: CallerDep, physician: str | None = None
) -> Response:
    """One batch's progress, the fragment htmx polls; a browser is sent to the page."""
    with caller.ledger() as ledger:
        ctx = physician_context(caller, ledger, physician)
        batch = ledger.imports.get(_batch_id(batch_id))
        if batch.physician_id != ctx.id:
            raise NotFoundError(f"no import {batch_id}")
    if not wants_partial(request):
        return RedirectResponse(ctx.url("/upload", batch=batch.id), status_code=303)
    return page(request, "_batch.html", caller, ctx, batch=batch, rows=file_rows(batch))
