"""The audit packet: one PDF a physician hands to a state board or an auditor."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import IO, Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse
from starlette.background import BackgroundTask

from cmeledger.actions.audit_packet import gather_audit_packet
from cmeledger.api.auth import CallerDep
from cmeledger.api.context import API_PREFIX
from cmeledger.api.problems import PROBLEM
from cmeledger.api.schemas_common import in_range
from cmeledger.reports.audit_packet import packet_filename, write_packet

router = APIRouter(prefix=API_PREFIX, tags=["exports"])

_CHUNK = 1 << 16
_PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
    },
    "required": ["type", "title", "status", "detail"],
}


def _problem(description: str) -> dict[str, Any]:
    return {"description": description, "content": {PROBLEM: {"schema": _PROBLEM_SCHEMA}}}


def _chunks(stream: IO[bytes]) -> Iterator[bytes]:
    stream.seek(0)
    while chunk := stream.read(_CHUNK):
        yield chunk


@router.get(
    "/physicians/{physician_id}/audit-packet.pdf",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "The packet: summary, credit table, index and every certificate",
            "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
        },
        401: _problem("Not signed in"),
        404: _problem("No such physician in the caller's reach, or no such licence"),
        422: _problem("A parameter is not valid"),
    },
)
def audit_packet(
    physician_id: UUID,
    caller: CallerDep,
    as_of: Annotated[
        date | None,
        Query(description="Status date, YYYY-MM-DD, 1900 to 2199 (default: today, UTC)"),
    ] = None,
    license: Annotated[
        UUID | None,
        Query(description="Limit to one licence, board certification or DEA registration"),
    ] = None,
) -> StreamingResponse:
    """A PDF for a state board or an auditor: the rule and status of each licence, every
    credit with its source, and a copy of every certificate on file, with an index.

    Licence numbers are printed (their reading is audited); dates of birth are not."""
    day = in_range(as_of, "as_of") or datetime.now(UTC).date()
    with caller.ledger() as ledger:
        data = gather_audit_packet(ledger, physician_id, as_of=day, license_id=license)
    # Certificates can run to many megabytes: spool to disk, not to memory.
    spool = tempfile.TemporaryFile()  # noqa: SIM115 - closed by the response's background task
    try:
        write_packet(data, caller.services.store.blobs, spool)
        size = spool.tell()
    except BaseException:
        spool.close()
        raise
    filename = packet_filename(data.physician.last_name, day)
    return StreamingResponse(
        _chunks(spool),
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Content-Length": str(size),
            "Cache-Control": "no-store",
        },
        background=BackgroundTask(spool.close),
    )
