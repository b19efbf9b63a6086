"""The transcript: filters, sorting, pages of 100, source badges and provenance."""

from __future__ import annotations

import re
from datetime import date, timedelta

from fastapi.testclient import TestClient

from cmeledger.actions.credits import record_completion
from cmeledger.domain.activities import SourceKind
from cmeledger.domain.credits import CreditClaim
from cmeledger.storage.ledger import Store
from tests.web.accounts import OWNER, Tenant, sign_in


def _titles(html: str) -> list[str]:
    return re.findall(r"<td>\s*([^<\n]+)<br><small class=\"muted\">", html)


def _add(store: Store, tenant: Tenant, *credits: tuple[str, date, str, SourceKind]) -> None:
    with store.ledger(OWNER) as ledger:
        for title, day, amount, kind in credits:
            record_completion(
                ledger,
                tenant.physician_id,
                title=title,
                provider="Grand Rounds Inc" if "Rounds" in title else "Test Society",
                completed_on=day,
                credits=[CreditClaim.awarded("ama_pra_1", amount)],
                source_kind=kind,
            )


def test_it_filters_by_text_date_and_source_and_sorts_by_each_column(
    client: TestClient, tenant: Tenant, fresh_store: Store
) -> None:
    _add(
        fresh_store,
        tenant,
        ("Airway workshop", date(2025, 1, 10), "6", SourceKind.MANUAL),
        ("Rounds: stroke", date(2026, 6, 1), "1", SourceKind.PARS),
    )
    sign_in(client, tenant.email)
    assert _titles(client.get("/transcript").text) == [
        "Rounds: stroke",
        "Ada&#39;s course on sepsis",
        "Airway workshop",
    ]
    assert _titles(client.get("/transcript", params={"sort": "title", "dir": "asc"}).text) == [
        "Ada&#39;s course on sepsis",
        "Airway workshop",
        "Rounds: stroke",
    ]
    by_hours = client.get("/transcript", params={"sort": "hours"}).text
    assert _titles(by_hours)[0] == "Airway workshop"
    assert 'aria-sort="descending"' in by_hours
    assert _titles(client.get("/transcript", params={"q": "grand rounds"}).text) == [
        "Rounds: stroke"
    ]
    dated = client.get("/transcript", params={"since": "2026-01-01", "until": "2026-05-01"})
    assert _titles(dated.text) == ["Ada&#39;s course on sepsis"]
    pars = client.get("/transcript", params={"source": "pars"}).text
    assert _titles(pars) == ["Rounds: stroke"]
    assert '<span class="badge source-pars">pars</span>' in pars
    assert "1 credit of 3: 1 AMA PRA Category 1 Credit." in pars


def test_it_answers_htmx_with_the_table_alone(client: TestClient, tenant: Tenant) -> None:
    sign_in(client, tenant.email)
    fragment = client.get("/transcript", params={"sort": "title"}, headers={"HX-Request": "true"})
    assert fragment.text.lstrip().startswith('<div id="credits"')
    assert "<html" not in fragment.text
    restored = client.get(
        "/transcript", headers={"HX-Request": "true", "HX-History-Restore-Request": "true"}
    )
    assert "<html" in restored.text


def test_it_pages_through_more_than_a_hundred_credits(
    client: TestClient, tenant: Tenant, fresh_store: Store
) -> None:
    start = date(2025, 1, 1)
    _add(
        fresh_store,
        tenant,
        *[
            (f"Module {n:03d}", start + timedelta(days=n), "1", SourceKind.TRANSCRIPT)
            for n in range(120)
        ],
    )
    sign_in(client, tenant.email)
    first = client.get("/transcript").text
    second = client.get("/transcript", params={"page": "2"}).text
    assert len(_titles(first)) == 100 and len(_titles(second)) == 21
    assert "Page 1 of 2" in first and 'href="/transcript?page=2"' in first
    assert not set(_titles(first)) & set(_titles(second))


def test_it_shows_how_a_hand_entered_credit_came_in(client: TestClient, tenant: Tenant) -> None:
    sign_in(client, tenant.email)
    html = client.get("/transcript").text
    assert "manual, entered by hand, confidence 100%" in html
    assert '<span class="badge source-manual">manual</span>' in html


def test_it_says_so_when_a_date_filter_is_not_a_date(client: TestClient, tenant: Tenant) -> None:
    sign_in(client, tenant.email)
    answer = client.get("/transcript", params={"since": "last week"})
    assert answer.status_code == 200
    assert "is not a date (YYYY-MM-DD); it was ignored" in answer.text
