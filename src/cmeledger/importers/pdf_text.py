"""PDF pages as text (PDFium's content-stream order) or as images for OCR, with limits."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from PIL import Image

from cmeledger.importers.errors import ExtractionError

# A rendered page never exceeds this many pixels, however large the page claims to be.
MAX_RENDER_PIXELS = 12_000_000
OCR_DPI = 300


@dataclass(frozen=True, slots=True)
class PdfPageText:
    number: int  # 1-based
    text: str
    chars: int


# PDFium is not thread-safe, and the server reads PDFs from several threads (requests in a
# thread pool, the import worker): every use of pypdfium2 holds this lock. Re-entrant, so a
# caller holding it (the audit packet merging documents) may open PDFs through open_pdf.
PDFIUM_LOCK = threading.RLock()


@contextmanager
def open_pdf(data: bytes, source: str, *, max_pages: int) -> Iterator[pdfium.PdfDocument]:
    with PDFIUM_LOCK:
        yield from _opened(data, source, max_pages=max_pages)


def _opened(data: bytes, source: str, *, max_pages: int) -> Iterator[pdfium.PdfDocument]:
    try:
        doc = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        code = getattr(exc, "err_code", None)
        if code == pdfium_c.FPDF_ERR_PASSWORD:
            raise ExtractionError(
                source,
                "the PDF is password-protected; open it, print it "
                "to a new PDF without a password, and import that",
            ) from None
        if code == pdfium_c.FPDF_ERR_SECURITY:
            raise ExtractionError(
                source,
                "the PDF uses an unsupported security handler; "
                "print it to a new PDF and import that",
            ) from None
        raise ExtractionError(
            source, "not a readable PDF (damaged or truncated); download it again"
        ) from None
    try:
        if len(doc) == 0:
            raise ExtractionError(source, "the PDF has no pages")
        if len(doc) > max_pages:
            raise ExtractionError(
                source,
                f"the PDF has {len(doc)} pages; the limit is "
                f"{max_pages} (CMELEDGER_MAX_PDF_PAGES); split it",
            )
        yield doc
    finally:
        doc.close()


def _page(doc: pdfium.PdfDocument, index: int, source: str) -> pdfium.PdfPage:
    try:
        return doc[index]
    except pdfium.PdfiumError:
        raise ExtractionError(
            source, f"page {index + 1} of the PDF is damaged; download the file again"
        ) from None


def page_text(doc: pdfium.PdfDocument, index: int, source: str) -> PdfPageText:
    page = _page(doc, index, source)
    try:
        textpage = page.get_textpage()
        try:
            text = textpage.get_text_range()
            return PdfPageText(
                index + 1, text.replace("\r\n", "\n").replace("\r", "\n"), textpage.count_chars()
            )
        finally:
            textpage.close()
    finally:
        page.close()


def image_coverage(doc: pdfium.PdfDocument, index: int, source: str) -> float:
    """Share of the page covered by its largest image: an overlay certificate is one big
    image with only the variable fields (name, date, credits) as text on top."""
    page = _page(doc, index, source)
    try:
        width, height = page.get_size()
        area = max(width * height, 1.0)
        largest = 0.0
        for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=2):
            left, bottom, right, top = obj.get_bounds()
            largest = max(largest, (right - left) * (top - bottom) / area)
        return min(largest, 1.0)
    finally:
        page.close()


def render_page(
    doc: pdfium.PdfDocument, index: int, source: str, *, dpi: int = OCR_DPI
) -> Image.Image:
    page = _page(doc, index, source)
    try:
        width, height = page.get_size()  # points (1/72 in)
        scale = dpi / 72
        pixels = width * scale * height * scale
        if pixels > MAX_RENDER_PIXELS:
            scale *= (MAX_RENDER_PIXELS / pixels) ** 0.5
        try:
            bitmap = page.render(scale=scale, grayscale=True, may_draw_forms=True)
        except pdfium.PdfiumError:
            raise ExtractionError(
                source, f"page {index + 1} cannot be drawn (damaged PDF)"
            ) from None
        try:
            image: Image.Image = bitmap.to_pil().convert("L")
            return image
        finally:
            bitmap.close()
    finally:
        page.close()
