"""Physicians, licences, certifications, DEA registrations and delegates over the API."""

from __future__ import annotations

from uuid import uuid4

from fastapi.testclient import TestClient

from cmeledger.audit import events
from cmeledger.storage.ledger import Store
from tests.web.accounts import OWNER, Tenant, sign_in
from tests.web.api.conftest import (
    API,
    audit_actions,
    delegate_of,
    is_problem,
    org_admin_of,
    physician_url,
)


def test_it_lists_only_the_physicians_in_the_callers_scope(
    client: TestClient, ada: Tenant, other_tenant: Tenant
) -> None:
    page = client.get(f"{API}/physicians").json()
    assert page["total"] == 1
    assert [p["id"] for p in page["items"]] == [str(ada.physician_id)]
    assert page["items"][0]["display_name"] == "Ada Tester, MD"


def test_it_answers_404_problems_for_another_tenants_physician_everywhere(
    client: TestClient, ada: Tenant, other_tenant: Tenant
) -> None:
    paths = [
        "",
        "/licenses",
        f"/licenses/{other_tenant.license_id}",
        "/certifications",
        f"/certifications/{other_tenant.certification_id}",
        "/dea-registrations",
        f"/dea-registrations/{other_tenant.dea_id}",
        "/delegates",
    ]
    for rest in paths:
        answer = client.get(physician_url(other_tenant, rest))
        assert answer.status_code == 404, rest
        assert is_problem(answer.headers["content-type"]), rest
        assert other_tenant.email not in answer.text
    patched = client.patch(
        physician_url(other_tenant), json={"first_name": "Mallory"}, headers={"If-Match": "*"}
    )
    assert patched.status_code == 404


def test_it_does_not_show_another_tenants_licence_under_ones_own_physician(
    client: TestClient, ada: Tenant, other_tenant: Tenant
) -> None:
    for rest in (
        f"/licenses/{other_tenant.license_id}",
        f"/certifications/{other_tenant.certification_id}",
        f"/dea-registrations/{other_tenant.dea_id}",
    ):
        assert client.get(physician_url(ada, rest)).status_code == 404


def test_it_changes_a_profile_only_with_the_current_etag(client: TestClient, ada: Tenant) -> None:
    first = client.get(physician_url(ada))
    etag = first.headers["etag"]
    assert etag.startswith('"') and first.json()["birth"] == "03-14"

    missing = client.patch(physician_url(ada), json={"first_name": "Adah"})
    assert missing.status_code == 428 and is_problem(missing.headers["content-type"])

    changed = client.patch(
        physician_url(ada), json={"first_name": "Adah", "npi": None}, headers={"If-Match": etag}
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["first_name"] == "Adah"
    assert changed.headers["etag"] != etag
    assert client.get(physician_url(ada)).headers["etag"] == changed.headers["etag"]

    # A second writer still holding the first ETag would overwrite the change: refused.
    stale = client.patch(physician_url(ada), json={"last_name": "Lost"}, headers={"If-Match": etag})
    assert stale.status_code == 412
    assert stale.headers["etag"] == changed.headers["etag"]
    assert client.get(physician_url(ada)).json()["last_name"] == "Tester"


def test_it_refuses_profile_values_the_domain_rejects(client: TestClient, ada: Tenant) -> None:
    etag = client.get(physician_url(ada)).headers["etag"]
    for body in ({"npi": "1234567890"}, {"birth": "02-30"}, {"first_name": None}, {"x": 1}):
        answer = client.patch(physician_url(ada), json=body, headers={"If-Match": etag})
        assert answer.status_code == 422, body
        assert is_problem(answer.headers["content-type"])


def test_it_updates_the_birth_day_sealed_and_audits_the_change(
    client: TestClient, ada: Tenant, fresh_store: Store
) -> None:
    etag = client.get(physician_url(ada)).headers["etag"]
    answer = client.patch(physician_url(ada), json={"birth": "7-4"}, headers={"If-Match": etag})
    assert answer.json()["birth"] == "07-04"
    with fresh_store.ledger(OWNER) as ledger:
        assert str(ledger.physicians.get(ada.physician_id).birth) == "07-04"
    assert "physician.updated" in audit_actions(fresh_store)


def test_it_masks_numbers_in_lists_and_shows_them_whole_on_one_record(
    client: TestClient, ada: Tenant
) -> None:
    listed = client.get(physician_url(ada, "/licenses")).json()
    assert len(listed) == 1 and "number" not in listed[0]
    one = client.get(physician_url(ada, f"/licenses/{ada.license_id}")).json()
    assert one["number"].endswith(listed[0]["number_hint"].lstrip("…"))
    assert len(listed[0]["number_hint"]) == 4

    certs = client.get(physician_url(ada, "/certifications")).json()
    cert = client.get(physician_url(ada, f"/certifications/{ada.certification_id}")).json()
    assert "board_id" not in certs[0] and cert["board_id"].endswith(certs[0]["board_id_hint"][1:])

    deas = client.get(physician_url(ada, "/dea-registrations")).json()
    dea = client.get(physician_url(ada, f"/dea-registrations/{ada.dea_id}")).json()
    assert "number" not in deas[0] and dea["number"].startswith("AB")


def test_it_adds_a_licence_certification_and_dea_registration(
    client: TestClient, ada: Tenant
) -> None:
    lic = client.post(
        physician_url(ada, "/licenses"),
        json={
            "jurisdiction": "ny",
            "board_type": "MD",
            "number": "123456",
            "expires": "2028-01-31",
        },
    )
    assert lic.status_code == 201, lic.text
    assert lic.json()["jurisdiction"] == "NY" and lic.json()["number"] == "123456"
    assert client.get(lic.headers["location"]).json()["id"] == lic.json()["id"]
    again = client.post(
        physician_url(ada, "/licenses"),
        json={
            "jurisdiction": "NY",
            "board_type": "MD",
            "number": "123456",
            "expires": "2028-01-31",
        },
    )
    assert again.status_code == 409

    cert = client.post(
        physician_url(ada, "/certifications"),
        json={"board": "abfm", "specialty": "Family Medicine", "ends": "2030-12-31"},
    )
    assert cert.status_code == 201 and cert.json()["board"] == "ABFM"

    dea = client.post(
        physician_url(ada, "/dea-registrations"),
        json={"number": "bj1234563", "expires": "2029-02-28"},
    )
    assert dea.status_code == 201, dea.text
    assert len(client.get(physician_url(ada, "/dea-registrations")).json()) == 2

    bad = client.post(
        physician_url(ada, "/licenses"),
        json={"jurisdiction": "ZZ", "board_type": "MD", "number": "1", "expires": "2028-01-31"},
    )
    assert bad.status_code == 422


def test_it_lets_an_organisation_admin_read_but_not_change_a_shared_ledger(
    client: TestClient, tenant: Tenant, fresh_store: Store
) -> None:
    sign_in(client, org_admin_of(fresh_store, tenant))
    assert client.get(physician_url(tenant)).status_code == 200
    etag = client.get(physician_url(tenant)).headers["etag"]
    writes = [
        client.patch(physician_url(tenant), json={"first_name": "X"}, headers={"If-Match": etag}),
        client.post(
            physician_url(tenant, "/licenses"),
            json={"jurisdiction": "NY", "board_type": "MD", "number": "9", "expires": "2028-01-31"},
        ),
        client.post(
            physician_url(tenant, "/dea-registrations"),
            json={"number": "BJ1234563", "expires": "2029-02-28"},
        ),
        client.post(physician_url(tenant, "/delegates"), json={"email": "a@example.org"}),
    ]
    for answer in writes:
        assert answer.status_code == 403, answer.text
        assert is_problem(answer.headers["content-type"])
        assert "CSRF" not in answer.json()["detail"]
    assert client.get(physician_url(tenant)).json()["first_name"] == "Ada"


def test_it_lets_only_the_physician_grant_and_revoke_delegates(
    client: TestClient, tenant: Tenant, fresh_store: Store
) -> None:
    assistant = delegate_of(fresh_store, None)
    sign_in(client, tenant.email)
    granted = client.post(physician_url(tenant, "/delegates"), json={"email": assistant})
    assert granted.status_code == 201, granted.text
    assert [d["email"] for d in client.get(physician_url(tenant, "/delegates")).json()] == [
        assistant
    ]
    unknown = client.post(physician_url(tenant, "/delegates"), json={"email": "no@example.org"})
    assert unknown.status_code == 404

    helper = TestClient(client.app, base_url="https://testserver")
    sign_in(helper, assistant)
    assert helper.get(physician_url(tenant)).status_code == 200
    assert helper.delete(
        physician_url(tenant, f"/delegates/{granted.json()['id']}")
    ).status_code == (403)
    again = helper.post(physician_url(tenant, "/delegates"), json={"email": assistant})
    assert again.status_code == 403

    revoked = client.delete(physician_url(tenant, f"/delegates/{granted.json()['id']}"))
    assert revoked.status_code == 204
    assert client.get(physician_url(tenant, "/delegates")).json() == []
    assert client.delete(physician_url(tenant, f"/delegates/{uuid4()}")).status_code == 404
    actions = set(audit_actions(fresh_store))
    assert {events.DELEGATION_GRANTED, events.DELEGATION_REVOKED} <= actions


def test_it_asks_for_sign_in_before_anything(client: TestClient, tenant: Tenant) -> None:
    answer = client.get(physician_url(tenant))
    assert answer.status_code == 401 and is_problem(answer.headers["content-type"])
