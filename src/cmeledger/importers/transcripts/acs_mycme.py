"""American College of Surgeons MyCME transcript.

No public sample exists; the layout assumed here follows ACS's description of MyCME: Program
Name, Date Awarded, a "CME Credit" column and a separate "Self-Assessment Credit" column,
optionally Provider and a documentation flag. CME Credit is read as AMA PRA Category 1;
Self-Assessment Credit becomes ABS MOC self-assessment points (`moc_abs_sa`). Surgeons are
told to aggregate repeating activities by putting a date range in the program name
("Tumor Board 01/2024 - 06/2024"); such a range becomes the record's start and end.
Fixtures in the tests are written from this description.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from cmeledger.domain.extraction import DatePrecision, Extracted
from cmeledger.importers.tables import Table
from cmeledger.importers.transcripts import cells, engine
from cmeledger.importers.transcripts.columns import Typed, merged_aliases

NAME = "acs_mycme"
_CME = Typed("credit", "ama_pra_1", confidence=0.9)
_SA = Typed("moc", "moc_abs_sa", board="ABS")


def _finish(record: Extracted, ctx: engine.RowContext) -> Extracted:
    span = cells.date_range(record.title or "")
    if span is None or record.start_date is not None:
        return record
    return replace(record, start_date=span[0], end_date=span[1], date_precision=DatePrecision.RANGE)


PROFILE = engine.Profile(
    name=NAME,
    aliases=merged_aliases(
        {
            "title": {"program name": 1, "program": 1},
            "date": {"date awarded": 1},
            "amount": {"cme credit": 0, "cme credits": 0},  # typed columns, see below
        }
    ),
    header_types={
        "cme credit": _CME,
        "cme credits": _CME,
        "self assessment credit": _SA,
        "self assessment credits": _SA,
        "sa credit": _SA,
    },
    default_board="ABS",
    header_markers=(
        (r"date awarded", 0.2),
        (r"self assessment credit", 0.4),
        (r"program name", 0.1),
    ),
    preamble_markers=((r"american college of surgeons|\bmycme\b|\bacs\b", 0.5),),
    finish=_finish,
)


def score(table: Table) -> float:
    return engine.score(PROFILE, table)


def parse(table: Table, source: str, mapping: Mapping[str, str] | None = None) -> list[Extracted]:
    return engine.run(PROFILE, table, source, mapping)
