"""Text a database cannot store (a NUL character) in every kind of input: refused with a
4xx, never a server error. SQLite stores it; PostgreSQL refuses it with an error that,
unless the app stops it first, ends the request as a 500."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from cmeledger.api.auth import CSRF_COOKIE
from tests.web.accounts import PASSWORD, sign_in
from tests.web.security.world import World

NUL = "\x00"


@dataclass(frozen=True)
class Probe:
    role: str | None  # None: not signed in
    method: str
    url: Callable[[World], str]
    form: dict[str, str] = field(default_factory=dict)
    json: Any = None
    login_form: bool = False


PROBES: dict[str, Probe] = {
    "API sign-in e-mail": Probe(
        None,
        "POST",
        lambda w: "/api/v1/session",
        json={"email": f"a{NUL}b@example.org", "password": "x"},
    ),
    "API sign-in password": Probe(
        None,
        "POST",
        lambda w: "/api/v1/session",
        json={"email": "ada@example.org", "password": f"x{NUL}"},
    ),
    "portal sign-in e-mail": Probe(
        None,
        "POST",
        lambda w: "/login",
        form={"email": f"a{NUL}b@example.org", "password": PASSWORD},
        login_form=True,
    ),
    "API token name": Probe(
        "physician", "POST", lambda w: "/api/v1/tokens", json={"name": f"a{NUL}b"}
    ),
    "account token name": Probe(
        "physician", "POST", lambda w: "/account/tokens", form={"name": f"a{NUL}b"}
    ),
    "account delegate e-mail": Probe(
        "physician", "POST", lambda w: "/account/delegates", form={"email": f"a{NUL}@x.org"}
    ),
    "API delegate e-mail": Probe(
        "physician",
        "POST",
        lambda w: f"/api/v1/physicians/{w.a.tenant.physician_id}/delegates",
        json={"email": f"a{NUL}@x.org"},
    ),
    "licence form number": Probe(
        "physician",
        "POST",
        lambda w: "/credentials/licences",
        form={
            "jurisdiction": "CA",
            "board_type": "MD",
            "number": f"A{NUL}1",
            "expires": "2028-01-01",
        },
    ),
    "certification form specialty": Probe(
        "physician",
        "POST",
        lambda w: "/credentials/certifications",
        form={"board": "ABIM", "specialty": f"Internal{NUL}Medicine"},
    ),
    "DEA form number": Probe(
        "physician",
        "POST",
        lambda w: "/credentials/dea",
        form={"number": f"AB12{NUL}34563", "expires": "2028-01-01"},
    ),
    "review form title": Probe(
        "physician", "POST", lambda w: f"/review/{w.a.item_id}/accept", form={"title": f"T{NUL}"}
    ),
    "transcript search": Probe("physician", "GET", lambda w: "/transcript?q=a%00b"),
    "API credit search": Probe(
        "physician", "GET", lambda w: f"/api/v1/physicians/{w.a.tenant.physician_id}/credits?q=%00"
    ),
    "physician switch": Probe("physician", "GET", lambda w: "/?physician=a%00b"),
    "review item id": Probe("physician", "GET", lambda w: "/review/a%00b"),
    "rules filter": Probe("physician", "GET", lambda w: "/rules?board=a%00b"),
    "PARS provider key": Probe("provider_admin", "GET", lambda w: "/api/v1/pars/providers/1%002"),
    "PARS console provider": Probe("provider_admin", "GET", lambda w: "/pars/1%002"),
    "PARS credit id": Probe(
        "provider_admin",
        "POST",
        lambda w: f"/api/v1/pars/providers/{w.a.provider_id}/credits/ccid:x%00y/retry",
    ),
    "PARS console credit id": Probe(
        "provider_admin",
        "POST",
        lambda w: f"/pars/{w.a.provider_id}/credits/ccid:x%00y/resubmit",
    ),
    "PARS activity form": Probe(
        "provider_admin",
        "POST",
        lambda w: f"/pars/{w.a.provider_id}/activities",
        form={
            "title": f"Rounds{NUL}",
            "format": "live",
            "start": "2026-03-02",
            "end": "2026-03-02",
            "credits": "1",
            "city": "Chicago",
            "state": "IL",
            "country": "USA",
            "delivery": "In-Person",
        },
    ),
    "roster sort": Probe("org_admin", "GET", lambda w: "/organisation?sort=%00"),
}


@pytest.mark.parametrize("name", sorted(PROBES))
def test_it_refuses_text_with_a_nul_character_without_a_server_error(
    name: str, app: FastAPI, world: World
) -> None:
    probe = PROBES[name]
    client = TestClient(app, base_url="https://testserver", raise_server_exceptions=False)
    form = dict(probe.form)
    if probe.role is not None:
        token = sign_in(client, world.emails()[probe.role])  # also sent as X-CSRF-Token
        if form:
            form["csrf_token"] = token
    if probe.login_form:
        token = client.get("/login").cookies[CSRF_COOKIE]
        client.cookies.set(CSRF_COOKIE, token, domain="testserver.local", path="/login")
        form["csrf_token"] = token
    answer = client.request(
        probe.method,
        probe.url(world),
        json=probe.json,
        data=form or None,
        follow_redirects=False,
    )
    assert answer.status_code < 500, answer.text[:300]
