"""Transcript importers: one CSV/XLSX table of completions -> `Extracted` records.

Every importer module has `NAME`, `score(table)` (0..1, how sure it is the table is its
layout) and `parse(table, source, mapping=None)`. `parse_transcript` reads the file, picks
the best-scoring importer (or the one named), and returns every row or raises
`ExtractionError` — never part of a file.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from cmeledger.domain.extraction import Extracted
from cmeledger.importers.errors import ExtractionError
from cmeledger.importers.tables import Table, read_table
from cmeledger.importers.transcripts import (
    aafp,
    acoem,
    acp,
    acs_mycme,
    ama_edhub,
    cme_passport,
    generic,
    nccpa,
)

# Below this, a source-specific reader is a guess; the generic reader guesses more openly.
THRESHOLD = 0.6


@dataclass(frozen=True)
class Importer:
    name: str
    score: Callable[[Table], float]
    parse: Callable[[Table, str, Mapping[str, str] | None], list[Extracted]]


IMPORTERS: dict[str, Importer] = {
    imp.name: imp
    for imp in (
        Importer(cme_passport.NAME, cme_passport.score, cme_passport.parse),
        Importer(ama_edhub.NAME, ama_edhub.score, ama_edhub.parse),
        Importer(aafp.NAME, aafp.score, aafp.parse),
        Importer(acp.NAME, acp.score, acp.parse),
        Importer(acs_mycme.NAME, acs_mycme.score, acs_mycme.parse),
        Importer(acoem.NAME, acoem.score, acoem.parse),
        Importer(nccpa.NAME, nccpa.score, nccpa.parse),
        Importer(generic.NAME, generic.score, generic.parse),
    )
}


def choose_importer(table: Table) -> Importer:
    """The source-specific importer that recognises the table best, else the generic one."""
    scored = [(imp.score(table), imp) for imp in IMPORTERS.values() if imp.name != generic.NAME]
    best_score, best = max(scored, key=lambda pair: pair[0])
    return best if best_score >= THRESHOLD else IMPORTERS[generic.NAME]


def parse_transcript(
    source: str,
    data: bytes,
    *,
    importer: str | None = None,
    mapping: dict[str, str] | None = None,
) -> list[Extracted]:
    if importer is not None and importer not in IMPORTERS:
        raise ExtractionError(
            source, f"unknown importer {importer!r}; choose one of {', '.join(IMPORTERS)}"
        )
    table = read_table(source, data)
    chosen = IMPORTERS[importer] if importer else choose_importer(table)
    return chosen.parse(table, source, mapping)


__all__ = ["IMPORTERS", "THRESHOLD", "Importer", "choose_importer", "parse_transcript"]
