"""A long ledger: ~500 credits and dozens of certificates in one packet, in bounded time."""

from __future__ import annotations

import io
import time
from datetime import date, timedelta
from pathlib import Path

import pypdfium2 as pdfium
import pytest

from cmeledger.actions.audit_packet import gather_audit_packet
from cmeledger.actions.credits import record_completion
from cmeledger.domain.credits import CreditClaim
from cmeledger.reports.audit_packet import write_packet
from cmeledger.storage.ledger import Ledger
from tests.importers.certificates.builders import certificate_pdf, encoded
from tests.reports.packet_builders import certified_physician
from tests.reports.pdf_text import generated_pages, pages_text

CREDITS = 500
PDF_CERTIFICATES = 40
PNG_CERTIFICATES = 10


def certificate_png(lines: tuple[str, ...]) -> bytes:
    doc = pdfium.PdfDocument(certificate_pdf(lines=lines))
    try:
        return encoded(doc[0].render(scale=100 / 72).to_pil().convert("L"), "PNG")
    finally:
        doc.close()


@pytest.mark.slow
def test_it_makes_a_packet_for_500_credits_in_bounded_time(ledger: Ledger, tmp_path: Path) -> None:
    built = certified_physician(ledger, tmp_path)
    for n in range(CREDITS - 3):
        certificate = None
        if n < PDF_CERTIFICATES + PNG_CERTIFICATES:
            certificate = (
                tmp_path / f"certificate-{n:03d}.{'pdf' if n < PDF_CERTIFICATES else 'png'}"
            )
            lines = (f"Course number {n}", "Grace Hopper, MD")
            certificate.write_bytes(
                certificate_pdf(lines=lines) if n < PDF_CERTIFICATES else certificate_png(lines)
            )
        record_completion(
            ledger,
            built.physician_id,
            title=f"Grand Rounds {n}: Updates in Internal Medicine",
            provider="Harbour Medical Education",
            completed_on=date(2019, 1, 1) + timedelta(days=n * 5),
            credits=[CreditClaim.awarded("ama_pra_1", "1.5")],
            topics=["pain_management"] if n % 25 == 0 else [],
            certificate=certificate,
        )

    started = time.perf_counter()
    data = gather_audit_packet(ledger, built.physician_id, as_of=date(2026, 11, 26))
    out = io.BytesIO()
    result = write_packet(data, ledger.blobs, out)
    elapsed = time.perf_counter() - started

    texts = pages_text(out.getvalue())
    appended = PDF_CERTIFICATES + built.pdf_pages + PNG_CERTIFICATES + built.png_pages
    assert len(data.credits.completions) == CREDITS
    assert generated_pages(texts) == result.report_pages + result.index_pages
    assert len(texts) == result.report_pages + result.index_pages + appended
    print(
        f"\n{CREDITS} credits, {appended} certificate pages: {len(texts)} pages in {elapsed:.1f} s"
    )
    assert elapsed < 120  # a request timeout's order of magnitude, on a loaded CI machine
