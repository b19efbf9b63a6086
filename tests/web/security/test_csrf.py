"""CSRF on every unsafe endpoint, generated from the app's routes.

Signed in by cookie, a change needs the session's CSRF token (X-CSRF-Token, or the form
field csrf_token) and must not come from another origin; a bearer token carries no ambient
credential, so it needs neither. A refused request changes nothing.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx import Response

from cmeledger.api.auth import CSRF_COOKIE
from cmeledger.storage.ledger import Store
from tests.web.accounts import PASSWORD, sign_in
from tests.web.security.routes import (
    NOT_SWEPT,
    UNSAFE,
    Body,
    Endpoint,
    bodies,
    endpoints,
    plain_url,
)
from tests.web.security.world import World, api_token, snapshot

ORIGINS = ("https://evil.example", "https://testserver.evil.example", "null")
CSRF_WORDS = ("CSRF", "cross-origin")


def role_for(endpoint: Endpoint) -> str:
    if endpoint.path.startswith(("/api/v1/pars/", "/pars")):
        return "provider_admin"
    if endpoint.path.startswith(("/api/v1/organisations/", "/organisation")):
        return "org_admin"
    return "physician"


def unsafe(app: FastAPI, *, api: bool) -> list[Endpoint]:
    return [
        e for e in endpoints(app) if e.method in UNSAFE and e.api == api and e.key not in NOT_SWEPT
    ]


def send(
    client: TestClient,
    endpoint: Endpoint,
    url: str,
    body: Body,
    *,
    token: str | None,
    headers: dict[str, str] | None = None,
) -> Response:
    """The request as a browser would send it: a form's token in the form, htmx's and
    scripts' in the header."""
    sent = {**body.headers, **(headers or {})}
    data: dict[str, Any] | None = body.data
    if token is not None:
        if endpoint.api or body.json is not None:
            sent["X-CSRF-Token"] = token
        else:
            data = {**(body.data or {}), "csrf_token": token}
    answer: Response = client.request(
        endpoint.method,
        url,
        json=body.json,
        data=data,
        files=body.files,
        headers=sent,
        follow_redirects=False,
    )
    return answer


def csrf_refusal(answer: Response) -> bool:
    return answer.status_code == 403 and any(word in answer.text for word in CSRF_WORDS)


def signed_in(client: TestClient, email: str) -> str:
    """Sign in by cookie; the CSRF token is returned, not sent by default."""
    token = sign_in(client, email)
    del client.headers["X-CSRF-Token"]
    return token


def other_session_token(app: FastAPI, world: World) -> str:
    """A real CSRF token, of another user's session."""
    return sign_in(TestClient(app, base_url="https://testserver"), world.b.tenant.email)


@pytest.mark.parametrize("api", [True, False], ids=["api", "portal"])
def test_it_refuses_every_unsafe_cookie_request_without_the_sessions_token_or_from_elsewhere(
    api: bool, app: FastAPI, client: TestClient, fresh_store: Store, world: World
) -> None:
    known = bodies(world)
    wrong = other_session_token(app, world)
    failures: list[str] = []
    checked = 0
    for endpoint in unsafe(app, api=api):
        token = signed_in(client, world.emails()[role_for(endpoint)])
        url, body = plain_url(endpoint, world.a), known[endpoint.key]
        before = snapshot(fresh_store, world.a)
        attempts: dict[str, Response] = {
            "no token": send(client, endpoint, url, body, token=None),
            "another session's token": send(client, endpoint, url, body, token=wrong),
            "a token in the query": send(
                client, endpoint, f"{url}?csrf_token={token}", body, token=None
            ),
        }
        for origin in ORIGINS:
            attempts[f"Origin {origin}"] = send(
                client, endpoint, url, body, token=token, headers={"Origin": origin}
            )
        attempts["cross-site Referer"] = send(
            client, endpoint, url, body, token=token, headers={"Referer": f"{ORIGINS[0]}/x"}
        )
        for what, answer in attempts.items():
            if not csrf_refusal(answer):
                failures.append(f"{endpoint} with {what}: {answer.status_code} {answer.text[:200]}")
        if snapshot(fresh_store, world.a) != before:
            failures.append(f"{endpoint}: a refused request changed A's records")
        same_site = send(
            client, endpoint, url, body, token=token, headers={"Origin": "https://testserver"}
        )
        if csrf_refusal(same_site) or same_site.status_code >= 500:
            failures.append(f"{endpoint} with the right token: {same_site.status_code}")
        checked += 1
    assert checked >= (20 if api else 15)
    assert not failures, "\n".join(failures)


def test_it_needs_no_csrf_token_with_a_bearer_token(
    app: FastAPI, client: TestClient, fresh_store: Store, world: World
) -> None:
    known = bodies(world)
    failures: list[str] = []
    for endpoint in unsafe(app, api=True):
        bearer = api_token(fresh_store, world.emails()[role_for(endpoint)])
        answer = send(
            client,
            endpoint,
            plain_url(endpoint, world.a),
            known[endpoint.key],
            token=None,
            headers={"Authorization": f"Bearer {bearer}", "Origin": ORIGINS[0]},
        )
        if csrf_refusal(answer) or answer.status_code in (401, 500):
            failures.append(f"{endpoint}: {answer.status_code} {answer.text[:200]}")
    assert not failures, "\n".join(failures)


def test_it_signs_out_only_with_the_csrf_token(client: TestClient, world: World) -> None:
    """Signing someone out is a change too (a forced sign-out is a nuisance attack)."""
    token = signed_in(client, world.a.tenant.email)
    for url, method in (("/api/v1/session", "DELETE"), ("/logout", "POST")):
        assert csrf_refusal(client.request(method, url, follow_redirects=False)), url
        assert client.get("/api/v1/me").status_code == 200
    answer = client.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert answer.status_code == 303
    assert client.get("/api/v1/me").status_code == 401


def test_it_refuses_the_sign_in_form_without_its_double_submit_cookie(
    client: TestClient, world: World
) -> None:
    form = {"email": world.a.tenant.email, "password": PASSWORD, "next": "/"}
    page = client.get("/login")
    token = page.cookies[CSRF_COOKIE]
    assert f'value="{token}"' in page.text
    cases = {
        "no cookie, no field": ({}, {}),
        "field but no cookie": ({}, {"csrf_token": token}),
        "cookie but no field": ({CSRF_COOKIE: token}, {}),
        "cookie and another field": ({CSRF_COOKIE: token}, {"csrf_token": token[::-1]}),
    }
    for what, (cookies, extra) in cases.items():
        client.cookies.clear()
        for name, value in cookies.items():
            client.cookies.set(name, value, domain="testserver.local", path="/login")
        answer = client.post("/login", data={**form, **extra}, follow_redirects=False)
        assert answer.status_code == 403, what
        assert "cmeledger_session" not in answer.cookies, what
        assert "another site" in answer.text, what
    client.cookies.clear()
    client.cookies.set(CSRF_COOKIE, token, domain="testserver.local", path="/login")
    answer = client.post("/login", data={**form, "csrf_token": token}, follow_redirects=False)
    assert answer.status_code == 303 and "cmeledger_session" in answer.cookies


def test_it_refuses_an_api_sign_in_a_cross_site_form_could_send(
    client: TestClient, world: World
) -> None:
    """A form on another site can post text/plain or urlencoded bodies, never JSON."""
    body = f'{{"email": "{world.a.tenant.email}", "password": "{PASSWORD}"}}'
    for content_type in ("text/plain", "application/x-www-form-urlencoded"):
        answer = client.post(
            "/api/v1/session", content=body, headers={"Content-Type": content_type}
        )
        assert answer.status_code == 422, (content_type, answer.status_code)
        assert "cmeledger_session" not in answer.cookies
    assert (
        client.post(
            "/api/v1/session", content=body, headers={"Content-Type": "application/json"}
        ).status_code
        == 201
    )
