"""Any CSV or XLSX transcript: institutional portals (CloudCME, EthosCE, CE Broker), society
trackers, home-made spreadsheets.

Columns are recognised by their usual names (title / activity / course, provider / sponsor /
organization, date / completed / completion date / date awarded, credits / hours / amount,
credit type / category, topic, format, activity ID, MOC board / points), or by a header that
names a credit type itself ("AMA PRA Category 1 Credits", "Prescribed"). `--map
column=field` overrides the guess; a mapped column is read with full confidence.
"""

from __future__ import annotations

from collections.abc import Mapping

from cmeledger.domain.extraction import Extracted
from cmeledger.importers.tables import Table
from cmeledger.importers.transcripts import engine
from cmeledger.importers.transcripts.columns import BASE_ALIASES

NAME = "generic"
PROFILE = engine.Profile(name=NAME, aliases=BASE_ALIASES, base_score=0.5)


def score(table: Table) -> float:
    return engine.score(PROFILE, table)


def parse(table: Table, source: str, mapping: Mapping[str, str] | None = None) -> list[Extracted]:
    return engine.run(PROFILE, table, source, mapping)
