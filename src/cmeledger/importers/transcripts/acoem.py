"""ACOEM (American College of Occupational and Environmental Medicine) transcript.

No public sample exists; ACOEM's education center lists CME and MOC side by side and
submits MOC (LLSA) completions to ABPM. The layout assumed here: Course Title, Completion
Date, CME Credits and an ABPM MOC / LLSA column. ABPM is not one of the boards in our MOC
taxonomy (it is outside ACCME's CME-for-MOC collaboration), so its points are kept with
board "ABPM", no credit type, and a review reason. Fixtures in the tests are written from
this description.
"""

from __future__ import annotations

from collections.abc import Mapping

from cmeledger.domain.extraction import Extracted
from cmeledger.importers.tables import Table
from cmeledger.importers.transcripts import engine
from cmeledger.importers.transcripts.columns import Typed, merged_aliases

NAME = "acoem"
_CME = Typed("credit", "ama_pra_1", confidence=0.9)
_ABPM = Typed("moc", None, board="ABPM")

PROFILE = engine.Profile(
    name=NAME,
    aliases=merged_aliases({"amount": {"cme credits": 0, "cme hours": 0, "cme credit": 0}}),
    header_types={
        "cme credits": _CME,
        "cme credit": _CME,
        "cme hours": _CME,
        "llsa": _ABPM,
        "llsa credits": _ABPM,
        "moc credits": _ABPM,
        "moc points": _ABPM,
        "moc": _ABPM,
    },
    default_credit=_CME,
    default_board="ABPM",
    default_provider=("American College of Occupational and Environmental Medicine", 0.9),
    header_markers=((r"\babpm\b", 0.4), (r"\bllsa\b", 0.3)),
    preamble_markers=((r"\bacoem\b|occupational and environmental medicine", 0.5),),
)


def score(table: Table) -> float:
    return engine.score(PROFILE, table)


def parse(table: Table, source: str, mapping: Mapping[str, str] | None = None) -> list[Extracted]:
    return engine.run(PROFILE, table, source, mapping)
