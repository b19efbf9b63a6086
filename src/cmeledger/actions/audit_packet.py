"""Gathering an audit packet: what a board auditor needs, read in one transaction and logged.

The packet prints licence numbers (an auditor matches them against the board's records), so
they are decrypted here through the repository's audited reveal. Birth dates are read only
because some cycles are anchored on them; nothing here hands them to the report.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from pathlib import PurePath
from uuid import UUID

from cmeledger.actions.compliance import StatusReport, compliance_status
from cmeledger.actions.credits import LedgerView
from cmeledger.audit import events
from cmeledger.domain.activities import Completion
from cmeledger.domain.compliance import Obligation
from cmeledger.domain.credits import total_by_type
from cmeledger.domain.people import BoardCertification, License
from cmeledger.errors import NotFoundError
from cmeledger.requirements.loader import rule_for
from cmeledger.requirements.model import Rule
from cmeledger.storage.ledger import Ledger
from cmeledger.storage.repositories.documents import Document
from cmeledger.storage.repositories.physicians import PhysicianSummary

# A packet goes by e-mail or a board's upload form: past a few hundred certificates (or a few
# hundred megabytes) it stops being something a person can send or read, so the rest are
# listed by name and hash instead of appended.
MAX_APPENDED_DOCUMENTS = 300
MAX_APPENDED_BYTES = 200 * 1024 * 1024

_PDF_TYPES = frozenset({"application/pdf"})
_IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/tiff"})
_PDF_SUFFIXES = frozenset({".pdf"})
_IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".tif", ".tiff"})


class EvidenceKind(StrEnum):
    """How a document goes into the packet; the report checks the bytes before trusting it."""

    PDF = "pdf"  # pages appended as they are
    IMAGE = "image"  # one page per image (per frame for a multi-page TIFF)
    LISTED = "listed"  # transcripts (CSV, spreadsheets) and anything else: named, not appended


@dataclass(frozen=True, slots=True)
class Evidence:
    number: int  # the appendix item number the credit table refers to
    document: Document
    kind: EvidenceKind
    credit_ids: tuple[UUID, ...]
    first_credit_on: date
    withheld: str | None = None  # why an appendable document is listed only


@dataclass(frozen=True, slots=True)
class PacketData:
    physician: PhysicianSummary
    generated_at: datetime
    as_of: date
    license_id: UUID | None
    licenses: list[License]  # numbers revealed (audited)
    certifications: list[BoardCertification]  # board IDs left sealed
    dea: list[tuple[UUID, date]]  # (registration id, expiry); the number is never read
    status: StatusReport
    rules: dict[str, Rule]
    credits: LedgerView
    credits_since: date | None  # a licence filter limits the table to that licence's cycle
    evidence: list[Evidence]

    @property
    def appendable(self) -> list[Evidence]:
        return [e for e in self.evidence if e.kind is not EvidenceKind.LISTED and not e.withheld]


def evidence_kind(document: Document) -> EvidenceKind:
    suffix = PurePath(document.original_name).suffix.lower()
    if document.media_type in _PDF_TYPES or suffix in _PDF_SUFFIXES:
        return EvidenceKind.PDF
    if document.media_type in _IMAGE_TYPES or suffix in _IMAGE_SUFFIXES:
        return EvidenceKind.IMAGE
    return EvidenceKind.LISTED


def _shown(license_id: UUID | None, holding_id: UUID) -> bool:
    return license_id is None or holding_id == license_id


def _holding_label(ledger: Ledger, physician_id: UUID, holding_id: UUID) -> str:
    """What the filter names, or NotFoundError: the id must be one of this physician's."""
    for lic in ledger.credentials.license_terms(physician_id):
        if lic.id == holding_id:
            return f"{lic.jurisdiction} {lic.board_type.value} licence"
    for cert in ledger.credentials.certification_terms(physician_id):
        if cert.id == holding_id:
            return f"{cert.board} certification"
    for registration_id, _ in ledger.credentials.dea_terms(physician_id):
        if registration_id == holding_id:
            return "DEA registration"
    raise NotFoundError(
        f"no licence, certification or DEA registration {holding_id} for physician {physician_id}"
    )


def _filter_status(ledger: Ledger, report: StatusReport, license_id: UUID | None) -> StatusReport:
    if license_id is None:
        return report
    label = _holding_label(ledger, report.physician_id, license_id)
    chosen = [o for o in report.obligations if o.license_id == license_id]
    unmatched = [] if chosen else [f"{label}: no CME rule or cycle could be applied to it"]
    return StatusReport(report.physician_id, report.as_of, chosen, unmatched)


def _in_scope(
    completions: list[Completion], obligations: list[Obligation], filtered: bool
) -> tuple[list[Completion], date | None]:
    """With a licence filter, the credits of its cycle, and earlier ones tagged with a topic
    it requires (one-time and every-N-cycles topics count credits from before the cycle)."""
    if not filtered or not obligations:
        return completions, None
    since = min(o.cycle_start for o in obligations)
    topics = {t.topic for o in obligations for t in o.topics}
    return [c for c in completions if c.completed_on >= since or topics & set(c.topics)], since


def _evidence(ledger: Ledger, physician_id: UUID, completions: list[Completion]) -> list[Evidence]:
    by_sha = {d.sha256: d for d in ledger.documents.for_physician(physician_id)}
    supports: dict[str, list[Completion]] = {}
    for completion in completions:
        for sha in dict.fromkeys(p.document_sha256 for p in completion.provenance):
            if sha is not None and sha in by_sha:
                supports.setdefault(sha, []).append(completion)
    ordered = sorted(
        supports.items(),
        key=lambda item: (
            min(c.completed_on for c in item[1]),
            by_sha[item[0]].original_name,
            item[0],
        ),
    )
    found: list[Evidence] = []
    appended = appended_bytes = 0
    for number, (sha, backed) in enumerate(ordered, start=1):
        document = by_sha[sha]
        kind = evidence_kind(document)
        withheld = None
        if kind is not EvidenceKind.LISTED:
            if appended >= MAX_APPENDED_DOCUMENTS:
                withheld = (
                    f"not appended: a packet appends at most {MAX_APPENDED_DOCUMENTS} documents"
                )
            elif appended_bytes + document.size > MAX_APPENDED_BYTES:
                withheld = (
                    "not appended: a packet appends at most "
                    f"{MAX_APPENDED_BYTES // (1024 * 1024)} MB of documents"
                )
            else:
                appended += 1
                appended_bytes += document.size
        found.append(
            Evidence(
                number=number,
                document=document,
                kind=kind,
                credit_ids=tuple(c.id for c in backed),
                first_credit_on=min(c.completed_on for c in backed),
                withheld=withheld,
            )
        )
    return found


def gather_audit_packet(
    ledger: Ledger,
    physician_id: UUID,
    *,
    as_of: date,
    license_id: UUID | None = None,
    now: datetime | None = None,
) -> PacketData:
    """Everything the packet shows, as of `as_of`; records that a packet was made.

    `license_id` (a licence, certification or DEA registration of this physician) limits the
    summary to that one and the credit table to its cycle.
    """
    physician = ledger.physicians.require(physician_id)
    status = _filter_status(ledger, compliance_status(ledger, physician_id, as_of), license_id)
    terms = ledger.credentials.license_terms(physician_id)
    # Numbers are decrypted (and each read audited) only for licences the packet prints; the
    # repository reveals a physician's licences together, so a filtered packet drops the rest.
    licenses = (
        [x for x in ledger.credentials.licenses(physician_id) if _shown(license_id, x.id)]
        if any(_shown(license_id, t.id) for t in terms)
        else []
    )
    certifications = [
        c for c in ledger.credentials.certification_terms(physician_id) if _shown(license_id, c.id)
    ]
    dea = [d for d in ledger.credentials.dea_terms(physician_id) if _shown(license_id, d[0])]
    completions, since = _in_scope(
        ledger.completions.for_physician(physician_id, until=as_of),
        status.obligations,
        license_id is not None,
    )
    view = LedgerView(
        physician_id,
        completions,
        dict(sorted(total_by_type(c for x in completions for c in x.credits).items())),
    )
    evidence = _evidence(ledger, physician_id, completions)
    rules = {o.rule_id: rule_for(o.rule_id) for o in status.obligations}
    ledger.audit.record(
        events.AUDIT_PACKET_CREATED,
        "physician",
        physician_id,
        physician_id=physician_id,
        as_of=as_of.isoformat(),
        license_id=None if license_id is None else str(license_id),
        credits=len(completions),
        documents=len(evidence),
        withheld=sum(1 for e in evidence if e.withheld),
    )
    return PacketData(
        physician=physician,
        generated_at=now or datetime.now(UTC),
        as_of=as_of,
        license_id=license_id,
        licenses=licenses,
        certifications=certifications,
        dea=dea,
        status=status,
        rules=rules,
        credits=view,
        credits_since=since,
        evidence=evidence,
    )
