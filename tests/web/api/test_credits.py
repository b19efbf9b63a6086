"""Credits over the API: pages, filters, sorting, manual entry, provenance, topic changes."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from cmeledger.storage.ledger import Store
from tests.web.accounts import Tenant, sign_in
from tests.web.api.conftest import is_problem, org_admin_of, physician_url


def _add(client: TestClient, tenant: Tenant, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": "Opioid Prescribing Safety",
        "provider": "State Medical Society",
        "completed_on": "2026-05-10",
        "credits": {"ama_pra_1": "2.5"},
        "topics": ["opioid-prescribing"],
        "format": "live",
    }
    body.update(overrides)
    answer = client.post(physician_url(tenant, "/credits"), json=body)
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def test_it_records_a_manual_credit_with_hours_as_decimal_text(
    client: TestClient, ada: Tenant
) -> None:
    made = _add(client, ada)
    assert made["credits"] == [
        {"type": "ama_pra_1", "label": made["credits"][0]["label"], "amount": "2.5"}
    ]
    assert made["topics"] == ["opioid_prescribing"] and made["sources"] == ["manual"]
    assert made["provenance"] == [
        {
            "source_kind": "manual",
            "method": "entered by hand",
            "confidence": "1",
            "document_id": None,
            "document_sha256": None,
            "page": None,
        }
    ]
    fetched = client.get(physician_url(ada, f"/credits/{made['id']}"))
    assert fetched.json() == made


def test_it_refuses_credit_it_cannot_count(client: TestClient, ada: Tenant) -> None:
    bad_bodies: list[dict[str, object]] = [
        {"credits": {"no_such_type": "1"}},
        {"credits": {"ama_pra_1": "0.3"}},
        {"credits": {"ama_pra_1": "0"}},
        {"credits": {"moc_abp_ll": "1.5"}},
        {"credits": {"ama_pra_1": "1000"}},
        {"credits": {}},
        {"title": "bad\u0000title"},
        {"completed_on": "0001-01-01"},
    ]
    base: dict[str, object] = {
        "title": "T",
        "provider": "P",
        "completed_on": "2026-05-10",
        "credits": {"ama_pra_1": "1"},
    }
    for bad in bad_bodies:
        answer = client.post(physician_url(ada, "/credits"), json={**base, **bad})
        assert answer.status_code == 422, bad
        assert is_problem(answer.headers["content-type"])


def test_it_pages_filters_and_sorts_credits(client: TestClient, ada: Tenant) -> None:
    _add(client, ada, title="Alpha sepsis update", completed_on="2025-01-15")
    _add(
        client,
        ada,
        title="Beta 100% of cases",
        completed_on="2026-07-01",
        credits={"ama_pra_1": "10"},
    )
    url = physician_url(ada, "/credits")

    everything = client.get(url).json()
    assert everything["total"] == 3  # with the tenant's own credit from 2026-03-01
    dates = [c["completed_on"] for c in everything["items"]]
    assert dates == sorted(dates, reverse=True)

    page = client.get(url, params={"limit": 1, "offset": 1, "sort": "date"}).json()
    assert page["total"] == 3 and page["limit"] == 1 and page["offset"] == 1
    assert page["items"][0]["completed_on"] == "2026-03-01"

    by_hours = client.get(url, params={"sort": "-hours"}).json()["items"]
    assert by_hours[0]["title"] == "Beta 100% of cases"
    by_title = client.get(url, params={"sort": "title"}).json()["items"]
    assert [c["title"][:4] for c in by_title] == ["Ada'", "Alph", "Beta"]

    found = client.get(url, params={"q": "SEPSIS"}).json()
    assert found["total"] == 2
    literal = client.get(url, params={"q": "100%"}).json()
    assert [c["title"] for c in literal["items"]] == ["Beta 100% of cases"]
    assert client.get(url, params={"q": "_"}).json()["total"] == 0

    window = client.get(url, params={"since": "2026-01-01", "until": "2026-06-30"}).json()
    assert [c["completed_on"] for c in window["items"]] == ["2026-03-01"]
    assert client.get(url, params={"source": "certificate"}).json()["total"] == 0
    assert client.get(url, params={"source": "manual"}).json()["total"] == 3

    for bad in ({"sort": "size"}, {"limit": 0}, {"since": "2026-13-01"}, {"until": "3000-01-01"}):
        answer = client.get(url, params=bad)
        assert answer.status_code == 422, bad
        assert is_problem(answer.headers["content-type"])


def test_it_changes_topics_only_with_the_current_etag(client: TestClient, ada: Tenant) -> None:
    url = physician_url(ada, f"/credits/{ada.completion_id}")
    etag = client.get(url).headers["etag"]
    assert client.patch(url, json={"topics": ["pain_management"]}).status_code == 428
    first = client.patch(url, json={"topics": ["Pain Management"]}, headers={"If-Match": etag})
    assert first.status_code == 200, first.text
    assert first.json()["topics"] == ["pain_management"]
    lost = client.patch(url, json={"topics": []}, headers={"If-Match": etag})
    assert lost.status_code == 412
    assert client.get(url).json()["topics"] == ["pain_management"]
    weak = client.patch(
        url, json={"topics": []}, headers={"If-Match": f"W/{first.headers['etag']}"}
    )
    assert weak.status_code == 412
    cleared = client.patch(url, json={"topics": []}, headers={"If-Match": first.headers["etag"]})
    assert cleared.status_code == 200 and cleared.json()["topics"] == []


def test_it_hides_another_tenants_credits(
    client: TestClient, ada: Tenant, other_tenant: Tenant
) -> None:
    theirs = physician_url(other_tenant, f"/credits/{other_tenant.completion_id}")
    mixed = physician_url(ada, f"/credits/{other_tenant.completion_id}")
    assert client.get(physician_url(other_tenant, "/credits")).status_code == 404
    assert client.get(theirs).status_code == 404
    assert client.get(mixed).status_code == 404
    assert client.patch(mixed, json={"topics": []}, headers={"If-Match": "*"}).status_code == 404
    posted = client.post(
        physician_url(other_tenant, "/credits"),
        json={
            "title": "T",
            "provider": "P",
            "completed_on": "2026-05-10",
            "credits": {"ama_pra_1": "1"},
        },
    )
    assert posted.status_code == 404


def test_it_refuses_credit_changes_from_an_organisation_admin(
    client: TestClient, tenant: Tenant, fresh_store: Store
) -> None:
    sign_in(client, org_admin_of(fresh_store, tenant))
    url = physician_url(tenant, f"/credits/{tenant.completion_id}")
    assert client.get(physician_url(tenant, "/credits")).json()["total"] == 1
    etag = client.get(url).headers["etag"]
    assert client.patch(url, json={"topics": []}, headers={"If-Match": etag}).status_code == 403
    posted = client.post(
        physician_url(tenant, "/credits"),
        json={
            "title": "T",
            "provider": "P",
            "completed_on": "2026-05-10",
            "credits": {"ama_pra_1": "1"},
        },
    )
    assert posted.status_code == 403
