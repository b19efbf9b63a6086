"""The audit packet's pages as HTML (Jinja2, autoescaped): report, document index, images.

Titles, providers and file names come from certificates and uploads, so every value goes
through autoescaping; the PDF renderer is also given a fetcher that loads nothing but the
`data:` images this module puts in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path
from uuid import UUID

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from cmeledger.actions.audit_packet import (
    MAX_APPENDED_BYTES,
    MAX_APPENDED_DOCUMENTS,
    Evidence,
    PacketData,
)
from cmeledger.domain.activities import Completion
from cmeledger.domain.compliance import Status
from cmeledger.reports.labels import category_label, credit_label, topic_label

TEMPLATES = Path(__file__).with_name("templates")

_STATUS = {
    Status.MET: "Met",
    Status.ON_TRACK: "On track",
    Status.AT_RISK: "At risk",
    Status.OVERDUE: "Overdue",
    Status.NOT_APPLICABLE: "Not applicable",
}


# A summary's "how it was counted" lines; a long ledger would otherwise print one line per
# credit under every licence.
MAX_EXPLANATION_LINES = 40
_NOT_COUNTED = "not counted:"


@dataclass(frozen=True, slots=True)
class Explained:
    lines: tuple[str, ...]
    omitted: str | None


@dataclass(frozen=True, slots=True)
class IndexEntry:
    evidence: Evidence
    start_page: int | None  # None: listed, not appended
    pages: int
    note: str | None  # why it is not appended


def hours(value: Decimal | None) -> str:
    if value is None:
        return ""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text or "0"


def day(value: date | None) -> str:
    return "" if value is None else f"{value.day} {value:%b %Y}"


def stamp(value: datetime) -> str:
    return f"{day(value.astimezone(UTC).date())}, {value.astimezone(UTC):%H:%M} UTC"


def explained(explanation: tuple[str, ...]) -> Explained:
    """The lines that say what counted; credits that did not count are summed up, not listed
    (the credit table shows every credit)."""
    kept = [line for line in explanation if not line.startswith(_NOT_COUNTED)]
    skipped = len(explanation) - len(kept)
    notes = []
    if len(kept) > MAX_EXPLANATION_LINES:
        notes.append(f"{len(kept) - MAX_EXPLANATION_LINES} more lines of detail not shown")
        kept = kept[:MAX_EXPLANATION_LINES]
    if skipped:
        notes.append(
            f"{skipped} {'credit' if skipped == 1 else 'credits'} in the table did not count "
            "toward this requirement (outside its window, or a credit type it does not accept)"
        )
    return Explained(tuple(kept), "; ".join(notes) or None)


def size(value: int) -> str:
    if value < 1024 * 1024:
        return f"{max(1, round(value / 1024))} KB"
    return f"{value / (1024 * 1024):.1f} MB"


@cache
def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        hours=hours,
        day=day,
        stamp=stamp,
        credit=credit_label,
        category=category_label,
        topic=topic_label,
        size=size,
        explained=explained,
        status=lambda status: _STATUS.get(status, str(status)),
    )
    return env


@cache
def stylesheet() -> str:
    return (TEMPLATES / "packet.css").read_text(encoding="utf-8")


def display_name(data: PacketData) -> str:
    return data.physician.display_name


def _scope_label(data: PacketData) -> str:
    labels = [f"{x.jurisdiction} {x.board_type.value} licence" for x in data.licenses]
    labels += [f"{c.board} certification" for c in data.certifications]
    labels += ["DEA registration" for _ in data.dea]
    return ", ".join(labels) or str(data.license_id)


def report_html(data: PacketData) -> str:
    """Cover, per-credential summaries and the credit table."""
    appendable = len(data.appendable)
    return (
        _environment()
        .get_template("packet.html")
        .render(
            data=data,
            name=display_name(data),
            scope_label=_scope_label(data),
            evidence={e.document.sha256: e for e in data.evidence},
            appendable=appendable,
            listed=len(data.evidence) - appendable,
        )
    )


def index_html(
    data: PacketData,
    entries: list[IndexEntry],
    *,
    report_pages: int,
    index_pages: int,
    appended_pages: int,
) -> str:
    """The document index; its page numbers continue the report's."""
    by_id: dict[UUID, Completion] = {c.id: c for c in data.credits.completions}
    return (
        _environment()
        .get_template("index.html")
        .render(
            name=display_name(data),
            as_of=data.as_of,
            entries=entries,
            credits=by_id,
            first_page=report_pages + 1,
            report_pages=report_pages,
            index_pages=index_pages,
            appended_pages=appended_pages,
            total_pages=report_pages + index_pages + appended_pages,
            withheld=sum(1 for e in entries if e.evidence.withheld),
            max_documents=MAX_APPENDED_DOCUMENTS,
            max_mb=MAX_APPENDED_BYTES // (1024 * 1024),
        )
    )


def image_html(evidence: Evidence, frames: list[str], failure: str | None = None) -> str:
    """One page per image (`frames` are data: URIs), captioned with its appendix item; with
    `failure`, as many pages saying why the document could not be reproduced."""
    return (
        _environment()
        .get_template("image.html")
        .render(evidence=evidence, frames=frames, failure=failure)
    )
