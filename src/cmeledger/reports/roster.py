"""An organisation's roster as CSV: one row per physician and obligation."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from decimal import Decimal

from cmeledger.actions.roster import Roster, RosterRow

CSV_COLUMNS = (
    "physician_id",
    "last_name",
    "first_name",
    "npi",
    "email",
    "obligation_id",
    "obligation",
    "kind",
    "due_date",
    "status",
    "required_hours",
    "counted_hours",
    "remaining_hours",
    "as_of",
)


def _number(value: Decimal | None) -> str:
    return "" if value is None else str(value)


def _neutralise(value: str) -> str:
    """Spreadsheets run cells that start with = + - @ as formulas; names come from outside."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def roster_lines(roster: Roster) -> Iterator[dict[str, str]]:
    for row in roster.rows:
        yield _line(row, roster)


def _line(row: RosterRow, roster: Roster) -> dict[str, str]:
    return {
        "physician_id": str(row.physician_id),
        "last_name": row.last_name,
        "first_name": row.first_name,
        "npi": row.npi or "",
        "email": row.email or "",
        "obligation_id": row.obligation_id or "",
        "obligation": row.obligation or "",
        "kind": row.kind or "",
        "due_date": "" if row.due_date is None else row.due_date.isoformat(),
        "status": "" if row.status is None else row.status.value,
        "required_hours": _number(row.required_hours),
        "counted_hours": _number(row.counted_hours),
        "remaining_hours": _number(row.remaining_hours),
        "as_of": roster.as_of.isoformat(),
    }


def to_csv(roster: Roster) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for line in roster_lines(roster):
        writer.writerow({k: _neutralise(v) for k, v in line.items()})
    return out.getvalue()
