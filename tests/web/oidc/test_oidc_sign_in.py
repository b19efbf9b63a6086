"""OpenID Connect sign-in end to end: the portal under uvicorn, a real OpenID Provider
(node-oidc-provider) in a child process, and a scripted browser between them."""

from __future__ import annotations

import base64
import json
import secrets
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit
from uuid import UUID, uuid4

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import select

from cmeledger.actions.accounts import Role, create_user, join_organisation, set_sharing
from cmeledger.actions.organisations import add_organisation
from cmeledger.storage.ledger import Store
from cmeledger.storage.models import AuditRow
from tests.web.accounts import PASSWORD, Tenant
from tests.web.oidc.browser import CALLBACK, IDP_PASSWORD, Browser, target_of
from tests.web.oidc.conftest import OWNER, ProviderFor, organisation_using
from tests.web.oidc.servers import IdentityProvider, IdpAccount, Portal

FLOW_COOKIE = "cmeledger_oidc"


def account(email: str, *, verified: bool = True) -> IdpAccount:
    return {"password": IDP_PASSWORD, "email": email, "email_verified": verified, "name": "T"}


def shares_with(
    store: Store, organisation_id: UUID, tenant: Tenant, *, shares: bool = True
) -> None:
    with store.ledger(OWNER) as ledger:
        join_organisation(ledger, organisation_id, tenant.physician_id)
        set_sharing(ledger, organisation_id, tenant.physician_id, shares)


def me(browser: Browser, portal: Portal) -> httpx.Response:
    return browser.get(f"{portal.url}/api/v1/me")


def linked_user(store: Store, idp: IdentityProvider, subject: str) -> UUID | None:
    with store.ledger(OWNER) as ledger:
        user = ledger.accounts.by_oidc(idp.issuer, subject)
    return None if user is None else user.id


def audit_entries(store: Store, action: str) -> list[dict[str, object]]:
    with store.ledger(OWNER) as ledger:
        rows = ledger.session.scalars(select(AuditRow).where(AuditRow.action == action))
        return [json.loads(r.details) for r in rows]


def with_query(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()} | changes
    return urlunsplit(parts._replace(query=urlencode(query)))


def test_it_links_the_member_with_the_verified_email_and_signs_them_in(
    portal: Portal, idp: IdentityProvider, hospital: UUID, tenant: Tenant, browser: Browser
) -> None:
    shares_with(portal.store, hospital, tenant)
    idp.set_accounts({"ada-at-mercy": account("Ada@Example.org")})

    back = browser.callback_url(portal.url, hospital, "ada-at-mercy", next_path="/transcript?q=x")
    answer = browser.get(back)

    assert answer.status_code == 303
    assert answer.headers["location"] == "/transcript?q=x"
    assert FLOW_COOKIE not in browser.http.cookies
    signed_in = me(browser, portal)
    assert signed_in.status_code == 200
    assert signed_in.json()["id"] == str(tenant.user_id)
    assert signed_in.json()["physician_ids"] == [str(tenant.physician_id)]
    assert linked_user(portal.store, idp, "ada-at-mercy") == tenant.user_id
    assert {"via": "oidc"}.items() <= audit_entries(portal.store, "user.signed_in")[-1].items()
    assert len(audit_entries(portal.store, "user.oidc_linked")) == 1
    assert len(audit_entries(portal.store, "organisation.sensitive_read")) == 1


def test_it_links_the_organisations_own_admin_by_email(
    portal: Portal, idp: IdentityProvider, hospital: UUID, browser: Browser
) -> None:
    with portal.store.ledger(OWNER) as ledger:
        admin = create_user(
            ledger,
            email="office@mercy.example",
            display_name="Office",
            role=Role.ORG_ADMIN,
            password=None,
            organisation_id=hospital,
        )
    idp.set_accounts({"office": account("office@mercy.example")})

    answer = browser.get(browser.callback_url(portal.url, hospital, "office"))

    assert answer.status_code == 303
    assert me(browser, portal).json()["id"] == str(admin.id)


def test_it_finds_the_account_by_subject_later_even_after_the_email_changes(
    portal: Portal, idp: IdentityProvider, hospital: UUID, tenant: Tenant, browser: Browser
) -> None:
    shares_with(portal.store, hospital, tenant)
    idp.set_accounts({"ada-at-mercy": account("ada@example.org")})
    assert browser.get(browser.callback_url(portal.url, hospital, "ada-at-mercy")).is_redirect
    # At the provider the address changes (and is not even verified): the link still holds.
    idp.set_accounts({"ada-at-mercy": account("a.lovelace@elsewhere.example", verified=False)})

    later = Browser()
    try:
        answer = later.get(later.callback_url(portal.url, hospital, "ada-at-mercy"))
        assert answer.status_code == 303
        assert me(later, portal).json()["id"] == str(tenant.user_id)
    finally:
        later.close()
    assert len(audit_entries(portal.store, "user.oidc_linked")) == 1


def test_it_does_not_link_a_user_of_another_organisation_with_the_same_email(
    portal: Portal, idp: IdentityProvider, hospital: UUID, browser: Browser
) -> None:
    with portal.store.ledger(OWNER) as ledger:
        clinic = add_organisation(ledger, "Valley Clinic")
        create_user(
            ledger,
            email="office@valley.example",
            display_name="Valley office",
            role=Role.ORG_ADMIN,
            password=PASSWORD,
            organisation_id=clinic.id,
        )
    idp.set_accounts({"valley": account("office@valley.example")})

    answer = browser.get(browser.callback_url(portal.url, hospital, "valley"))

    assert answer.status_code == 403
    assert "Mercy Hospital has no CME Ledger account for office@valley.example" in answer.text
    assert "administrator" in answer.text
    assert linked_user(portal.store, idp, "valley") is None
    assert me(browser, portal).status_code == 401


def test_it_does_not_link_a_physician_on_the_roster_who_does_not_share(
    portal: Portal, idp: IdentityProvider, hospital: UUID, tenant: Tenant, browser: Browser
) -> None:
    shares_with(portal.store, hospital, tenant, shares=False)
    idp.set_accounts({"ada-at-mercy": account("ada@example.org")})

    answer = browser.get(browser.callback_url(portal.url, hospital, "ada-at-mercy"))

    assert answer.status_code == 403
    assert linked_user(portal.store, idp, "ada-at-mercy") is None


def test_it_sends_someone_without_an_account_to_their_organisations_admin(
    portal: Portal, idp: IdentityProvider, hospital: UUID, browser: Browser
) -> None:
    idp.set_accounts({"newcomer": account("newcomer@mercy.example")})

    answer = browser.get(browser.callback_url(portal.url, hospital, "newcomer"))

    assert answer.status_code == 403
    assert "Ask Mercy Hospital&#39;s administrator to add you" in answer.text
    assert FLOW_COOKIE not in browser.http.cookies
    failures = audit_entries(portal.store, "user.sign_in_failed")
    assert failures[-1]["reason"] == "no_account" and failures[-1]["via"] == "oidc"


def test_it_refuses_to_link_by_an_email_the_provider_has_not_verified(
    portal: Portal, idp: IdentityProvider, hospital: UUID, tenant: Tenant, browser: Browser
) -> None:
    shares_with(portal.store, hospital, tenant)
    idp.set_accounts({"ada-at-mercy": account("ada@example.org", verified=False)})

    answer = browser.get(browser.callback_url(portal.url, hospital, "ada-at-mercy"))

    assert answer.status_code == 403
    assert "has not verified your e-mail address" in answer.text
    assert linked_user(portal.store, idp, "ada-at-mercy") is None


def test_it_tells_the_person_when_the_provider_did_not_sign_them_in(
    portal: Portal, idp: IdentityProvider, hospital: UUID, tenant: Tenant, browser: Browser
) -> None:
    shares_with(portal.store, hospital, tenant)
    idp.set_accounts({"ada-at-mercy": account("ada@example.org")})
    back = browser.callback_url(portal.url, hospital, "ada-at-mercy")
    state = parse_qs(urlsplit(back).query)["state"][0]
    cancelled = urlsplit(back)._replace(
        query=urlencode({"error": "access_denied", "state": state, "iss": idp.issuer})
    )

    answer = browser.get(urlunsplit(cancelled))

    assert answer.status_code == 403
    assert "Mercy Hospital&#39;s identity provider did not sign you in" in answer.text
    assert me(browser, portal).status_code == 401
    assert audit_entries(portal.store, "user.sign_in_failed")[-1]["reason"] == "provider_error"
    assert audit_entries(portal.store, "organisation.sensitive_read") == []


def test_it_refuses_an_answer_whose_state_was_changed(
    portal: Portal, idp: IdentityProvider, hospital: UUID, tenant: Tenant, browser: Browser
) -> None:
    shares_with(portal.store, hospital, tenant)
    idp.set_accounts({"ada-at-mercy": account("ada@example.org")})
    back = browser.callback_url(portal.url, hospital, "ada-at-mercy")

    answer = browser.get(with_query(back, state=secrets.token_urlsafe(32)))

    assert answer.status_code == 400
    assert "does not belong to the sign-in started in this browser" in answer.text
    assert me(browser, portal).status_code == 401
    assert linked_user(portal.store, idp, "ada-at-mercy") is None


def test_it_refuses_a_flow_cookie_that_was_edited(
    portal: Portal, idp: IdentityProvider, hospital: UUID, tenant: Tenant, browser: Browser
) -> None:
    shares_with(portal.store, hospital, tenant)
    idp.set_accounts({"ada-at-mercy": account("ada@example.org")})
    back = browser.callback_url(portal.url, hospital, "ada-at-mercy")
    body, mac = browser.http.cookies[FLOW_COOKIE].split(".")
    flow = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    flow["x"] = "//evil.example/"
    edited = base64.urlsafe_b64encode(json.dumps(flow).encode()).rstrip(b"=").decode()
    browser.http.cookies.delete(FLOW_COOKIE)
    browser.http.cookies.set(FLOW_COOKIE, f"{edited}.{mac}", domain="127.0.0.1", path="/login/oidc")

    answer = browser.get(back)

    assert answer.status_code == 400
    assert me(browser, portal).status_code == 401


def test_it_refuses_an_id_token_carrying_another_nonce(
    portal: Portal, idp: IdentityProvider, hospital: UUID, tenant: Tenant, browser: Browser
) -> None:
    shares_with(portal.store, hospital, tenant)
    idp.set_accounts({"ada-at-mercy": account("ada@example.org")})
    started = browser.start_sign_in(portal.url, hospital, "/")
    # The authorization request reaches the provider with a nonce this browser never got.
    swapped = browser.get(with_query(target_of(started), nonce=secrets.token_urlsafe(32)))
    back = browser.through_provider(swapped, "ada-at-mercy")

    answer = browser.get(target_of(back))

    assert answer.status_code == 403
    assert "ID token is not valid" in answer.text and "nonce" in answer.text
    assert me(browser, portal).status_code == 401
    assert linked_user(portal.store, idp, "ada-at-mercy") is None


def test_it_refuses_a_replayed_callback_in_the_same_or_another_browser(
    portal: Portal, idp: IdentityProvider, hospital: UUID, tenant: Tenant, browser: Browser
) -> None:
    shares_with(portal.store, hospital, tenant)
    idp.set_accounts({"ada-at-mercy": account("ada@example.org")})
    back = browser.callback_url(portal.url, hospital, "ada-at-mercy")
    flow_cookie = browser.http.cookies[FLOW_COOKIE]
    assert browser.get(back).status_code == 303

    assert browser.get(back).status_code == 400  # the flow cookie went at the first use
    thief = Browser()
    try:
        thief.http.cookies.set(FLOW_COOKIE, flow_cookie, domain="127.0.0.1", path="/login/oidc")
        replayed = thief.get(back)
        assert replayed.status_code == 403
        assert "refused to finish the sign-in" in replayed.text
        assert me(thief, portal).status_code == 401
    finally:
        thief.close()


def test_it_keeps_the_flow_in_a_ten_minute_httponly_lax_cookie_and_uses_pkce(
    portal: Portal, idp: IdentityProvider, hospital: UUID, browser: Browser
) -> None:
    started = browser.start_sign_in(portal.url, hospital, "/")

    cookie = started.headers["set-cookie"].lower()
    assert cookie.startswith(f"{FLOW_COOKIE}=")
    for attribute in ("httponly", "samesite=lax", "path=/login/oidc", "max-age=600"):
        assert attribute in cookie
    request = urlsplit(target_of(started))
    assert f"{request.scheme}://{request.netloc}" == idp.issuer
    query = parse_qs(request.query)
    assert query["code_challenge_method"] == ["S256"]
    assert len(query["code_challenge"][0]) == 43
    assert query["redirect_uri"] == [portal.url + CALLBACK]
    assert set(query["scope"][0].split()) >= {"openid", "email"}
    assert query["state"][0] and query["nonce"][0] != query["state"][0]


def test_it_marks_the_flow_cookie_secure_when_the_site_is_https(
    client: TestClient, portal: Portal, hospital: UUID
) -> None:
    started = client.get(f"/login/oidc/{hospital}", follow_redirects=False)

    assert started.status_code == 303
    assert "secure" in started.headers["set-cookie"].lower()


def test_it_sends_the_person_home_when_next_points_off_site(
    portal: Portal, idp: IdentityProvider, hospital: UUID, tenant: Tenant, browser: Browser
) -> None:
    shares_with(portal.store, hospital, tenant)
    idp.set_accounts({"ada-at-mercy": account("ada@example.org")})

    back = browser.callback_url(portal.url, hospital, "ada-at-mercy", next_path="//evil.example/")

    assert browser.get(back).headers["location"] == "/"


def test_it_reads_the_email_from_userinfo_when_the_id_token_leaves_it_out(
    portal: Portal, provider_for: ProviderFor, tenant: Tenant, browser: Browser
) -> None:
    spec_default = provider_for("userinfo")
    clinic = organisation_using(portal.store, spec_default, "Spec Clinic")
    shares_with(portal.store, clinic, tenant)
    spec_default.set_accounts({"ada-at-spec": account("ada@example.org")})

    answer = browser.get(browser.callback_url(portal.url, clinic, "ada-at-spec"))

    assert answer.status_code == 303
    assert me(browser, portal).json()["id"] == str(tenant.user_id)


def test_it_refuses_a_provider_whose_discovery_names_another_issuer(
    portal: Portal, idp: IdentityProvider, browser: Browser
) -> None:
    with portal.store.ledger(OWNER) as ledger:
        # The same server under another name: its configuration names 127.0.0.1, not localhost.
        misnamed = add_organisation(
            ledger,
            "Misnamed Hospital",
            oidc_issuer=idp.issuer.replace("127.0.0.1", "localhost"),
            oidc_client_id=idp.client_id,
            oidc_client_secret=idp.client_secret,
        )

    answer = browser.start_sign_in(portal.url, misnamed.id, "/")

    assert answer.status_code == 502
    assert "calls itself" in answer.text
    assert FLOW_COOKIE not in browser.http.cookies


def test_it_answers_404_for_an_organisation_without_oidc(
    client: TestClient, fresh_store: Store
) -> None:
    with fresh_store.ledger(OWNER) as ledger:
        plain = add_organisation(ledger, "Password Practice")

    assert client.get(f"/login/oidc/{plain.id}", follow_redirects=False).status_code == 404
    assert client.get(f"/login/oidc/{uuid4()}", follow_redirects=False).status_code == 404


def test_it_refuses_a_callback_with_no_sign_in_started(client: TestClient) -> None:
    answer = client.get(f"{CALLBACK}?code=abc&state=def", follow_redirects=False)

    assert answer.status_code == 400
    assert "Start again from the sign-in page" in answer.text
