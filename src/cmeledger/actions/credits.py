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
from cmeledger.errors import CmeLedgerError
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
) -> Completion:
    """One completed activity with its awarded credit, reusing a known activity if any."""
    ledger.physicians.require(physician_id)
    title, provider = title.strip(), provider.strip()
    activity = ledger.completions.find_activity(
        title=title, provider=provider, start_date=completed_on
    )
    if activity is None:
        activity = Activity(
            id=uuid.uuid4(),
            title=title,
            provider=provider,
            format=activity_format,
            accredited_provider=accredited_provider,
            start_date=completed_on,
            end_date=completed_on,
        )
        ledger.completions.add_activity(activity)
    provenance = [
        Provenance(
            source_kind=source_kind,
            method="entered by hand" if source_kind is SourceKind.MANUAL else source_kind.value,
        )
    ]
    if certificate is not None:
        document = store_document(ledger, physician_id, certificate)
        provenance = [
            Provenance(
                source_kind=SourceKind.CERTIFICATE,
                method="attached by hand",
                document_sha256=document.sha256,
            )
        ]
    completion = Completion(
        id=uuid.uuid4(),
        physician_id=physician_id,
        activity=activity,
        completed_on=completed_on,
        credits=tuple(credits),
        topics=tuple(sorted({check_topic(t) for t in topics or []})),
        provenance=tuple(provenance),
    )
    ledger.completions.add(completion)
    return completion


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
