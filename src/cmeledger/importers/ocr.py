"""OCR with Debian's Tesseract 5 (model files ship in the `tesseract-ocr-eng` package).

Tesseract runs as a subprocess with a time limit, one thread, and the image on stdin, so a
hostile image can cost at most `timeout` seconds and never touches the network.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
from dataclasses import dataclass

from PIL import Image

from cmeledger.importers.errors import ExtractionError

INSTALL_HINT = "install Debian's tesseract-ocr and tesseract-ocr-eng packages"


@dataclass(frozen=True, slots=True)
class OcrWord:
    text: str
    confidence: float  # 0..1


@dataclass(frozen=True, slots=True)
class OcrLine:
    words: tuple[OcrWord, ...]

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)

    @property
    def confidence(self) -> float:
        return sum(w.confidence for w in self.words) / len(self.words) if self.words else 0.0


@dataclass(frozen=True, slots=True)
class OcrPage:
    lines: tuple[OcrLine, ...]
    rotated_by: int = 0

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)

    @property
    def confidence(self) -> float:
        words = [w for line in self.lines for w in line.words]
        return sum(w.confidence for w in words) / len(words) if words else 0.0


def tesseract_path() -> str | None:
    return shutil.which("tesseract")


def _run(args: list[str], image: bytes, source: str, timeout: float) -> str:
    exe = tesseract_path()
    if exe is None:
        raise ExtractionError(
            source, f"this file needs OCR, but Tesseract is missing; {INSTALL_HINT}"
        )
    env = {"OMP_THREAD_LIMIT": "1", "PATH": os.environ.get("PATH", "/usr/bin")}
    try:
        done = subprocess.run(  # noqa: S603 - fixed argv, our own arguments, no shell
            [exe, "stdin", "stdout", *args],
            input=image,
            capture_output=True,
            timeout=timeout,
            env=env,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise ExtractionError(
            source, f"OCR took longer than {timeout:.0f} s on one page; try a cleaner scan"
        ) from None
    if done.returncode != 0:
        detail = done.stderr.decode(errors="replace").strip().splitlines()[-1:] or ["?"]
        raise ExtractionError(source, f"OCR failed ({detail[0][:120]})")
    return done.stdout.decode("utf-8", errors="replace")


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=False, compress_level=1)
    return out.getvalue()


def detect_rotation(image: Image.Image, source: str, timeout: float = 20) -> int:
    """Degrees to rotate counter-clockwise so the text stands upright (0, 90, 180, 270)."""
    try:
        osd = _run(["--psm", "0"], _png(image), source, timeout)
    except ExtractionError:
        return 0  # too little text to decide: leave it as it is
    for line in osd.splitlines():
        if line.startswith("Rotate:"):
            return int(line.split(":")[1].strip()) % 360
    return 0


def recognise(image: Image.Image, source: str, *, timeout: float = 60) -> OcrPage:
    """Words with confidences, grouped into lines in reading order."""
    tsv = _run(["-l", "eng", "--psm", "3", "tsv"], _png(image), source, timeout)
    lines: dict[tuple[str, str, str, str], list[OcrWord]] = {}
    for row in csv.DictReader(io.StringIO(tsv), delimiter="\t", quoting=csv.QUOTE_NONE):
        text = (row.get("text") or "").strip()
        if row.get("level") != "5" or not text:
            continue
        key = (row["page_num"], row["block_num"], row["par_num"], row["line_num"])
        conf = max(0.0, float(row.get("conf") or 0)) / 100
        lines.setdefault(key, []).append(OcrWord(text, conf))
    return OcrPage(tuple(OcrLine(tuple(words)) for words in lines.values()))


def recognise_upright(image: Image.Image, source: str) -> OcrPage:
    """OCR that first turns sideways or upside-down pages the right way up."""
    first = recognise(image, source)
    if first.confidence >= 0.8 and len(first.text) > 80:
        return first
    rotation = detect_rotation(image, source)
    if rotation == 0:
        return first
    turned = recognise(image.rotate(-rotation, expand=True), source)
    if turned.confidence > first.confidence:
        return OcrPage(turned.lines, rotated_by=rotation)
    return first
