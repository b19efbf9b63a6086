"""`cmeledger extract`, `import` and `review`: from documents to a checked ledger."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from cmeledger.actions.import_batches import report_as_dict
from cmeledger.actions.imports import (
    FileReport,
    accept_review_item,
    import_extraction,
    reject_review_item,
)
from cmeledger.cli.common import (
    JsonOption,
    UsageError,
    actor,
    emit,
    err,
    ledger,
    open_cli_store,
    out,
    parse_id,
)
from cmeledger.domain.errors import DomainError
from cmeledger.errors import CmeLedgerError
from cmeledger.importers.errors import ExtractionError
from cmeledger.importers.pipeline import Limits, extract_file
from cmeledger.settings import get_settings
from cmeledger.storage.scope import Scope

MapOption = Annotated[
    list[str] | None,
    typer.Option("--map", help="Column mapping for CSV/XLSX: column=field (repeatable)."),
]
ImporterOption = Annotated[
    str | None,
    typer.Option(
        "--importer", help="Force a transcript importer (cme_passport, aafp, generic, …)."
    ),
]


def _limits() -> Limits:
    s = get_settings()
    return Limits(
        max_bytes=s.max_upload_bytes, max_pdf_pages=s.max_pdf_pages, max_ocr_pages=s.max_ocr_pages
    )


def _mapping(pairs: list[str] | None) -> dict[str, str] | None:
    if not pairs:
        return None
    mapping: dict[str, str] = {}
    for pair in pairs:
        column, sep, field = pair.partition("=")
        if not sep or not column.strip() or not field.strip():
            raise UsageError(
                f"--map {pair!r} must look like column=field, e.g. 'Course Name=title'"
            )
        mapping[column.strip()] = field.strip()
    return mapping


def _step(bar: Progress, task: TaskID, path: Path) -> Callable[[str], None]:
    def show(step: str) -> None:
        bar.update(task, description=f"{path.name}: {step}")

    return show


def _progress(as_json: bool) -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        disable=as_json,
        transient=True,
    )


def extract_command(
    files: Annotated[list[Path], typer.Argument(metavar="FILE...")],
    as_json: JsonOption = False,
    importer: ImporterOption = None,
    mapping: MapOption = None,
) -> None:
    """Read certificates and transcripts and print what they say. Writes nothing."""
    found: list[dict[str, Any]] = []
    failures: list[str] = []
    notes: list[str] = []
    columns = _mapping(mapping)
    with _progress(as_json) as bar:
        task = bar.add_task("Reading", total=len(files))
        for path in files:
            bar.update(task, description=f"Reading {path.name}")
            try:
                result = extract_file(
                    path,
                    limits=_limits(),
                    importer=importer,
                    mapping=columns,
                    progress=_step(bar, task, path),
                )
                found += [r.as_json() for r in result.records]
                notes += [f"{path}: {w}" for w in result.warnings]
            except ExtractionError as exc:
                failures.append(f"{exc}")
            bar.advance(task)
    for line in notes:
        err.print(f"note: {line}", soft_wrap=True)
    for line in failures:
        err.print(f"error: {line}", soft_wrap=True)

    def render() -> None:
        table = Table(
            "file",
            "page",
            "title",
            "date",
            "credits",
            "confidence",
            "review",
            title=f"{len(found)} completions found",
        )
        for r in found:
            credits = ", ".join(f"{c['amount']} {c['type']} ({c['role']})" for c in r["credits"])
            table.add_row(
                Path(r["source_file"]).name,
                str(r["page"] or ""),
                r["title"] or "?",
                r["completion_date"] or "?",
                credits,
                f"{r['confidence']:.2f}",
                "yes" if r["needs_review"] else "",
            )
        out.print(table)

    emit(found, as_json, render)
    if failures:
        raise typer.Exit(ExtractionError.exit_code)


def import_command(
    physician_id: Annotated[str, typer.Argument(metavar="PHYSICIAN_ID")],
    files: Annotated[list[Path], typer.Argument(metavar="FILE...")],
    as_json: JsonOption = False,
    importer: ImporterOption = None,
    mapping: MapOption = None,
) -> None:
    """Import documents into a physician's ledger; each file lands whole or not at all."""
    pid = parse_id(physician_id)
    columns = _mapping(mapping)
    reports: list[FileReport] = []
    with open_cli_store() as store, _progress(as_json) as bar:
        with store.ledger(Scope.owner(actor())) as opened:
            opened.physicians.require(pid)
        task = bar.add_task("Importing", total=len(files))
        for path in files:
            try:
                extraction = extract_file(
                    path,
                    limits=_limits(),
                    importer=importer,
                    mapping=columns,
                    progress=_step(bar, task, path),
                )
                with store.ledger(Scope.owner(actor())) as opened:
                    reports.append(import_extraction(opened, pid, extraction))
            except ExtractionError as exc:
                reports.append(FileReport(str(path), "failed", error=exc.reason))
            except (CmeLedgerError, DomainError) as exc:  # this file rolled back; go on
                reports.append(FileReport(str(path), "failed", error=str(exc)))
            bar.advance(task)
    data = [report_as_dict(r) for r in reports]

    def render() -> None:
        table = Table(
            "file", "imported", "duplicate", "needs review", "result", title="Import summary"
        )
        for r in reports:
            table.add_row(
                Path(r.source).name,
                str(r.count("imported")),
                str(r.count("duplicate")),
                str(r.count("needs_review")),
                "failed: " + (r.error or "") if r.status == "failed" else "ok",
            )
        out.print(table)
        waiting = sum(r.count("needs_review") for r in reports)
        if waiting:
            out.print(f"{waiting} item(s) wait for review: cmeledger review {pid}")

    emit(data, as_json, render)
    if any(r.status == "failed" for r in reports):
        raise typer.Exit(ExtractionError.exit_code)


def review_command(
    physician_id: Annotated[str, typer.Argument(metavar="PHYSICIAN_ID")],
    accept: Annotated[str | None, typer.Option("--accept", help="Count this item.")] = None,
    reject: Annotated[str | None, typer.Option("--reject", help="Discard this item.")] = None,
    merge: Annotated[
        str | None,
        typer.Option(
            "--merge",
            help="A possible duplicate that is the same completion: keep it as more "
            "evidence for the existing credit.",
        ),
    ] = None,
    sets: Annotated[
        list[str] | None,
        typer.Option(
            "--set",
            help="Correct a field when accepting: title=…, provider=…, date=YYYY-MM-DD, "
            "credit=ama_pra_1:1.5[,moc_abim_mk:1.5], topic=…, format=…",
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """List items waiting for review, or accept (with corrections) or reject one."""
    pid = parse_id(physician_id)
    if sum(x is not None for x in (accept, reject, merge)) > 1:
        raise UsageError("give one of --accept, --reject or --merge")
    changes = _mapping(sets) or {}
    unknown = set(changes) - {"title", "provider", "date", "credit", "topic", "format"}
    if unknown:
        raise UsageError(
            f"cannot --set {', '.join(sorted(unknown))}; fields: title, provider, "
            "date, credit, topic, format"
        )
    with ledger() as opened:
        if accept or merge:
            item = accept or merge
            assert item is not None
            credit = accept_review_item(
                opened, pid, parse_id(item, "review item"), changes, merge=merge is not None
            )
            emit(
                {"accepted": item, "completion_id": str(credit)},
                as_json,
                lambda: out.print(f"Accepted; counted as {credit}"),
            )
            return
        if reject:
            reject_review_item(opened, pid, parse_id(reject, "review item"))
            emit({"rejected": reject}, as_json, lambda: out.print("Rejected."))
            return
        items = opened.review.open_items(pid)
    data = [
        {
            "id": str(i.id),
            "kind": i.kind,
            "reasons": list(i.reasons),
            "record": i.record,
            "document_sha256": i.document_sha256,
            "page": i.page,
            "related_completion_id": None
            if i.related_completion_id is None
            else str(i.related_completion_id),
        }
        for i in items
    ]

    def render() -> None:
        table = Table("id", "title", "date", "credits", "why", title=f"{len(items)} to review")
        for i in items:
            credits = ", ".join(
                f"{c['amount']} {c['type']} ({c['role']})" for c in i.record.get("credits", [])
            )
            table.add_row(
                str(i.id),
                str(i.record.get("title") or "?"),
                str(i.record.get("completion_date") or "?"),
                credits,
                "\n".join(i.reasons),
            )
        out.print(table)
        if items:
            out.print(
                f"Accept: cmeledger review {pid} --accept ID [--set field=value]; "
                f"reject: --reject ID"
            )

    emit(data, as_json, render)
