"""Sign-in throttling: per account (whatever the password, and whatever the spelling of the
address), per client address across accounts, on the API and the portal's form alike;
and over once the window has passed."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx import Response

from cmeledger.actions.accounts import Role, create_user
from cmeledger.api.auth import CSRF_COOKIE, SESSION_COOKIE
from cmeledger.server.app import create_app
from cmeledger.settings import Settings
from cmeledger.storage.ledger import Store
from tests.web.accounts import OWNER, PASSWORD
from tests.web.security.world import World

LIMIT = 3
WRONG = "not the password at all"


@pytest.fixture
def strict_settings(web_settings: Settings) -> Settings:
    return web_settings.model_copy(
        update={"login_max_failures": LIMIT, "login_window_seconds": 600}
    )


@pytest.fixture
def strict_app(fresh_store: Store, strict_settings: Settings) -> FastAPI:
    return create_app(fresh_store, strict_settings, background=False)


def client_at(app: FastAPI, address: str) -> TestClient:
    return TestClient(app, base_url="https://testserver", client=(address, 50000))


def api(client: TestClient, email: str, password: str) -> Response:
    answer: Response = client.post("/api/v1/session", json={"email": email, "password": password})
    return answer


def form(client: TestClient, email: str, password: str) -> Response:
    token = client.get("/login").cookies.get(CSRF_COOKIE) or ""
    client.cookies.set(CSRF_COOKIE, token, domain="testserver.local", path="/login")
    answer: Response = client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": token},
        follow_redirects=False,
    )
    return answer


def throttled(answer: Response, window: int) -> bool:
    retry = answer.headers.get("retry-after", "")
    return (
        answer.status_code == 429
        and retry.isdigit()
        and int(retry) <= window
        and SESSION_COOKIE not in answer.cookies
    )


def accounts_named(store: Store, count: int) -> Iterator[str]:
    with store.ledger(OWNER) as ledger:
        for n in range(count):
            email = f"delegate{n}@example.org"
            create_user(
                ledger, email=email, display_name=f"D{n}", role=Role.DELEGATE, password=PASSWORD
            )
            yield email


@pytest.mark.parametrize("sign", [api, form], ids=["api", "portal"])
def test_it_throttles_an_account_after_its_failures_even_with_the_right_password(
    sign: object, strict_app: FastAPI, world: World
) -> None:
    assert callable(sign)
    client = client_at(strict_app, "192.0.2.10")
    email = world.a.tenant.email
    spellings = [email, email.upper(), f"  {email}  "]
    for n in range(LIMIT):
        assert sign(client, spellings[n % len(spellings)], WRONG).status_code == 401
    for password in (WRONG, PASSWORD):
        answer = sign(client, email, password)
        assert throttled(answer, 600), (password, answer.status_code, answer.headers)
    if sign is api:
        assert answer.headers["content-type"] == "application/problem+json"
    else:
        assert "too many failed sign-ins" in answer.text
    # the lock is on that account, not on the address: someone else there signs in
    assert sign(client, world.a.delegate_email, PASSWORD).status_code in (201, 303)
    # and from elsewhere the account stays locked
    assert throttled(sign(client_at(strict_app, "198.51.100.7"), email, PASSWORD), 600)


def test_it_throttles_unknown_addresses_as_it_does_known_ones(
    strict_app: FastAPI, world: World
) -> None:
    """Otherwise the 429 would tell which e-mail addresses have accounts."""
    client = client_at(strict_app, "192.0.2.11")
    for email in ("nobody@example.org", world.a.tenant.email):
        answers = [api(client, email, WRONG).status_code for _ in range(LIMIT + 1)]
        assert answers == [401] * LIMIT + [429], (email, answers)


def test_it_throttles_one_client_address_trying_many_accounts(
    strict_app: FastAPI, fresh_store: Store, world: World
) -> None:
    emails = list(accounts_named(fresh_store, 5))
    attacker = client_at(strict_app, "203.0.113.66")
    statuses = []
    for n in range(4 * LIMIT):  # a shared address gets four times an account's allowance
        statuses.append(api(attacker, emails[n % 4], WRONG).status_code)
    assert statuses == [401] * 4 * LIMIT
    # a fifth account, never tried, is refused from that address, right password or not
    assert throttled(api(attacker, emails[4], PASSWORD), 600)
    assert throttled(form(attacker, emails[4], PASSWORD), 600)
    # from another address it signs in
    assert api(client_at(strict_app, "203.0.113.67"), emails[4], PASSWORD).status_code == 201


def test_it_lets_the_account_in_again_once_the_window_has_passed(
    fresh_store: Store, strict_settings: Settings, world: World
) -> None:
    window = 1
    settings = strict_settings.model_copy(update={"login_window_seconds": window})
    client = client_at(create_app(fresh_store, settings, background=False), "192.0.2.12")
    email = world.a.tenant.email
    for _ in range(LIMIT):
        assert api(client, email, WRONG).status_code == 401
    assert throttled(api(client, email, PASSWORD), window)
    time.sleep(window + 0.2)
    assert api(client, email, PASSWORD).status_code == 201
    # a success clears the account's failures: one more mistake is not a lock-out
    assert api(client, email, WRONG).status_code == 401
    assert api(client, email, PASSWORD).status_code == 201


def test_it_never_says_retry_after_0_while_the_lock_holds(
    fresh_store: Store, strict_settings: Settings, world: World
) -> None:
    settings = strict_settings.model_copy(update={"login_window_seconds": 1})
    client = client_at(create_app(fresh_store, settings, background=False), "192.0.2.13")
    for _ in range(LIMIT):
        api(client, world.a.tenant.email, WRONG)
    answer = api(client, world.a.tenant.email, PASSWORD)
    assert answer.status_code == 429
    assert int(answer.headers["retry-after"]) >= 1
