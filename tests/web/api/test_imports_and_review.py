"""Uploads imported in the background, their progress, and the review queue they feed."""

from __future__ import annotations

from decimal import Decimal
from io import BytesIO
from typing import Any

import pytest
from fastapi.testclient import TestClient

from cmeledger.actions import import_batches
from cmeledger.actions.import_batches import work_import_batches
from cmeledger.settings import Settings
from cmeledger.storage.ledger import Store
from tests.web.accounts import OWNER, Tenant, a_tenant, sign_in
from tests.web.api.conftest import a_certificate, is_problem, org_admin_of, physician_url

AS_OF = {"as_of": "2026-11-26"}
PDF = "application/pdf"


def _ca_earned(client: TestClient, tenant: Tenant) -> Decimal:
    status = client.get(physician_url(tenant, "/compliance"), params=AS_OF).json()
    (ca,) = [o for o in status["obligations"] if o["jurisdiction"] == "CA"]
    return Decimal(ca["earned_hours"])


def _upload(client: TestClient, tenant: Tenant, files: list[tuple[str, bytes]]) -> Any:
    answer = client.post(
        physician_url(tenant, "/imports"), files=[("files", (n, d, PDF)) for n, d in files]
    )
    assert answer.status_code == 202, answer.text
    return answer


def _flagged_upload(
    client: TestClient, tenant: Tenant, store: Store, settings: Settings
) -> dict[str, Any]:
    """One certificate made out to someone else, imported: its open review item."""
    _upload(client, tenant, [("other.pdf", a_certificate(learner="Zed Other, MD"))])
    work_import_batches(store, settings, "test-worker", limit=5)
    (item,) = client.get(physician_url(tenant, "/review")).json()["items"]
    return dict(item)


def test_it_imports_uploads_in_the_background_and_review_changes_compliance(
    client: TestClient, ada: Tenant, fresh_store: Store, web_settings: Settings
) -> None:
    before = _ca_earned(client, ada)
    answer = _upload(
        client,
        ada,
        [
            ("clean.pdf", a_certificate(title="Heart Failure in Primary Care")),
            ("flagged.pdf", a_certificate(learner="Zed Other, MD", title="Asthma Update")),
        ],
    )
    queued = answer.json()
    assert answer.headers["location"] == queued["status_url"]
    assert (queued["state"], queued["done"], queued["total"], queued["report"]) == (
        "queued",
        0,
        2,
        [],
    )
    assert client.get(queued["status_url"]).json()["state"] == "queued"

    assert work_import_batches(fresh_store, web_settings, "test-worker", limit=5) == 1

    progress = client.get(queued["status_url"]).json()
    assert (progress["state"], progress["done"], progress["total"]) == ("done", 2, 2)
    clean, flagged = progress["report"]
    assert (clean["status"], clean["imported"], flagged["needs_review"]) == ("imported", 1, 1)
    assert _ca_earned(client, ada) == before + Decimal("1.75")
    listed = client.get(physician_url(ada, "/imports")).json()
    assert listed["total"] == 1 and listed["items"][0]["id"] == queued["id"]

    items = client.get(physician_url(ada, "/review")).json()
    assert items["total"] == 1
    item = items["items"][0]
    assert item["status"] == "open" and item["page"] == 1
    assert any("made out to" in reason for reason in item["reasons"])
    assert item["extracted"]["title"] == "Asthma Update"
    assert item["extracted"]["learner_name"] == "Zed Other"
    assert item["document_id"] == flagged_document(progress)
    page = client.get(item["page_image_url"])
    assert page.status_code == 200 and page.headers["content-type"] == "image/png"
    assert client.get(physician_url(ada, f"/review/{item['id']}")).json() == item

    accepted = client.post(
        physician_url(ada, f"/review/{item['id']}/accept"),
        json={
            "title": "Asthma Update 2026",
            "credits": {"ama_pra_1": "1.5"},
            "topics": ["pain management"],
        },
    )
    assert accepted.status_code == 200, accepted.text
    decision = accepted.json()
    assert decision["status"] == "accepted"
    credit = client.get(decision["credit_url"]).json()
    assert credit["title"] == "Asthma Update 2026"
    assert credit["credits"][0]["amount"] == "1.5"
    assert credit["topics"] == ["pain_management"]
    (evidence,) = credit["provenance"]
    assert (evidence["method"], evidence["document_id"], evidence["page"]) == (
        "reviewed",
        item["document_id"],
        1,
    )
    assert _ca_earned(client, ada) == before + Decimal("1.75") + Decimal("1.5")

    twice = client.post(physician_url(ada, f"/review/{item['id']}/accept"), json={})
    assert twice.status_code == 409 and is_problem(twice.headers["content-type"])
    assert client.get(physician_url(ada, "/review")).json()["total"] == 0
    decided = client.get(physician_url(ada, f"/review/{item['id']}")).json()
    assert decided["status"] == "accepted"


def flagged_document(progress: dict[str, Any]) -> str:
    return str(progress["files"][1]["document_id"])


def test_it_rejects_a_review_item_and_counts_nothing_from_it(
    client: TestClient, ada: Tenant, fresh_store: Store, web_settings: Settings
) -> None:
    item = _flagged_upload(client, ada, fresh_store, web_settings)
    before = _ca_earned(client, ada)
    answer = client.post(physician_url(ada, f"/review/{item['id']}/reject"))
    assert answer.status_code == 200
    assert answer.json() == {
        "id": item["id"],
        "status": "rejected",
        "completion_id": None,
        "credit_url": None,
    }
    assert _ca_earned(client, ada) == before
    assert client.get(physician_url(ada, "/credits")).json()["total"] == 1


def test_it_accepts_an_item_only_once_its_missing_fields_are_corrected(
    client: TestClient, ada: Tenant, fresh_store: Store
) -> None:
    record = {
        "source_kind": "certificate",
        "title": None,
        "provider": "Riverbend Medical Education",
        "completion_date": "2026-06-03",
        "credits": [{"type": "ama_pra_1", "amount": "1.5", "role": "awarded"}],
    }
    with fresh_store.ledger(OWNER) as ledger:
        item_id = ledger.review.add(
            ada.physician_id,
            kind="extracted",
            reasons=["no title found"],
            record=record,
            document_sha256=None,
            page=None,
        )
    url = physician_url(ada, f"/review/{item_id}/accept")
    item = client.get(physician_url(ada, f"/review/{item_id}")).json()
    assert item["document_id"] is None and item["page_image_url"] is None
    refused = client.post(url, json={})
    assert refused.status_code == 422 and "no title" in refused.json()["detail"]
    unknown = client.post(url, json={"credits": {"no_such_type": "1"}})
    assert unknown.status_code == 422 and "unknown credit type" in unknown.json()["detail"]
    accepted = client.post(url, json={"title": "Sepsis Bundles", "completed_on": "2026-06-04"})
    assert accepted.status_code == 200, accepted.text
    credit = client.get(accepted.json()["credit_url"]).json()
    assert (credit["title"], credit["completed_on"]) == ("Sepsis Bundles", "2026-06-04")


def test_it_stores_path_like_upload_names_under_their_last_part(
    client: TestClient, ada: Tenant, fresh_store: Store, web_settings: Settings
) -> None:
    queued = _upload(
        client,
        ada,
        [
            ("../../etc/passwd.pdf", a_certificate(title="One")),
            ("C:\\x\\evil.pdf", a_certificate(title="Two")),
        ],
    ).json()
    assert [f["name"] for f in queued["files"]] == ["passwd.pdf", "evil.pdf"]
    work_import_batches(fresh_store, web_settings, "test-worker", limit=5)
    documents = client.get(physician_url(ada, "/documents")).json()["items"]
    assert sorted(d["name"] for d in documents) == ["evil.pdf", "passwd.pdf"]
    for document in documents:
        disposition = client.get(document["content_url"]).headers["content-disposition"]
        assert f'filename="{document["name"]}"' in disposition


def test_it_reports_a_file_it_cannot_read_without_failing_the_batch(
    client: TestClient, ada: Tenant, fresh_store: Store, web_settings: Settings
) -> None:
    queued = _upload(
        client, ada, [("broken.pdf", b"%PDF-1.4 not really"), ("ok.pdf", a_certificate())]
    ).json()
    work_import_batches(fresh_store, web_settings, "test-worker", limit=5)
    broken, ok = client.get(queued["status_url"]).json()["report"]
    assert broken["status"] == "failed" and broken["error"]
    assert ok["status"] == "imported"


def test_it_refuses_an_oversized_file_in_an_import(client: TestClient, ada: Tenant) -> None:
    answer = client.post(
        physician_url(ada, "/imports"),
        files=[("files", ("big.pdf", b"%PDF-" + b"0" * (1024 * 1024), PDF))],
    )
    assert answer.status_code == 413 and is_problem(answer.headers["content-type"])
    assert client.get(physician_url(ada, "/imports")).json()["total"] == 0


def test_it_hides_another_tenants_imports_and_review_items(
    client: TestClient,
    tenant: Tenant,
    other_tenant: Tenant,
    fresh_store: Store,
    web_settings: Settings,
) -> None:
    sign_in(client, other_tenant.email)
    queued = _upload(client, other_tenant, [("x.pdf", a_certificate(learner="Zed Other"))]).json()
    work_import_batches(fresh_store, web_settings, "test-worker", limit=5)
    (item,) = client.get(physician_url(other_tenant, "/review")).json()["items"]
    client.cookies.clear()
    sign_in(client, tenant.email)
    reads = [
        physician_url(other_tenant, "/imports"),
        physician_url(other_tenant, f"/imports/{queued['id']}"),
        physician_url(tenant, f"/imports/{queued['id']}"),
        physician_url(other_tenant, "/review"),
        physician_url(other_tenant, f"/review/{item['id']}"),
        physician_url(tenant, f"/review/{item['id']}"),
    ]
    for url in reads:
        assert client.get(url).status_code == 404, url
    for owner in (other_tenant, tenant):
        for verb in ("accept", "reject"):
            url = physician_url(owner, f"/review/{item['id']}/{verb}")
            answer = client.post(url, json={}) if verb == "accept" else client.post(url)
            assert answer.status_code == 404, url
    uploaded = client.post(
        physician_url(other_tenant, "/imports"), files=[("files", ("y.pdf", a_certificate(), PDF))]
    )
    assert uploaded.status_code == 404


def test_it_refuses_imports_and_review_decisions_from_an_organisation_admin(
    client: TestClient, tenant: Tenant, fresh_store: Store, web_settings: Settings
) -> None:
    sign_in(client, tenant.email)
    item = _flagged_upload(client, tenant, fresh_store, web_settings)
    client.cookies.clear()
    sign_in(client, org_admin_of(fresh_store, tenant))
    assert client.get(physician_url(tenant, "/review")).json()["total"] == 1
    refused = [
        client.post(
            physician_url(tenant, "/imports"), files=[("files", ("y.pdf", a_certificate(), PDF))]
        ),
        client.post(physician_url(tenant, f"/review/{item['id']}/accept"), json={}),
        client.post(physician_url(tenant, f"/review/{item['id']}/reject")),
    ]
    assert [a.status_code for a in refused] == [403, 403, 403]
    assert all("may read" in a.json()["detail"] for a in refused)


def test_it_settles_a_batch_whose_import_crashes_so_nobody_waits_on_it(
    fresh_store: Store, web_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    ada = a_tenant(fresh_store, "crash")
    with fresh_store.ledger(OWNER) as ledger:
        batch = import_batches.queue_import(
            ledger, ada.physician_id, [("a.pdf", BytesIO(b"%PDF-1.4 x")), ("b.csv", BytesIO(b"x"))]
        )

    def explode(*_: object, **__: object) -> object:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(import_batches, "extract_bytes", explode)
    with pytest.raises(RuntimeError):
        import_batches.work_import_batches(fresh_store, web_settings, "test-worker", limit=1)
    with fresh_store.ledger(OWNER) as ledger:
        settled = ledger.imports.get(batch.id)
    assert settled.state == "done" and settled.done == 2
    assert all("upload this file again" in r["error"] for r in settled.report)
