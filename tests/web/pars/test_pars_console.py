"""The /pars console: pages render, forms refuse bad input visibly, resubmit updates a row."""

from __future__ import annotations

from dataclasses import replace

from fastapi.testclient import TestClient

from cmeledger.pars.sandbox.testing import JANE, a_record, cme
from cmeledger.storage.ledger import Store
from tests.web.accounts import Tenant, sign_in
from tests.web.pars.builders import XLSX, Admin, Sandbox, accepted_activity, workbook

STRANGER = replace(JANE, first_name="Janet", npi=None, license_number="Z9")
ACTIVITY_FORM = {
    "title": "Opioid Prescribing Workshop",
    "format": "Course",
    "start": "2026-05-04",
    "end": "2026-05-04",
    "credits": "3",
    "city": "Denver",
    "state": "CO",
    "country": "USA",
    "delivery": "In-Person",
}


def _with_a_rejection(
    client: TestClient, admin: Admin, sandbox: Sandbox, store: Store
) -> dict[str, str]:
    accme_id = accepted_activity(client, admin, sandbox, store)
    data = workbook([a_record(accme_id, cme("a")), a_record(accme_id, cme("s"), learner=STRANGER)])
    sent = client.post(
        f"/pars/{admin.provider.id}/learners",
        files={"file": ("learners.xlsx", data, XLSX)},
        data={"consent_recorded": "true"},
        follow_redirects=False,
    )
    assert sent.status_code == 303
    assert sent.headers["location"] == f"/pars/{admin.provider.id}?notice=learners&n=2"
    sandbox.work(store)
    [credit] = client.get(f"{admin.base}/credits", params={"state": "rejected"}).json()["items"]
    return dict(credit)


def test_it_renders_the_console_with_status_activities_upload_and_rejections(
    signed_in: TestClient, admin: Admin, other_admin: Admin, sandbox: Sandbox, fresh_store: Store
) -> None:
    credit = _with_a_rejection(signed_in, admin, sandbox, fresh_store)
    page = signed_in.get("/pars")
    assert page.status_code == 200
    html = page.text
    assert admin.provider.name in html and "Sepsis Update Grand Rounds" in html
    assert "Submission status" in html and "accepted" in html
    assert f"/api/v1/pars/providers/{admin.provider.id}/learners/template.xlsx" in html
    assert 'name="consent_recorded"' in html and 'name="csrf_token"' in html
    assert "Doe, Janet" in html and "LRN-004" in html and ">Resubmit</button>" in html
    assert credit["credit_id"] in html
    assert "Z9" not in html  # the learner's licence number stays out of the page
    notice = signed_in.get(f"/pars/{admin.provider.id}?notice=learners&n=2")
    assert "2 learner record(s) queued" in notice.text
    status = signed_in.get(f"/pars/{admin.provider.id}/status")
    assert status.status_code == 200 and 'id="pars-status"' in status.text
    theirs = signed_in.get(f"/pars/{other_admin.provider.id}")
    assert theirs.status_code == 404 and other_admin.provider.name not in theirs.text


def test_it_resubmits_a_rejected_credit_and_htmx_gets_the_updated_row(
    signed_in: TestClient, admin: Admin, sandbox: Sandbox, fresh_store: Store
) -> None:
    credit = _with_a_rejection(signed_in, admin, sandbox, fresh_store)
    url = f"/pars/{admin.provider.id}/credits/{credit['credit_id']}/resubmit"
    row = signed_in.post(url, headers={"HX-Request": "true"})
    assert row.status_code == 200
    assert row.text.strip().startswith("<tr>") and "<html" not in row.text
    assert "queued" in row.text and "Queued again" in row.text and "Resubmit" not in row.text
    state = signed_in.get(f"{admin.base}/credits", params={"state": "queued"}).json()
    assert [c["credit_id"] for c in state["items"]] == [credit["credit_id"]]
    twice = signed_in.post(url, headers={"HX-Request": "true"})
    assert twice.status_code == 200 and "only a rejected or failed credit" in twice.text


def test_it_adds_an_activity_from_the_form_or_shows_each_broken_rule(
    signed_in: TestClient, admin: Admin
) -> None:
    url = f"/pars/{admin.provider.id}/activities"
    saved = signed_in.post(url, data=ACTIVITY_FORM, follow_redirects=False)
    assert saved.status_code == 303
    page = signed_in.get(saved.headers["location"])
    assert "Opioid Prescribing Workshop" in page.text and "saved and queued" in page.text
    broken = {**ACTIVITY_FORM, "title": "Broken Workshop", "end": "2026-05-01", "city": ""}
    refused = signed_in.post(url, data=broken)
    assert refused.status_code == 422
    assert "ACT-002" in refused.text and "ACT-003" in refused.text
    assert 'value="Broken Workshop"' in refused.text  # what was typed is kept
    listed = signed_in.get(f"{admin.base}/activities").json()
    assert [a["title"] for a in listed["items"]] == ["Opioid Prescribing Workshop"]


def test_it_shows_each_problem_of_an_uploaded_file_and_stores_nothing(
    signed_in: TestClient, admin: Admin, sandbox: Sandbox, fresh_store: Store
) -> None:
    accme_id = accepted_activity(signed_in, admin, sandbox, fresh_store)
    data = workbook([a_record(accme_id, cme("a")), a_record(accme_id, cme("b"))], F4="13/45")
    page = signed_in.post(
        f"/pars/{admin.provider.id}/learners",
        files={"file": ("learners.xlsx", data, XLSX)},
        data={"consent_recorded": "true"},
    )
    assert page.status_code == 422
    assert "learners.xlsx" in page.text and "nothing was stored" in page.text
    assert "<td>4</td>" in page.text and "Date of Birth" in page.text
    unconsented = signed_in.post(
        f"/pars/{admin.provider.id}/learners", files={"file": ("l.xlsx", data, XLSX)}
    )
    assert unconsented.status_code == 422 and "permission" in unconsented.text
    assert signed_in.get(f"{admin.base}/credits").json()["total"] == 0


def test_it_keeps_the_console_from_other_roles_and_strangers(
    client: TestClient, tenant: Tenant, admin: Admin
) -> None:
    anonymous = client.get("/pars", follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login")
    sign_in(client, tenant.email)
    assert client.get("/pars").status_code == 403
    assert client.get(f"/pars/{admin.provider.id}").status_code == 403
    posted = client.post(f"/pars/{admin.provider.id}/activities/push")
    assert posted.status_code == 403
