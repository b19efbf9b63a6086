"""Uploading without JavaScript, watching the batch, and correcting a record in review."""

from __future__ import annotations

import re
from uuid import UUID

from fastapi.testclient import TestClient

from cmeledger.actions.credits import ledger_view
from cmeledger.actions.import_batches import run_batch
from cmeledger.settings import Settings
from cmeledger.storage.ledger import Store
from tests.importers.certificates.builders import certificate_pdf
from tests.web.accounts import OWNER, Tenant, sign_in

HTMX = {"HX-Request": "true"}


def _upload(client: TestClient, token: str, *files: tuple[str, bytes]) -> UUID:
    """The plain form's POST, as a browser without JavaScript sends it."""
    del client.headers["X-CSRF-Token"]
    answer = client.post(
        "/upload",
        data={"csrf_token": token},
        files=[("files", (name, data, "application/pdf")) for name, data in files],
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    found = re.fullmatch(r"/upload\?batch=([0-9a-f-]+)#batch-\1", answer.headers["location"])
    assert found, answer.headers["location"]
    return UUID(found.group(1))


def test_it_queues_a_batch_from_the_form_and_polls_until_it_is_done(
    client: TestClient, tenant: Tenant, fresh_store: Store, web_settings: Settings
) -> None:
    token = sign_in(client, tenant.email)
    batch_id = _upload(client, token, ("cert.pdf", certificate_pdf()))
    page = client.get(f"/upload?batch={batch_id}").text
    assert "Your files are uploaded" in page
    assert f'hx-get="/upload/batches/{batch_id}" hx-trigger="every 1s"' in page
    assert "Waiting to start" in page
    run_batch(fresh_store, web_settings, batch_id)
    fragment = client.get(f"/upload/batches/{batch_id}", headers=HTMX)
    assert fragment.status_code == 200
    assert "<html" not in fragment.text
    assert "hx-trigger" not in fragment.text  # done: the polling stops
    assert "Done: 1 of 1 read." in fragment.text
    assert "1 need review" in fragment.text
    assert "made out to" in fragment.text


def test_it_reports_a_file_that_could_not_be_read(
    client: TestClient, tenant: Tenant, fresh_store: Store, web_settings: Settings
) -> None:
    token = sign_in(client, tenant.email)
    batch_id = _upload(client, token, ("broken.pdf", b"%PDF-1.7 this is not a PDF"))
    run_batch(fresh_store, web_settings, batch_id)
    page = client.get("/upload").text
    assert re.search(r'<li class="file failed">.*?<strong>Failed:</strong> \S', page, re.S)


def test_it_refuses_an_upload_with_no_file(client: TestClient, tenant: Tenant) -> None:
    sign_in(client, tenant.email)
    answer = client.post("/upload", files=[("files", ("", b"", "application/octet-stream"))])
    assert answer.status_code == 422
    assert "no files were sent" in answer.text


def test_it_sends_a_browser_asking_for_a_batch_fragment_to_the_upload_page(
    client: TestClient, tenant: Tenant, fresh_store: Store
) -> None:
    token = sign_in(client, tenant.email)
    batch_id = _upload(client, token, ("cert.pdf", certificate_pdf()))
    answer = client.get(f"/upload/batches/{batch_id}", follow_redirects=False)
    assert answer.headers["location"] == f"/upload?batch={batch_id}"


def test_it_accepts_a_corrected_record_from_the_review_page(
    client: TestClient, tenant: Tenant, fresh_store: Store, web_settings: Settings
) -> None:
    token = sign_in(client, tenant.email)
    batch_id = _upload(client, token, ("cert.pdf", certificate_pdf()))
    run_batch(fresh_store, web_settings, batch_id)
    queue = client.get("/review").text
    item = re.search(r'href="/review/([0-9a-f-]+)"', queue)
    assert item, queue
    page = client.get(f"/review/{item.group(1)}").text
    with fresh_store.ledger(OWNER) as ledger:
        [document] = ledger.documents.for_physician(tenant.physician_id)
    image = f'src="/api/v1/physicians/{tenant.physician_id}/documents/{document.id}/pages/1.png"'
    assert image in page
    assert '<p class="flagged">Made out to: <strong>Ada Demo</strong>' in page
    assert 'value="Heart Failure in Primary Care"' in page
    answer = client.post(
        f"/review/{item.group(1)}/accept",
        data={
            "csrf_token": token,
            "action": "accept",
            "title": "Heart Failure in Primary Care (2025 update)",
            "provider": "Riverbend Medical Education",
            "date": "2025-06-03",
            "format": "enduring",
            "credit_type_0": "ama_pra_1",
            "credit_amount_0": "1.75",
            "topic": "",
        },
        follow_redirects=False,
    )
    assert answer.status_code == 303
    assert "Accepted" in client.get(answer.headers["location"]).text
    with fresh_store.ledger(OWNER) as ledger:
        titles = {c.activity.title for c in ledger_view(ledger, tenant.physician_id).completions}
        assert ledger.review.open_items(tenant.physician_id) == []
    assert "Heart Failure in Primary Care (2025 update)" in titles
    assert "Nothing waits for review" in client.get("/review").text
    transcript = client.get("/transcript", params={"q": "2025 update"}).text
    link = f'href="/api/v1/physicians/{tenant.physician_id}/documents/{document.id}/content"'
    assert re.search(
        rf"certificate, reviewed, confidence 100%\s+— <a {link}>cert.pdf</a>, page 1", transcript
    )


def test_it_highlights_doubtful_fields_and_keeps_a_refused_correction_on_the_form(
    client: TestClient, tenant: Tenant, fresh_store: Store
) -> None:
    with fresh_store.ledger(OWNER) as ledger:
        item_id = ledger.review.add(
            tenant.physician_id,
            kind="extracted",
            reasons=["low confidence in title (0.41)"],
            record={
                "title": "Sepsi5 Updat3",
                "provider": "Test Society",
                "completion_date": "2026-05-02",
                "source_kind": "certificate",
                "credits": [{"type": "ama_pra_1", "amount": "1", "role": "awarded"}],
                "field_confidence": {"title": 0.41, "provider": 0.97, "credits": 0.95},
            },
            document_sha256=None,
            page=None,
        )
    sign_in(client, tenant.email)
    page = client.get(f"/review/{item_id}").text
    assert 'name="title" value="Sepsi5 Updat3" maxlength="500" class="flagged"' in page
    assert 'name="provider" value="Test Society" maxlength="500">' in page
    assert "the title was read with low confidence (41%)" in page
    refused = client.post(
        f"/review/{item_id}/accept",
        data={
            "action": "accept",
            "title": "Sepsis Update",
            "credit_type_0": "ama_pra_1",
            "credit_amount_0": "",
            "provider": "Test Society",
            "date": "2026-05-02",
            "format": "other",
        },
    )
    assert refused.status_code == 422
    assert "no awarded credit" in refused.text
    assert 'value="Sepsis Update"' in refused.text
    with fresh_store.ledger(OWNER) as ledger:
        assert len(ledger.review.open_items(tenant.physician_id)) == 1


def test_it_rejects_a_record(client: TestClient, tenant: Tenant, fresh_store: Store) -> None:
    with fresh_store.ledger(OWNER) as ledger:
        item_id = ledger.review.add(
            tenant.physician_id,
            kind="extracted",
            reasons=["not a certificate"],
            record={"title": "Parking receipt", "credits": []},
            document_sha256=None,
            page=None,
        )
    sign_in(client, tenant.email)
    answer = client.post(f"/review/{item_id}/reject")
    assert "Rejected" in answer.text
    with fresh_store.ledger(OWNER) as ledger:
        assert ledger.review.open_items(tenant.physician_id) == []


def test_it_gives_404_for_another_tenants_review_item(
    client: TestClient, tenant: Tenant, other_tenant: Tenant, fresh_store: Store
) -> None:
    with fresh_store.ledger(OWNER) as ledger:
        item_id = ledger.review.add(
            other_tenant.physician_id,
            kind="extracted",
            reasons=["low confidence in title (0.41)"],
            record={"title": "Bea's secret course", "credits": []},
            document_sha256=None,
            page=None,
        )
    sign_in(client, tenant.email)
    assert client.get(f"/review/{item_id}").status_code == 404
    assert client.post(f"/review/{item_id}/reject").status_code == 404
    with fresh_store.ledger(OWNER) as ledger:
        assert len(ledger.review.open_items(other_tenant.physician_id)) == 1
