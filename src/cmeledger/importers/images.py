"""Photos and scans: decoded safely, turned upright, scaled to what OCR needs."""

from __future__ import annotations

import io
import warnings

from PIL import Image, ImageOps, UnidentifiedImageError

from cmeledger.importers.errors import ExtractionError

# Decompression-bomb guard: a 60-megapixel photo is already more than any certificate needs.
MAX_PIXELS = 60_000_000
# Longest side handed to OCR: about 300 dpi on a letter page.
OCR_LONG_SIDE = 3300


def load_image(data: bytes, source: str) -> Image.Image:
    previous = Image.MAX_IMAGE_PIXELS
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            opened = Image.open(io.BytesIO(data))
            opened.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ExtractionError(
            source,
            f"the image is larger than {MAX_PIXELS // 1_000_000} "
            "megapixels; scan at 300 dpi or less",
        ) from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        raise ExtractionError(
            source, "the image is damaged or not a PNG/JPEG; save it again as PNG or JPEG"
        ) from None
    finally:
        Image.MAX_IMAGE_PIXELS = previous
    image: Image.Image = (ImageOps.exif_transpose(opened) or opened).convert("L")
    longest = max(image.size)
    if longest > OCR_LONG_SIDE:
        factor = OCR_LONG_SIDE / longest
        image = image.resize(
            (max(1, int(image.width * factor)), max(1, int(image.height * factor))),
            Image.Resampling.LANCZOS,
        )
    return image
