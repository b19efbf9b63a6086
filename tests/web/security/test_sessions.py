"""Sessions: a new id at every sign-in (no fixation), gone from the server at sign-out,
refused once expired, carried only in a locked-down cookie and never in a URL."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime, timedelta
from http.cookies import SimpleCookie

from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from cmeledger.api.auth import CSRF_COOKIE, SESSION_COOKIE
from cmeledger.settings import Settings
from cmeledger.storage.access_models import WebSessionRow
from cmeledger.storage.ledger import Store
from tests.web.accounts import PASSWORD, sign_in
from tests.web.security.routes import NOT_SWEPT, endpoints, plain_url
from tests.web.security.world import World

URL_ATTRIBUTE = re.compile(r'(?:href|src|action|hx-get|hx-post|content)="([^"]*)"')


def new_client(app: FastAPI) -> TestClient:
    return TestClient(app, base_url="https://testserver")


def set_cookie(answer: Response, name: str) -> SimpleCookie:
    """The Set-Cookie header for `name`, parsed (attributes included)."""
    for header in answer.headers.get_list("set-cookie"):
        parsed: SimpleCookie = SimpleCookie()
        parsed.load(header)
        if name in parsed:
            return parsed
    raise AssertionError(f"no Set-Cookie for {name}: {answer.headers.get_list('set-cookie')}")


def form_sign_in(client: TestClient, email: str) -> Response:
    # the form's token comes from a page of its own: a browser already signed in (as an
    # attacker who planted a session) is sent on from /login, but may still post the form
    token = TestClient(client.app, base_url="https://testserver").get("/login").cookies[CSRF_COOKIE]
    client.cookies.set(CSRF_COOKIE, token, domain="testserver.local", path="/login")
    answer: Response = client.post(
        "/login",
        data={"email": email, "password": PASSWORD, "csrf_token": token, "next": "/"},
        follow_redirects=False,
    )
    return answer


def api_sign_in(client: TestClient, email: str) -> Response:
    answer: Response = client.post("/api/v1/session", json={"email": email, "password": PASSWORD})
    return answer


def who(app: FastAPI, session_id: str) -> int | str:
    """Whose session this id is (their e-mail), or the status it gets."""
    client = new_client(app)
    client.cookies.set(SESSION_COOKIE, session_id, domain="testserver.local")
    answer = client.get("/api/v1/me")
    return str(answer.json()["email"]) if answer.status_code == 200 else answer.status_code


def test_it_starts_a_new_session_at_sign_in_whatever_id_the_browser_brought(
    app: FastAPI, world: World
) -> None:
    attacker = new_client(app)
    planted = set_cookie(api_sign_in(attacker, world.b.tenant.email), SESSION_COOKIE)
    known_id = planted[SESSION_COOKIE].value
    for sign in (api_sign_in, form_sign_in):
        for brought in ("chosen-by-the-attacker-0123456789abcdef", known_id):
            victim = new_client(app)
            victim.cookies.set(SESSION_COOKIE, brought, domain="testserver.local")
            answer = sign(victim, world.a.tenant.email)
            assert answer.status_code in (201, 303), answer.text
            issued = set_cookie(answer, SESSION_COOKIE)[SESSION_COOKIE].value
            assert issued != brought and len(issued) >= 43
            assert who(app, issued) == world.a.tenant.email
            # the planted id did not become the victim's session
            assert who(app, brought) == (world.b.tenant.email if brought == known_id else 401)


def test_it_issues_no_session_before_sign_in(client: TestClient) -> None:
    page = client.get("/login")
    assert page.status_code == 200
    assert SESSION_COOKIE not in {c.split("=")[0] for c in page.headers.get_list("set-cookie")}


def test_it_ends_the_session_on_the_server_at_sign_out(app: FastAPI, world: World) -> None:
    for how in ("api", "portal"):
        client = new_client(app)
        answer = api_sign_in(client, world.a.tenant.email)
        session_id = set_cookie(answer, SESSION_COOKIE)[SESSION_COOKIE].value
        csrf = answer.json()["csrf_token"]
        if how == "api":
            out = client.delete("/api/v1/session", headers={"X-CSRF-Token": csrf})
            assert out.status_code == 204
        else:
            out = client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False)
            assert (out.status_code, out.headers["location"]) == (303, "/login")
        cleared = set_cookie(out, SESSION_COOKIE)[SESSION_COOKIE]
        assert cleared.value in ("", '""') and cleared["max-age"] == "0"
        assert who(app, session_id) == 401  # a copy of the cookie kept elsewhere is dead
        replay = new_client(app)
        replay.cookies.set(SESSION_COOKIE, session_id, domain="testserver.local")
        assert replay.get("/", follow_redirects=False).headers["location"] == "/login?next=%2F"


def test_it_refuses_an_expired_session(
    app: FastAPI, fresh_store: Store, web_settings: Settings, world: World
) -> None:
    client = new_client(app)
    answer = api_sign_in(client, world.a.tenant.email)
    cookie = set_cookie(answer, SESSION_COOKIE)[SESSION_COOKIE]
    assert int(cookie["max-age"]) == int(web_settings.session_hours * 3600)
    digest = hashlib.sha256(cookie.value.encode()).hexdigest()
    assert client.get("/api/v1/me").status_code == 200
    with Session(fresh_store.engine) as db, db.begin():
        db.execute(
            update(WebSessionRow)
            .where(WebSessionRow.id_hash == digest)
            .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    assert client.get("/api/v1/me").status_code == 401
    page = client.get("/transcript", follow_redirects=False)
    assert (page.status_code, page.headers["location"]) == (303, "/login?next=%2Ftranscript")
    # the next sign-in sweeps expired sessions away
    api_sign_in(new_client(app), world.b.tenant.email)
    with Session(fresh_store.engine) as db:
        assert db.scalars(select(WebSessionRow).where(WebSessionRow.id_hash == digest)).all() == []


def test_it_keeps_only_a_hash_of_the_session_id(
    app: FastAPI, fresh_store: Store, world: World
) -> None:
    answer = api_sign_in(new_client(app), world.a.tenant.email)
    session_id = set_cookie(answer, SESSION_COOKIE)[SESSION_COOKIE].value
    with Session(fresh_store.engine) as db:
        stored = db.scalars(select(WebSessionRow.id_hash)).all()
    assert session_id not in stored
    assert hashlib.sha256(session_id.encode()).hexdigest() in stored


def test_it_sets_the_session_cookie_http_only_secure_same_site_lax_for_the_whole_site(
    app: FastAPI, world: World
) -> None:
    for sign in (api_sign_in, form_sign_in):
        cookie = set_cookie(sign(new_client(app), world.a.tenant.email), SESSION_COOKIE)
        morsel = cookie[SESSION_COOKIE]
        flags = (morsel["httponly"], morsel["secure"], morsel["samesite"], morsel["path"])
        assert flags == (True, True, "lax", "/"), sign.__name__
        assert not morsel["domain"]  # host-only: not shared with sibling subdomains
    login = set_cookie(new_client(app).get("/login"), CSRF_COOKIE)[CSRF_COOKIE]
    assert (login["httponly"], login["secure"], login["samesite"], login["path"]) == (
        True,
        True,
        "strict",
        "/login",
    )


def test_it_remembers_a_delegates_choice_in_a_locked_down_cookie(
    client: TestClient, world: World
) -> None:
    sign_in(client, world.a.delegate_email)
    page = client.get("/transcript", params={"physician": str(world.a.tenant.physician_id)})
    assert page.status_code == 200
    choice = set_cookie(page, "cmeledger_physician")["cmeledger_physician"]
    assert (choice["httponly"], choice["secure"], choice["samesite"]) == (True, True, "lax")


def test_it_never_puts_the_session_id_or_csrf_token_in_a_url(app: FastAPI, world: World) -> None:
    failures: list[str] = []
    for role, email in world.emails().items():
        client = new_client(app)
        answer = api_sign_in(client, email)
        session_id = set_cookie(answer, SESSION_COOKIE)[SESSION_COOKIE].value
        csrf = answer.json()["csrf_token"]
        assert session_id not in answer.text
        for endpoint in endpoints(app):
            if endpoint.method != "GET" or endpoint.key in NOT_SWEPT:
                continue
            url = plain_url(endpoint, world.a)
            page = client.get(url, follow_redirects=False)
            if session_id in page.text or session_id in str(page.headers):
                failures.append(f"{role} GET {url}: the session id is in the answer")
            urls = [*URL_ATTRIBUTE.findall(page.text), page.headers.get("location", "")]
            if any(csrf in u for u in urls if u != csrf):
                failures.append(f"{role} GET {url}: the CSRF token is in a URL")
    assert not failures, "\n".join(failures)


def test_it_takes_the_session_from_the_cookie_only(app: FastAPI, world: World) -> None:
    session_id = set_cookie(api_sign_in(new_client(app), world.a.tenant.email), SESSION_COOKIE)
    value = session_id[SESSION_COOKIE].value
    client = new_client(app)
    for attempt in (
        client.get("/api/v1/me", params={SESSION_COOKIE: value}),
        client.get("/api/v1/me", headers={"Authorization": f"Bearer {value}"}),
        client.get("/api/v1/me", headers={"X-Session": value}),
    ):
        assert attempt.status_code == 401
