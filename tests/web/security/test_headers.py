"""Security headers on every kind of answer: API, portal pages, static files, error pages,
redirects, downloads and the server's own refusals; no inline code for the CSP to allow;
no version in the Server header."""

from __future__ import annotations

import re
from collections.abc import Callable

import httpx
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx import Response

from cmeledger.server.app import create_app
from cmeledger.settings import Settings
from cmeledger.storage.ledger import Store
from tests.web.accounts import sign_in
from tests.web.security.live import live_server
from tests.web.security.routes import NOT_SWEPT, endpoints, plain_url
from tests.web.security.world import World, api_token

YEAR = 365 * 24 * 3600
INLINE = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|<style\b|\sstyle=|\son[a-z]+=|javascript:", re.I)


def csp(answer: Response) -> dict[str, list[str]]:
    policy = answer.headers.get("content-security-policy", "")
    directives = (d.strip().split() for d in policy.split(";") if d.strip())
    return {d[0]: d[1:] for d in directives}


def header_problems(answer: Response, *, hsts: bool = True, docs: bool = False) -> list[str]:
    h = answer.headers
    problems = []
    if h.get("x-content-type-options") != "nosniff":
        problems.append("no X-Content-Type-Options: nosniff")
    policy = csp(answer)
    if h.get("x-frame-options") != "DENY" or policy.get("frame-ancestors") != ["'none'"]:
        problems.append("may be framed")
    if h.get("referrer-policy") not in ("same-origin", "no-referrer", "strict-origin"):
        problems.append(f"Referrer-Policy {h.get('referrer-policy')}")
    if policy.get("default-src") != ["'self'"] or policy.get("object-src", ["'none'"]) != [
        "'none'"
    ]:
        problems.append(f"CSP {h.get('content-security-policy')}")
    unsafe = [
        v
        for d in ("script-src", "style-src", "default-src")
        for v in policy.get(d, [])
        if v in ("'unsafe-inline'", "'unsafe-eval'", "*", "data:", "http:", "https:")
    ]
    if unsafe and not docs:
        problems.append(f"CSP allows {unsafe}")
    sts = h.get("strict-transport-security", "")
    age = re.match(r"max-age=(\d+)", sts)
    if hsts and (age is None or int(age.group(1)) < YEAR // 2):
        problems.append(f"HSTS {sts!r}")
    if not hsts and sts:
        problems.append("HSTS on a plain-http deployment")
    if "x-powered-by" in h:
        problems.append("X-Powered-By")
    return problems


Probe = Callable[[TestClient, World], Response]
ANONYMOUS: dict[str, Probe] = {
    "sign-in page": lambda c, w: c.get("/login"),
    "redirect to sign-in": lambda c, w: c.get("/transcript", follow_redirects=False),
    "API 401": lambda c, w: c.get("/api/v1/me"),
    "API unknown path": lambda c, w: c.get("/api/v1/nothing-here"),
    "portal unknown path": lambda c, w: c.get("/nothing-here"),
    "stylesheet": lambda c, w: c.get("/static/app.css"),
    "script": lambda c, w: c.get("/static/htmx.min.js"),
    "missing static file": lambda c, w: c.get("/static/nothing.js"),
    "static traversal": lambda c, w: c.get("/static/..%2f..%2fsettings.py"),
    "OpenAPI document": lambda c, w: c.get("/api/openapi.json"),
    "API 405": lambda c, w: c.put("/api/v1/me"),
    "API 422": lambda c, w: c.post("/api/v1/session", json={"email": 1}),
    "body too large": lambda c, w: c.post(
        "/api/v1/session", content=b"x" * 2_000_000, headers={"Content-Type": "application/json"}
    ),
}
SIGNED_IN: dict[str, Probe] = {
    "dashboard": lambda c, w: c.get("/"),
    "transcript": lambda c, w: c.get("/transcript"),
    "portal 404": lambda c, w: c.get("/review/00000000-0000-4000-8000-000000000000"),
    "portal 403": lambda c, w: c.get("/organisation"),
    "form redirect": lambda c, w: c.post(
        "/account/tokens", data={"name": ""}, follow_redirects=False
    ),
    "API JSON": lambda c, w: c.get("/api/v1/me"),
    "API 404": lambda c, w: c.get(f"/api/v1/physicians/{w.b.tenant.physician_id}"),
    "download": lambda c, w: c.get(
        f"/api/v1/physicians/{w.a.tenant.physician_id}/documents/{w.a.document_id}/content"
    ),
    "CSV export": lambda c, w: c.get(f"/api/v1/physicians/{w.a.tenant.physician_id}/export.csv"),
    "calendar": lambda c, w: c.get(f"/api/v1/physicians/{w.a.tenant.physician_id}/calendar.ics"),
    "page image": lambda c, w: c.get(
        f"/api/v1/physicians/{w.a.tenant.physician_id}/documents/{w.a.document_id}/pages/1.png"
    ),
}


def test_it_sends_the_security_headers_on_every_kind_of_answer(
    client: TestClient, world: World
) -> None:
    failures: list[str] = []
    for what, probe in ANONYMOUS.items():
        answer = probe(client, world)
        failures += [f"{what} ({answer.status_code}): {p}" for p in header_problems(answer)]
    token = sign_in(client, world.a.tenant.email)
    client.headers["X-CSRF-Token"] = token
    for what, probe in SIGNED_IN.items():
        answer = probe(client, world)
        assert answer.status_code < 500, (what, answer.text[:200])
        failures += [f"{what} ({answer.status_code}): {p}" for p in header_problems(answer)]
    docs = client.get("/api/docs")
    failures += [f"docs: {p}" for p in header_problems(docs, docs=True)]
    assert not failures, "\n".join(failures)


def test_it_sends_no_hsts_when_served_over_plain_http(
    fresh_store: Store, web_settings: Settings
) -> None:
    """HSTS over http would be ignored at best; on a LAN demo it would lock browsers out."""
    settings = web_settings.model_copy(
        update={"public_url": "http://127.0.0.1:8000", "cookie_secure": False}
    )
    app = create_app(fresh_store, settings, background=False)
    answer = TestClient(app, base_url="http://127.0.0.1:8000").get("/login")
    assert answer.status_code == 200
    assert header_problems(answer, hsts=False) == []


def test_it_forbids_caching_of_every_signed_in_page_and_api_answer(
    app: FastAPI, client: TestClient, world: World
) -> None:
    failures: list[str] = []
    for role, email in world.emails().items():
        sign_in(client, email)
        for endpoint in endpoints(app):
            if endpoint.method != "GET" or endpoint.key in NOT_SWEPT:
                continue
            url = plain_url(endpoint, world.a)
            answer = client.get(url, follow_redirects=False)
            cache = answer.headers.get("cache-control", "")
            if "no-store" not in cache and not url.endswith(".png"):
                failures.append(f"{role} GET {url} ({answer.status_code}): {cache!r}")
    assert not failures, "\n".join(failures)


def test_it_keeps_no_copy_of_a_certificates_page_image_in_any_cache(
    client: TestClient, world: World
) -> None:
    """A certificate seen on a shared computer must not stay there after sign-out."""
    sign_in(client, world.a.tenant.email)
    answer = SIGNED_IN["page image"](client, world)
    assert answer.status_code == 200
    assert answer.headers["cache-control"] == "no-store"


def test_it_serves_portal_pages_with_no_inline_script_or_style_for_the_csp_to_allow(
    app: FastAPI, client: TestClient, world: World
) -> None:
    """The CSP forbids inline code, so a page that had any would be broken: none has."""
    failures: list[str] = []
    pages = 0
    for role, email in world.emails().items():
        sign_in(client, email)
        for endpoint in endpoints(app):
            if endpoint.method != "GET" or endpoint.api or endpoint.key in NOT_SWEPT:
                continue
            answer = client.get(plain_url(endpoint, world.a))
            if "text/html" not in answer.headers.get("content-type", ""):
                continue
            pages += 1
            if found := INLINE.findall(answer.text):
                failures.append(f"{role} {endpoint}: {sorted(set(found))}")
    login = TestClient(app, base_url="https://testserver").get("/login")
    failures += [f"login: {f}" for f in INLINE.findall(login.text)]
    assert pages > 30
    assert not failures, "\n".join(failures)


def test_it_tells_no_versions_in_the_server_header(app: FastAPI, world: World) -> None:
    with live_server(app) as base:
        answers = [
            httpx.get(f"{base}/login"),
            httpx.get(f"{base}/api/v1/me"),
            httpx.get(f"{base}/static/app.css"),
            httpx.get(f"{base}/nothing-here"),
        ]
    for answer in answers:
        assert answer.headers.get_list("server") in ([], ["uvicorn"]), answer.headers
        assert "x-powered-by" not in answer.headers
        assert not re.search(r"\d+\.\d+", answer.headers.get("server", ""))


def test_it_answers_an_unexpected_error_with_a_problem_and_the_security_headers(
    app: FastAPI, fresh_store: Store, world: World
) -> None:
    def broken() -> None:
        raise RuntimeError("something no handler expected")

    app.add_api_route("/api/v1/broken-on-purpose", broken)
    client = TestClient(app, base_url="https://testserver", raise_server_exceptions=False)
    answer = client.get(
        "/api/v1/broken-on-purpose",
        headers={"Authorization": f"Bearer {api_token(fresh_store, world.a.tenant.email)}"},
    )
    assert answer.status_code == 500
    assert "something no handler expected" not in answer.text  # no details leak either way
    assert header_problems(answer) == []
    assert answer.headers["content-type"] == "application/problem+json"
