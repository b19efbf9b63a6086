"""The audit packet PDF: the report laid out by WeasyPrint, then every certificate appended.

Order of pages: cover, per-credential summaries and the credit table; the index of
supporting documents (its page numbers continue the report's); then each document: a PDF's
own pages unchanged, an image one page per picture (per frame of a multi-page TIFF).
Transcripts (CSV, spreadsheets) are named in the index only: their rows are already in the
credit table.

Documents are opened one at a time from the blob store and copied into the output, so
memory grows with the packet, not with the ledger; the gathering step caps how many
documents (and megabytes) a packet appends.
"""

from __future__ import annotations

import base64
import io
import re
import unicodedata
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import date
from typing import Any, BinaryIO, Protocol

import pypdfium2 as pdfium
import weasyprint  # type: ignore[import-untyped]
from PIL import Image, ImageOps, ImageSequence, UnidentifiedImageError

from cmeledger.actions.audit_packet import Evidence, EvidenceKind, PacketData
from cmeledger.errors import CmeLedgerError, NotFoundError
from cmeledger.importers.pdf_text import PDFIUM_LOCK
from cmeledger.importers.sniff import Kind, sniff
from cmeledger.reports.audit_packet_html import (
    IndexEntry,
    image_html,
    index_html,
    report_html,
    stylesheet,
)

MAX_PAGES_PER_DOCUMENT = 200
MAX_FRAMES_PER_IMAGE = 50
MAX_IMAGE_SIDE = 3300  # 300 dpi on a letter page: sharper is only bigger
_HEAD = 4096
_INDEX_ROWS_PER_PAGE = 20  # a first guess at the index's length; the layout has the last word


class BlobSource(Protocol):
    def open(self, sha256: str) -> BinaryIO: ...


@dataclass(frozen=True, slots=True)
class PacketResult:
    pages: int
    report_pages: int  # cover, summaries and credit table
    index_pages: int
    appendix: list[IndexEntry]

    def to_dict(self) -> dict[str, Any]:
        return {
            "pages": self.pages,
            "report_pages": self.report_pages,
            "index_pages": self.index_pages,
            "documents": [
                {
                    "item": e.evidence.number,
                    "name": e.evidence.document.original_name,
                    "sha256": e.evidence.document.sha256,
                    "start_page": e.start_page,
                    "pages": e.pages,
                    "note": e.note,
                }
                for e in self.appendix
            ],
        }


@dataclass(frozen=True, slots=True)
class _Planned:
    evidence: Evidence
    kind: Kind | None  # PDF or an image kind when appended
    pages: int
    note: str | None


def packet_filename(last_name: str, as_of: date) -> str:
    """ASCII only, no separators: safe in a Content-Disposition header and on any disk."""
    ascii_name = unicodedata.normalize("NFKD", last_name).encode("ascii", "ignore")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.decode().lower()).strip("-")[:40]
    return f"cme-audit-packet-{slug or 'physician'}-{as_of.isoformat()}.pdf"


def _render(html: str) -> Any:
    """A laid-out WeasyPrint document; it may load `data:` URIs and nothing else."""
    fetcher = weasyprint.URLFetcher(allowed_protocols={"data"}, fail_on_errors=False)
    return weasyprint.HTML(string=html, url_fetcher=fetcher).render(
        stylesheets=[weasyprint.CSS(string=stylesheet(), url_fetcher=fetcher)]
    )


def _listed_note(evidence: Evidence) -> str:
    name = evidence.document.original_name.lower()
    if evidence.document.media_type in ("text/csv", "text/plain") or name.endswith(
        (".csv", ".txt", ".tsv", ".xlsx", ".xls", ".xlsm")
    ):
        return "transcript file: listed, not appended (its credits are in the table)"
    return "listed, not appended (not a PDF or an image)"


def _pdf_pages(blobs: BlobSource, sha256: str) -> int:
    with PDFIUM_LOCK, blobs.open(sha256) as stream:
        doc = pdfium.PdfDocument(stream)
        try:
            return len(doc)
        finally:
            doc.close()


def _image_frames(blobs: BlobSource, sha256: str) -> int:
    with blobs.open(sha256) as stream, Image.open(stream) as image:
        return int(getattr(image, "n_frames", 1))


def _plan_one(evidence: Evidence, blobs: BlobSource) -> _Planned:
    if evidence.kind is EvidenceKind.LISTED:
        return _Planned(evidence, None, 0, _listed_note(evidence))
    if evidence.withheld:
        return _Planned(evidence, None, 0, evidence.withheld)
    try:
        with blobs.open(evidence.document.sha256) as stream:
            kind = sniff(stream.read(_HEAD))
        if kind is Kind.PDF:
            pages = _pdf_pages(blobs, evidence.document.sha256)
            limit = MAX_PAGES_PER_DOCUMENT
        elif kind in (Kind.PNG, Kind.JPEG, Kind.TIFF):
            pages = _image_frames(blobs, evidence.document.sha256)
            limit = MAX_FRAMES_PER_IMAGE
        else:
            return _Planned(evidence, None, 0, "not appended: the file is not a PDF or an image")
    except NotFoundError:
        return _Planned(evidence, None, 0, "not appended: the file is missing from the store")
    except pdfium.PdfiumError:
        return _Planned(evidence, None, 0, "not appended: the PDF is password-protected or damaged")
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError):
        return _Planned(evidence, None, 0, "not appended: the image cannot be read")
    if pages == 0:
        return _Planned(evidence, None, 0, "not appended: the file has no pages")
    if pages > limit:
        return _Planned(evidence, None, 0, f"not appended: {pages} pages (more than {limit})")
    return _Planned(evidence, kind, pages, None)


def _entries(planned: list[_Planned], first_page: int) -> list[IndexEntry]:
    entries = []
    page = first_page
    for p in planned:
        entries.append(IndexEntry(p.evidence, page if p.pages else None, p.pages, p.note))
        page += p.pages
    return entries


def _frame_uri(frame: Image.Image, as_jpeg: bool) -> str:
    picture = ImageOps.exif_transpose(frame)  # phone photos are often stored sideways
    picture.thumbnail((MAX_IMAGE_SIDE, MAX_IMAGE_SIDE))
    if picture.mode in ("RGBA", "LA", "PA") or "transparency" in picture.info:
        rgba = picture.convert("RGBA")
        flat = Image.new("RGB", rgba.size, "white")
        flat.paste(rgba, mask=rgba.getchannel("A"))
        picture = flat
    elif picture.mode not in ("1", "L", "RGB") or (as_jpeg and picture.mode == "1"):
        picture = picture.convert("RGB")
    out = io.BytesIO()
    picture.save(out, format="JPEG" if as_jpeg else "PNG", **({"quality": 88} if as_jpeg else {}))
    media = "image/jpeg" if as_jpeg else "image/png"
    return f"data:{media};base64,{base64.b64encode(out.getvalue()).decode('ascii')}"


def _image_frames_uris(blobs: BlobSource, p: _Planned) -> Iterator[str]:
    with blobs.open(p.evidence.document.sha256) as stream, Image.open(stream) as image:
        for frame in ImageSequence.Iterator(image):
            yield _frame_uri(frame, as_jpeg=p.kind is Kind.JPEG)


def _placeholder(p: _Planned, reason: str) -> bytes:
    """Pages that stand in for a document that failed while being copied, so the index's
    page numbers stay true."""
    return bytes(_render(image_html(p.evidence, [""] * p.pages, failure=reason)).write_pdf())


def _source(p: _Planned, blobs: BlobSource, stack: ExitStack) -> pdfium.PdfDocument:
    if p.kind is Kind.PDF:
        source = pdfium.PdfDocument(stack.enter_context(blobs.open(p.evidence.document.sha256)))
    else:
        frames = list(_image_frames_uris(blobs, p))
        source = pdfium.PdfDocument(_render(image_html(p.evidence, frames)).write_pdf())
    stack.callback(source.close)
    return source


def _append(merged: pdfium.PdfDocument, p: _Planned, blobs: BlobSource) -> None:
    before = len(merged)
    try:
        with ExitStack() as stack:
            source = _source(p, blobs, stack)
            if len(source) != p.pages:
                raise CmeLedgerError("its page count changed while the packet was being made")
            merged.import_pages(source)
    except (
        CmeLedgerError,
        pdfium.PdfiumError,
        OSError,
        ValueError,
        Image.DecompressionBombError,
    ) as exc:
        while len(merged) > before:  # drop a partial copy before standing in for it
            merged.del_page(len(merged) - 1)
        reason = str(exc) if isinstance(exc, CmeLedgerError) else "the file could not be read"
        stand_in = pdfium.PdfDocument(_placeholder(p, reason))
        try:
            merged.import_pages(stand_in)
        finally:
            stand_in.close()


def write_packet(data: PacketData, blobs: BlobSource, out: BinaryIO) -> PacketResult:
    """Write the packet PDF to `out`; returns its page layout (what the index shows)."""
    planned = [_plan_one(e, blobs) for e in data.evidence]
    report = _render(report_html(data))
    report_pages = len(report.pages)
    appended_pages = sum(p.pages for p in planned)
    index_pages = 1 + len(planned) // _INDEX_ROWS_PER_PAGE
    # The index's length depends on its page numbers only through their width: settles fast.
    for _ in range(4):
        entries = _entries(planned, report_pages + index_pages + 1)
        index = _render(
            index_html(
                data,
                entries,
                report_pages=report_pages,
                index_pages=index_pages,
                appended_pages=appended_pages,
            )
        )
        if len(index.pages) == index_pages:
            break
        index_pages = len(index.pages)
    else:
        raise CmeLedgerError("the document index did not settle on a page count")
    front = bytes(report.copy(report.pages + index.pages).write_pdf())
    del report, index
    with PDFIUM_LOCK:
        merged = pdfium.PdfDocument(front)
        try:
            for p in planned:
                if p.pages:
                    _append(merged, p, blobs)
            pages = len(merged)
            merged.save(out)
        finally:
            merged.close()
    return PacketResult(pages, report_pages, index_pages, entries)
