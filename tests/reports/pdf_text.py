"""Reading a packet back the way an auditor's viewer would: page by page, as text."""

from __future__ import annotations

import re

import pypdfium2 as pdfium

_FOOTER = re.compile(r"Page \d+\s*$")


def pages_text(pdf: bytes) -> list[str]:
    doc = pdfium.PdfDocument(pdf)
    try:
        texts = []
        for page in doc:
            textpage = page.get_textpage()
            texts.append(str(textpage.get_text_range()))
            textpage.close()
            page.close()
        return texts
    finally:
        doc.close()


def flat(text: str) -> str:
    """Words as one line: table cells wrap titles. PDFium reports a hyphen that ends a line
    as U+FFFE."""
    return " ".join(text.replace("\ufffe", "-").split())


def squeezed(text: str) -> str:
    """No whitespace at all: long URLs wrap mid-way in narrow columns."""
    return re.sub(r"\s+", "", text.replace("\ufffe", "-"))


def generated_pages(texts: list[str]) -> int:
    """Pages that carry the packet's own footer: the report and its index, not certificates."""
    return sum(1 for t in texts if _FOOTER.search(t))
