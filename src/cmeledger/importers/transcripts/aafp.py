"""AAFP member CME transcript.

No public sample exists; the layout assumed here follows AAFP's published credit rules and
transcript description: one line per activity with Date, Activity, Sponsor, credit type
Prescribed or Elective (either as a "Credit Type" column or as separate Prescribed /
Elective amount columns), Live or Enduring, and the amount in quarter hours; totals lines
at the foot. Fixtures in the tests are written from this description.

AAFP rules applied: amounts not on a quarter-hour step are rounded down (7.33 -> 7.25) and
flagged; an amount above the approved maximum is capped (11 -> 10.75 approved); generic
titles starting "Formal Activity" are flagged so a person can name the real activity.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace

from cmeledger.domain.extraction import Extracted
from cmeledger.importers.tables import Table
from cmeledger.importers.transcripts import engine
from cmeledger.importers.transcripts.columns import merged_aliases

NAME = "aafp"
_GENERIC_TITLE = re.compile(r"\s*formal\s+(activity|learning|cme)\b", re.IGNORECASE)


def _finish(record: Extracted, ctx: engine.RowContext) -> Extracted:
    title = record.title or ""
    if not _GENERIC_TITLE.match(title):
        return record
    confidence = {**record.field_confidence, "title": 0.6}
    return replace(record, field_confidence=confidence).with_reason(
        f"generic AAFP title {title!r}; add the activity's real name if you know it"
    )


PROFILE = engine.Profile(
    name=NAME,
    aliases=merged_aliases(
        {
            "credit_type": {"prescribed elective": 1, "prescribed or elective": 1, "type": 1},
            "format": {"live enduring": 1, "live or enduring": 1, "live": 0.9},
            "designated": {"approved credits": 1, "approved for": 1, "credits approved": 1},
        }
    ),
    system="AAFP",
    round_to_step=True,
    header_markers=(
        (r"\bprescribed\b", 0.4),
        (r"\belective\b", 0.2),
        (r"\baafp\b", 0.3),
        (r"live (or )?enduring", 0.2),
    ),
    preamble_markers=((r"american academy of family physicians|\baafp\b", 0.5),),
    value_markers=((r"(?:^|\| )(?:aafp )?(?:prescribed|elective)(?: \||$)", 0.4),),
    finish=_finish,
)


def score(table: Table) -> float:
    return engine.score(PROFILE, table)


def parse(table: Table, source: str, mapping: Mapping[str, str] | None = None) -> list[Extracted]:
    return engine.run(PROFILE, table, source, mapping)
