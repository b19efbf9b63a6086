"""A physician in a real browser: signs in, uploads a certificate the importer doubts,
corrects the flagged field in review, sees the licence card move, and downloads the audit
packet with the certificate in it."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pypdfium2 as pdfium
from playwright.sync_api import FilePayload, Locator, Page, expect

from tests.e2e.browser import Camera, Window, sign_in
from tests.e2e.portal import Certificate
from tests.web.accounts import Tenant

BATCH_TIMEOUT_MS = 30_000  # the server's worker polls every 0.5 s; OCR is not needed here


def licence_card(page: Page) -> Locator:
    return page.locator("article.card").filter(
        has=page.get_by_role("heading", name=re.compile(r"\bCA\b|California"))
    )


def earned_hours(page: Page) -> Decimal:
    """The hours the CA licence card says are earned."""
    card = licence_card(page)
    expect(card).to_have_count(1)
    return Decimal(card.locator("p[id^='hours-'] strong").first.inner_text())


def pdf_text(path: Path) -> str:
    document = pdfium.PdfDocument(path)
    try:
        return "\n".join(page.get_textpage().get_text_range() for page in document)
    finally:
        document.close()


def test_it_takes_a_doubtful_certificate_through_review_into_the_audit_packet(
    window: Window, ada: Tenant, camera: Camera
) -> None:
    page = window.page
    certificate = Certificate(learner="Ada Tester")

    page.goto("/login")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    camera.shoot(page, "login")
    sign_in(page, window.base_url, ada.email)

    expect(page.get_by_role("heading", level=1)).to_contain_text("CME status on")
    expect(licence_card(page)).to_be_visible()
    before = earned_hours(page)
    camera.shoot(page, "dashboard-before")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Upload").click()
    dropzone = page.locator(".dropzone")
    expect(dropzone).to_be_visible()  # shown only once app.js has run
    payload: FilePayload = {
        "name": "afib-certificate.pdf",
        "mimeType": "application/pdf",
        "buffer": certificate.pdf(),
    }
    with page.expect_response(
        lambda r: (
            r.request.method == "POST"
            and r.url.endswith(f"/api/v1/physicians/{ada.physician_id}/imports")
        )
    ) as posted:
        dropzone.locator("input[type=file]").set_input_files(files=[payload])
    assert posted.value.status == 202, posted.value.text()
    assert "status_url" in posted.value.json()
    uploaded = page.locator("#upload-list li")
    expect(uploaded).to_have_class("ok")
    expect(uploaded.locator(".state")).to_have_text("uploaded")
    expect(uploaded.locator("progress")).to_have_attribute("value", "100")
    batch = page.locator("#batches article.batch").first
    expect(batch.locator(".batch-state")).to_have_text(
        "Done: 1 of 1 read.", timeout=BATCH_TIMEOUT_MS
    )
    expect(batch.locator("li.file .outcome")).to_have_text("1 need review")
    camera.shoot(page, "upload")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Review").click()
    expect(page.get_by_role("heading", name="Review queue")).to_be_visible()
    expect(page.locator("main")).to_contain_text("no date found")
    camera.shoot(page, "review-list")
    page.get_by_role("link", name=certificate.title).click()

    expect(page.get_by_role("heading", level=1)).to_have_text(f"Review: {certificate.title}")
    image = page.locator("figure img")
    expect(image).to_be_visible()
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=image.element_handle()
    )
    assert image.evaluate("img => img.naturalWidth") > 0
    date_field = page.get_by_label("Completed on")
    expect(date_field).to_have_class(re.compile(r"\bflagged\b"))
    expect(date_field).to_have_attribute("aria-invalid", "true")
    expect(date_field).to_have_value("")
    expect(page.locator("#why-date")).to_contain_text("Check this:")
    for other in ("Title", "Provider"):
        expect(page.get_by_label(other)).not_to_have_class(re.compile(r"\bflagged\b"))
    expect(page.get_by_label("Title")).to_have_value(certificate.title)
    expect(page.get_by_label("Amount 1")).to_have_value(certificate.hours)
    camera.shoot(page, "review-item")

    date_field.fill(certificate.completed_on)
    with page.expect_navigation():
        page.get_by_role("button", name="Accept with these corrections").click()
    expect(page.get_by_role("status")).to_have_text("Accepted: the credit is in your ledger.")
    expect(page.locator("main")).to_contain_text("Nothing waits for review.")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Dashboard").click()
    expect(licence_card(page)).to_be_visible()
    assert earned_hours(page) == before + Decimal(certificate.hours)
    camera.shoot(page, "dashboard-after")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Transcript").click()
    row = page.locator("#credits tbody tr").filter(has_text=certificate.title)
    expect(row).to_have_count(1)
    expect(row).to_contain_text(date.fromisoformat(certificate.completed_on).strftime("%-d %b %Y"))
    expect(row).to_contain_text(f"{certificate.hours} AMA PRA Category 1")
    expect(row.locator(".badge.source-certificate")).to_have_text("certificate")
    camera.shoot(page, "transcript")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Exports").click()
    camera.shoot(page, "exports")
    with page.expect_download() as downloading:
        page.get_by_role("link", name="Download the audit packet (PDF)").click()
    download = downloading.value
    assert download.failure() is None
    assert download.suggested_filename.endswith(".pdf")
    text = pdf_text(download.path())
    for expected in (
        "Ada Tester",
        "CA MD licence",
        certificate.title,
        certificate.statement,  # printed only on the appended certificate itself
        f"{certificate.learner}, MD",
    ):
        assert expected in text, f"{expected!r} is not in the audit packet"

    assert window.complaints.seen == []
