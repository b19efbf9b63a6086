"""Recording completions and reading the ledger back."""

from __future__ import annotations

import mimetypes
import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from uuid import UUID

from cmeledger.domain.activities import (
    Activity,
    ActivityFormat,
    Completion,
    Provenance,
    SourceKind,
    check_topic,
)
from cmeledger.domain.credits import CreditClaim, total_by_type
from cmeledger.errors import CmeLedgerError, NotFoundError
from cmeledger.storage.ledger import Ledger
from cmeledger.storage.repositories.documents import Document


def store_document(ledger: Ledger, physician_id: UUID, path: Path) -> Document:
    """Keep a copy of a certificate or transcript; the same bytes are stored once."""
    ledger.physicians.require(physician_id)
    try:
        with path.open("rb") as stream:
            blob = ledger.blobs.put(stream, path.name)
    except (FileNotFoundError, IsADirectoryError, PermissionError) as exc:
        raise CmeLedgerError(f"cannot read {path}: {exc.strerror}") from None
    media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    document, _ = ledger.documents.attach(
        physician_id, blob.sha256, blob.size, media_type, path.name
    )
    return document


def record_completion(
    ledger: Ledger,
    physician_id: UUID,
    *,
    title: str,
    provider: str,
    completed_on: date,
    credits: list[CreditClaim],
    topics: list[str] | None = None,
    activity_format: ActivityFormat = ActivityFormat.OTHER,
    accredited_provider: str | None = None,
    source_kind: SourceKind = SourceKind.MANUAL,
    certificate: Path | None = None,
    start_date: date | None = None,
    end_date: date | None = None,
    designated: list[CreditClaim] | None = None,
    accme_activity_id: str | None = None,
    provenance: list[Provenance] | None = None,
) -> Completion:
    """One completed activity with its awarded credit, reusing a known activity if any."""
    ledger.physicians.require(physician_id)
    tags = tuple(sorted({check_topic(t) for t in topics or []}))  # before anything is stored
    wanted = Activity(
        id=uuid.uuid4(),
        title=title.strip(),
        provider=provider.strip(),
        format=activity_format,
        accredited_provider=accredited_provider,
        start_date=start_date or completed_on,
        end_date=end_date or completed_on,
        accme_activity_id=accme_activity_id,
        designated=tuple(designated or ()),
    )
    activity = ledger.completions.find_activity(wanted)
    if activity is None:
        activity = wanted
        ledger.completions.add_activity(activity)
    evidence = list(provenance or [])
    if certificate is not None:
        document = store_document(ledger, physician_id, certificate)
        evidence.append(
            Provenance(
                source_kind=SourceKind.CERTIFICATE,
                method="attached by hand",
                document_sha256=document.sha256,
            )
        )
    if not evidence:
        evidence.append(
            Provenance(
                source_kind=source_kind,
                method="entered by hand" if source_kind is SourceKind.MANUAL else source_kind.value,
            )
        )
    completion = Completion(
        id=uuid.uuid4(),
        physician_id=physician_id,
        activity=activity,
        completed_on=completed_on,
        credits=tuple(credits),
        topics=tags,
        provenance=tuple(evidence),
    )
    ledger.completions.add(completion)
    return completion


def retag_completion(
    ledger: Ledger, physician_id: UUID, completion_id: UUID, *, add: list[str], remove: list[str]
) -> tuple[str, ...]:
    """A person's override of the topics a credit counts for (state mandates)."""
    current = next(
        (c for c in ledger.completions.for_physician(physician_id) if c.id == completion_id),
        None,
    )
    if current is None:
        raise NotFoundError(f"no credit {completion_id} for physician {physician_id}")
    dropped = {check_topic(t) for t in remove}
    topics = tuple(sorted(({*current.topics} | {check_topic(t) for t in add}) - dropped))
    ledger.completions.set_topics(physician_id, completion_id, topics)
    return topics


@dataclass(frozen=True, slots=True)
class LedgerView:
    physician_id: UUID
    completions: list[Completion]
    totals: dict[str, Decimal]


def ledger_view(
    ledger: Ledger, physician_id: UUID, *, since: date | None = None, until: date | None = None
) -> LedgerView:
    completions = ledger.completions.for_physician(physician_id, since=since, until=until)
    totals = total_by_type(c for completion in completions for c in completion.credits)
    return LedgerView(physician_id, completions, dict(sorted(totals.items())))
