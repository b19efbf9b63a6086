"""What a file really is, judged by its bytes rather than its name."""

from __future__ import annotations

import zipfile
from enum import StrEnum
from io import BytesIO


class Kind(StrEnum):
    PDF = "pdf"
    PNG = "png"
    JPEG = "jpeg"
    HEIC = "heic"
    TIFF = "tiff"
    XLSX = "xlsx"
    XML = "xml"
    CSV = "csv"
    UNKNOWN = "unknown"


_EXTENSIONS = {
    Kind.PDF: {".pdf"},
    Kind.PNG: {".png"},
    Kind.JPEG: {".jpg", ".jpeg"},
    Kind.HEIC: {".heic", ".heif"},
    Kind.TIFF: {".tif", ".tiff"},
    Kind.XLSX: {".xlsx", ".xlsm"},
    Kind.XML: {".xml"},
    Kind.CSV: {".csv", ".txt", ".tsv"},
}


def sniff(data: bytes) -> Kind:
    head = data[:64]
    if b"%PDF-" in data[:1024]:
        return Kind.PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return Kind.PNG
    if head.startswith(b"\xff\xd8\xff"):
        return Kind.JPEG
    if head[4:12] in (b"ftypheic", b"ftypheix", b"ftypmif1", b"ftyphevc", b"ftypmsf1"):
        return Kind.HEIC
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return Kind.TIFF
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(BytesIO(data)) as archive:
                names = set(archive.namelist()[:2000])
        except zipfile.BadZipFile:
            return Kind.UNKNOWN
        return (
            Kind.XLSX
            if "[Content_Types].xml" in names and any(n.startswith("xl/") for n in names)
            else Kind.UNKNOWN
        )
    sample = data[:4096]
    if sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        return Kind.CSV  # UTF-16 text, as Excel's "Unicode text" export writes it
    if b"\x00" in sample:
        return Kind.UNKNOWN
    text = sample.decode("utf-8", errors="ignore").lstrip("\ufeff \t\r\n")
    if text.startswith("<"):
        return Kind.XML
    return Kind.CSV if text else Kind.UNKNOWN


def extension_matches(name: str, kind: Kind) -> bool:
    lower = name.lower()
    return any(lower.endswith(ext) for ext in _EXTENSIONS.get(kind, set()))
