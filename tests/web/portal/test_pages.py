"""Every physician page renders for a signed-in physician, runs under the CSP, and sends a
visitor who is not signed in to the sign-in page."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.web.accounts import Tenant, sign_in
from tests.web.portal.people import inline_code

PAGES = {
    "/": "CME status on",
    "/upload": "Upload certificates and transcripts",
    "/review": "Review queue",
    "/transcript": "Transcript",
    "/credentials": "Licences and certifications",
    "/rules": "CME rules",
    "/exports": "Exports",
    "/account": "Account",
}


@pytest.mark.parametrize("path", sorted(PAGES))
def test_it_renders_each_page_for_a_signed_in_physician_without_inline_code(
    client: TestClient, tenant: Tenant, path: str
) -> None:
    sign_in(client, tenant.email)
    answer = client.get(path)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/html")
    assert f"<h1>{PAGES[path]}" in answer.text
    assert f'href="{path}" aria-current="page"' in answer.text
    assert inline_code(answer.text) == []
    assert "script-src 'self'" in answer.headers["content-security-policy"]


@pytest.mark.parametrize("path", sorted(set(PAGES) - {"/rules"}))
def test_it_sends_a_visitor_who_is_not_signed_in_to_the_sign_in_page(
    client: TestClient, path: str
) -> None:
    answer = client.get(path, follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/login?next=")


def test_it_shows_the_rules_with_their_sources_to_anyone_and_filters_by_state(
    client: TestClient,
) -> None:
    everything = client.get("/rules")
    california = client.get("/rules", params={"state": "ca"})
    assert everything.status_code == california.status_code == 200
    assert "CA-MD" in california.text and "CA-DO" in california.text
    assert "ABIM" not in california.text.split("<h1>")[1].split("</form>")[1]
    assert 'href="https://www.mbc.ca.gov/' in california.text
    assert california.text.count('<article class="rule"') == 2
    # Unfiltered, one row per rule, each opening the full rule with its sources.
    assert everything.text.count('<article class="rule"') == 0
    assert everything.text.count("<tr>") > 50
    assert 'href="/rules?state=CA#rule-CA-MD"' in everything.text
    assert 'href="/rules?board=ABIM"' in everything.text


def test_it_filters_the_rules_by_board(client: TestClient) -> None:
    answer = client.get("/rules", params={"board": "ABIM"})
    assert answer.text.count('<article class="rule"') == 1
    assert "American Board of Internal Medicine" in answer.text
