"""The audit packet PDF, read back as text: what an auditor sees, page by page."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from cmeledger.actions import audit_packet as gathering
from cmeledger.actions.audit_packet import PacketData, gather_audit_packet
from cmeledger.actions.credits import record_completion
from cmeledger.audit import events
from cmeledger.domain.credits import CreditClaim
from cmeledger.errors import NotFoundError
from cmeledger.reports import audit_packet as packet_report
from cmeledger.reports.audit_packet import PacketResult, packet_filename, write_packet
from cmeledger.reports.audit_packet_html import explained
from cmeledger.requirements.loader import rule_for
from cmeledger.storage.ledger import Ledger
from tests.importers.certificates.builders import encoded, page_image
from tests.reports.packet_builders import (
    LICENSE_NUMBER,
    PDF_TITLE,
    PNG_TITLE,
    certified_physician,
)
from tests.reports.pdf_text import flat, generated_pages, pages_text, squeezed

AS_OF = date(2026, 11, 26)


def make(ledger: Ledger, data: PacketData) -> tuple[PacketResult, list[str]]:
    out = io.BytesIO()
    result = write_packet(data, ledger.blobs, out)
    return result, pages_text(out.getvalue())


def audit_actions(ledger: Ledger) -> list[tuple[str, str | None, str]]:
    last, _, _ = ledger.audit.head()
    return [
        (link.entry.action, link.entry.physician_id, link.entry.details)
        for link in ledger.audit.links(last)
    ]


def test_it_shows_the_physician_each_licence_rule_and_every_credit(
    ledger: Ledger, tmp_path: Path
) -> None:
    built = certified_physician(ledger, tmp_path)
    data = gather_audit_packet(ledger, built.physician_id, as_of=AS_OF)

    _, texts = make(ledger, data)
    report = flat("\n".join(texts))

    assert "Grace Hopper, MD" in report
    assert "NPI 1234567893" in report
    assert "CA MD licence" in report
    assert LICENSE_NUMBER in report
    assert squeezed(rule_for("CA-MD").sources[0].url) in squeezed("\n".join(texts))
    assert "ABIM certification" in report
    assert "DEA registration (MATE training)" in report
    assert f"{PDF_TITLE} Harbour Medical Education 3.5 AMA PRA Category 1 Credit" in report
    assert f"{PNG_TITLE} Riverbend Medical Education 1.75 AMA PRA Category 1 Credit" in report
    assert "AMA PRA Category 1 Credit 15.25" in report  # the total per credit type


def test_it_never_prints_the_birth_date_or_the_dea_number(ledger: Ledger, tmp_path: Path) -> None:
    built = certified_physician(ledger, tmp_path)
    data = gather_audit_packet(ledger, built.physician_id, as_of=AS_OF)

    _, texts = make(ledger, data)
    report = flat("\n".join(texts))

    assert "9 Dec" not in report
    assert "12-09" not in report
    assert "AB1234563" not in report
    assert "778899" not in report  # the board ID stays sealed too


def test_it_appends_each_certificate_where_the_index_says(ledger: Ledger, tmp_path: Path) -> None:
    built = certified_physician(ledger, tmp_path, pdf_pages=2)
    data = gather_audit_packet(ledger, built.physician_id, as_of=AS_OF)

    result, texts = make(ledger, data)

    by_name = {e.evidence.document.original_name: e for e in result.appendix}
    pdf, png = by_name["sepsis-certificate.pdf"], by_name["heart-failure.png"]
    csv = by_name["acp-transcript.csv"]
    assert pdf.start_page is not None and png.start_page is not None
    for page in range(pdf.start_page, pdf.start_page + 2):
        assert "Harbour Medical Education certifies that" in texts[page - 1]
    assert "Appendix item 1 · heart-failure.png" in texts[png.start_page - 1]
    assert csv.start_page is None and csv.note is not None and "transcript" in csv.note
    index = flat(texts[result.report_pages])
    assert "Index of supporting documents" in index
    assert "acp-transcript.csv text/csv" in index
    assert f"{pdf.start_page}\u2013{pdf.start_page + 1}" in index


def test_it_has_the_report_pages_then_exactly_the_certificate_pages(
    ledger: Ledger, tmp_path: Path
) -> None:
    built = certified_physician(ledger, tmp_path, pdf_pages=3)
    data = gather_audit_packet(ledger, built.physician_id, as_of=AS_OF)

    result, texts = make(ledger, data)

    report_pages = generated_pages(texts)
    assert report_pages == result.report_pages + result.index_pages
    assert len(texts) == report_pages + built.pdf_pages + built.png_pages
    assert result.pages == len(texts)
    assert f"This packet has {len(texts)} pages" in flat(texts[result.report_pages])


def test_it_records_that_a_packet_was_made_and_the_licence_numbers_read(
    ledger: Ledger, tmp_path: Path
) -> None:
    built = certified_physician(ledger, tmp_path)
    before = ledger.audit.head()[0]

    gather_audit_packet(ledger, built.physician_id, as_of=AS_OF)

    made = [a for a in audit_actions(ledger)[before:] if a[1] == str(built.physician_id)]
    packets = [a for a in made if a[0] == events.AUDIT_PACKET_CREATED]
    assert len(packets) == 1
    assert '"as_of":"2026-11-26"' in packets[0][2]
    assert '"credits":3' in packets[0][2]
    assert '"documents":3' in packets[0][2]
    assert any(a[0] == events.LICENSE_SENSITIVE_READ for a in made)
    assert not any(a[0] == events.DEA_SENSITIVE_READ for a in made)
    assert LICENSE_NUMBER not in "".join(a[2] for a in made)


def test_it_limits_a_packet_to_one_licence_and_its_cycle(ledger: Ledger, tmp_path: Path) -> None:
    built = certified_physician(ledger, tmp_path)
    record_completion(
        ledger,
        built.physician_id,
        title="Old Course From Before The Cycle",
        provider="Demo CME",
        completed_on=date(2024, 2, 1),
        credits=[CreditClaim.awarded("ama_pra_1", "4")],
    )

    data = gather_audit_packet(ledger, built.physician_id, as_of=AS_OF, license_id=built.license_id)

    assert [o.license_id for o in data.status.obligations] == [built.license_id]
    assert [x.id for x in data.licenses] == [built.license_id]
    assert data.certifications == [] and data.dea == []
    assert data.credits_since == date(2026, 1, 1)
    titles = {c.activity.title for c in data.credits.completions}
    assert titles == {PDF_TITLE}
    _, texts = make(ledger, data)
    report = flat("\n".join(texts))
    assert "Old Course From Before The Cycle" not in report
    assert "ABIM certification" not in report


def test_it_refuses_a_licence_the_physician_does_not_hold(ledger: Ledger, tmp_path: Path) -> None:
    built = certified_physician(ledger, tmp_path)

    with pytest.raises(NotFoundError):
        gather_audit_packet(ledger, built.physician_id, as_of=AS_OF, license_id=built.physician_id)


def test_it_leaves_out_credits_after_the_as_of_date(ledger: Ledger, tmp_path: Path) -> None:
    built = certified_physician(ledger, tmp_path)

    data = gather_audit_packet(ledger, built.physician_id, as_of=date(2025, 12, 31))

    assert {c.activity.title for c in data.credits.completions} == {PNG_TITLE, "Board Review"}
    assert "sepsis-certificate.pdf" not in {e.document.original_name for e in data.evidence}


def test_it_lists_documents_past_the_cap_without_appending_them(
    ledger: Ledger, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    built = certified_physician(ledger, tmp_path, pdf_pages=2)
    monkeypatch.setattr(gathering, "MAX_APPENDED_DOCUMENTS", 1)

    data = gather_audit_packet(ledger, built.physician_id, as_of=AS_OF)
    result, texts = make(ledger, data)

    withheld = [e for e in result.appendix if e.evidence.withheld]
    assert [e.evidence.document.original_name for e in withheld] == ["sepsis-certificate.pdf"]
    assert len(texts) == result.report_pages + result.index_pages + built.png_pages
    assert "listed but not appended" in flat(texts[result.report_pages])


def test_it_lists_a_damaged_pdf_instead_of_failing(ledger: Ledger, tmp_path: Path) -> None:
    built = certified_physician(ledger, tmp_path)
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.7\n" + b"\x00garbage" * 200)
    record_completion(
        ledger,
        built.physician_id,
        title="Course With A Broken Certificate",
        provider="Demo CME",
        completed_on=date(2026, 4, 1),
        credits=[CreditClaim.awarded("ama_pra_1", "1")],
        certificate=broken,
    )

    data = gather_audit_packet(ledger, built.physician_id, as_of=AS_OF)
    result, texts = make(ledger, data)

    entry = next(e for e in result.appendix if e.evidence.document.original_name == "broken.pdf")
    assert entry.start_page is None
    assert entry.note == "not appended: the PDF is password-protected or damaged"
    assert len(texts) == result.report_pages + result.index_pages + 2 + 1


def test_it_places_each_frame_of_a_multipage_tiff_on_its_own_page(
    ledger: Ledger, tmp_path: Path
) -> None:
    built = certified_physician(ledger, tmp_path)
    first, second = page_image(dpi=60), page_image(dpi=60).rotate(180)
    scan = tmp_path / "scan.tiff"
    scan.write_bytes(encoded(first, "TIFF", save_all=True, append_images=[second]))
    record_completion(
        ledger,
        built.physician_id,
        title="Scanned Course",
        provider="Demo CME",
        completed_on=date(2026, 5, 1),
        credits=[CreditClaim.awarded("ama_pra_1", "1")],
        certificate=scan,
    )

    data = gather_audit_packet(ledger, built.physician_id, as_of=AS_OF)
    result, texts = make(ledger, data)

    entry = next(e for e in result.appendix if e.evidence.document.original_name == "scan.tiff")
    assert entry.pages == 2 and entry.start_page is not None
    assert "scan.tiff · page 1 of 2" in texts[entry.start_page - 1]
    assert "scan.tiff · page 2 of 2" in texts[entry.start_page]
    assert len(texts) == result.report_pages + result.index_pages + 2 + 1 + 2


def test_it_prints_markup_in_titles_as_text_and_fetches_nothing(
    ledger: Ledger, tmp_path: Path
) -> None:
    built = certified_physician(ledger, tmp_path)
    record_completion(
        ledger,
        built.physician_id,
        title='Evil <img src="http://127.0.0.1:9/x.png"> & Co',
        provider="Demo CME",
        completed_on=date(2026, 6, 1),
        credits=[CreditClaim.awarded("ama_pra_1", "1")],
    )

    data = gather_audit_packet(ledger, built.physician_id, as_of=AS_OF)
    _, texts = make(ledger, data)

    assert 'Evil <img src="http://127.0.0.1:9/x.png"> & Co' in flat("\n".join(texts))


def test_it_names_the_file_in_plain_ascii_without_separators() -> None:
    assert (
        packet_filename('Núñez/../"x"\r\n', date(2026, 11, 26))
        == "cme-audit-packet-nunez-x-2026-11-26.pdf"
    )
    assert packet_filename("李", date(2026, 11, 26)) == "cme-audit-packet-physician-2026-11-26.pdf"


def test_it_sums_up_the_credits_that_did_not_count_instead_of_listing_them() -> None:
    notes = explained(("rule X", "counted 2 h 'A'", "not counted: 'B'", "not counted: 'C'"))

    assert notes.lines == ("rule X", "counted 2 h 'A'")
    assert notes.omitted is not None and notes.omitted.startswith("2 credits in the table")


def test_it_stands_in_for_a_document_that_fails_while_being_copied(
    ledger: Ledger, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    built = certified_physician(ledger, tmp_path)
    data = gather_audit_packet(ledger, built.physician_id, as_of=AS_OF)

    def unreadable(*_: object) -> Iterator[str]:
        raise OSError("truncated image")

    monkeypatch.setattr(packet_report, "_image_frames_uris", unreadable)
    result, texts = make(ledger, data)

    png = next(e for e in result.appendix if e.evidence.document.original_name.endswith(".png"))
    assert png.start_page is not None
    assert "could not be reproduced here" in flat(texts[png.start_page - 1])
    assert len(texts) == result.report_pages + result.index_pages + built.pdf_pages + 1
