"""ACCME CME Passport learner transcript.

No public sample of a Passport export exists. The layout assumed here follows ACCME's own
field descriptions (the draft PARS learner-transcript schema: `ModuleName` + 9-digit
`moduleID`, `ProviderOrganization`, `CompletedDateTime`, `CreditCertificate` with
`activityCertification` and `numberOfCredits`, MOC by `boardName`): one row per credit type
earned, with the learner and licence state(s) either in title lines above the table or in
columns. Rows of the same activity, date and ID are merged into one completion. The test
fixtures are written from this description, not copied from a real file.

Licence states are read past: a completion record has no place for them.
"""

from __future__ import annotations

from collections.abc import Mapping

from cmeledger.domain.extraction import Extracted
from cmeledger.importers.tables import Table
from cmeledger.importers.transcripts import engine
from cmeledger.importers.transcripts.columns import merged_aliases

NAME = "cme_passport"
PROFILE = engine.Profile(
    name=NAME,
    aliases=merged_aliases(
        {
            "title": {"module name": 1, "activity title": 1},
            "provider": {"provider organization": 1, "reporting organization": 1},
            "date": {"completed date time": 1, "completion date time": 1},
            "credit_type": {"activity certification": 1, "credit type": 1},
            "amount": {"number of credits": 1, "credits": 1},
            "moc_type": {"moc credit type": 1, "board credit type": 1},
            "licensure": {
                "licensure": 1,
                "licensure states": 1,
                "license states": 1,
                "licence states": 1,
                "license state": 1,
                "licence state": 1,
                "state licensure": 1,
                "licensure state": 1,
            },
        }
    ),
    header_markers=(
        (r"accme activity id|module id", 0.4),
        (r"\blicen[cs]|\blicensure\b", 0.2),
        (r"moc board", 0.1),
    ),
    preamble_markers=((r"cme passport", 0.5), (r"\baccme\b", 0.2)),
    merge_rows=True,
)


def score(table: Table) -> float:
    return engine.score(PROFILE, table)


def parse(table: Table, source: str, mapping: Mapping[str, str] | None = None) -> list[Extracted]:
    return engine.run(PROFILE, table, source, mapping)
