"""A physician with licences, credits and certificates of every kind the packet handles."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from uuid import UUID

from cmeledger.actions.credits import record_completion, store_document
from cmeledger.actions.physicians import add_certification, add_dea, add_license, add_physician
from cmeledger.domain.activities import Provenance, SourceKind
from cmeledger.domain.credits import CreditClaim
from cmeledger.domain.people import BoardType, Degree, MonthDay
from cmeledger.storage.ledger import Ledger
from tests.importers.certificates.builders import certificate_pdf, encoded, page_image

PDF_TITLE = "Sepsis Bundles in the Emergency Department"
PNG_TITLE = "Heart Failure in Primary Care"
LICENSE_NUMBER = "A 424242"
CERTIFICATE_LINES = (
    "CERTIFICATE OF COMPLETION",
    "Harbour Medical Education certifies that",
    "Grace Hopper, MD",
    "has participated in the live activity titled",
    PDF_TITLE,
    "on March 3, 2026 and is awarded 3.5 AMA PRA Category 1 Credits(TM).",
)


@dataclass(frozen=True)
class Packet:
    physician_id: UUID
    license_id: UUID
    pdf_pages: int
    png_pages: int


def certified_physician(ledger: Ledger, tmp: Path, *, pdf_pages: int = 2) -> Packet:
    physician = add_physician(
        ledger,
        first_name="Grace",
        last_name="Hopper",
        degree=Degree.MD,
        npi="1234567893",
        birth=MonthDay(12, 9),
    )
    lic = add_license(
        ledger,
        physician.id,
        jurisdiction="CA",
        board_type=BoardType.MD,
        number=LICENSE_NUMBER,
        expires=date(2027, 12, 31),
    )
    add_certification(
        ledger,
        physician.id,
        board="ABIM",
        specialty="Internal Medicine",
        board_id="778899",
        starts=date(2022, 1, 1),
        ends=date(2027, 12, 31),
    )
    add_dea(ledger, physician.id, number="AB1234563", expires=date(2027, 5, 31))
    pdf = tmp / "sepsis-certificate.pdf"
    pdf.write_bytes(certificate_pdf(pdf_pages, lines=CERTIFICATE_LINES))
    record_completion(
        ledger,
        physician.id,
        title=PDF_TITLE,
        provider="Harbour Medical Education",
        completed_on=date(2026, 3, 3),
        credits=[CreditClaim.awarded("ama_pra_1", "3.5")],
        certificate=pdf,
    )
    png = tmp / "heart-failure.png"
    png.write_bytes(encoded(page_image(dpi=100), "PNG"))
    record_completion(
        ledger,
        physician.id,
        title=PNG_TITLE,
        provider="Riverbend Medical Education",
        completed_on=date(2025, 6, 3),
        credits=[CreditClaim.awarded("ama_pra_1", "1.75")],
        topics=["pain_management"],
        certificate=png,
    )
    transcript = tmp / "acp-transcript.csv"
    transcript.write_text("date,title,credits\n2025-09-01,Board Review,10\n", encoding="utf-8")
    document = store_document(ledger, physician.id, transcript)
    record_completion(
        ledger,
        physician.id,
        title="Board Review",
        provider="American College of Physicians",
        completed_on=date(2025, 9, 1),
        credits=[CreditClaim.awarded("ama_pra_1", "10")],
        provenance=[
            Provenance(
                source_kind=SourceKind.TRANSCRIPT,
                method="acp transcript",
                document_sha256=document.sha256,
            )
        ],
    )
    return Packet(physician.id, lic.id, pdf_pages, 1)
