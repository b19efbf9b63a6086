"""The organisation's pages: roster table, htmx sorting, reminders form, drill-down."""

from __future__ import annotations

import re

from fastapi import FastAPI

from cmeledger.storage.ledger import Store
from tests.mail.smtp_server import LocalSmtp
from tests.web.accounts import OWNER, Tenant
from tests.web.organisation.builders import a_member, an_organisation
from tests.web.organisation.clients import signed_in

HTMX = {"HX-Request": "true"}


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, "the page has no CSRF field"
    return found.group(1)


def test_it_shows_the_roster_with_status_colours_csv_link_and_reminder_form(
    app: FastAPI, fresh_store: Store
) -> None:
    ann = a_member(fresh_store, "Ann", "Able", serial=31)
    ben = a_member(fresh_store, "Ben", "Bright", serial=32)
    org = an_organisation(fresh_store, "North Clinic", ann)
    with fresh_store.ledger(OWNER) as ledger:
        ledger.accounts.add_member(org.id, ben.physician_id)
    admin = signed_in(app, org.admin_email)

    page = admin.get("/organisation")

    assert page.status_code == 200
    html = page.text
    assert "North Clinic: roster" in html
    assert "Ann Able, MD" in html and "Bright" not in html
    assert 'class="status due-soon"' in html
    assert f'href="/api/v1/organisations/{org.id}/roster.csv?sort=due"' in html
    assert f'href="/organisation/physicians/{ann.physician_id}"' in html
    assert 'hx-post="/organisation/reminders"' in html
    assert _csrf(html)
    assert "style=" not in html and "onclick" not in html


def test_it_re_sorts_the_table_in_place_for_htmx(app: FastAPI, fresh_store: Store) -> None:
    zed = a_member(fresh_store, "Zed", "Zimmer", serial=33)
    amy = a_member(fresh_store, "Amy", "Adams", serial=34)
    an_organisation(fresh_store, "South Clinic", zed, amy)
    org_admin = "admin@south-clinic.example.org"
    admin = signed_in(app, org_admin)

    partial = admin.get("/organisation?sort=-name", headers={**HTMX, "HX-Target": "roster"})

    assert partial.status_code == 200
    assert "<html" not in partial.text
    assert partial.text.index("Zed Zimmer") < partial.text.index("Amy Adams")
    assert 'aria-sort="descending"' in partial.text
    assert 'href="/organisation?sort=name"' in partial.text  # clicking again flips it back


def test_it_previews_then_sends_reminders_from_the_form(
    app: FastAPI, fresh_store: Store, smtp: LocalSmtp
) -> None:
    ann = a_member(fresh_store, "Ann", "Able", serial=35)
    an_organisation(fresh_store, "Form Clinic", ann)
    admin = signed_in(app, "admin@form-clinic.example.org")
    token = _csrf(admin.get("/organisation").text)
    del admin.headers["X-CSRF-Token"]  # a plain form post carries the token as a field

    preview = admin.post("/organisation/reminders", data={"csrf_token": token, "dry_run": "1"})
    assert preview.status_code == 200
    assert "2 reminders would be sent today" in preview.text
    assert ann.email in preview.text
    assert smtp.messages == []

    sent = admin.post(
        "/organisation/reminders",
        data={"csrf_token": token, "dry_run": "0"},
        headers={**HTMX, "HX-Target": "reminder-result"},
    )
    assert sent.status_code == 200
    assert "<html" not in sent.text and "Sent 2 reminders" in sent.text
    assert len(smtp.collector.to(ann.email)) == 2

    forged = admin.post("/organisation/reminders", data={"csrf_token": "nope", "dry_run": "0"})
    assert forged.status_code == 403


def test_it_drills_down_into_a_member_with_a_card_per_obligation(
    app: FastAPI, fresh_store: Store
) -> None:
    ann = a_member(fresh_store, "Ann", "Able", serial=36)
    ben = a_member(fresh_store, "Ben", "Bright", serial=37)
    org = an_organisation(fresh_store, "Drill Clinic", ann)
    with fresh_store.ledger(OWNER) as ledger:
        ledger.accounts.add_member(org.id, ben.physician_id)
    admin = signed_in(app, org.admin_email)

    page = admin.get(f"/organisation/physicians/{ann.physician_id}")
    hidden = admin.get(f"/organisation/physicians/{ben.physician_id}")

    assert page.status_code == 200
    assert page.text.count('<article class="card due-soon"') == 2
    assert "CA MD licence (CA-MD)" in page.text and "DEA registration" in page.text
    assert "<progress" in page.text
    assert hidden.status_code == 404
    assert "Bright" not in hidden.text


def test_it_shows_an_auditor_the_roster_without_the_send_form(
    app: FastAPI, fresh_store: Store, smtp: LocalSmtp
) -> None:
    ann = a_member(fresh_store, "Ann", "Able", serial=38)
    org = an_organisation(fresh_store, "Audit Clinic", ann)
    auditor = signed_in(app, org.auditor_email)

    page = auditor.get("/organisation")
    refused = auditor.post("/organisation/reminders", data={"dry_run": "0"})

    assert page.status_code == 200 and "Ann Able, MD" in page.text
    assert "/organisation/reminders" not in page.text
    assert refused.status_code == 403
    assert smtp.messages == []


def test_it_keeps_physicians_out_of_the_organisation_pages(
    app: FastAPI, fresh_store: Store, tenant: Tenant
) -> None:
    physician = signed_in(app, tenant.email)

    assert physician.get("/organisation").status_code == 403
    assert physician.get(f"/organisation/physicians/{tenant.physician_id}").status_code == 403
