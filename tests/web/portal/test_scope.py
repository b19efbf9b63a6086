"""Whose ledger a page shows: a delegate sees only granted ledgers, nobody reaches another
tenant's by naming it, and read-only roles get no forms."""

from __future__ import annotations

from fastapi.testclient import TestClient

from cmeledger.storage.ledger import Store
from tests.web.accounts import Tenant, a_tenant, sign_in
from tests.web.portal.people import a_delegate, an_org_admin, an_organisation, post_forms

LEDGER_PAGES = ("/", "/upload", "/review", "/transcript", "/credentials", "/exports")


def test_it_gives_404_when_a_physician_names_another_tenants_ledger(
    client: TestClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    sign_in(client, tenant.email)
    for path in LEDGER_PAGES:
        answer = client.get(path, params={"physician": str(other_tenant.physician_id)})
        assert answer.status_code == 404, path
        assert "Bea" not in answer.text


def test_it_shows_a_delegate_only_the_granted_ledger(
    client: TestClient, tenant: Tenant, other_tenant: Tenant, fresh_store: Store
) -> None:
    sign_in(client, a_delegate(fresh_store, "assistant", tenant.physician_id))
    for path in LEDGER_PAGES:
        mine = client.get(path)
        other = client.get(path, params={"physician": str(other_tenant.physician_id)})
        assert mine.status_code == 200, path
        assert "Ledger of <strong>Ada Tester, MD</strong>" in mine.text
        assert other.status_code == 404, path
        assert "Bea Tester" not in other.text


def test_it_lets_a_delegate_switch_between_granted_ledgers_only(
    client: TestClient, tenant: Tenant, other_tenant: Tenant, fresh_store: Store
) -> None:
    third = a_tenant(fresh_store, "cy")
    sign_in(client, a_delegate(fresh_store, "assistant", tenant.physician_id, third.physician_id))
    first = client.get("/transcript")
    chosen = client.get("/transcript", params={"physician": str(third.physician_id)})
    assert 'id="physician-pick"' in first.text
    assert "Ada Tester, MD" in first.text and "Cy Tester, MD" in first.text
    assert "Bea Tester" not in first.text
    assert "Cy&#39;s course on sepsis" in chosen.text
    assert "Ada&#39;s course on sepsis" not in chosen.text
    assert f'name="physician" value="{third.physician_id}"' in chosen.text
    # The layout's links name no physician: the last choice stays the default.
    assert "Ledger of <strong>Cy Tester, MD</strong>" in client.get("/upload").text


def test_it_tells_a_delegate_without_ledgers_that_none_is_open(
    client: TestClient, fresh_store: Store
) -> None:
    sign_in(client, a_delegate(fresh_store, "new-assistant"))
    answer = client.get("/")
    assert answer.status_code == 404
    assert "no physician has opened their ledger to you yet" in answer.text


def test_it_treats_a_malformed_physician_id_as_not_found(
    client: TestClient, tenant: Tenant
) -> None:
    sign_in(client, tenant.email)
    assert client.get("/transcript", params={"physician": "../../etc"}).status_code == 404


def test_it_shows_an_organisation_admin_a_sharing_ledger_read_only(
    client: TestClient, tenant: Tenant, other_tenant: Tenant, fresh_store: Store
) -> None:
    organisation = an_organisation(fresh_store, "Clinic", tenant.physician_id)
    sign_in(client, an_org_admin(fresh_store, "office", organisation))
    for path in LEDGER_PAGES:
        answer = client.get(path, params={"physician": str(tenant.physician_id)})
        assert answer.status_code == 200, path
        assert "read-only" in answer.text
        calendar = [f"/exports/calendar?physician={tenant.physician_id}"]
        assert post_forms(answer.text) == (calendar if path == "/exports" else [])
        hidden = client.get(path, params={"physician": str(other_tenant.physician_id)})
        assert hidden.status_code == 404


def test_it_refuses_a_write_from_a_read_only_role(
    client: TestClient, tenant: Tenant, fresh_store: Store
) -> None:
    organisation = an_organisation(fresh_store, "Clinic", tenant.physician_id)
    sign_in(client, an_org_admin(fresh_store, "office", organisation))
    answer = client.post(
        "/credentials/dea",
        params={"physician": str(tenant.physician_id)},
        data={"number": "AB1234563", "expires": "2028-01-31"},
    )
    assert answer.status_code == 403


def test_it_ignores_a_remembered_choice_that_is_not_granted(
    client: TestClient, tenant: Tenant, other_tenant: Tenant, fresh_store: Store
) -> None:
    sign_in(client, a_delegate(fresh_store, "assistant", tenant.physician_id))
    client.cookies.set("cmeledger_physician", str(other_tenant.physician_id))
    answer = client.get("/transcript")
    assert answer.status_code == 200
    assert "Ada&#39;s course on sepsis" in answer.text
    assert "Bea" not in answer.text
