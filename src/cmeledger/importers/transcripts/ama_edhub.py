"""AMA Ed Hub (and JN Learning) transcript.

No public sample of an Ed Hub transcript export exists; the layout assumed here mirrors the
label-value fields of real Ed Hub certificates: Activity Title, Completion Date, Credit Type
("AMA PRA Category 1 Credit(s)™"), Credits Claimed, Accredited Provider (American Medical
Association) and Format ("Journal-based CME activity", "Enduring material", …), under a
title line naming the learner. Fixtures in the tests are written from this description.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from cmeledger.domain.extraction import Extracted
from cmeledger.importers.tables import Table
from cmeledger.importers.transcripts import engine
from cmeledger.importers.transcripts.columns import Typed, merged_aliases

NAME = "ama_edhub"
AMA = "American Medical Association"


def _finish(record: Extracted, ctx: engine.RowContext) -> Extracted:
    if record.accredited_provider is None and record.provider == AMA:
        return replace(record, accredited_provider=AMA)
    return record


PROFILE = engine.Profile(
    name=NAME,
    aliases=merged_aliases(
        {
            "amount": {"credits claimed": 1, "credits hours of participation": 1},
            "format": {"format": 1, "activity type": 1},
        }
    ),
    # Ed Hub's own activities are designated for AMA PRA Category 1 by the AMA.
    default_credit=Typed("credit", "ama_pra_1", confidence=0.9),
    default_provider=(AMA, 0.8),
    header_markers=(
        (r"credits claimed", 0.15),
        (r"accredited provider", 0.1),
        (r"\bformat\b", 0.05),
        (r"\bed ?hub\b|\bjn learning\b", 0.3),
    ),
    preamble_markers=(
        (r"\bed ?hub\b", 0.5),
        (r"\bjama\b|\bjn learning\b", 0.3),
        (r"american medical association", 0.2),
    ),
    finish=_finish,
)


def score(table: Table) -> float:
    return engine.score(PROFILE, table)


def parse(table: Table, source: str, mapping: Mapping[str, str] | None = None) -> list[Extracted]:
    return engine.run(PROFILE, table, source, mapping)
