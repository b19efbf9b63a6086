"""A physician's documents: upload (stored only, not imported), download, page images.

A downloaded document always comes as an attachment under its cleaned name (RFC 6266
`filename*`), never shown inline: an uploaded file is not trusted to be what it says.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote
from uuid import UUID

from fastapi import APIRouter, Depends, File, Path, Response, UploadFile
from fastapi.responses import FileResponse

from cmeledger.actions.document_pages import document_file, page_png, store_upload
from cmeledger.actions.import_batches import safe_name
from cmeledger.api.auth import CallerDep
from cmeledger.api.context import API_PREFIX
from cmeledger.api.schemas import Page, PageParams, page_params
from cmeledger.api.schemas_common import (
    LOCATION_HEADER,
    READ,
    WRITE,
    PhysicianId,
    PngResponse,
    binary,
    problems,
)
from cmeledger.api.schemas_ledger import DocumentOut
from cmeledger.storage.repositories.documents import Document

router = APIRouter(prefix=API_PREFIX, tags=["documents"])
Paging = Annotated[PageParams, Depends(page_params)]
DocumentId = Annotated[UUID, Path(description="the document id")]
# Types a download keeps; anything else is sent as bytes to save, never to render.
DOWNLOAD_TYPES = (
    "application/pdf",
    "image/png",
    "image/jpeg",
    "image/tiff",
    "image/heic",
    "text/csv",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/octet-stream",
)
MAX_PAGE = 10_000


def document_url(physician_id: UUID, document_id: UUID) -> str:
    return f"/api/v1/physicians/{physician_id}/documents/{document_id}"


def page_image_url(physician_id: UUID, document_id: UUID, page: int) -> str:
    return f"{document_url(physician_id, document_id)}/pages/{page}.png"


def document_out(d: Document) -> DocumentOut:
    base = document_url(d.physician_id, d.id)
    return DocumentOut(
        id=d.id,
        name=safe_name(d.original_name),
        media_type=d.media_type,
        size=d.size,
        sha256=d.sha256,
        content_url=f"{base}/content",
        page_url=f"{base}/pages/{{n}}.png",
    )


def content_disposition(name: str) -> str:
    """`attachment` with an ASCII fallback and the exact name as RFC 5987 UTF-8."""
    shown = safe_name(name)
    fallback = "".join(
        ch if 32 <= ord(ch) < 127 and ch not in '"\\;%' else "_" for ch in shown
    ).strip()
    return f"attachment; filename=\"{fallback or 'document'}\"; filename*=UTF-8''{quote(shown)}"


@router.get("/physicians/{physician_id}/documents", responses=problems(*READ))
def list_documents(physician_id: PhysicianId, caller: CallerDep, page: Paging) -> Page[DocumentOut]:
    """Newest first."""
    with caller.ledger() as ledger:
        ledger.physicians.require(physician_id)
        found, total = ledger.documents.page(physician_id, limit=page.limit, offset=page.offset)
    return Page(
        items=[document_out(d) for d in found], total=total, limit=page.limit, offset=page.offset
    )


@router.post(
    "/physicians/{physician_id}/documents",
    status_code=201,
    responses={
        200: {"description": "these bytes were already stored: the existing document"},
        201: {"description": "Created", "headers": LOCATION_HEADER},
        **problems(*WRITE, 413),
    },
)
def upload_document(
    physician_id: PhysicianId,
    file: Annotated[
        UploadFile,
        File(description="the certificate or transcript", json_schema_extra={"minLength": 1}),
    ],
    caller: CallerDep,
    response: Response,
) -> DocumentOut:
    """Keep a file in the physician's document store without importing it."""
    caller.principal.require_ledger_writer()
    with caller.ledger() as ledger:
        document, new = store_upload(ledger, physician_id, file.filename or "upload", file.file)
    found = document_out(document)
    response.headers["Location"] = document_url(physician_id, document.id)
    if not new:
        response.status_code = 200
    return found


@router.get("/physicians/{physician_id}/documents/{document_id}", responses=problems(*READ))
def get_document(
    physician_id: PhysicianId, document_id: DocumentId, caller: CallerDep
) -> DocumentOut:
    with caller.ledger() as ledger:
        return document_out(ledger.documents.get(physician_id, document_id))


@router.get(
    "/physicians/{physician_id}/documents/{document_id}/content",
    response_class=FileResponse,
    responses={200: binary(DOWNLOAD_TYPES, "the file, as an attachment"), **problems(*READ)},
)
def download_document(
    physician_id: PhysicianId, document_id: DocumentId, caller: CallerDep
) -> FileResponse:
    with caller.ledger() as ledger:
        document, path = document_file(ledger, physician_id, document_id)
    media = document.media_type if document.media_type in DOWNLOAD_TYPES else DOWNLOAD_TYPES[-1]
    return FileResponse(
        path,
        media_type=media,
        headers={"Content-Disposition": content_disposition(document.original_name)},
    )


@router.get(
    "/physicians/{physician_id}/documents/{document_id}/pages/{page}.png",
    response_class=PngResponse,
    responses={200: binary(("image/png",), "the page, drawn for reading"), **problems(*READ)},
)
def document_page(
    physician_id: PhysicianId,
    document_id: DocumentId,
    page: Annotated[int, Path(ge=1, le=MAX_PAGE, description="1-based page number")],
    caller: CallerDep,
) -> PngResponse:
    """A page of a PDF or image as PNG, for the review screen (404 past the last page)."""
    settings = caller.services.settings
    with caller.ledger() as ledger:
        document, path = document_file(ledger, physician_id, document_id)
    image = page_png(
        document,
        path,
        page,
        max_pdf_pages=settings.max_pdf_pages,
        max_image_frames=settings.max_ocr_pages,
    )
    # Not cached (no-store, the server's default): a shared computer keeps no certificate.
    return PngResponse(image)
