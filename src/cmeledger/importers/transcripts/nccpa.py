"""NCCPA PA Portal CME log (physician assistants).

No public export sample exists; the fields follow NCCPA's logging form: Activity Start
Date, optional Activity End Date, Credits Logged, Activity Title, Sponsor, Provider (a pick
list of approving bodies such as AAPA or ACCME), Category 1 / Category 2 and the
certification cycle. "Category 1/2" here means AAPA Category 1/2. The completion date is
the end date, or the start date when there is none. Credit split across cycles is not
modelled. Fixtures in the tests are written from this description.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace

from cmeledger.domain.extraction import Extracted
from cmeledger.importers.tables import Table
from cmeledger.importers.transcripts import engine
from cmeledger.importers.transcripts.columns import merged_aliases

NAME = "nccpa"
# NCCPA's "Provider" pick list names the body that approved the credit, not the organiser.
_ACCREDITORS = re.compile(
    r"^(aapa|accme|ama|aafp|aoa|acep|acog|ancc|american academy of (pas|physician assistants))$",
    re.IGNORECASE,
)


def _finish(record: Extracted, ctx: engine.RowContext) -> Extracted:
    body = record.accredited_provider
    if body is None or not _ACCREDITORS.match(body.strip()):
        return record
    provider = None if record.provider == body else record.provider
    confidence = (
        record.field_confidence if provider else {**record.field_confidence, "provider": 0.0}
    )
    return replace(
        record,
        provider=provider,
        accredited_provider=None,
        accreditors=(body.strip(),),
        field_confidence=confidence,
    )


PROFILE = engine.Profile(
    name=NAME,
    aliases=merged_aliases(
        {
            "provider": {"sponsor": 1, "provider": 0},
            "accredited_provider": {"provider": 1},
            "credit_type": {"category": 1, "cme category": 1, "credit category": 1},
            "cycle": {"cycle": 1, "certification cycle": 1},
        }
    ),
    system="AAPA",
    header_markers=(
        (r"credits logged", 0.4),
        (r"activity start date", 0.2),
        (r"\bsponsor\b", 0.05),
        (r"\bcycle\b", 0.05),
    ),
    preamble_markers=((r"\bnccpa\b|\bpa portal\b|\baapa\b", 0.5),),
    finish=_finish,
)


def score(table: Table) -> float:
    return engine.score(PROFILE, table)


def parse(table: Table, source: str, mapping: Mapping[str, str] | None = None) -> list[Extracted]:
    return engine.run(PROFILE, table, source, mapping)
