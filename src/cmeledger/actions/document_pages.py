"""A physician's stored documents: keep an upload as it is, find its bytes, draw one page.

The review screen shows the page a record was read from beside the extracted fields, so a
page is drawn on request as a PNG: PDFs through PDFium, scans and photos through Pillow,
within the same page and pixel limits as the importers.
"""

from __future__ import annotations

import io
import mimetypes
from pathlib import Path
from typing import BinaryIO
from uuid import UUID

from PIL import Image

from cmeledger.actions.import_batches import safe_name
from cmeledger.errors import CmeLedgerError, NotFoundError
from cmeledger.importers.images import load_images
from cmeledger.importers.pdf_text import open_pdf, render_page
from cmeledger.importers.sniff import Kind, sniff
from cmeledger.storage.ledger import Ledger
from cmeledger.storage.repositories.documents import Document

# Enough to read a certificate on a screen; a letter page comes out about 1020 x 1320.
REVIEW_DPI = 120
REVIEW_LONG_SIDE = 1600
IMAGE_KINDS = frozenset({Kind.PNG, Kind.JPEG, Kind.TIFF, Kind.HEIC})


def store_upload(
    ledger: Ledger, physician_id: UUID, name: str, stream: BinaryIO
) -> tuple[Document, bool]:
    """Keep one uploaded file without importing it; True if these bytes are new to the
    physician (the same content uploaded again is the same document)."""
    ledger.physicians.require(physician_id)
    shown = safe_name(name)
    blob = ledger.blobs.put(stream, shown)  # refuses an oversized file as it streams
    if blob.size == 0:
        raise CmeLedgerError(f"{shown} is empty (0 bytes); nothing was stored")
    media = mimetypes.guess_type(shown)[0] or "application/octet-stream"
    return ledger.documents.attach(physician_id, blob.sha256, blob.size, media, shown)


def document_file(ledger: Ledger, physician_id: UUID, document_id: UUID) -> tuple[Document, Path]:
    """The document and where its bytes are; NotFoundError outside the caller's scope."""
    document = ledger.documents.get(physician_id, document_id)
    path = ledger.blobs.path_for(document.sha256)
    if not path.is_file():
        raise NotFoundError(f"the bytes of document {document_id} are missing from the store")
    return document, path


def page_png(
    document: Document, path: Path, page: int, *, max_pdf_pages: int, max_image_frames: int
) -> bytes:
    """Page `page` (1-based) of a stored PDF or image as PNG bytes. Call it outside any
    transaction: drawing a page can take a second, and needs only the file."""
    data = path.read_bytes()
    kind = sniff(data)
    source = safe_name(document.original_name)
    if kind is Kind.PDF:
        image = _pdf_page(data, source, page, max_pdf_pages)
    elif kind in IMAGE_KINDS:
        frames = load_images(data, source, max_frames=max_image_frames)
        if page > len(frames):
            raise NotFoundError(f"{source} has {len(frames)} page(s); there is no page {page}")
        image = frames[page - 1]
    else:
        raise NotFoundError(f"{source} is a {kind.value} file; it has no pages to show")
    return _png(_fitted(image))


def _pdf_page(data: bytes, source: str, page: int, max_pages: int) -> Image.Image:
    with open_pdf(data, source, max_pages=max_pages) as doc:
        if page > len(doc):
            raise NotFoundError(f"{source} has {len(doc)} page(s); there is no page {page}")
        return render_page(doc, page - 1, source, dpi=REVIEW_DPI)


def _fitted(image: Image.Image) -> Image.Image:
    longest = max(image.size)
    if longest <= REVIEW_LONG_SIDE:
        return image
    factor = REVIEW_LONG_SIDE / longest
    size = (max(1, round(image.width * factor)), max(1, round(image.height * factor)))
    return image.resize(size, Image.Resampling.LANCZOS)


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
