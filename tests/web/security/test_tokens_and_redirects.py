"""What a sign-in lets through besides pages: API tokens (each to its purpose), where the
browser is sent after signing in (this site only), and answers that do not tell which
e-mail addresses have accounts."""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import FastAPI
from fastapi.testclient import TestClient

from cmeledger.actions import accounts
from cmeledger.api.auth import CSRF_COOKIE
from cmeledger.storage.ledger import Store
from tests.web.accounts import OWNER, PASSWORD, sign_in
from tests.web.security.world import World, api_token

ELSEWHERE = (
    "//evil.example/x",
    "https://evil.example/x",
    "/\\evil.example/x",
    "\\\\evil.example/x",
    "/\t/evil.example/x",
    " //evil.example/x",
    "javascript:alert(1)",
    "http:evil.example",
)


def calendar_token(store: Store, email: str) -> str:
    with store.ledger(OWNER) as ledger:
        found = ledger.accounts.by_email(email)
        assert found is not None
        _, secret = accounts.create_token(
            ledger, found[0], "calendar", purpose=accounts.TokenPurpose.CALENDAR
        )
    return secret


def on_this_site(location: str) -> bool:
    parts = urlsplit(location)
    return not parts.scheme and not parts.netloc and location.startswith("/")


def test_it_sends_a_browser_after_sign_in_only_to_a_path_on_this_site(
    app: FastAPI, world: World
) -> None:
    for target in ELSEWHERE:
        client = TestClient(app, base_url="https://testserver")
        token = client.get("/login", params={"next": target}).cookies[CSRF_COOKIE]
        form = {"email": world.a.tenant.email, "password": PASSWORD, "csrf_token": token}
        answer = client.post("/login", data={**form, "next": target}, follow_redirects=False)
        assert answer.status_code == 303 and on_this_site(answer.headers["location"]), target
        again = client.get("/login", params={"next": target}, follow_redirects=False)
        assert again.status_code == 303 and on_this_site(again.headers["location"]), target
        sso = client.get(f"/login/oidc/{world.a.organisation_id}", params={"next": target})
        assert sso.status_code == 404  # no identity provider: nowhere to be sent at all


def test_it_keeps_a_calendar_token_to_the_calendar_of_its_own_ledger(
    client: TestClient, fresh_store: Store, world: World
) -> None:
    secret = calendar_token(fresh_store, world.a.tenant.email)
    own = f"/api/v1/physicians/{world.a.tenant.physician_id}"
    other = f"/api/v1/physicians/{world.b.tenant.physician_id}"
    assert client.get(f"{own}/calendar.ics", params={"token": secret}).status_code == 200
    assert client.get(f"{other}/calendar.ics", params={"token": secret}).status_code == 404
    for url in (f"{own}/credits", f"{own}/export.csv", "/api/v1/me"):
        as_bearer = client.get(url, headers={"Authorization": f"Bearer {secret}"})
        as_query = client.get(url, params={"token": secret})
        assert (as_bearer.status_code, as_query.status_code) == (401, 401), url


def test_it_takes_an_api_token_only_as_a_bearer_header(
    client: TestClient, fresh_store: Store, world: World
) -> None:
    secret = api_token(fresh_store, world.a.tenant.email)
    own = f"/api/v1/physicians/{world.a.tenant.physician_id}"
    assert client.get(own, headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    assert client.get(f"{own}/calendar.ics", params={"token": secret}).status_code == 401
    for params in ({"token": secret}, {"access_token": secret}):
        assert client.get(own, params=params).status_code == 401, params
    for scheme in ("Basic", "Token", "bearer-ish"):
        answer = client.get(own, headers={"Authorization": f"{scheme} {secret}"})
        assert answer.status_code == 401, scheme


def test_it_stops_a_revoked_token_at_once(
    client: TestClient, fresh_store: Store, world: World
) -> None:
    sign_in(client, world.a.tenant.email)
    made = client.post("/api/v1/tokens", json={"name": "script"}).json()
    bearer = {"Authorization": f"Bearer {made['token']}"}
    anonymous = TestClient(client.app, base_url="https://testserver")
    assert anonymous.get("/api/v1/me", headers=bearer).status_code == 200
    assert client.delete(f"/api/v1/tokens/{made['id']}").status_code == 204
    assert anonymous.get("/api/v1/me", headers=bearer).status_code == 401
    listed = client.get("/api/v1/tokens").json()
    assert made["token"] not in str(listed)  # shown once, never again


def test_it_answers_an_unknown_address_as_it_answers_a_wrong_password(
    client: TestClient, world: World
) -> None:
    known = client.post(
        "/api/v1/session", json={"email": world.a.tenant.email, "password": "wrong password"}
    )
    unknown = client.post(
        "/api/v1/session", json={"email": "nobody@example.org", "password": "wrong password"}
    )
    assert known.status_code == unknown.status_code == 401
    assert known.json() == unknown.json()
