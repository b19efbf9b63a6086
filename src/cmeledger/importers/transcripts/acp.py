"""American College of Physicians CME/MOC transcript.

Nothing public describes ACP's transcript layout, so this is the generic reader with
ACP-flavoured names: Activity / Product, Date Earned, CME Credits (AMA PRA Category 1) and
ABIM MOC Points with an optional MOC Type (Medical Knowledge, Practice Assessment, Patient
Safety). MKSAP titles are ACP's own self-assessment product (enduring, ACP as provider).
Fixtures in the tests are written from this guess; expect to adjust it when a real file
turns up.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace

from cmeledger.domain.activities import ActivityFormat
from cmeledger.domain.extraction import Extracted
from cmeledger.importers.credit_types import normalise
from cmeledger.importers.tables import Table
from cmeledger.importers.transcripts import engine
from cmeledger.importers.transcripts.columns import Typed, merged_aliases

NAME = "acp"
ACP = "American College of Physicians"
_MKSAP = re.compile(r"\bmksap\b", re.IGNORECASE)


def _finish(record: Extracted, ctx: engine.RowContext) -> Extracted:
    mksap = bool(_MKSAP.search(record.title or ""))
    if mksap and record.format is None:
        record = replace(record, format=ActivityFormat.ENDURING)
    if record.provider is not None:
        return record
    # An ACP transcript lists ACP activities; how sure that makes us depends on the evidence.
    named = "american college of physicians" in normalise(" ".join(ctx.table.preamble))
    confidence = 0.95 if mksap else 0.9 if named else 0.6
    return replace(
        record, provider=ACP, field_confidence={**record.field_confidence, "provider": confidence}
    )


PROFILE = engine.Profile(
    name=NAME,
    aliases=merged_aliases(
        {
            "title": {"product": 0.9, "activity": 1},
            "date": {"date earned": 1, "date submitted": 0.9},
            "moc_points": {"abim moc points": 1, "moc points": 1},
        }
    ),
    header_types={
        "cme credits": Typed("credit", "ama_pra_1", confidence=0.9),
        "cme": Typed("credit", "ama_pra_1", confidence=0.9),
    },
    default_credit=Typed("credit", "ama_pra_1", confidence=0.9),
    default_board="ABIM",
    header_markers=((r"\babim\b", 0.3), (r"\bmksap\b", 0.3), (r"\bacp\b", 0.2)),
    preamble_markers=((r"american college of physicians|\bacp\b", 0.5),),
    value_markers=((r"\bmksap\b", 0.3),),
    finish=_finish,
)


def score(table: Table) -> float:
    return engine.score(PROFILE, table)


def parse(table: Table, source: str, mapping: Mapping[str, str] | None = None) -> list[Extracted]:
    return engine.run(PROFILE, table, source, mapping)
