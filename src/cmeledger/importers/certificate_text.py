"""Certificate text made regular: trademarks, ligatures, hyphenation, whitespace; pages split."""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Callable

_TRADEMARK = re.compile(
    r"\s*(?:™|®|\(TM\)|&trade;|\(R\))|(?<=Credits)\s*TM\b|(?<=Credit\(s\))"
    r"\s*TM\b|(?<=Credit)\s*TM\b|(?<=Credits\))\s*TM\b"
)
_QUOTES = str.maketrans(
    {
        "\u201c": '"',
        "\u201d": '"',
        "\u2018": "'",
        "\u2019": "'",
        "\u2013": "-",
        "\u2014": "-",
        "\u00a0": " ",
        "\u2009": " ",
        "\u200b": "",
    }
)


# Boilerplate typos seen on real certificates ("certifies tthat", "maxiumum"): the anchors
# the grammar relies on must survive them.
_TYPOS = tuple(
    (re.compile(rx, re.IGNORECASE), fix)
    for rx, fix in (
        (r"\bt+h+a+t+\b", "that"),
        (r"\bmaxi?u?i?mum\b", "maximum"),
        (r"\bpart?cipated\b", "participated"),
        (r"\baccredi?t?ed\b", "accredited"),
    )
)


def _fix_typos(text: str) -> str:
    for pattern, fix in _TYPOS:
        text = pattern.sub(_keeping_case(fix), text)
    return text


def _keeping_case(fix: str) -> Callable[[re.Match[str]], str]:
    return lambda m: _keep_case(m[0], fix)


def _keep_case(seen: str, fix: str) -> str:
    return fix.upper() if seen.isupper() else fix.capitalize() if seen[:1].isupper() else fix


def normalise(text: str) -> str:
    """Keep lines (layouts use them), fix what extraction and OCR commonly garble."""
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x0c", "\n")
    text = _TRADEMARK.sub("", text)
    text = re.sub(r"(\w)-\n(\w)", r"\1\2", text)  # hyphenated line breaks
    text = _fix_typos(text)
    # Table borders read by OCR become stray pipes at the ends of lines.
    lines = [re.sub(r"[ \t]+", " ", line).strip().strip("|").strip() for line in text.split("\n")]
    return "\n".join(lines).strip()


def repair_one_glyph_lines(text: str) -> str:
    """A broken text layer puts every glyph on its own line; stream order is still right."""
    lines = [line for line in text.split("\n") if line.strip()]
    if len(lines) < 20:
        return text
    short = sum(1 for line in lines if len(line.strip()) <= 1)
    if short / len(lines) < 0.6:
        return text
    return "".join(line if line.strip() else " " for line in text.split("\n"))


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


_ANCHORS = re.compile(
    r"\bcertif(?:y|ies)\s+that\b|\bThis\s+certifies\b|"
    r"\bStatement\s+of\s+(?:Participation|Completion)\b",
    re.IGNORECASE,
)


def split_units(page: str) -> list[str]:
    """Most pages hold one certificate; a few hold several one after another.

    Anchors within a few lines of each other belong to one certificate (a heading and its
    "certifies that" line); each further certificate starts two lines above its anchor, where
    its heading and provider name sit.
    """
    lines = page.split("\n")
    groups: list[int] = []
    for i, line in enumerate(lines):
        if _ANCHORS.search(line) and (not groups or i - groups[-1] > 6):
            groups.append(i)
    if len(groups) <= 1:
        return [page]
    starts = [0] + [max(prev + 1, g - 2) for prev, g in itertools.pairwise(groups)]
    bounds = [*starts, len(lines)]
    return ["\n".join(lines[a:b]) for a, b in itertools.pairwise(bounds)]
