"""`cmeledger rules list | show BOARD_ID`: what we know about each board, with sources."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from decimal import Decimal
from enum import Enum
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from cmeledger.cli.common import JsonOption, emit, out
from cmeledger.requirements import Rule, RuleVersion, all_rules, rule_for, version_in_force

rules_app = typer.Typer(
    help="Licence, board and DEA CME rules: what we know, with sources and confidence.",
    no_args_is_help=True,
)


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if k != "file"}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, date):
        return value.isoformat()
    return value


def _current(rule: Rule) -> RuleVersion:
    return version_in_force(rule, date.today()) or rule.versions[-1]  # noqa: DTZ011


def _hours(value: Decimal | None) -> str:
    return "?" if value is None else str(_plain(value))


def _cycle(version: RuleVersion) -> str:
    months = "?" if version.cycle.months is None else f"{version.cycle.months} mo"
    return f"{months} / {version.cycle.anchor.type.value}"


def _summary(rule: Rule) -> dict[str, Any]:
    version = _current(rule)
    return {
        "id": rule.id,
        "kind": rule.kind.value,
        "jurisdiction": rule.jurisdiction,
        "board_type": rule.board_type,
        "name": rule.name,
        "total_hours": _plain(version.total_hours),
        "cycle_months": version.cycle.months,
        "anchor": version.cycle.anchor.type.value,
        "confidence": rule.confidence.value,
        "uncertain_count": len(rule.uncertain),
    }


def _terms(version: RuleVersion) -> str:
    """The machine-readable terms, in words."""
    t = version.terms
    parts = []
    if t.first_renewal_exempt:
        parts.append("first renewal exempt")
    if t.prorate_by is not None:
        parts.append(f"first cycle pro-rated by {t.prorate_by.value.replace('_', '-')}")
    if t.carryover_max_hours is not None:
        parts.append(f"carryover up to {_hours(t.carryover_max_hours)} h")
    if t.moc_in_lieu_covers is not None:
        parts.append(f"board certification counts in lieu of {t.moc_in_lieu_covers.value}")
    if t.max_hours_per_day is not None:
        parts.append(f"at most {_hours(t.max_hours_per_day)} h per day")
    if t.max_hours_per_year is not None:
        parts.append(f"at most {_hours(t.max_hours_per_year)} h per year")
    return "; ".join(parts)


@rules_app.command("list")
def list_command(
    as_json: JsonOption = False,
    uncertain: Annotated[
        bool, typer.Option("--uncertain", help="Only boards with facts still marked uncertain.")
    ] = False,
) -> None:
    """One line per board: hours, cycle, confidence and how many facts are uncertain."""
    rules = [r for r in all_rules() if r.uncertain or not uncertain]
    rows = [_summary(r) for r in rules]

    def render() -> None:
        table = Table(
            "id",
            "kind",
            "jur.",
            "type",
            "hours",
            "cycle",
            "confidence",
            "uncertain",
            title=f"CME rules ({len(rows)})",
        )
        for row, rule in zip(rows, rules, strict=True):
            table.add_row(
                row["id"],
                row["kind"],
                row["jurisdiction"] or "—",
                row["board_type"] or "—",
                _hours(_current(rule).total_hours),
                _cycle(_current(rule)),
                row["confidence"],
                str(row["uncertain_count"]),
            )
        out.print(table)

    emit({"rules": rows}, as_json, render)


@rules_app.command("show")
def show_command(
    board_id: Annotated[str, typer.Argument(help="Board id, e.g. CA-MD, TX, ABIM, DEA-MATE.")],
    as_json: JsonOption = False,
) -> None:
    """Everything recorded for one board, with sources, checked date and uncertainties."""
    rule = rule_for(board_id)
    data = _plain(asdict(rule))

    def render() -> None:
        out.print(Text.assemble((rule.name, "bold"), f"  [{rule.id}]"))
        out.print(
            f"kind {rule.kind.value} · jurisdiction {rule.jurisdiction or '—'} · "
            f"board type {rule.board_type or '—'} · confidence {rule.confidence.value}"
        )
        for v in rule.versions:
            span = f"{v.effective_from or '…'} → {v.effective_to or 'open'}"
            table = Table("field", "value", title=f"Version {span}", show_header=False)
            table.add_row("cycle", f"{_cycle(v)}: {v.cycle.anchor.detail}")
            table.add_row("total hours", _hours(v.total_hours))
            for c in v.categories:
                limit = f" (max {_hours(c.max_hours)})" if c.max_hours is not None else ""
                table.add_row(
                    "category",
                    f"≥{_hours(c.min_hours)}{limit} of {', '.join(c.credit_types)}"
                    + (f" — {c.note}" if c.note else ""),
                )
            table.add_row("accepted", ", ".join(v.accepted_credit_types) or "—")
            if v.accepted_credit_note:
                table.add_row("accepted (as written)", v.accepted_credit_note)
            for t in v.topics:
                every = f" every {t.every_n} cycles" if t.every_n else ""
                table.add_row(
                    f"topic {t.topic}",
                    f"{_hours(t.hours)} h, {t.frequency.value}{every}; {t.applies_to} "
                    f"[binds: {t.audience.value}]" + (f" — {t.title}" if t.title else ""),
                )
            for label, value in (
                ("first renewal", v.first_renewal),
                ("pro-rating", v.prorating),
                ("carryover", v.carryover),
                ("MOC in lieu", v.moc_in_lieu),
                ("caps", v.caps),
            ):
                table.add_row(label, value or "?")
            applied = _terms(v)
            table.add_row("applied by the engine", applied or "nothing beyond hours and topics")
            for e in v.exemptions:
                table.add_row("exemption", e)
            out.print(table)
        out.print(f"Checked {rule.source_checked.isoformat()} ({rule.verification})")
        for s in rule.sources:
            out.print(f"  source: {s.url}" + (f" ({s.title})" if s.title else ""))
        for note in rule.notes:
            out.print(f"  note: {note}")
        for u in rule.uncertain:
            out.print(Text.assemble(("  uncertain:", "yellow"), f" {u}"))

    emit(data, as_json, render)
