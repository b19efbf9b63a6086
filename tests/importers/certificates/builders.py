"""Small certificate files for pipeline and import tests (the full corpus is tests/corpus)."""

from __future__ import annotations

import io

import pypdfium2 as pdfium
from PIL import Image
from reportlab.lib.pagesizes import letter
from reportlab.pdfgen import canvas

LINES = (
    "CERTIFICATE OF COMPLETION",
    "Riverbend Medical Education certifies that",
    "Ada Demo, MD",
    "has participated in the enduring material titled",
    "Heart Failure in Primary Care",
    "on June 3, 2025 and is awarded 1.75 AMA PRA Category 1 Credits(TM).",
    "Riverbend Medical Education designates this enduring material for a maximum of",
    "2.00 AMA PRA Category 1 Credits(TM).",
)


def certificate_pdf(
    pages: int = 1, *, encrypt: str | None = None, lines: tuple[str, ...] = LINES
) -> bytes:
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=letter, invariant=1, encrypt=encrypt)
    for _ in range(pages):
        y = 700.0
        for i, line in enumerate(lines):
            pdf.setFont("Helvetica-Bold" if i in (0, 4) else "Helvetica", 14 if i else 18)
            pdf.drawCentredString(306, y, line)
            y -= 34
        pdf.showPage()
    pdf.save()
    return out.getvalue()


def page_image(dpi: int = 200) -> Image.Image:
    doc = pdfium.PdfDocument(certificate_pdf())
    try:
        image: Image.Image = doc[0].render(scale=dpi / 72).to_pil().convert("L")
        return image
    finally:
        doc.close()


def image_only_pdf() -> bytes:
    out = io.BytesIO()
    page_image().save(out, format="PDF", resolution=200)
    return out.getvalue()


def encoded(image: Image.Image, fmt: str, **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, format=fmt, **options)
    return out.getvalue()
