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

from PIL import Image, ImageOps

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


@dataclass(frozen=True, slots=True)
class _Word:
    word: OcrWord
    left: int
    right: int
    height: int


def _split_columns(block: list[list[_Word]], page_width: int) -> list[list[_Word]]:
    """Tesseract sometimes reads two columns side by side as one line ("...is jointly Cedar
    Valley designates this..."). Where most lines of a block break at a wide gap, read the
    left column down, then the right one."""
    heights = sorted(w.height for line in block for w in line) or [1]
    wide = max(2.5 * heights[len(heights) // 2], 0.03 * page_width)
    cuts: list[int | None] = []
    for line in block:
        gaps = [(line[i + 1].left - line[i].right, i + 1) for i in range(len(line) - 1)]
        gap, at = max(gaps, default=(0, 0))
        # Both sides must be running text: a form's "Label:   value" rows are not columns.
        cuts.append(at if gap > wide and at >= 4 and len(line) - at >= 4 else None)
    if sum(c is not None for c in cuts) < max(2, len(block) // 2):
        return block
    left = [line[:cut] if cut else line for line, cut in zip(block, cuts, strict=True)]
    right = [line[cut:] for line, cut in zip(block, cuts, strict=True) if cut]
    return [line for line in left + right if line]


def recognise(image: Image.Image, source: str, *, timeout: float = 60) -> OcrPage:
    """Words with confidences, grouped into lines in reading order."""
    tsv = _run(["-l", "eng", "--psm", "3", "tsv"], _png(image), source, timeout)
    blocks: dict[tuple[str, str], dict[tuple[str, str], list[_Word]]] = {}
    for row in csv.DictReader(io.StringIO(tsv), delimiter="\t", quoting=csv.QUOTE_NONE):
        text = (row.get("text") or "").strip()
        if row.get("level") != "5" or not text:
            continue
        conf = max(0.0, float(row.get("conf") or 0)) / 100
        left, width = int(row["left"]), int(row["width"])
        word = _Word(OcrWord(text, conf), left, left + width, int(row["height"]))
        block = blocks.setdefault((row["page_num"], row["block_num"]), {})
        block.setdefault((row["par_num"], row["line_num"]), []).append(word)
    lines: list[OcrLine] = []
    for block in blocks.values():
        for words in _split_columns(list(block.values()), image.width):
            lines.append(OcrLine(tuple(w.word for w in words)))
    return OcrPage(tuple(lines))


def _row_contrast(image: Image.Image, angle: float) -> float:
    """How sharply rows of ink alternate with blank rows at this rotation (variance of row
    means): text lines are horizontal exactly when this peaks."""
    turned = image.rotate(angle, resample=Image.Resampling.BILINEAR, fillcolor=0)
    column = turned.resize((1, turned.height), Image.Resampling.BOX)  # each row's mean
    rows = [float(v) for v in column.tobytes()]
    mean = sum(rows) / len(rows)
    return sum((r - mean) ** 2 for r in rows) / len(rows)


def estimate_skew(image: Image.Image, limit: float = 5.0) -> float:
    """Degrees (counter-clockwise) that straighten a slightly tilted scan."""
    small = ImageOps.invert(image.convert("L"))
    small = small.resize((800, max(1, int(small.height * 800 / small.width))))
    coarse = max(
        (_row_contrast(small, a / 2), a / 2) for a in range(int(-2 * limit), int(2 * limit) + 1)
    )[1]
    fine = max((_row_contrast(small, coarse + a / 10), coarse + a / 10) for a in range(-5, 6))
    return float(fine[1])


def deskew(image: Image.Image, limit: float = 5.0) -> tuple[Image.Image, float]:
    angle = estimate_skew(image, limit)
    # An estimate at the edge of the search means no clear text lines (a sideways page).
    if abs(angle) < 0.3 or abs(angle) > limit - 0.6:
        return image, 0.0
    return image.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255), angle


def recognise_upright(image: Image.Image, source: str) -> OcrPage:
    """OCR that straightens tilted scans and turns sideways or upside-down pages."""
    first = recognise(deskew(image)[0], source)
    if first.confidence >= 0.8 and len(first.text) > 80:
        return first
    rotation = detect_rotation(image, source)
    if rotation == 0:
        return first
    turned = recognise(deskew(image.rotate(-rotation, expand=True))[0], source)
    if turned.confidence > first.confidence:
        return OcrPage(turned.lines, rotated_by=rotation)
    return first
