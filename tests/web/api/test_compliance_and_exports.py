"""Compliance status, the plan, the calendar feed, rules, and exports over the API."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient

from cmeledger.audit import events
from cmeledger.storage.ledger import Store
from tests.web.accounts import Tenant, sign_in
from tests.web.api.conftest import API, audit_actions, delegate_of, is_problem, physician_url

AS_OF = {"as_of": "2026-11-26"}


def test_it_explains_each_obligation_with_its_rule_and_hours(
    client: TestClient, ada: Tenant
) -> None:
    status = client.get(physician_url(ada, "/compliance"), params=AS_OF).json()
    assert status["as_of"] == "2026-11-26"
    kinds = sorted(o["kind"] for o in status["obligations"])
    assert kinds == ["board", "dea", "state_license"]
    (ca,) = [o for o in status["obligations"] if o["kind"] == "state_license"]
    assert ca["holding_id"] == str(ada.license_id)
    assert ca["source_url"].startswith("https://")
    assert ca["rule_key"].startswith("CA") and "CA" in ca["name"]
    assert ca["cycle_start"] < ca["due_date"] == ca["cycle_end"]
    required, earned = Decimal(ca["required_hours"]), Decimal(ca["earned_hours"])
    assert earned == 2 and Decimal(ca["remaining_hours"]) == required - earned
    assert ca["status"] in ("on_track", "at_risk", "overdue")
    for topic in ca["topics"]:
        if topic["required"] is not None:
            left = Decimal(topic["required"]) - Decimal(topic["earned"])
            assert Decimal(topic["remaining"]) == max(left, Decimal(0))
    today = client.get(physician_url(ada, "/compliance")).json()
    assert len(today["obligations"]) == 3


def test_it_refuses_an_as_of_date_it_cannot_use(client: TestClient, ada: Tenant) -> None:
    for bad in ("2026-02-30", "0001-01-01", "9999-12-31", "today"):
        answer = client.get(physician_url(ada, "/compliance"), params={"as_of": bad})
        assert answer.status_code == 422, bad
        assert is_problem(answer.headers["content-type"])


def test_it_plans_what_to_take_next(client: TestClient, ada: Tenant) -> None:
    planned = client.get(physician_url(ada, "/plan"), params=AS_OF).json()
    assert planned["items"], "2 hours cannot meet a California cycle"
    general = [i for i in planned["items"] if i["kind"] == "hours"]
    assert general and general[0]["name"] == "ama_pra_1"
    assert Decimal(general[0]["hours"]) > 0 and general[0]["for_obligations"]
    dates = [i["by"] for i in planned["items"]]
    assert dates == sorted(dates)


def test_it_serves_deadlines_as_a_calendar_feed_also_by_token(
    client: TestClient, ada: Tenant
) -> None:
    url = physician_url(ada, "/calendar.ics")
    signed_in = client.get(url, params=AS_OF)
    assert signed_in.status_code == 200
    assert signed_in.headers["content-type"].startswith("text/calendar")
    assert signed_in.text.startswith("BEGIN:VCALENDAR\r\n")
    assert signed_in.text.count("BEGIN:VEVENT") == 3

    made = {"name": "calendar", "purpose": "calendar"}
    token = client.post(f"{API}/tokens", json=made).json()["token"]
    api_token = client.post(f"{API}/tokens", json={"name": "script"}).json()["token"]
    calendar_app = TestClient(client.app, base_url="https://testserver")
    subscribed = calendar_app.get(url, params={"token": token, **AS_OF})
    assert subscribed.status_code == 200 and subscribed.text == signed_in.text.replace(
        _stamp(signed_in.text), _stamp(subscribed.text)
    )
    assert calendar_app.get(url, params={"token": "cmel_wrong"}).status_code == 401
    assert calendar_app.get(url).status_code == 401
    # The token in the URL is for the calendar only.
    status = calendar_app.get(physician_url(ada, "/compliance"), params={"token": token})
    assert status.status_code == 401 and is_problem(status.headers["content-type"])
    as_bearer = calendar_app.get(
        physician_url(ada, "/compliance"), headers={"Authorization": f"Bearer {token}"}
    )
    assert as_bearer.status_code == 401
    # …and a token for the whole API does not go into a calendar URL.
    assert calendar_app.get(url, params={"token": api_token}).status_code == 401


def _stamp(ics: str) -> str:
    return next(line for line in ics.splitlines() if line.startswith("DTSTAMP:"))


def test_it_does_not_serve_another_tenants_calendar_with_ones_own_token(
    client: TestClient, ada: Tenant, other_tenant: Tenant
) -> None:
    made = {"name": "calendar", "purpose": "calendar"}
    token = client.post(f"{API}/tokens", json=made).json()["token"]
    calendar_app = TestClient(client.app, base_url="https://testserver")
    theirs = physician_url(other_tenant, "/calendar.ics")
    assert calendar_app.get(theirs, params={"token": token}).status_code == 404
    for rest in ("/compliance", "/plan", "/calendar.ics", "/export.csv", "/export.json"):
        answer = client.get(physician_url(other_tenant, rest))
        assert answer.status_code == 404, rest
        assert other_tenant.email not in answer.text


def test_it_lists_rules_with_their_sources_and_shows_one(client: TestClient, ada: Tenant) -> None:
    rules = client.get(f"{API}/rules").json()
    assert len(rules) > 10
    assert all(r["sources"] and r["sources"][0]["url"].startswith("http") for r in rules)
    ca = client.get(physician_url(ada, "/compliance"), params=AS_OF).json()["obligations"]
    key = next(o["rule_key"] for o in ca if o["kind"] == "state_license")
    rule = client.get(f"{API}/rules/{key.lower()}").json()
    assert rule["id"] == key and rule["versions"]
    assert rule["versions"][-1]["anchor"] and rule["kind"] == "state_license"
    missing = client.get(f"{API}/rules/NO-SUCH-BOARD")
    assert missing.status_code == 404 and is_problem(missing.headers["content-type"])
    assert client.get(f"{API}/rules/bad key!").status_code == 422


def test_it_asks_for_sign_in_to_read_rules(client: TestClient) -> None:
    assert client.get(f"{API}/rules").status_code == 401
    assert client.get(f"{API}/rules/DEA-MATE").status_code == 401


def test_it_exports_the_ledger_as_csv_and_json_attachments_and_audits_it(
    client: TestClient, ada: Tenant, fresh_store: Store
) -> None:
    as_csv = client.get(physician_url(ada, "/export.csv"))
    assert as_csv.status_code == 200
    assert as_csv.headers["content-type"].startswith("text/csv")
    assert as_csv.headers["content-disposition"] == (
        f'attachment; filename="cme-ledger-{ada.physician_id}.csv"'
    )
    rows = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert [(r["completion_id"], r["amount"]) for r in rows] == [(str(ada.completion_id), "2.00")]

    as_json = client.get(physician_url(ada, "/export.json"))
    assert as_json.headers["content-disposition"].startswith("attachment;")
    data = json.loads(as_json.text)
    assert data["physician_id"] == str(ada.physician_id)
    assert [c["id"] for c in data["completions"]] == [str(ada.completion_id)]
    assert audit_actions(fresh_store).count(events.LEDGER_EXPORTED) == 2


def test_it_lets_a_delegate_read_compliance_for_the_physician(
    client: TestClient, tenant: Tenant, fresh_store: Store
) -> None:
    sign_in(client, delegate_of(fresh_store, tenant))
    answer = client.get(physician_url(tenant, "/compliance"), params=AS_OF)
    assert answer.status_code == 200 and len(answer.json()["obligations"]) == 3


def test_it_counts_a_change_in_the_very_next_status(client: TestClient, ada: Tenant) -> None:
    url = physician_url(ada, "/compliance")

    def licence() -> dict[str, Any]:
        status = client.get(url, params=AS_OF).json()
        (ca,) = [o for o in status["obligations"] if o["kind"] == "state_license"]
        return dict(ca)

    assert licence() == licence() and licence()["earned_hours"] == "2"  # then from memory
    added = client.post(
        physician_url(ada, "/credits"),
        json={
            "title": "Ethics in Practice",
            "provider": "State Medical Society",
            "completed_on": "2026-05-10",
            "credits": {"ama_pra_1": "2.5"},
        },
    )
    assert added.status_code == 201, added.text
    after = licence()
    assert Decimal(after["earned_hours"]) == Decimal("4.5")
    topic = after["topics"][0]
    tagged = client.patch(
        physician_url(ada, f"/credits/{added.json()['id']}"),
        json={"topics": [topic["topic"]]},
        headers={"If-Match": added.headers["etag"]},
    )
    assert tagged.status_code == 200, tagged.text
    (now,) = [t for t in licence()["topics"] if t["topic"] == topic["topic"]]
    assert Decimal(now["earned"]) == Decimal(topic["earned"]) + Decimal("2.5")
