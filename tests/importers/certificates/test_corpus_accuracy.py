"""The extraction benchmark's accuracy, kept as a regression floor (not a timing test)."""

from __future__ import annotations

from pathlib import Path

from bench.extraction import FIELDS, score

from tests.corpus.certificates import generate
from tests.importers.conftest import requires_tesseract


def overall(tally: dict[str, int]) -> float:
    return sum(tally[f] for f in FIELDS) / (tally["units"] * len(FIELDS))


def test_text_pdfs_of_every_layout_are_read_at_least_97_percent_right(tmp_path: Path) -> None:
    tally, mistakes = score(generate(tmp_path, scans=False))
    assert tally["text"]["units"] >= 50
    assert overall(tally["text"]) >= 0.97, "\n".join(mistakes[:20])


@requires_tesseract
def test_a_sample_of_scans_is_read_at_least_90_percent_right(tmp_path: Path) -> None:
    scans = [f for f in generate(tmp_path, scans=True) if f.kind.startswith("scan")]
    sample = scans[::5]  # every fifth scan: both formats, tilted and turned pages
    tally, mistakes = score(sample)
    assert overall(tally["ocr"]) >= 0.90, "\n".join(mistakes[:20])
