"""Forms: CSRF, adding licences and registrations (numbers stay masked), tokens shown once,
delegates, sharing consent and the calendar link."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from cmeledger.storage.ledger import Store
from tests.web.accounts import OWNER, Tenant, sign_in
from tests.web.portal.people import a_delegate, an_organisation


def _without_header(client: TestClient) -> None:
    """Forms send the token as a field, not the header the API helper sets."""
    del client.headers["X-CSRF-Token"]


def test_it_refuses_a_form_post_without_the_csrf_token(
    client: TestClient, tenant: Tenant, fresh_store: Store
) -> None:
    sign_in(client, tenant.email)
    _without_header(client)
    answer = client.post("/credentials/dea", data={"number": "AB1234563", "expires": "2028-01-31"})
    assert answer.status_code == 403
    assert "CSRF" in answer.text
    with fresh_store.ledger(OWNER) as ledger:
        assert len(ledger.credentials.dea_terms(tenant.physician_id)) == 1


def test_it_adds_a_licence_and_shows_only_the_end_of_its_number(
    client: TestClient, tenant: Tenant, fresh_store: Store
) -> None:
    token = sign_in(client, tenant.email)
    _without_header(client)
    answer = client.post(
        "/credentials/licences",
        data={
            "csrf_token": token,
            "jurisdiction": "TX",
            "board_type": "MD",
            "number": "Q987654",
            "expires": "2027-04-30",
        },
        follow_redirects=False,
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == "/credentials?added=licence"
    page = client.get(answer.headers["location"]).text
    assert "Licence added." in page
    assert "Q987654" not in page and "987654" not in page
    assert '<span aria-hidden="true">•••</span>654' in page
    with fresh_store.ledger(OWNER) as ledger:
        assert {
            lic.jurisdiction for lic in ledger.credentials.license_terms(tenant.physician_id)
        } == {
            "CA",
            "TX",
        }
    assert "TX MD licence" in client.get("/").text


def test_it_shows_a_refused_addition_on_the_form_without_echoing_the_number(
    client: TestClient, tenant: Tenant
) -> None:
    sign_in(client, tenant.email)
    answer = client.post("/credentials/dea", data={"number": "AB1234560", "expires": "2028-01-31"})
    assert answer.status_code == 422
    assert "check digit is wrong" in answer.text
    assert "AB1234560" not in answer.text
    assert 'value="2028-01-31"' in answer.text


def test_it_never_shows_a_full_number_on_the_credentials_page(
    client: TestClient, tenant: Tenant, fresh_store: Store
) -> None:
    sign_in(client, tenant.email)
    page = client.get("/credentials").text
    with fresh_store.ledger(OWNER) as ledger:
        [lic] = ledger.credentials.licenses(tenant.physician_id)
        [reg] = ledger.credentials.dea_registrations(tenant.physician_id)
        [cert] = ledger.credentials.certifications(tenant.physician_id)
    for secret in (lic.number, reg.number, cert.board_id or ""):
        assert secret[-4:] not in page
        assert f"•••</span>{secret[-3:]}" in page


def test_it_shows_a_new_api_token_once_and_revokes_it(client: TestClient, tenant: Tenant) -> None:
    token = sign_in(client, tenant.email)
    _without_header(client)
    made = client.post("/account/tokens", data={"csrf_token": token, "name": "nightly"})
    secret = re.search(r'id="new-token"[^>]*value="(cmel_[^"]+)"', made.text)
    assert made.status_code == 200 and secret
    assert secret.group(1) not in client.get("/account").text
    script = TestClient(client.app, base_url="https://testserver")
    bearer = {"Authorization": f"Bearer {secret.group(1)}"}
    assert script.get("/api/v1/me", headers=bearer).status_code == 200
    token_id = re.search(r'action="/account/tokens/([0-9a-f-]+)/revoke"', made.text)
    assert token_id
    revoked = client.post(f"/account/tokens/{token_id.group(1)}/revoke", data={"csrf_token": token})
    assert revoked.status_code == 200 and "The token is revoked" in revoked.text
    assert script.get("/api/v1/me", headers=bearer).status_code == 401


def test_it_grants_and_revokes_a_delegate(
    client: TestClient, tenant: Tenant, fresh_store: Store
) -> None:
    email = a_delegate(fresh_store, "assistant")
    sign_in(client, tenant.email)
    granted = client.post("/account/delegates", data={"email": email})
    assert "Delegate added" in granted.text and email in granted.text
    unknown = client.post("/account/delegates", data={"email": "nobody@example.org"})
    assert unknown.status_code == 404 and "no delegate account" in unknown.text
    with fresh_store.ledger(OWNER) as ledger:
        [delegate] = ledger.accounts.delegates_of(tenant.physician_id)
    removed = client.post(f"/account/delegates/{delegate.id}/revoke")
    assert "Delegate removed" in removed.text
    with fresh_store.ledger(OWNER) as ledger:
        assert ledger.accounts.delegates_of(tenant.physician_id) == []


def test_it_turns_sharing_with_an_organisation_on_and_off(
    client: TestClient, tenant: Tenant, fresh_store: Store
) -> None:
    organisation = an_organisation(
        fresh_store, "Riverside Clinic", tenant.physician_id, sharing=False
    )
    sign_in(client, tenant.email)
    page = client.get("/account").text
    assert "Riverside Clinic: <strong>not sharing</strong>" in page
    shared = client.post(f"/account/organisations/{organisation}/sharing", data={"shares": "on"})
    assert "Riverside Clinic: <strong>sharing</strong>" in shared.text
    with fresh_store.ledger(OWNER) as ledger:
        assert ledger.accounts.sharing_members(organisation) == {tenant.physician_id}
    client.post(f"/account/organisations/{organisation}/sharing", data={"shares": "off"})
    with fresh_store.ledger(OWNER) as ledger:
        assert ledger.accounts.sharing_members(organisation) == frozenset()


def test_it_keeps_delegates_and_sharing_to_the_physician(
    client: TestClient, tenant: Tenant, fresh_store: Store
) -> None:
    sign_in(client, a_delegate(fresh_store, "assistant", tenant.physician_id))
    page = client.get("/account").text
    assert "Delegates" not in page and "Organisations" not in page
    assert client.post("/account/delegates", data={"email": "x@example.org"}).status_code == 403


def test_it_makes_a_calendar_link_with_a_token_and_shows_it_once(
    client: TestClient, tenant: Tenant
) -> None:
    sign_in(client, tenant.email)
    answer = client.post("/exports/calendar")
    url = re.search(r'id="ics-url"[^>]*value="([^"]+)"', answer.text)
    assert answer.status_code == 200 and url
    expected = (
        f"https://testserver/api/v1/physicians/{tenant.physician_id}/calendar.ics?token=cmel_"
    )
    assert url.group(1).startswith(expected)
    assert 'href="webcal://testserver/api/v1/physicians/' in answer.text
    assert "calendar" in client.get("/account").text
    assert "ics-url" not in client.get("/exports").text
