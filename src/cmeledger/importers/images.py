"""Photos and scans: decoded safely, turned upright, scaled to what OCR needs."""

from __future__ import annotations

import io
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

from PIL import Image, ImageOps, UnidentifiedImageError

from cmeledger.importers.errors import ExtractionError

# Decompression-bomb guard: a 60-megapixel photo is already more than any certificate needs.
MAX_PIXELS = 60_000_000
# Longest side handed to OCR: about 300 dpi on a letter page.
OCR_LONG_SIDE = 3300


@contextmanager
def _decoding(source: str) -> Iterator[None]:
    """Every frame is decoded under the size guard, and every failure is one clear error."""
    previous = Image.MAX_IMAGE_PIXELS
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            yield
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ExtractionError(
            source,
            f"the image is larger than {MAX_PIXELS // 1_000_000} "
            "megapixels; scan at 300 dpi or less",
        ) from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError):
        raise ExtractionError(
            source, "the image is damaged or not a PNG/JPEG/TIFF; save it again as PNG or JPEG"
        ) from None
    finally:
        Image.MAX_IMAGE_PIXELS = previous


def load_images(data: bytes, source: str, *, max_frames: int) -> list[Image.Image]:
    """Every page of an image file (multi-page TIFF scans), each ready for OCR."""
    with _decoding(source):
        opened = Image.open(io.BytesIO(data))
        count = getattr(opened, "n_frames", 1)
        if count > max_frames:
            raise ExtractionError(
                source,
                f"the image has {count} pages; the limit is "
                f"{max_frames} (CMELEDGER_MAX_OCR_PAGES); split it",
            )
        frames = []
        for index in range(count):
            opened.seek(index)
            opened.load()
            frames.append(_prepared(opened))
        return frames


def load_image(data: bytes, source: str) -> Image.Image:
    """The first (usually only) page of an image file."""
    with _decoding(source):
        opened = Image.open(io.BytesIO(data))
        opened.load()
        return _prepared(opened)


def _prepared(opened: Image.Image) -> Image.Image:
    image: Image.Image = (ImageOps.exif_transpose(opened) or opened).convert("L")
    longest = max(image.size)
    if longest > OCR_LONG_SIDE:
        factor = OCR_LONG_SIDE / longest
        image = image.resize(
            (max(1, int(image.width * factor)), max(1, int(image.height * factor))),
            Image.Resampling.LANCZOS,
        )
    return image
