"""The whole ledger as CSV (one row per credit line) or JSON, downloaded as a file.

Each export is recorded in the audit log, as the CLI's `export` does.
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from fastapi.responses import Response

from cmeledger.actions.credits import LedgerView, ledger_view
from cmeledger.api.auth import Caller, CallerDep
from cmeledger.api.context import API_PREFIX
from cmeledger.api.schemas_common import READ, CsvResponse, PhysicianId, binary, problems
from cmeledger.audit import events
from cmeledger.reports.export import to_csv, to_json

router = APIRouter(prefix=API_PREFIX, tags=["exports"])


def _exported(caller: Caller, physician_id: PhysicianId, fmt: Literal["csv", "json"]) -> str:
    with caller.ledger() as ledger:
        view: LedgerView = ledger_view(ledger, physician_id)
        text = to_csv(view) if fmt == "csv" else to_json(view) + "\n"
        ledger.audit.record(
            events.LEDGER_EXPORTED,
            "physician",
            physician_id,
            physician_id=physician_id,
            format=fmt,
            completions=len(view.completions),
        )
    return text


def _attachment(physician_id: PhysicianId, ext: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="cme-ledger-{physician_id}.{ext}"'}


@router.get(
    "/physicians/{physician_id}/export.csv",
    response_class=CsvResponse,
    responses={200: binary(("text/csv",), "one row per credit line"), **problems(*READ)},
)
def export_csv(physician_id: PhysicianId, caller: CallerDep) -> CsvResponse:
    """For spreadsheets; cells that a spreadsheet would run as formulas are neutralised."""
    return CsvResponse(
        _exported(caller, physician_id, "csv"),
        media_type="text/csv; charset=utf-8",
        headers=_attachment(physician_id, "csv"),
    )


@router.get(
    "/physicians/{physician_id}/export.json",
    response_class=Response,
    responses={
        200: {
            "description": "every completion with its credits, topics and provenance",
            "content": {"application/json": {"schema": {"type": "object"}}},
        },
        **problems(*READ),
    },
)
def export_json(physician_id: PhysicianId, caller: CallerDep) -> Response:
    return Response(
        _exported(caller, physician_id, "json"),
        media_type="application/json",
        headers=_attachment(physician_id, "json"),
    )
