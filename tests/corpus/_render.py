"""Drawing for the synthetic certificate corpus.

A small block layout engine on reportlab's canvas (paragraphs with styled runs, label-value
rows, two-column footers, signatures), page rasterisation with pypdfium2, and scan-like
degradation with Pillow. Everything is deterministic: reportlab runs with ``invariant=1`` and
all noise comes from a seeded :class:`random.Random`.
"""

from __future__ import annotations

import io
import random
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pypdfium2 as pdfium
from PIL import Image, ImageChops, ImageFilter, ImageOps
from reportlab import rl_config
from reportlab.lib.pagesizes import letter
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

FAMILIES: dict[str, dict[str, str]] = {
    "Helvetica": {
        "r": "Helvetica",
        "b": "Helvetica-Bold",
        "i": "Helvetica-Oblique",
        "bi": "Helvetica-BoldOblique",
    },
    "Times": {"r": "Times-Roman", "b": "Times-Bold", "i": "Times-Italic", "bi": "Times-BoldItalic"},
    "Courier": {
        "r": "Courier",
        "b": "Courier-Bold",
        "i": "Courier-Oblique",
        "bi": "Courier-BoldOblique",
    },
}

SUP_SCALE = 0.6
SUP_RISE = 0.38
MARGIN = 54.0

# A run is (text, style); style is one of r, b, i, bi, sup ("sup" is a raised small run that
# sticks to the word before it, like a superscript TM).
Run = tuple[str, str]


@dataclass(frozen=True)
class Para:
    runs: tuple[Run, ...]
    size: float = 11.0
    align: str = "center"
    before: float = 5.0
    leading: float = 1.28
    static: bool = True  # pre-printed template text (drawn as an image on overlay layouts)


@dataclass(frozen=True)
class Rule:
    before: float = 6.0
    after: float = 4.0
    frac: float = 0.6
    thickness: float = 0.8


@dataclass(frozen=True)
class Spacer:
    height: float


@dataclass(frozen=True)
class Rows:
    """Label-value rows. ``style``: "bar" (vertical rule), "colon" (label ends in ':'),
    "grid" (boxed table)."""

    rows: tuple[tuple[str, tuple[Run, ...]], ...]
    size: float = 11.0
    style: str = "bar"
    label_frac: float = 0.36
    before: float = 6.0
    bold_labels: bool = False


@dataclass(frozen=True)
class Columns:
    left: tuple[Block, ...]
    right: tuple[Block, ...]
    gap: float = 24.0


@dataclass(frozen=True)
class Signature:
    name: str
    role: str
    align: str = "right"
    before: float = 18.0
    size: float = 10.0


Block = Para | Rule | Spacer | Rows | Columns | Signature


@dataclass(frozen=True)
class PageSpec:
    body: tuple[Block, ...]
    footer: tuple[Block, ...]
    family: str = "Helvetica"
    landscape: bool = False
    border: bool = False
    watermark: str | None = None
    overlay: bool = False  # static template text is an image, variable fields are text


@dataclass(frozen=True)
class _Op:
    kind: str  # text | line | rect
    x: float
    y: float
    font: str = ""
    size: float = 0.0
    text: str = ""
    x2: float = 0.0
    y2: float = 0.0
    width: float = 0.0
    static: bool = True


@dataclass
class _Flow:
    family: str
    scale: float
    ops: list[_Op] = field(default_factory=list)

    def font(self, style: str) -> str:
        return FAMILIES[self.family]["r" if style == "sup" else style]


def page_size(landscape: bool) -> tuple[float, float]:
    w, h = letter
    return (float(h), float(w)) if landscape else (float(w), float(h))


def _words(runs: Sequence[Run]) -> list[list[Run]]:
    words: list[list[Run]] = []
    current: list[Run] = []
    for text, style in runs:
        if style == "sup":
            current.append((text, style))
            continue
        parts = text.split(" ")
        for i, part in enumerate(parts):
            if i > 0 and current:
                words.append(current)
                current = []
            if part:
                current.append((part, style))
    if current:
        words.append(current)
    return words


def _seg_width(flow: _Flow, text: str, style: str, size: float) -> float:
    if style == "sup":
        return float(stringWidth(text, flow.font("r"), size * SUP_SCALE))
    return float(stringWidth(text, flow.font(style), size))


def _word_width(flow: _Flow, word: list[Run], size: float) -> float:
    return sum(_seg_width(flow, t, s, size) for t, s in word)


def _wrap(flow: _Flow, runs: Sequence[Run], size: float, width: float) -> list[list[list[Run]]]:
    space = _seg_width(flow, " ", "r", size)
    lines: list[list[list[Run]]] = []
    line: list[list[Run]] = []
    used = 0.0
    for word in _words(runs):
        ww = _word_width(flow, word, size)
        if line and used + space + ww > width:
            lines.append(line)
            line, used = [], 0.0
        used += (space if line else 0.0) + ww
        line.append(word)
    if line:
        lines.append(line)
    return lines


def _line_ops(
    flow: _Flow, line: list[list[Run]], x: float, y: float, size: float, static: bool
) -> None:
    pending_text = ""
    pending_style = ""
    px = x

    def flush() -> None:
        nonlocal pending_text, px
        if not pending_text:
            return
        if pending_style == "sup":
            fsize = size * SUP_SCALE
            flow.ops.append(
                _Op(
                    "text",
                    px,
                    y + size * SUP_RISE,
                    flow.font("r"),
                    fsize,
                    pending_text,
                    static=static,
                )
            )
        else:
            flow.ops.append(
                _Op("text", px, y, flow.font(pending_style), size, pending_text, static=static)
            )
        px += _seg_width(flow, pending_text, pending_style, size)
        pending_text = ""

    for wi, word in enumerate(line):
        for si, (text, style) in enumerate(word):
            if wi > 0 and si == 0:
                pending_text += " "
            if style != pending_style:
                flush()
                pending_style = style
            pending_text += text
    flush()


def _line_width(flow: _Flow, line: list[list[Run]], size: float) -> float:
    space = _seg_width(flow, " ", "r", size)
    return sum(_word_width(flow, w, size) for w in line) + space * (len(line) - 1)


def _para(flow: _Flow, p: Para, x0: float, width: float, y: float) -> float:
    size = p.size * flow.scale
    y -= p.before * flow.scale
    for line in _wrap(flow, p.runs, size, width):
        y -= size * p.leading
        lw = _line_width(flow, line, size)
        if p.align == "center":
            x = x0 + (width - lw) / 2
        elif p.align == "right":
            x = x0 + width - lw
        else:
            x = x0
        _line_ops(flow, line, x, y + size * 0.25, size, p.static)
    return y


def _rows(flow: _Flow, r: Rows, x0: float, width: float, y: float) -> float:
    size = r.size * flow.scale
    y -= r.before * flow.scale
    label_w = width * r.label_frac
    gap = 10 * flow.scale
    top = y
    bounds: list[float] = [y]
    label_style = "b" if r.bold_labels else "r"
    for label, value in r.rows:
        text = f"{label}:" if r.style == "colon" else label
        lab_lines = _wrap(flow, ((text, label_style),), size, label_w - gap)
        val_lines = _wrap(flow, value, size, width - label_w - gap)
        row_top = y
        pad = 4 * flow.scale if r.style == "grid" else 1.5 * flow.scale
        ly = y - pad
        for line in lab_lines:
            ly -= size * 1.25
            lw = _line_width(flow, line, size)
            lx = (
                x0 + label_w - gap - lw
                if r.style == "bar"
                else x0 + (gap if r.style == "grid" else 0)
            )
            _line_ops(flow, line, lx, ly + size * 0.25, size, True)
        vy = y - pad
        for line in val_lines:
            vy -= size * 1.25
            _line_ops(flow, line, x0 + label_w + gap, vy + size * 0.25, size, False)
        y = min(ly, vy) - pad
        if r.style == "bar":
            flow.ops.append(
                _Op("line", x0 + label_w, row_top - pad, x2=x0 + label_w, y2=y + pad, width=0.7)
            )
        bounds.append(y)
    if r.style == "grid":
        for b in bounds:
            flow.ops.append(_Op("line", x0, b, x2=x0 + width, y2=b, width=0.6))
        for xv in (x0, x0 + label_w, x0 + width):
            flow.ops.append(_Op("line", xv, top, x2=xv, y2=y, width=0.6))
    return y


def _flow(flow: _Flow, blocks: Iterable[Block], x0: float, width: float, y: float) -> float:
    for b in blocks:
        if isinstance(b, Para):
            y = _para(flow, b, x0, width, y)
        elif isinstance(b, Rule):
            y -= b.before * flow.scale
            w = width * b.frac
            xs = x0 + (width - w) / 2
            flow.ops.append(_Op("line", xs, y, x2=xs + w, y2=y, width=b.thickness))
            y -= b.after * flow.scale
        elif isinstance(b, Spacer):
            y -= b.height * flow.scale
        elif isinstance(b, Rows):
            y = _rows(flow, b, x0, width, y)
        elif isinstance(b, Columns):
            cw = (width - b.gap) / 2
            yl = _flow(flow, b.left, x0, cw, y)
            yr = _flow(flow, b.right, x0 + cw + b.gap, cw, y)
            y = min(yl, yr)
        else:
            size = b.size * flow.scale
            y -= b.before * flow.scale
            sw = min(220.0, width * 0.45)
            if b.align == "right":
                xs = x0 + width - sw
            elif b.align == "left":
                xs = x0
            else:
                xs = x0 + (width - sw) / 2
            flow.ops.append(_Op("line", xs, y, x2=xs + sw, y2=y, width=0.6))
            for text in (b.name, b.role):
                y -= size * 1.25
                tw = float(stringWidth(text, flow.font("r"), size))
                flow.ops.append(_Op("text", xs + (sw - tw) / 2, y, flow.font("r"), size, text))
    return y


def _shifted(ops: Iterable[_Op], dy: float) -> list[_Op]:
    return [
        _Op(o.kind, o.x, o.y + dy, o.font, o.size, o.text, o.x2, o.y2 + dy, o.width, o.static)
        for o in ops
    ]


def _layout(page: PageSpec) -> list[_Op]:
    """Body from the top, footer on the bottom margin; the largest scale that fits wins and
    leftover space is shared out above and below the body."""
    pw, ph = page_size(page.landscape)
    inset = MARGIN + (12 if page.border else 0)
    width = pw - 2 * inset
    for step in range(18):
        scale = 1.45 - 0.05 * step
        body = _Flow(page.family, scale)
        bottom = _flow(body, page.body, inset, width, ph - inset)
        foot = _Flow(page.family, min(scale, 1.1))
        height = -_flow(foot, page.footer, inset, width, 0.0)
        free = bottom - 16 - (inset + height)
        if free >= 0:
            return _shifted(body.ops, -free * 0.3) + _shifted(foot.ops, inset + height)
    raise ValueError("certificate does not fit on its page")


def _draw_decor(c: Canvas, page: PageSpec) -> None:
    pw, ph = page_size(page.landscape)
    if page.border:
        c.setLineWidth(2.2)
        c.rect(24, 24, pw - 48, ph - 48)
        c.setLineWidth(0.7)
        c.rect(31, 31, pw - 62, ph - 62)
    if page.watermark:
        c.saveState()
        c.setFillGray(0.9)
        c.translate(pw / 2, ph / 2)
        c.rotate(32)
        c.setFont(FAMILIES[page.family]["b"], 84)
        c.drawCentredString(0, -30, page.watermark)
        c.restoreState()


def _draw_ops(c: Canvas, ops: Iterable[_Op]) -> None:
    for o in ops:
        if o.kind == "text":
            c.setFont(o.font, o.size)
            c.drawString(o.x, o.y, o.text)
        else:
            c.setLineWidth(o.width)
            c.line(o.x, o.y, o.x2, o.y2)


def _template_image(page: PageSpec, ops: list[_Op]) -> Image.Image:
    """The static part of an overlay certificate, rendered to a raster (no text layer)."""
    buf = io.BytesIO()
    pw, ph = page_size(page.landscape)
    c = Canvas(buf, pagesize=(pw, ph), invariant=1)
    _draw_decor(c, page)
    _draw_ops(c, (o for o in ops if o.static))
    c.showPage()
    c.save()
    return rasterise(buf.getvalue(), 170)[0]


def _draw_page(c: Canvas, page: PageSpec, skew: float = 0.0) -> None:
    pw, ph = page_size(page.landscape)
    c.setPageSize((pw, ph))
    if skew:
        # a crooked sheet on the scanner bed: turn the content about the page centre
        c.translate(pw / 2, ph / 2)
        c.rotate(skew)
        c.translate(-pw / 2, -ph / 2)
    ops = _layout(page)
    if page.overlay:
        _draw_jpeg(c, _template_image(page, ops), pw, ph, 80)
        _draw_ops(c, (o for o in ops if not o.static))
    else:
        _draw_decor(c, page)
        _draw_ops(c, ops)
    c.showPage()


def write_pdf(path: Path, pages: Sequence[PageSpec], title: str = "Certificate") -> None:
    with _binary_images():
        c = Canvas(str(path), invariant=1, pageCompression=1)
        c.setTitle(title)
        c.setCreator("cmeledger synthetic corpus")
        for page in pages:
            _draw_page(c, page)
        c.save()


@contextmanager
def _binary_images() -> Iterator[None]:
    """Embed image streams without ASCII85 (reportlab's pure-Python encoder is slow)."""
    saved = rl_config.useA85
    rl_config.useA85 = 0
    try:
        yield
    finally:
        rl_config.useA85 = saved


def render_page(page: PageSpec, dpi: int, skew: float = 0.0) -> Image.Image:
    """A greyscale raster of one page, its content turned ``skew`` degrees counter-clockwise
    (cheaper and cleaner than rotating the raster)."""
    buf = io.BytesIO()
    with _binary_images():
        c = Canvas(buf, invariant=1)
        _draw_page(c, page, skew)
        c.save()
    return rasterise(buf.getvalue(), dpi)[0]


def _draw_jpeg(c: Canvas, img: Image.Image, w: float, h: float, quality: int) -> None:
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=quality)
    buf.seek(0)
    c.drawImage(ImageReader(buf), 0, 0, w, h)


def rasterise(pdf: Path | bytes, dpi: int, page_index: int | None = None) -> list[Image.Image]:
    """Greyscale rasters of a PDF's pages (all pages, or only ``page_index``)."""
    doc = pdfium.PdfDocument(pdf)
    try:
        indices = range(len(doc)) if page_index is None else [page_index]
        out: list[Image.Image] = []
        for i in indices:
            page = doc[i]
            bitmap = page.render(scale=dpi / 72.0, grayscale=True)
            img = bitmap.to_pil().convert("L")
            bitmap.close()
            page.close()
            out.append(img)
        return out
    finally:
        doc.close()


def write_image_pdf(path: Path, images: Sequence[Image.Image], landscape: Sequence[bool]) -> None:
    """A PDF whose pages are only images: no text layer at all."""
    with _binary_images():
        c = Canvas(str(path), invariant=1)
        for img, land in zip(images, landscape, strict=True):
            pw, ph = page_size(land)
            c.setPageSize((pw, ph))
            _draw_jpeg(c, img, pw, ph, 85)
            c.showPage()
        c.save()


@dataclass(frozen=True)
class Degradation:
    dpi: int
    angle: float  # small skew in degrees, counter-clockwise (applied by render_page)
    quarter_turns: int  # 0, 1 (90 degrees) or 2 (180 degrees)
    blur: float
    noise: int  # peak amplitude of the additive noise, 0-255
    jpeg_quality: int
    tint: tuple[int, int, int] | None  # light paper colour; None keeps greyscale


def _noise(rng: random.Random, size: tuple[int, int], amplitude: int) -> Image.Image:
    raw = Image.frombytes("L", size, rng.randbytes(size[0] * size[1]))
    return raw.point([v * amplitude // 255 for v in range(256)])


def degrade(img: Image.Image, d: Degradation, rng: random.Random) -> Image.Image:
    """Make a clean greyscale page raster look scanned: grey ink and paper, blur, optional
    colour tint, additive noise, quarter turns. Skew is drawn in by :func:`render_page`."""
    out: Image.Image = img.convert("L")
    # ink is never pure black, paper never pure white
    out = out.point([round(28 + v * (236 - 28) / 255) for v in range(256)])
    if d.blur > 0:
        out = out.filter(ImageFilter.GaussianBlur(d.blur))
    if d.tint is not None:
        out = ImageOps.colorize(out, black=(28, 26, 30), white=d.tint)
    if d.noise:
        plus = _noise(rng, out.size, d.noise)
        minus = _noise(rng, out.size, d.noise)
        if out.mode == "RGB":
            plus = Image.merge("RGB", (plus, plus, plus))
            minus = Image.merge("RGB", (minus, minus, minus))
        out = ImageChops.subtract(ImageChops.add(out, plus), minus)
    if d.quarter_turns == 1:
        out = out.transpose(Image.Transpose.ROTATE_90)
    elif d.quarter_turns == 2:
        out = out.transpose(Image.Transpose.ROTATE_180)
    return out


def save_scan(img: Image.Image, path: Path, d: Degradation) -> None:
    """JPEG files are saved at the degradation's quality; PNG files get one JPEG round trip
    first so that they carry the same block artefacts."""
    if path.suffix.lower() in {".jpg", ".jpeg"}:
        img.save(path, "JPEG", quality=d.jpeg_quality, dpi=(d.dpi, d.dpi))
        return
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=d.jpeg_quality)
    buf.seek(0)
    with Image.open(buf) as again:
        again.load()
        again.save(path, "PNG", dpi=(d.dpi, d.dpi), compress_level=1)
