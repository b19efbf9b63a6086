"""The ledger as CSV or JSON: one row per credit line, with the activity and provenance."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Any

from cmeledger.actions.credits import LedgerView
from cmeledger.domain.credit_taxonomy import credit_type

CSV_COLUMNS = (
    "completion_id",
    "completed_on",
    "title",
    "provider",
    "accredited_provider",
    "format",
    "credit_type",
    "credit_label",
    "amount",
    "topics",
    "sources",
    "document_sha256",
)


def credit_lines(view: LedgerView) -> Iterator[dict[str, str]]:
    for completion in view.completions:
        activity = completion.activity
        sources = ";".join(sorted({p.source_kind.value for p in completion.provenance}))
        docs = ";".join(
            sorted({p.document_sha256 for p in completion.provenance if p.document_sha256})
        )
        for claim in completion.credits:
            yield {
                "completion_id": str(completion.id),
                "completed_on": completion.completed_on.isoformat(),
                "title": activity.title,
                "provider": activity.provider,
                "accredited_provider": activity.accredited_provider or "",
                "format": activity.format.value,
                "credit_type": claim.type_code,
                "credit_label": credit_type(claim.type_code).label,
                "amount": str(claim.amount),
                "topics": ";".join(completion.topics),
                "sources": sources,
                "document_sha256": docs,
            }


def _neutralise(value: str) -> str:
    """Spreadsheets run cells that start with = + - @ as formulas; titles come from outside."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def to_csv(view: LedgerView) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for line in credit_lines(view):
        writer.writerow({k: _neutralise(v) for k, v in line.items()})
    return out.getvalue()


def view_as_dict(view: LedgerView) -> dict[str, Any]:
    return {
        "physician_id": str(view.physician_id),
        "totals": {code: str(amount) for code, amount in view.totals.items()},
        "completions": [
            {
                "id": str(c.id),
                "completed_on": c.completed_on.isoformat(),
                "activity": {
                    "id": str(c.activity.id),
                    "title": c.activity.title,
                    "provider": c.activity.provider,
                    "accredited_provider": c.activity.accredited_provider,
                    "format": c.activity.format.value,
                    "accme_activity_id": c.activity.accme_activity_id,
                },
                "credits": [
                    {"type": cl.type_code, "amount": str(cl.amount), "role": cl.role.value}
                    for cl in c.credits
                ],
                "topics": list(c.topics),
                "provenance": [
                    {
                        "source_kind": p.source_kind.value,
                        "method": p.method,
                        "confidence": str(p.confidence),
                        "document_sha256": p.document_sha256,
                        "page": p.page,
                    }
                    for p in c.provenance
                ],
            }
            for c in view.completions
        ],
    }


def to_json(view: LedgerView) -> str:
    return json.dumps(view_as_dict(view), indent=2)
