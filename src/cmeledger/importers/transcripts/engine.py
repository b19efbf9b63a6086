"""The shared row reader: a `Profile` says how one source names things, `run` does the rest.

Reading is transactional per file: every row is read, every problem is collected, and if
there is any, the whole file fails with the first problems named by row and column. A
transcript is a statement of record; importing part of one would leave silent gaps.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date

from cmeledger.domain.activities import SourceKind
from cmeledger.domain.extraction import DatePrecision, Extracted, TopicEvidence
from cmeledger.importers.credit_types import format_from_text, normalise
from cmeledger.importers.errors import ExtractionError
from cmeledger.importers.tables import Table
from cmeledger.importers.transcripts import cells
from cmeledger.importers.transcripts.amounts import AmountReader
from cmeledger.importers.transcripts.columns import Aliases, Columns, Typed, resolve
from cmeledger.importers.transcripts.records import merge_rows

Finish = Callable[[Extracted, "RowContext"], Extracted]


@dataclass(frozen=True)
class Profile:
    name: str
    aliases: Mapping[str, Aliases]
    header_types: Mapping[str, Typed] = field(default_factory=dict)
    system: str | None = None  # whose labels these are, for "Category 1" and the like
    default_credit: Typed | None = None  # for an amount column that names no type
    default_board: str | None = None  # for MOC points that name no board
    default_provider: tuple[str, float] | None = None
    header_markers: tuple[tuple[str, float], ...] = ()
    preamble_markers: tuple[tuple[str, float], ...] = ()
    value_markers: tuple[tuple[str, float], ...] = ()
    base_score: float = 0.3
    round_to_step: bool = False  # AAFP counts quarter hours, rounded down
    merge_rows: bool = False  # one row per credit type of the same completion
    finish: Finish | None = None


@dataclass(frozen=True)
class RowContext:
    row: dict[str, str]
    number: int
    table: Table
    columns: Columns

    def cell(self, name: str) -> str:
        col = self.columns.get(name)
        return self.row.get(col.header, "") if col else ""


class RowError(Exception):
    def __init__(self, column: str | None, problem: str) -> None:
        super().__init__(problem)
        self.column = column
        self.problem = problem


def score(profile: Profile, table: Table) -> float:
    """How sure we are that `table` is this profile's layout, from its headers and title lines."""
    cols = resolve(table.headers, profile.aliases, profile.header_types, profile.system)
    core = "title" in cols.fields and cols.has_date() and cols.has_amounts()
    heads = " | ".join(normalise(h) for h in table.headers)
    pre = normalise(" ".join(table.preamble))
    values = " | ".join(normalise(v) for row in table.rows[:20] for v in row.values())
    hints = sum(w for p, w in profile.header_markers if re.search(p, heads))
    hints += sum(w for p, w in profile.preamble_markers if re.search(p, pre))
    hints += sum(w for p, w in profile.value_markers if re.search(p, values))
    if not core:
        return round(min(0.3, hints / 2), 3)
    return round(min(1.0, profile.base_score + hints), 3)


def run(
    profile: Profile, table: Table, source: str, mapping: Mapping[str, str] | None = None
) -> list[Extracted]:
    cols = resolve(
        table.headers, profile.aliases, profile.header_types, profile.system, mapping, source
    )
    _require(cols, table, source)
    records: list[Extracted] = []
    problems: list[str] = []
    for index, row in enumerate(table.rows):
        ctx = RowContext(row, table.row_number(index), table, cols)
        try:
            record = _read_row(profile, ctx, source)
        except RowError as p:
            where = f"row {ctx.number}" + (f", column {p.column!r}" if p.column else "")
            problems.append(f"{where}: {p.problem}")
            continue
        records.append(profile.finish(record, ctx) if profile.finish else record)
    if problems:
        more = f" (and {len(problems) - 3} more rows)" if len(problems) > 3 else ""
        raise ExtractionError(
            source,
            "; ".join(problems[:3])
            + more
            + "; nothing was imported from this file — correct it and import it again",
        )
    return merge_rows(records) if profile.merge_rows else records


def _require(cols: Columns, table: Table, source: str) -> None:
    needs = {"title": "activity title", "date": "completion date", "amount": "credits"}
    have = {"title": "title" in cols.fields, "date": cols.has_date(), "amount": cols.has_amounts()}
    missing = [name for name in needs if not have[name]]
    if missing:
        found = ", ".join(repr(h) for h in table.headers)
        raise ExtractionError(
            source,
            f"no column for the {' or '.join(needs[m] for m in missing)}; the columns are "
            f"{found} — name the right one with --map 'COLUMN={missing[0]}'",
        )


def _read(ctx: RowContext, name: str, reader: Callable[[str], object]) -> object:
    col = ctx.columns.get(name)
    if col is None:
        return None
    try:
        return reader(ctx.row.get(col.header, ""))
    except cells.CellError as exc:
        raise RowError(col.header, str(exc)) from None


@dataclass(frozen=True)
class _Dates:
    completion: date
    precision: DatePrecision
    start: date | None
    end: date | None
    confidence: float


def _dates(ctx: RowContext, reasons: list[str]) -> _Dates:
    workbook = ctx.table.method == "xlsx"

    def reader(text: str) -> cells.DateRead | None:
        return cells.read_date(text, workbook=workbook)

    read = {n: _read(ctx, n, reader) for n in ("date", "start_date", "end_date")}
    chosen = next((n for n in ("date", "end_date", "start_date") if read[n] is not None), None)
    if chosen is None:
        header = next(
            c.header for n in ("date", "end_date", "start_date") if (c := ctx.columns.get(n))
        )
        raise RowError(header, "no date; every row needs the date the activity was completed")
    got = read[chosen]
    assert isinstance(got, cells.DateRead)
    start = read["start_date"].value if isinstance(read["start_date"], cells.DateRead) else None
    end = read["end_date"].value if isinstance(read["end_date"], cells.DateRead) else None
    start, end = got.start or start, got.end or end
    if start and end and end < start:
        raise RowError(None, f"the activity ends ({end}) before it starts ({start})")
    if got.precision is DatePrecision.MONTH:
        reasons.append(f"completion date {ctx.cell(chosen)!r} names only the month; check the day")
    col = ctx.columns.get(chosen)
    return _Dates(got.value, got.precision, start, end, col.confidence if col else 0.0)


def _read_row(profile: Profile, ctx: RowContext, source: str) -> Extracted:
    title_col = ctx.columns.get("title")
    assert title_col is not None
    title = ctx.cell("title")
    if cells.is_blank(title):
        raise RowError(title_col.header, "empty; every row needs the activity's title")
    reasons: list[str] = []
    dates = _dates(ctx, reasons)
    amounts = AmountReader(
        system=profile.system,
        header_types=profile.header_types,
        default_credit=profile.default_credit,
        default_board=profile.default_board,
        round_to_step=profile.round_to_step,
    )
    try:
        credits, moc, credit_conf = amounts.read(ctx.row, ctx.columns, reasons)
    except cells.CellError as exc:
        raise RowError(amounts.column, str(exc)) from None
    if not credits and not moc:
        heads = [h for h, _ in ctx.columns.wide] + [
            c.header for n in ("amount", "moc_points") if (c := ctx.columns.get(n))
        ]
        raise RowError(None, f"no credit amount in {', '.join(map(repr, heads))}")
    confidence = {
        "title": title_col.confidence,
        "completion_date": dates.confidence,
        "credits": credit_conf,
    }
    provider, accredited = _providers(profile, ctx, confidence)
    learner = _learner(ctx, confidence)
    return Extracted(
        source_file=source,
        source_kind=SourceKind.TRANSCRIPT,
        method=ctx.table.method,
        page=None,
        learner_name=learner,
        provider=provider,
        accredited_provider=accredited,
        title=title,
        format=format_from_text(ctx.cell("format")),
        credits=credits,
        moc=moc,
        topics=_topics(ctx, reasons),
        accme_activity_id=_activity_id(ctx, reasons),
        completion_date=dates.completion,
        date_precision=dates.precision,
        start_date=dates.start,
        end_date=dates.end,
        field_confidence=confidence,
        review_reasons=tuple(dict.fromkeys(reasons)),
    )


def _providers(
    profile: Profile, ctx: RowContext, confidence: dict[str, float]
) -> tuple[str | None, str | None]:
    provider = ctx.cell("provider")
    accredited = (
        None if cells.is_blank(ctx.cell("accredited_provider")) else ctx.cell("accredited_provider")
    )
    if not cells.is_blank(provider):
        col = ctx.columns.get("provider")
        confidence["provider"] = col.confidence if col else 0.0
        return provider, accredited
    if accredited:
        col = ctx.columns.get("accredited_provider")
        confidence["provider"] = col.confidence if col else 0.0
        return accredited, accredited
    if profile.default_provider:
        name, conf = profile.default_provider
        confidence["provider"] = conf
        return name, accredited
    confidence["provider"] = 0.0
    return None, accredited


def _learner(ctx: RowContext, confidence: dict[str, float]) -> str | None:
    name = ctx.cell("learner") or " ".join(
        p for p in (ctx.cell("first_name"), ctx.cell("last_name")) if p
    )
    if name and (clean := cells.clean_name(name)):
        confidence["learner_name"] = 1.0
        return clean
    found = cells.learner_from_preamble(ctx.table.preamble)
    if found:
        confidence["learner_name"] = found[1]
        return found[0]
    return None


def _topics(ctx: RowContext, reasons: list[str]) -> tuple[TopicEvidence, ...]:
    text = ctx.cell("topic")
    if cells.is_blank(text):
        return ()
    tags, bad = cells.read_topics(text)
    reasons.extend(f"topic {b!r} is not a tag we can use; add the topic by hand" for b in bad)
    col = ctx.columns.get("topic")
    evidence = f"column {col.header if col else 'topic'!r}: {text}"
    return tuple(TopicEvidence(tag, evidence) for tag in tags)


def _activity_id(ctx: RowContext, reasons: list[str]) -> str | None:
    text = ctx.cell("accme_activity_id")
    if cells.is_blank(text):
        return None
    found = cells.read_activity_id(text)
    if found is None:
        reasons.append(f"activity ID {text!r} is not a 9-digit ACCME activity ID")
    return found
