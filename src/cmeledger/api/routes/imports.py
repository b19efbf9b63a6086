"""Uploads read in the background: POST files, then follow `status_url` until `done`.

The upload only stores the files and queues the batch (202); the server's worker thread, or
`cmeledger worker`, reads them file by file and records each file's outcome as it goes.
"""

from __future__ import annotations

from typing import Annotated, cast
from uuid import UUID

from fastapi import APIRouter, Depends, File, Path, Response, UploadFile

from cmeledger.actions.import_batches import MAX_FILES, queue_import
from cmeledger.api.auth import CallerDep
from cmeledger.api.context import API_PREFIX
from cmeledger.api.schemas import Page, PageParams, page_params
from cmeledger.api.schemas_common import LOCATION_HEADER, READ, WRITE, PhysicianId, problems
from cmeledger.api.schemas_workflow import FileReportOut, ImportFileOut, ImportOut, ImportState
from cmeledger.errors import NotFoundError
from cmeledger.storage.repositories.import_batches import ImportBatch

router = APIRouter(prefix=API_PREFIX, tags=["imports"])
Paging = Annotated[PageParams, Depends(page_params)]
_ONE_FILE = {"type": "string", "contentMediaType": "application/octet-stream", "minLength": 1}
BatchId = Annotated[UUID, Path(description="the import (upload batch) id")]


def import_url(physician_id: UUID, batch_id: UUID) -> str:
    return f"/api/v1/physicians/{physician_id}/imports/{batch_id}"


def import_out(batch: ImportBatch) -> ImportOut:
    return ImportOut(
        id=batch.id,
        physician_id=batch.physician_id,
        state=cast(ImportState, batch.state),  # validated by the model
        done=batch.done,
        total=batch.total,
        status_url=import_url(batch.physician_id, batch.id),
        files=[
            ImportFileOut(name=f["name"], size=f["size"], document_id=f.get("document_id"))
            for f in batch.files
        ],
        report=[FileReportOut.model_validate(r) for r in batch.report],
        created_at=batch.created_at,
        updated_at=batch.updated_at,
    )


@router.post(
    "/physicians/{physician_id}/imports",
    status_code=202,
    responses={
        202: {"description": "stored and queued; follow status_url", "headers": LOCATION_HEADER},
        **problems(*WRITE, 413),
    },
)
def start_import(
    physician_id: PhysicianId,
    files: Annotated[
        list[UploadFile],
        File(
            description="certificates and transcripts (each sent as a part named `files`)",
            json_schema_extra={"minItems": 1, "maxItems": MAX_FILES, "items": _ONE_FILE},
        ),
    ],
    caller: CallerDep,
    response: Response,
) -> ImportOut:
    """Upload one or more files (multipart field `files`, repeated) to import."""
    caller.principal.require_ledger_writer()
    with caller.ledger() as ledger:
        batch = queue_import(
            ledger, physician_id, [(f.filename or "upload", f.file) for f in files]
        )
    found = import_out(batch)
    response.headers["Location"] = found.status_url
    return found


@router.get("/physicians/{physician_id}/imports", responses=problems(*READ))
def list_imports(physician_id: PhysicianId, caller: CallerDep, page: Paging) -> Page[ImportOut]:
    """Newest first."""
    with caller.ledger() as ledger:
        found = ledger.imports.for_physician(physician_id, limit=page.limit, offset=page.offset)
        total = ledger.imports.count_for(physician_id)
    return Page(
        items=[import_out(b) for b in found], total=total, limit=page.limit, offset=page.offset
    )


@router.get("/physicians/{physician_id}/imports/{import_id}", responses=problems(*READ))
def get_import(physician_id: PhysicianId, import_id: BatchId, caller: CallerDep) -> ImportOut:
    """Progress: `done` of `total` files, and each finished file's report."""
    with caller.ledger() as ledger:
        batch = ledger.imports.get(import_id)
    if batch.physician_id != physician_id:
        raise NotFoundError(f"no import {import_id}")
    return import_out(batch)
