"""From a file to `Extracted` records: sniff, text or OCR, split, parse, collapse repeats.

Nothing here touches the database: `cmeledger extract` prints what this returns, and the
import use case decides what to store.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from PIL import Image

from cmeledger.domain.extraction import Extracted
from cmeledger.importers import ocr
from cmeledger.importers.certificate import parse_certificate
from cmeledger.importers.certificate_text import normalise, repair_one_glyph_lines, split_units
from cmeledger.importers.errors import ExtractionError
from cmeledger.importers.images import load_images
from cmeledger.importers.pdf_text import image_coverage, open_pdf, page_text, render_page
from cmeledger.importers.sniff import Kind, extension_matches, sniff

_ANCHOR = re.compile(
    r"certif|credit|participat|designat|contact\s+hour|awarded|complet", re.IGNORECASE
)

Progress = Callable[[str], None]


def _quiet(_: str) -> None:
    return None


@dataclass(frozen=True, slots=True)
class Limits:
    max_bytes: int = 50 * 1024 * 1024
    max_pdf_pages: int = 1000
    max_ocr_pages: int = 100


@dataclass
class FileExtraction:
    source: str
    kind: Kind
    sha256: str
    size: int
    records: list[Extracted] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    pages: int = 0
    ocr_pages: int = 0
    data: bytes = field(default=b"", repr=False)


def text_layer_problem(text: str) -> str | None:
    """Why a page's text layer cannot be trusted, or None if it can."""
    letters = sum(ch.isalnum() for ch in text)
    if letters < 60:
        return "no usable text layer"
    if not _ANCHOR.search(text):
        return "text layer lacks the certificate's wording (overlay or outlines)"
    return None


def _parse_page(
    text: str, source: str, page: int | None, method: str, confidence: float
) -> list[Extracted]:
    return [
        parse_certificate(
            unit, source_file=source, page=page, method=method, ocr_confidence=confidence
        )
        for unit in split_units(text)
        if _ANCHOR.search(unit)
    ]


def _pdf(result: FileExtraction, limits: Limits, progress: Progress) -> None:
    with open_pdf(result.data, result.source, max_pages=limits.max_pdf_pages) as doc:
        result.pages = len(doc)
        texts: list[str | None] = []  # None: the page needs OCR
        for index in range(len(doc)):
            progress(f"reading page {index + 1}/{len(doc)}")
            text = normalise(repair_one_glyph_lines(page_text(doc, index, result.source).text))
            overlay = len(text) < 600 and image_coverage(doc, index, result.source) > 0.5
            texts.append(None if text_layer_problem(text) or overlay else text)
        result.ocr_pages = texts.count(None)
        if result.ocr_pages > limits.max_ocr_pages:  # say so before spending minutes on OCR
            raise ExtractionError(
                result.source,
                f"{result.ocr_pages} pages need OCR; the limit "
                f"is {limits.max_ocr_pages} (CMELEDGER_MAX_OCR_PAGES); split "
                "the file",
            )
        for index, layer in enumerate(texts):
            if layer is not None:
                result.records += _parse_page(layer, result.source, index + 1, "text", 1.0)
                continue
            progress(f"OCR page {index + 1}/{len(doc)}")
            _ocr(result, render_page(doc, index, result.source), index + 1)


def _ocr(result: FileExtraction, image: Image.Image, page: int) -> None:
    scanned = ocr.recognise_upright(image, result.source)
    if scanned.rotated_by:
        result.warnings.append(f"page {page} was rotated {scanned.rotated_by}°")
    result.records += _parse_page(
        normalise(scanned.text), result.source, page, "ocr", scanned.confidence
    )


def _image(result: FileExtraction, limits: Limits, progress: Progress) -> None:
    frames = load_images(result.data, result.source, max_frames=limits.max_ocr_pages)
    result.pages = result.ocr_pages = len(frames)
    for page, image in enumerate(frames, start=1):
        progress(f"OCR page {page}/{len(frames)}")
        _ocr(result, image, page)


def collapse_repeats(records: list[Extracted]) -> list[Extracted]:
    """One certificate printed once per state licence is one completion, not several."""
    kept: dict[tuple[object, ...], int] = {}
    out: list[Extracted] = []
    for record in records:
        key = (
            record.provider,
            record.title,
            record.completion_date,
            tuple(sorted((c.type, c.amount, c.role.value) for c in record.credits)),
        )
        if record.title and key in kept:
            first = out[kept[key]]
            if record.page is not None:
                out[kept[key]] = replace(first, also_on_pages=(*first.also_on_pages, record.page))
            continue
        kept[key] = len(out)
        out.append(record)
    return out


def extract_bytes(
    source: str,
    data: bytes,
    *,
    limits: Limits = Limits(),
    progress: Progress = _quiet,
    importer: str | None = None,
    mapping: dict[str, str] | None = None,
) -> FileExtraction:
    if not data:
        raise ExtractionError(source, "the file is empty (0 bytes)")
    if len(data) > limits.max_bytes:
        raise ExtractionError(
            source,
            f"the file is larger than the "
            f"{limits.max_bytes // (1024 * 1024)} MB limit "
            "(CMELEDGER_MAX_UPLOAD_BYTES)",
        )
    kind = sniff(data)
    result = FileExtraction(source, kind, hashlib.sha256(data).hexdigest(), len(data), data=data)
    if kind is not Kind.UNKNOWN and not extension_matches(source, kind):
        result.warnings.append(f"named like another type, but it is a {kind.value.upper()}")
    if kind is Kind.PDF:
        _pdf(result, limits, progress)
    elif kind in (Kind.PNG, Kind.JPEG, Kind.TIFF):
        _image(result, limits, progress)
    elif kind in (Kind.CSV, Kind.XLSX):
        from cmeledger.importers.transcripts import parse_transcript

        progress("reading table")
        result.records = parse_transcript(source, data, importer=importer, mapping=mapping)
    elif kind is Kind.HEIC:
        raise ExtractionError(
            source,
            "HEIC photos are not supported; export the photo as "
            "JPEG (iPhone: Settings > Camera > Formats > Most "
            "Compatible) and import that",
        )
    elif kind is Kind.XML:
        raise ExtractionError(
            source, "XML transcripts are not supported yet; export the transcript as CSV or XLSX"
        )
    else:
        raise ExtractionError(source, "not a PDF, image, CSV or XLSX file")
    result.records = collapse_repeats(result.records)
    if not result.records:
        raise ExtractionError(
            source,
            "no CME completion found in this file; if it is a "
            "certificate, check that it is readable and upright",
        )
    return result


def extract_file(
    path: Path,
    *,
    limits: Limits = Limits(),
    progress: Progress = _quiet,
    importer: str | None = None,
    mapping: dict[str, str] | None = None,
) -> FileExtraction:
    try:
        # Check before opening too: opening a named pipe for reading would wait for a writer.
        if not stat.S_ISREG(path.stat().st_mode) and not path.is_dir():
            raise ExtractionError(
                str(path),
                "is not a regular file (a device, pipe or socket); "
                "copy the document to a file first",
            )
        with path.open("rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                raise ExtractionError(
                    str(path),
                    "is not a regular file (a device, pipe or "
                    "socket); copy the document to a file first",
                )
            data = handle.read(limits.max_bytes + 1)
    except FileNotFoundError:
        raise ExtractionError(str(path), "no such file") from None
    except IsADirectoryError:
        raise ExtractionError(str(path), "is a directory; name the files inside it") from None
    except PermissionError:
        raise ExtractionError(str(path), "permission denied") from None
    return extract_bytes(
        str(path), data, limits=limits, progress=progress, importer=importer, mapping=mapping
    )
