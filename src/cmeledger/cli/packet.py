"""`cmeledger packet`: the audit packet PDF for a state board or an auditor."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from cmeledger.actions.audit_packet import gather_audit_packet
from cmeledger.cli.common import (
    JsonOption,
    UsageError,
    actor,
    emit,
    open_cli_store,
    out,
    parse_id,
    parse_optional_date,
)
from cmeledger.reports.audit_packet import PacketResult, packet_filename, write_packet
from cmeledger.storage.scope import Scope


def packet_command(
    physician_id: Annotated[str, typer.Argument(metavar="PHYSICIAN_ID")],
    output: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help="Write the PDF here (default: cme-audit-packet-<name>-<date>.pdf in the "
            "current directory).",
        ),
    ] = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Status date, YYYY-MM-DD (default: today).")
    ] = None,
    license_id: Annotated[
        str | None,
        typer.Option(
            "--license", help="Limit to one licence, certification or DEA registration (its id)."
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Make the audit packet: each licence's rule and status, every credit with its source,
    and a copy of every certificate on file, with an index of its pages."""
    # Deadlines are calendar days where the physician is; the machine's local date is the
    # best stand-in the CLI has.
    day = parse_optional_date(as_of, "--as-of") or datetime.now().astimezone().date()
    holding = None if license_id is None else parse_id(license_id, "licence")
    pid = parse_id(physician_id)
    if output is not None and output.is_dir():
        raise UsageError(f"--out {output} is a directory; give a file name")
    with open_cli_store() as store:
        with store.ledger(Scope.owner(actor())) as opened:
            name = opened.physicians.require(pid).last_name
            target = output or Path(packet_filename(name, day))
            # Written beside the target and renamed at the end: a failure never leaves half a
            # PDF under the name a person would send, and a bad path fails before anything
            # is recorded as made.
            partial = target.with_name(f".{target.name}.partial")
            stream = partial.open("wb")
            try:
                data = gather_audit_packet(opened, pid, as_of=day, license_id=holding)
            except BaseException:
                stream.close()
                partial.unlink(missing_ok=True)
                raise
        try:
            with stream:
                result = write_packet(data, store.blobs, stream)
            os.replace(partial, target)
        finally:
            partial.unlink(missing_ok=True)
    emit({"path": str(target), **result.to_dict()}, as_json, lambda: _render(target, result))


def _render(target: Path, result: PacketResult) -> None:
    appended = sum(1 for e in result.appendix if e.start_page is not None)
    out.print(
        f"{target}: {result.pages} pages ({result.report_pages} of report, "
        f"{result.index_pages} of index, {appended} documents appended)"
    )
    for entry in result.appendix:
        if entry.note:
            out.print(
                f"  item {entry.evidence.number} ({entry.evidence.document.original_name}): "
                f"{entry.note}"
            )
