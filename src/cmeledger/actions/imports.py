"""Importing extracted records: count what is certain, merge what we already have, and put
everything doubtful in the review queue. One file is one transaction (the caller's)."""

from __future__ import annotations

import json
import mimetypes
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from io import BytesIO
from typing import Any
from uuid import UUID

from cmeledger.actions.credits import record_completion
from cmeledger.audit import events
from cmeledger.domain.activities import ActivityFormat, Completion, Provenance, SourceKind
from cmeledger.domain.credit_taxonomy import credit_type
from cmeledger.domain.credits import CreditClaim, CreditRole, is_on_step, round_amount
from cmeledger.domain.dedupe import Candidate, MatchKind, candidate_of, match, names_agree
from cmeledger.domain.errors import DomainError
from cmeledger.domain.extraction import Extracted
from cmeledger.importers.pipeline import FileExtraction
from cmeledger.storage.ledger import Ledger


@dataclass(frozen=True, slots=True)
class Draft:
    """A record turned into ledger terms, or the reasons it cannot be yet."""

    title: str | None
    provider: str | None
    completed_on: date | None
    credits: tuple[CreditClaim, ...]
    designated: tuple[CreditClaim, ...]
    topics: tuple[str, ...]
    fmt: ActivityFormat
    accredited_provider: str | None
    start_date: date | None
    end_date: date | None
    accme_activity_id: str | None
    problems: tuple[str, ...]


def _claims(
    items: list[dict[str, Any]], problems: list[str], *, role: CreditRole
) -> list[CreditClaim]:
    claims: list[CreditClaim] = []
    for item in items:
        code, raw = item.get("type"), item.get("amount")
        if not code or raw is None:
            continue
        try:
            ctype = credit_type(str(code))
            amount = Decimal(str(raw))
        except (DomainError, ArithmeticError):
            problems.append(f"unknown credit type {code!r}")
            continue
        if any(c.type_code == ctype.code for c in claims):
            continue
        if role is CreditRole.AWARDED and not is_on_step(amount, ctype):
            counted = round_amount(amount, ctype)
            problems.append(
                f"{amount} {ctype.label} is off the system's {ctype.step} step; "
                f"it would count as {counted}"
            )
            amount = counted
        claims.append(CreditClaim(ctype.code, amount.quantize(Decimal("0.01")), role))
    return claims


def draft_from_record(record: dict[str, Any], changes: dict[str, str] | None = None) -> Draft:
    """Read an `Extracted.as_json()` dict, with a reviewer's corrections applied on top."""
    changes = changes or {}
    problems: list[str] = []
    credits_in = [c for c in record.get("credits", []) if c.get("role") == "awarded"]
    if "credit" in changes:
        credits_in = [
            {"type": t.split(":")[0], "amount": t.split(":")[1]}
            for t in changes["credit"].split(",")
            if ":" in t
        ]
    awarded = _claims(credits_in, problems, role=CreditRole.AWARDED)
    for moc in record.get("moc", []) if "credit" not in changes else []:
        if moc.get("role", "awarded") != "awarded":
            continue  # "up to N MOC points" is a maximum; the board reports what was earned
        if moc.get("credit_type"):
            awarded += _claims(
                [{"type": moc["credit_type"], "amount": moc["points"]}],
                problems,
                role=CreditRole.AWARDED,
            )
        else:
            problems.append(
                f"{moc.get('points')} {moc.get('board')} MOC points without a "
                "named component; add them as a credit if you earned them"
            )
    designated = _claims(
        [c for c in record.get("credits", []) if c.get("role") == "designated"],
        [],
        role=CreditRole.DESIGNATED,
    )
    when = changes.get("date") or record.get("completion_date")
    try:
        completed_on = date.fromisoformat(when) if when else None
    except ValueError:
        completed_on = None
        problems.append(f"date {when!r} is not YYYY-MM-DD")
    title = changes.get("title") or record.get("title")
    provider = changes.get("provider") or record.get("provider")
    topics = [t["topic"] for t in record.get("topics", [])]
    topics += [t for t in changes.get("topic", "").split(",") if t]
    fmt_text = changes.get("format") or record.get("format") or "other"
    try:
        fmt = ActivityFormat(fmt_text)
    except ValueError:
        fmt = ActivityFormat.OTHER
        problems.append(
            f"format {fmt_text!r} is not one of live, enduring, journal, point_of_care, other"
        )
    for name, value in (("title", title), ("provider", provider), ("date", completed_on)):
        if not value:
            problems.append(f"no {name} found")
    if not awarded:
        problems.append("no awarded credit")
    caps = {c.type_code: c.amount for c in designated}
    for claim in awarded:
        if claim.type_code in caps and claim.amount > caps[claim.type_code]:
            designated = [c for c in designated if c.type_code != claim.type_code]
            problems.append(
                f"awarded {claim.amount} exceeds the designated {caps[claim.type_code]}"
            )
    return Draft(
        title,
        provider,
        completed_on,
        tuple(awarded),
        tuple(designated),
        tuple(sorted(set(topics))),
        fmt,
        record.get("accredited_provider"),
        _iso(record.get("start_date")),
        _iso(record.get("end_date")),
        record.get("accme_activity_id"),
        tuple(problems),
    )


def _iso(value: Any) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _fingerprint(record: dict[str, Any]) -> str:
    """What a record says, without how sure we were: the same row or page read again."""
    said = {
        k: v
        for k, v in record.items()
        if k not in ("confidence", "field_confidence", "needs_review", "review_reasons")
    }
    return json.dumps(said, sort_keys=True, default=str)


def _candidate(draft: Draft) -> Candidate | None:
    if not draft.title or draft.completed_on is None:
        return None
    return Candidate(
        draft.title,
        draft.provider,
        draft.completed_on,
        {c.type_code: c.amount for c in draft.credits},
    )


def commit_draft(
    ledger: Ledger, physician_id: UUID, draft: Draft, provenance: Provenance
) -> Completion:
    assert draft.title and draft.provider and draft.completed_on
    return record_completion(
        ledger,
        physician_id,
        title=draft.title,
        provider=draft.provider,
        completed_on=draft.completed_on,
        credits=list(draft.credits),
        topics=list(draft.topics),
        activity_format=draft.fmt,
        accredited_provider=draft.accredited_provider,
        start_date=draft.start_date,
        end_date=draft.end_date,
        designated=list(draft.designated),
        accme_activity_id=draft.accme_activity_id,
        provenance=[provenance],
    )


@dataclass
class RecordOutcome:
    status: str  # imported | duplicate | needs_review
    title: str | None
    page: int | None
    completion_id: UUID | None = None
    review_item_id: UUID | None = None
    reasons: list[str] = field(default_factory=list)


@dataclass
class FileReport:
    source: str
    status: str  # imported | failed
    outcomes: list[RecordOutcome] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    error: str | None = None

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)


def _provenance(record: Extracted, sha256: str) -> Provenance:
    return Provenance(
        source_kind=record.source_kind,
        method=record.method,
        confidence=Decimal(str(record.confidence)).quantize(Decimal("0.001")),
        document_sha256=sha256,
        page=record.page,
        detail=record.as_json(),
    )


def import_extraction(ledger: Ledger, physician_id: UUID, extraction: FileExtraction) -> FileReport:
    """Store the document, then each record: imported, merged as a duplicate, or queued."""
    who = ledger.physicians.require(physician_id)
    blob = ledger.blobs.put(BytesIO(extraction.data), extraction.source)
    media = mimetypes.guess_type(extraction.source)[0] or f"application/{extraction.kind.value}"
    ledger.documents.attach(
        physician_id, blob.sha256, blob.size, media, extraction.source.rsplit("/", 1)[-1]
    )
    existing = [(c.id, candidate_of(c)) for c in ledger.completions.for_physician(physician_id)]
    open_items = ledger.review.open_items(physician_id)
    pending = [
        (item.id, c)
        for item in open_items
        if (c := _candidate(draft_from_record(item.record))) is not None
    ]
    queued = {(item.document_sha256, _fingerprint(item.record)) for item in open_items}
    report = FileReport(extraction.source, "imported", warnings=list(extraction.warnings))
    for record in extraction.records:
        data = record.as_json()
        draft = draft_from_record(data)
        candidate = _candidate(draft)
        reasons = list(record.all_review_reasons())
        reasons += [p for p in draft.problems if p not in reasons]
        if record.learner_name and not names_agree(
            who.first_name, who.last_name, record.learner_name
        ):
            reasons.append(f"made out to {record.learner_name!r}, not {who.display_name}")
        outcome = RecordOutcome("needs_review", draft.title, record.page, reasons=reasons)
        report.outcomes.append(outcome)
        waiting = match(candidate, pending) if candidate is not None else None
        if waiting is not None and waiting.kind is MatchKind.SAME and reasons:
            # The same certificate (another scan, a second copy) is already in the queue.
            outcome.status, outcome.review_item_id = "duplicate", waiting.completion_id
            continue
        if reasons:
            if (blob.sha256, _fingerprint(data)) not in queued:
                outcome.review_item_id = ledger.review.add(
                    physician_id,
                    kind="extracted",
                    reasons=reasons,
                    record=data,
                    document_sha256=blob.sha256,
                    page=record.page,
                )
                queued.add((blob.sha256, _fingerprint(data)))
                if candidate is not None:
                    pending.append((outcome.review_item_id, candidate))
            continue
        assert candidate is not None
        found = match(candidate, existing)
        if found.kind is MatchKind.SAME and found.completion_id is not None:
            ledger.completions.add_provenance(
                physician_id, found.completion_id, _provenance(record, blob.sha256)
            )
            outcome.status, outcome.completion_id = "duplicate", found.completion_id
        elif found.kind is MatchKind.NEAR:
            outcome.reasons = [f"possible duplicate of {found.completion_id}: {found.why}"]
            outcome.review_item_id = ledger.review.add(
                physician_id,
                kind="possible_duplicate",
                reasons=outcome.reasons,
                record=data,
                document_sha256=blob.sha256,
                page=record.page,
                related_completion_id=found.completion_id,
            )
            pending.append((outcome.review_item_id, candidate))
        else:
            completion = commit_draft(ledger, physician_id, draft, _provenance(record, blob.sha256))
            existing.append((completion.id, candidate))
            outcome.status, outcome.completion_id = "imported", completion.id
            if waiting is not None and waiting.kind is MatchKind.SAME and waiting.completion_id:
                # A clear copy settles the doubtful one waiting in the queue.
                _settle(ledger, physician_id, waiting.completion_id, completion.id)
                pending = [p for p in pending if p[0] != waiting.completion_id]
    ledger.audit.record(
        events.DOCUMENT_IMPORTED,
        "document",
        blob.sha256,
        physician_id=physician_id,
        records=len(extraction.records),
        imported=report.count("imported"),
        duplicate=report.count("duplicate"),
        needs_review=report.count("needs_review"),
    )
    return report


def _settle(ledger: Ledger, physician_id: UUID, item_id: UUID, completion_id: UUID) -> None:
    item = ledger.review.get(physician_id, item_id)
    if item.document_sha256 is not None:
        ledger.completions.add_provenance(
            physician_id,
            completion_id,
            Provenance(
                source_kind=SourceKind(item.record.get("source_kind", "manual")),
                method="settled by a clearer copy",
                confidence=Decimal(1),
                document_sha256=item.document_sha256,
                page=item.page,
                detail={"extracted": item.record},
            ),
        )
    ledger.review.resolve(item, status="accepted", completion_id=completion_id)


def accept_review_item(
    ledger: Ledger,
    physician_id: UUID,
    item_id: UUID,
    changes: dict[str, str] | None = None,
    *,
    merge: bool = False,
) -> UUID:
    """Count a reviewed record (with the reviewer's corrections) and return the credit's id.

    If the ledger already holds the same completion, or `merge` is asked for a possible
    duplicate, the record becomes more evidence for that credit instead of a second one.
    """
    item = ledger.review.get(physician_id, item_id)
    draft = draft_from_record(item.record, changes)
    blocking = [p for p in draft.problems if p.startswith(("no ", "date ", "unknown", "format"))]
    if blocking and not merge:
        raise DomainError(
            "cannot accept yet: " + "; ".join(blocking) + " — correct it with --set field=value"
        )
    provenance = Provenance(
        source_kind=SourceKind(item.record.get("source_kind", "manual")),
        method="reviewed",
        confidence=Decimal(1),
        document_sha256=item.document_sha256,
        page=item.page,
        detail={"extracted": item.record, "corrections": changes or {}},
    )
    target: UUID | None = None
    if merge:
        if item.related_completion_id is None:
            raise DomainError("this item is not a possible duplicate; accept or reject it")
        target = item.related_completion_id
    elif (candidate := _candidate(draft)) is not None:
        existing = [(c.id, candidate_of(c)) for c in ledger.completions.for_physician(physician_id)]
        found = match(candidate, existing)
        if found.kind is MatchKind.SAME:
            target = found.completion_id
    if target is not None:
        ledger.completions.add_provenance(physician_id, target, provenance)
        ledger.review.resolve(item, status="accepted", completion_id=target, changes=changes)
        return target
    completion = commit_draft(ledger, physician_id, draft, provenance)
    ledger.review.resolve(item, status="accepted", completion_id=completion.id, changes=changes)
    return completion.id


def reject_review_item(ledger: Ledger, physician_id: UUID, item_id: UUID) -> None:
    ledger.review.resolve(ledger.review.get(physician_id, item_id), status="rejected")
