"""The dashboard: cards per licence, certification and DEA registration that follow the
ledger, the plan, the review count, and where other roles are sent."""

from __future__ import annotations

import re
from datetime import date

from fastapi.testclient import TestClient

from cmeledger.actions.credits import record_completion
from cmeledger.domain.credits import CreditClaim
from cmeledger.storage.ledger import Store
from tests.web.accounts import OWNER, Tenant, sign_in
from tests.web.portal.people import (
    AS_OF,
    a_provider_admin,
    an_org_admin,
    an_organisation,
)


def _ca_card(html: str) -> str:
    found = re.search(
        r'<article class="card ([a-z-]+)"[^>]*>\s*<h3[^>]*>CA MD licence.*?</article>', html, re.S
    )
    assert found, html
    return found.group(0)


def _earned(card: str) -> tuple[str, str]:
    found = re.search(r"<strong>([\d.]+)</strong> of ([\d.]+) hours earned", card)
    assert found, card
    return found.group(1), found.group(2)


def test_it_shows_a_card_for_each_licence_certification_and_dea_registration(
    client: TestClient, tenant: Tenant
) -> None:
    sign_in(client, tenant.email)
    html = client.get("/", params={"as_of": AS_OF}).text
    assert html.count('<article class="card') == 3
    for label in ("CA MD licence", "ABIM certification", "DEA registration"):
        assert label in html
    card = _ca_card(html)
    assert _earned(card) == ("2", "50")
    assert '<progress max="50" value="2"' in card
    assert "30 Jun 2027" in card and "in-progress" in card
    assert 'href="https://www.mbc.ca.gov/' in card
    assert "End of life care: <strong>12 h</strong>" in card
    assert "What to take next" in html and "Any AMA PRA Category 1 credit" in html


def test_it_counts_a_new_credit_on_the_dashboard(
    client: TestClient, tenant: Tenant, fresh_store: Store
) -> None:
    sign_in(client, tenant.email)
    before = _earned(_ca_card(client.get("/", params={"as_of": AS_OF}).text))
    with fresh_store.ledger(OWNER) as ledger:
        record_completion(
            ledger,
            tenant.physician_id,
            title="Palliative care essentials",
            provider="Test Society",
            completed_on=date(2026, 10, 1),
            credits=[CreditClaim.awarded("ama_pra_1", "3.5")],
            topics=["end_of_life_care"],
        )
    card = _ca_card(client.get("/", params={"as_of": AS_OF}).text)
    assert before == ("2", "50")
    assert _earned(card) == ("5.5", "50")
    assert "End of life care: <strong>8.5 h</strong>" in card


def test_it_links_the_review_queue_when_items_wait(
    client: TestClient, tenant: Tenant, fresh_store: Store
) -> None:
    with fresh_store.ledger(OWNER) as ledger:
        ledger.review.add(
            tenant.physician_id,
            kind="extracted",
            reasons=["low confidence in title (0.40)"],
            record={"title": "Blurry", "credits": []},
            document_sha256=None,
            page=None,
        )
    sign_in(client, tenant.email)
    html = client.get("/").text
    assert '<a href="/review">1 item waiting for review</a>' in html


def test_it_sends_organisation_and_provider_admins_to_their_own_pages(
    client: TestClient, tenant: Tenant, fresh_store: Store
) -> None:
    organisation = an_organisation(fresh_store, "Clinic", tenant.physician_id)
    sign_in(client, an_org_admin(fresh_store, "office", organisation))
    assert client.get("/", follow_redirects=False).headers["location"] == "/organisation"
    client.cookies.clear()
    sign_in(client, a_provider_admin(fresh_store, "provider"))
    assert client.get("/", follow_redirects=False).headers["location"] == "/pars"


def test_it_refuses_an_as_of_that_is_not_a_date_it_can_use(
    client: TestClient, tenant: Tenant
) -> None:
    sign_in(client, tenant.email)
    for bad in ("soon", "0001-01-03", "9999-12-31"):
        assert client.get("/", params={"as_of": bad}).status_code == 422, bad
