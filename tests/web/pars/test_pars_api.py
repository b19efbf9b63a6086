"""The PARS REST API for provider admins, against the sandbox on loopback."""

from __future__ import annotations

from dataclasses import replace

from fastapi.testclient import TestClient

from cmeledger.actions.pars_outbox import RetryPolicy
from cmeledger.pars import excel_learners
from cmeledger.pars.sandbox.registry import Registry
from cmeledger.pars.sandbox.testing import JANE, PAT, a_record, cme
from cmeledger.storage.ledger import Store
from tests.web.accounts import Tenant, sign_in
from tests.web.pars.builders import (
    XLSX,
    Admin,
    Sandbox,
    accepted_activity,
    activity_body,
    upload,
    workbook,
)

STRANGER = replace(JANE, first_name="Janet", npi=None, license_number="Z9")


def test_it_shows_a_provider_admin_their_own_provider_only(
    signed_in: TestClient, admin: Admin, other_admin: Admin
) -> None:
    listed = signed_in.get("/api/v1/pars/providers").json()
    assert [p["accme_id"] for p in listed["items"]] == [admin.provider.accme_id]
    assert signed_in.get(admin.base).json()["pars_login"] is True
    by_accme = signed_in.get(f"/api/v1/pars/providers/{admin.provider.accme_id}")
    assert by_accme.json()["id"] == str(admin.provider.id)
    theirs = other_admin.base
    for path in (
        theirs,
        f"/api/v1/pars/providers/{other_admin.provider.accme_id}",
        f"{theirs}/activities",
        f"{theirs}/credits?state=rejected",
        f"{theirs}/status",
        f"{theirs}/learners/template.xlsx",
    ):
        answer = signed_in.get(path)
        assert answer.status_code == 404, path
        assert answer.headers["content-type"] == "application/problem+json"
        assert other_admin.provider.name not in answer.text
    assert signed_in.post(f"{theirs}/activities", json=activity_body()).status_code == 404
    assert signed_in.post(f"{theirs}/activities/push").status_code == 404
    assert signed_in.post(f"{theirs}/credits/x/retry").status_code == 404
    assert signed_in.delete(f"{theirs}/credits/x").status_code == 404
    sent = upload(signed_in, f"{theirs}/learners", workbook([]))
    assert sent.status_code == 404


def test_it_refuses_pars_endpoints_to_a_physician(
    client: TestClient, tenant: Tenant, admin: Admin
) -> None:
    sign_in(client, tenant.email)
    for path in ("/api/v1/pars/providers", admin.base, f"{admin.base}/credits"):
        assert client.get(path).status_code == 403, path
    assert client.post(f"{admin.base}/activities", json={"junk": 1}).status_code == 403
    assert client.post(f"{admin.base}/credits/x/retry").status_code == 403
    assert upload(client, f"{admin.base}/learners", workbook([])).status_code == 403


def test_it_creates_an_activity_queues_it_and_shows_what_pars_answered(
    signed_in: TestClient, admin: Admin, sandbox: Sandbox, fresh_store: Store
) -> None:
    created = signed_in.post(f"{admin.base}/activities", json=activity_body())
    assert created.status_code == 201, created.text
    assert created.json()["state"] == "queued"
    assert created.headers["location"].endswith(created.json()["id"])
    assert signed_in.get(f"{admin.base}/status").json()["jobs_pending"] == 1
    sandbox.work(fresh_store)
    one = signed_in.get(f"{admin.base}/activities/{created.json()['id']}").json()
    assert one["state"] == "accepted" and len(one["accme_id"]) == 9
    assert one["activity"]["moc"][0]["board"] == "ABIM"
    page = signed_in.get(f"{admin.base}/activities", params={"state": "accepted"}).json()
    assert [a["id"] for a in page["items"]] == [one["id"]] and page["total"] == 1
    again = signed_in.post(f"{admin.base}/activities", json=activity_body())
    assert again.status_code == 409


def test_it_refuses_an_activity_that_breaks_pars_rules_listing_every_rule(
    signed_in: TestClient, admin: Admin
) -> None:
    answer = signed_in.post(
        f"{admin.base}/activities",
        json=activity_body(end="2026-03-01", credits="0.3", location={}),
    )
    assert answer.status_code == 422
    assert answer.headers["content-type"] == "application/problem+json"
    codes = {p["code"] for p in answer.json()["problems"]}
    assert {"ACT-002", "ACT-005", "ACT-003"} <= codes
    assert signed_in.get(f"{admin.base}/activities").json()["total"] == 0
    unknown = signed_in.post(f"{admin.base}/activities", json=activity_body(format="opera"))
    assert unknown.status_code == 422 and "opera" in unknown.json()["detail"]


def test_it_stores_an_excel_upload_queues_it_and_the_worker_reports_each_learner(
    signed_in: TestClient, admin: Admin, sandbox: Sandbox, fresh_store: Store
) -> None:
    accme_id = accepted_activity(signed_in, admin, sandbox, fresh_store)
    data = workbook(
        [a_record(accme_id, cme("a", "2.00")), a_record(accme_id, cme("b"), learner=PAT)]
    )
    answer = upload(signed_in, f"{admin.base}/learners", data)
    assert answer.status_code == 202, answer.text
    body = answer.json()
    assert (body["format"], body["records"], body["credits"]) == ("xlsx", 2, 2)
    status = signed_in.get(body["status_url"]).json()
    assert status["credits"] == {"queued": 2} and status["jobs_pending"] == 2
    sandbox.work(fresh_store)
    credits = signed_in.get(f"{admin.base}/credits").json()
    assert sorted((c["learner"], c["state"]) for c in credits["items"]) == [
        ("Doe, Jane", "accepted"),
        ("Lee, Pat", "accepted"),
    ]
    text = signed_in.get(f"{admin.base}/credits").text
    for secret in (JANE.license_number, JANE.npi, PAT.license_number, PAT.board_id, "09-10"):
        assert secret is not None and secret not in text
    assert signed_in.get(f"{admin.base}/status").json()["jobs_pending"] == 0


def test_it_refuses_a_file_with_an_invalid_row_listing_each_problem_and_stores_nothing(
    signed_in: TestClient, admin: Admin, sandbox: Sandbox, fresh_store: Store
) -> None:
    accme_id = accepted_activity(signed_in, admin, sandbox, fresh_store)
    good, other = a_record(accme_id, cme("a")), a_record(accme_id, cme("b"), learner=PAT)
    bad_cells = workbook([good, other], B4="12", F4="13/45")
    answer = upload(signed_in, f"{admin.base}/learners", bad_cells)
    assert answer.status_code == 422
    found = {(p["row"], p["column"], p["code"]) for p in answer.json()["problems"]}
    assert found == {(4, "ACCME Activity ID", "XLS-001"), (4, "Date of Birth", "XLS-001")}
    too_many = workbook([good, a_record(accme_id, cme("b", "9.00"), learner=PAT)])
    refused = upload(signed_in, f"{admin.base}/learners", too_many)
    assert refused.status_code == 422
    [problem] = refused.json()["problems"]
    assert (problem["row"], problem["record"], problem["code"]) == (4, 2, "LRN-006")
    assert "nothing was stored" in refused.json()["detail"]
    assert signed_in.get(f"{admin.base}/credits").json()["total"] == 0
    assert signed_in.get(f"{admin.base}/status").json()["jobs_pending"] == 0


def test_it_needs_the_uploader_to_confirm_consent_before_reading_a_file(
    signed_in: TestClient, admin: Admin, sandbox: Sandbox, fresh_store: Store
) -> None:
    accme_id = accepted_activity(signed_in, admin, sandbox, fresh_store)
    data = workbook([a_record(accme_id, cme("a"))])
    answer = upload(signed_in, f"{admin.base}/learners", data, consent=False)
    assert answer.status_code == 422 and "consent" in answer.json()["detail"]
    assert signed_in.get(f"{admin.base}/credits").json()["total"] == 0
    junk = upload(signed_in, f"{admin.base}/learners", b"name,date\nJane,2026-03-02\n")
    assert junk.status_code == 422 and junk.json()["problems"][0]["code"] == "DOC-001"


def test_it_lists_rejections_with_reasons_and_resubmit_queues_them_again(
    signed_in: TestClient, admin: Admin, sandbox: Sandbox, fresh_store: Store
) -> None:
    accme_id = accepted_activity(signed_in, admin, sandbox, fresh_store)
    data = workbook([a_record(accme_id, cme("a")), a_record(accme_id, cme("s"), learner=STRANGER)])
    assert upload(signed_in, f"{admin.base}/learners", data).status_code == 202
    sandbox.work(fresh_store)
    rejected = signed_in.get(f"{admin.base}/credits", params={"state": "rejected"}).json()
    [credit] = rejected["items"]
    assert credit["learner"] == "Doe, Janet" and "LRN-004" in credit["reason"]
    # the learner's licence reaches PARS's registry, so the same record now matches
    Registry(sandbox.state).add_physician("Janet", "Doe", "09-10", {"CA": "Z9"})
    answer = signed_in.post(f"{admin.base}/credits/{credit['credit_id']}/retry")
    assert answer.status_code == 202 and answer.json()["state"] == "queued"
    queued = signed_in.get(f"{admin.base}/credits", params={"state": "queued"}).json()
    assert [c["credit_id"] for c in queued["items"]] == [credit["credit_id"]]
    again = signed_in.post(f"{admin.base}/credits/{credit['credit_id']}/retry")
    assert again.status_code == 409
    sandbox.work(fresh_store)
    final = signed_in.get(f"{admin.base}/credits", params={"state": "accepted"}).json()
    assert final["total"] == 2


def test_it_retries_a_failed_send_after_asking_pars_what_it_holds(
    signed_in: TestClient, admin: Admin, sandbox: Sandbox, fresh_store: Store
) -> None:
    accme_id = accepted_activity(signed_in, admin, sandbox, fresh_store)
    sent = upload(signed_in, f"{admin.base}/learners", workbook([a_record(accme_id, cme("a"))]))
    assert sent.status_code == 202
    nowhere = Sandbox("http://127.0.0.1:9", sandbox.state)  # the discard port: nothing answers
    nowhere.work(fresh_store, RetryPolicy(max_attempts=1, base_seconds=0, cap_seconds=0))
    [failed] = signed_in.get(f"{admin.base}/credits", params={"state": "failed"}).json()["items"]
    assert failed["reason"] and failed["retry_queued"] is False
    answer = signed_in.post(f"{admin.base}/credits/{failed['credit_id']}/retry")
    assert answer.status_code == 202
    assert (answer.json()["state"], answer.json()["retry_queued"]) == ("failed", True)
    sandbox.work(fresh_store)
    [done] = signed_in.get(f"{admin.base}/credits").json()["items"]
    assert done["state"] == "accepted"


def test_it_queues_the_deletion_of_a_reported_credit(
    signed_in: TestClient, admin: Admin, sandbox: Sandbox, fresh_store: Store
) -> None:
    accme_id = accepted_activity(signed_in, admin, sandbox, fresh_store)
    sent = upload(signed_in, f"{admin.base}/learners", workbook([a_record(accme_id, cme("a"))]))
    assert sent.status_code == 202
    sandbox.work(fresh_store)
    [credit] = signed_in.get(f"{admin.base}/credits").json()["items"]
    answer = signed_in.delete(f"{admin.base}/credits/{credit['credit_id']}")
    assert answer.status_code == 202 and answer.json()["state"] == "deleting"
    sandbox.work(fresh_store)
    assert signed_in.get(f"{admin.base}/credits").json()["items"][0]["state"] == "deleted"


def test_it_serves_the_empty_excel_learner_template(signed_in: TestClient, admin: Admin) -> None:
    answer = signed_in.get(f"{admin.base}/learners/template.xlsx")
    assert answer.status_code == 200 and answer.headers["content-type"] == XLSX
    assert "attachment" in answer.headers["content-disposition"]
    read = excel_learners.read_learner_workbook(
        answer.content, provider_id=admin.provider.accme_id, consent=True
    )
    assert read == []


def test_it_answers_422_not_500_for_dates_the_rules_cannot_compute_with(
    signed_in: TestClient, admin: Admin, sandbox: Sandbox, fresh_store: Store
) -> None:
    far = signed_in.post(f"{admin.base}/activities", json=activity_body(end="9999-12-31"))
    assert far.status_code == 422 and "dates lie between" in far.json()["detail"]
    accme_id = accepted_activity(signed_in, admin, sandbox, fresh_store)
    data = workbook([a_record(accme_id, cme("a")), a_record(accme_id, cme("b"))], C4="12/31/9999")
    answer = upload(signed_in, f"{admin.base}/learners", data)
    assert answer.status_code == 422
    [problem] = answer.json()["problems"]
    assert (problem["row"], problem["code"]) == (4, "LRN-002")


def test_it_documents_every_pars_endpoint_in_the_openapi_schema(client: TestClient) -> None:
    paths = client.get("/api/openapi.json").json()["paths"]
    base = "/api/v1/pars/providers/{prov}"
    assert {
        "/api/v1/pars/providers",
        base,
        f"{base}/activities",
        f"{base}/activities/push",
        f"{base}/activities/{{activity_id}}",
        f"{base}/learners",
        f"{base}/learners/template.xlsx",
        f"{base}/credits",
        f"{base}/credits/{{credit_id}}/retry",
        f"{base}/credits/{{credit_id}}",
        f"{base}/status",
    } <= set(paths)
    assert "422" in paths[f"{base}/learners"]["post"]["responses"]
