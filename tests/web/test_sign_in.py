"""Signing in and out: sessions, CSRF, fixation, throttling, tokens."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.web.accounts import PASSWORD, Tenant, sign_in


def test_it_signs_in_with_the_right_password_and_sets_a_hardened_cookie(
    client: TestClient, tenant: Tenant
) -> None:
    answer = client.post("/api/v1/session", json={"email": tenant.email, "password": PASSWORD})
    assert answer.status_code == 201
    cookie = answer.headers["set-cookie"].lower()
    assert "httponly" in cookie and "secure" in cookie and "samesite=lax" in cookie
    me = client.get("/api/v1/me").json()
    assert me["physician_ids"] == [str(tenant.physician_id)]


def test_it_refuses_a_wrong_password_without_saying_which_part_was_wrong(
    client: TestClient, tenant: Tenant
) -> None:
    wrong = client.post("/api/v1/session", json={"email": tenant.email, "password": "nope"})
    unknown = client.post("/api/v1/session", json={"email": "x@example.org", "password": "nope"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["detail"] == unknown.json()["detail"]
    assert wrong.headers["content-type"] == "application/problem+json"


def test_it_throttles_after_repeated_failures_even_for_the_right_password(
    client: TestClient, tenant: Tenant
) -> None:
    for _ in range(5):
        client.post("/api/v1/session", json={"email": tenant.email, "password": "wrong one"})
    answer = client.post("/api/v1/session", json={"email": tenant.email, "password": PASSWORD})
    assert answer.status_code == 429
    assert int(answer.headers["retry-after"]) > 0


def test_it_refuses_a_change_without_the_csrf_token_when_signed_in_by_cookie(
    client: TestClient, tenant: Tenant
) -> None:
    sign_in(client, tenant.email)
    del client.headers["X-CSRF-Token"]
    answer = client.post("/api/v1/tokens", json={"name": "script"})
    assert answer.status_code == 403
    assert "CSRF" in answer.json()["detail"]


def test_it_gives_a_new_session_id_at_sign_in_whatever_the_browser_brought(
    client: TestClient, tenant: Tenant
) -> None:
    client.cookies.set("cmeledger_session", "planted-by-attacker", domain="testserver.local")
    sign_in(client, tenant.email)
    issued = client.cookies.get("cmeledger_session")
    assert issued and issued != "planted-by-attacker"
    fixated = TestClient(client.app, base_url="https://testserver")
    fixated.cookies.set("cmeledger_session", "planted-by-attacker")
    assert fixated.get("/api/v1/me").status_code == 401


def test_it_accepts_an_api_token_and_forgets_it_once_revoked(
    client: TestClient, tenant: Tenant
) -> None:
    sign_in(client, tenant.email)
    made = client.post("/api/v1/tokens", json={"name": "nightly export"}).json()
    script = TestClient(client.app, base_url="https://testserver")
    auth = {"Authorization": f"Bearer {made['token']}"}
    assert script.get("/api/v1/me", headers=auth).json()["email"] == tenant.email
    assert client.delete(f"/api/v1/tokens/{made['id']}").status_code == 204
    assert script.get("/api/v1/me", headers=auth).status_code == 401


def test_it_ends_the_session_on_sign_out(client: TestClient, tenant: Tenant) -> None:
    sign_in(client, tenant.email)
    stolen = client.cookies.get("cmeledger_session")
    assert client.delete("/api/v1/session").status_code == 204
    replay = TestClient(client.app, base_url="https://testserver")
    replay.cookies.set("cmeledger_session", stolen or "")
    assert replay.get("/api/v1/me").status_code == 401


def test_it_sends_security_headers_on_every_answer(client: TestClient) -> None:
    for path in ("/login", "/api/v1/me", "/static/app.css"):
        headers = client.get(path).headers
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["strict-transport-security"].startswith("max-age=")
