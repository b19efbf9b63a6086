"""The roster over the API: only members who share, sortable, CSV, drill-down, tenancy."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import Decimal
from uuid import uuid4

from fastapi import FastAPI

from cmeledger.audit import events
from cmeledger.storage.ledger import Store
from tests.builders import a_completion
from tests.web.accounts import OWNER as OWNER_SCOPE
from tests.web.accounts import Tenant
from tests.web.organisation.builders import (
    LICENCE_DAYS,
    a_member,
    a_physician_sign_in,
    an_organisation,
    today,
)
from tests.web.organisation.clients import signed_in


def test_it_shows_an_org_admin_only_the_members_who_share(app: FastAPI, fresh_store: Store) -> None:
    ann = a_member(fresh_store, "Ann", "Able", serial=1)
    ben = a_member(fresh_store, "Ben", "Bright", serial=2)
    org = an_organisation(fresh_store, "North Clinic", ann)
    with fresh_store.ledger(OWNER_SCOPE) as ledger:
        ledger.accounts.add_member(org.id, ben.physician_id)  # on the roster, no consent
    admin = signed_in(app, org.admin_email)

    answer = admin.get(f"/api/v1/organisations/{org.id}/roster")

    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["physicians"] == 1
    assert {row["physician_id"] for row in body["items"]} == {str(ann.physician_id)}
    licence = next(r for r in body["items"] if r["kind"] == "state_license")
    assert licence["status"] == "at_risk"
    assert licence["due_date"] == (today() + timedelta(days=LICENCE_DAYS)).isoformat()
    assert Decimal(licence["remaining_hours"]) == 48
    assert admin.get(f"/api/v1/organisations/{org.id}/roster/{ben.physician_id}").status_code == 404


def test_it_sorts_the_roster_and_pages_through_it(app: FastAPI, fresh_store: Store) -> None:
    zed = a_member(fresh_store, "Zed", "Zimmer", serial=3)
    amy = a_member(fresh_store, "Amy", "Adams", serial=4)
    org = an_organisation(fresh_store, "South Clinic", zed, amy)
    admin = signed_in(app, org.admin_email)
    url = f"/api/v1/organisations/{org.id}/roster"

    by_name = admin.get(url, params={"sort": "name"}).json()
    reversed_names = admin.get(url, params={"sort": "-name"}).json()
    by_due = admin.get(url, params={"sort": "due", "limit": 2}).json()

    assert [r["physician_name"] for r in by_name["items"]][::2] == [
        "Amy Adams, MD",
        "Zed Zimmer, MD",
    ]
    assert reversed_names["items"][0]["physician_name"] == "Zed Zimmer, MD"
    assert by_due["total"] == 4 and len(by_due["items"]) == 2
    assert {r["kind"] for r in by_due["items"]} == {"state_license"}
    bad = admin.get(url, params={"sort": "salary"})
    assert bad.status_code == 422
    assert bad.headers["content-type"] == "application/problem+json"


def test_it_exports_the_roster_as_csv_with_formulas_neutralised(
    app: FastAPI, fresh_store: Store
) -> None:
    sneaky = a_member(fresh_store, "=HYPERLINK(1)", "Able", serial=5)
    org = an_organisation(fresh_store, "West Clinic", sneaky)
    admin = signed_in(app, org.admin_email)

    for path in ("roster.csv", "roster?format=csv"):
        answer = admin.get(f"/api/v1/organisations/{org.id}/{path}")
        assert answer.status_code == 200
        assert answer.headers["content-type"].startswith("text/csv")
        assert "attachment" in answer.headers["content-disposition"]
        rows = list(csv.DictReader(io.StringIO(answer.text)))
        assert len(rows) == 2
        assert {r["physician_id"] for r in rows} == {str(sneaky.physician_id)}
        assert rows[0]["first_name"] == "'=HYPERLINK(1)"
        assert {r["status"] for r in rows} == {"at_risk"}


def test_it_drills_down_into_a_sharing_member(app: FastAPI, fresh_store: Store) -> None:
    ann = a_member(fresh_store, "Ann", "Able", serial=6)
    org = an_organisation(fresh_store, "East Clinic", ann)
    auditor = signed_in(app, org.auditor_email)

    answer = auditor.get(f"/api/v1/organisations/{org.id}/roster/{ann.physician_id}")

    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["physician"]["name"] == "Ann Able, MD"
    assert {o["kind"] for o in body["obligations"]} == {"state_license", "dea"}
    assert body["reminders_sent"] == []


def test_it_answers_404_for_another_organisations_ids(
    app: FastAPI, fresh_store: Store, tenant: Tenant
) -> None:
    ann = a_member(fresh_store, "Ann", "Able", serial=7)
    bob = a_member(fresh_store, "Bob", "Brown", serial=8)
    mine = an_organisation(fresh_store, "Mine", ann)
    theirs = an_organisation(fresh_store, "Theirs", bob)
    admin = signed_in(app, mine.admin_email)
    physician = signed_in(app, tenant.email)

    for who in (admin, physician):
        for path in (
            f"/organisations/{theirs.id}/roster",
            f"/organisations/{theirs.id}/roster.csv",
            f"/organisations/{theirs.id}/roster/{bob.physician_id}",
            f"/organisations/{uuid4()}/roster",
        ):
            answer = who.get("/api/v1" + path)
            assert answer.status_code == 404, (path, answer.text)
            assert "Bob" not in answer.text
        sent = who.post(f"/api/v1/organisations/{theirs.id}/reminders", json={"dry_run": True})
        assert sent.status_code == 404
    # a member of the other organisation is not reachable through mine either
    wrong = admin.get(f"/api/v1/organisations/{mine.id}/roster/{bob.physician_id}")
    assert wrong.status_code == 404


def test_it_lets_the_physician_withdraw_consent_and_drops_them_from_the_roster(
    app: FastAPI, fresh_store: Store
) -> None:
    ann = a_member(fresh_store, "Ann", "Able", serial=9)
    org = an_organisation(fresh_store, "Consent Clinic", ann)
    physician = signed_in(app, a_physician_sign_in(fresh_store, ann))
    admin = signed_in(app, org.admin_email)
    url = f"/api/v1/physicians/{ann.physician_id}/organisations"

    assert len(admin.get(f"/api/v1/organisations/{org.id}/roster").json()["items"]) == 2
    assert physician.get(url).json() == [
        {"organisation_id": str(org.id), "organisation_name": "Consent Clinic", "shares": True}
    ]
    withdrawn = physician.put(f"{url}/{org.id}/sharing", json={"shares": False})
    assert withdrawn.status_code == 200
    assert withdrawn.json()["shares"] is False

    # the admin's scope is built afresh for each request: the withdrawal applies at once
    assert admin.get(f"/api/v1/organisations/{org.id}/roster").json()["items"] == []
    drill = admin.get(f"/api/v1/organisations/{org.id}/roster/{ann.physician_id}")
    assert drill.status_code == 404
    assert admin.put(f"{url}/{org.id}/sharing", json={"shares": True}).status_code == 404


def test_it_lets_only_the_physician_or_their_delegate_change_consent(
    app: FastAPI, fresh_store: Store, tenant: Tenant
) -> None:
    ann = a_member(fresh_store, "Ann", "Able", serial=10)
    org = an_organisation(fresh_store, "Delegate Clinic", ann)
    stranger = signed_in(app, tenant.email)
    auditor = signed_in(app, org.auditor_email)
    url = f"/api/v1/physicians/{ann.physician_id}/organisations/{org.id}/sharing"

    assert stranger.put(url, json={"shares": False}).status_code == 404
    assert auditor.put(url, json={"shares": False}).status_code == 403
    assert auditor.get(f"/api/v1/physicians/{ann.physician_id}/organisations").status_code == 403
    assert stranger.get(f"/api/v1/physicians/{ann.physician_id}/organisations").status_code == 404
    mine = f"/api/v1/physicians/{tenant.physician_id}/organisations/{org.id}/sharing"
    assert stranger.put(mine, json={"shares": True}).status_code == 404  # not on that roster


def test_it_reads_each_members_birth_date_again_only_after_their_ledger_changes(
    app: FastAPI, fresh_store: Store
) -> None:
    ann = a_member(fresh_store, "Ann", "Able", serial=5)
    ben = a_member(fresh_store, "Ben", "Bright", serial=6)
    org = an_organisation(fresh_store, "East Clinic", ann, ben)
    admin = signed_in(app, org.admin_email)
    url = f"/api/v1/organisations/{org.id}/roster"

    def reveals() -> int:
        with fresh_store.ledger(OWNER_SCOPE) as ledger:
            last = ledger.audit.head()[0]
            return sum(
                link.entry.action == events.PHYSICIAN_SENSITIVE_READ
                for link in ledger.audit.links(last)
            )

    before = reveals()
    first = admin.get(url).json()
    assert reveals() == before + 2  # one per member
    assert admin.get(url).json() == first and reveals() == before + 2
    with fresh_store.ledger(OWNER_SCOPE) as ledger:
        a_completion(ledger, ann.physician_id, amount="6", on=today() - timedelta(days=3))
    changed = admin.get(url).json()
    assert reveals() == before + 3, "only Ann's status was computed again"
    ann_licence = [
        r
        for r in changed["items"]
        if r["physician_id"] == str(ann.physician_id) and r["kind"] == "state_license"
    ]
    assert Decimal(ann_licence[0]["remaining_hours"]) == 42


def test_it_refuses_a_roster_date_it_cannot_use(app: FastAPI, fresh_store: Store) -> None:
    ann = a_member(fresh_store, "Ann", "Able", serial=7)
    org = an_organisation(fresh_store, "West Clinic", ann)
    admin = signed_in(app, org.admin_email)
    base = f"/api/v1/organisations/{org.id}/roster"
    for url in (base, f"{base}.csv", f"{base}/{ann.physician_id}"):
        for bad in ("0001-01-03", "9999-12-31"):
            answer = admin.get(url, params={"as_of": bad})
            assert answer.status_code == 422, (url, bad)
            assert answer.headers["content-type"] == "application/problem+json"
