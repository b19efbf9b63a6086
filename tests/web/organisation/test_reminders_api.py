"""Reminder e-mails sent by an organisation, delivered to a real SMTP server on 127.0.0.1."""

from __future__ import annotations

from datetime import timedelta

from fastapi import FastAPI
from pydantic import SecretStr
from sqlalchemy import update

from cmeledger.audit import events
from cmeledger.storage.ledger import Store
from cmeledger.storage.models import PhysicianRow
from tests.mail.smtp_server import LocalSmtp, free_port
from tests.web.accounts import OWNER
from tests.web.organisation.builders import (
    DEA_DAYS,
    LICENCE_DAYS,
    a_member,
    a_physician_sign_in,
    an_organisation,
    today,
)
from tests.web.organisation.clients import signed_in


def _reminders_recorded(store: Store) -> int:
    with store.ledger(OWNER) as ledger:
        last, _, _ = ledger.audit.head()
        return sum(
            1 for link in ledger.audit.links(last) if link.entry.action == events.REMINDER_SENT
        )


def test_it_emails_each_sharing_member_what_is_due_and_how_much_is_left(
    app: FastAPI, fresh_store: Store, smtp: LocalSmtp
) -> None:
    ann = a_member(fresh_store, "Ann", "Able", serial=11)
    org = an_organisation(fresh_store, "North Clinic", ann)
    admin = signed_in(app, org.admin_email)

    answer = admin.post(f"/api/v1/organisations/{org.id}/reminders", json={"dry_run": False})

    assert answer.status_code == 200, answer.text
    assert len(answer.json()["sent"]) == 2
    received = smtp.collector.to(ann.email)
    assert len(received) == 2
    licence_due = today() + timedelta(days=LICENCE_DAYS)
    licence = next(m for m in received if "CA MD licence" in m.message["Subject"])
    assert licence.envelope_from == "reminders@clinic.example.org"
    assert f"due {licence_due:%-d %b %Y}, 48 h to go" in licence.message["Subject"]
    assert licence.message["Auto-Submitted"] == "auto-generated"
    assert licence_due.isoformat() in licence.body
    assert "Remaining hours: 48 of 50 required" in licence.body
    assert "North Clinic sends this reminder because you share" in licence.body
    dea = next(m for m in received if "DEA registration" in m.message["Subject"])
    assert (today() + timedelta(days=DEA_DAYS)).isoformat() in dea.body
    assert "Remaining hours: 8 of 8 required" in dea.body
    assert _reminders_recorded(fresh_store) == 2


def test_it_never_sends_the_same_reminder_twice(
    app: FastAPI, fresh_store: Store, smtp: LocalSmtp
) -> None:
    ann = a_member(fresh_store, "Ann", "Able", serial=12)
    org = an_organisation(fresh_store, "South Clinic", ann)
    admin = signed_in(app, org.admin_email)
    url = f"/api/v1/organisations/{org.id}/reminders"

    first = admin.post(url, json={"dry_run": False}).json()
    second = admin.post(url, json={"dry_run": False}).json()
    preview = admin.post(url, json={"dry_run": True}).json()

    assert len(first["sent"]) == 2
    assert second["sent"] == [] and preview["would_send"] == []
    assert len(smtp.messages) == 2
    drill = admin.get(f"/api/v1/organisations/{org.id}/roster/{ann.physician_id}").json()
    assert sorted(r["days_before"] for r in drill["reminders_sent"]) == [30, 90]


def test_it_previews_without_sending_or_recording_anything(
    app: FastAPI, fresh_store: Store, smtp: LocalSmtp
) -> None:
    ann = a_member(fresh_store, "Ann", "Able", serial=13)
    nob = a_member(fresh_store, "Nob", "Mail", serial=14, email=False)
    org = an_organisation(fresh_store, "Preview Clinic", ann, nob)
    admin = signed_in(app, org.admin_email)
    url = f"/api/v1/organisations/{org.id}/reminders"

    preview = admin.post(url, json={"dry_run": True}).json()

    assert preview["dry_run"] is True
    assert {(r["recipient"], r["days_before"]) for r in preview["would_send"]} == {
        (ann.email, 30),
        (ann.email, 90),
    }
    assert preview["skipped"] == [
        {
            "physician_id": str(nob.physician_id),
            "physician_name": "Nob Mail, MD",
            "reason": "no e-mail address on file",
        }
    ]
    assert smtp.messages == []
    assert _reminders_recorded(fresh_store) == 0
    assert len(admin.post(url, json={"dry_run": False}).json()["sent"]) == 2


def test_it_sends_nothing_from_the_organisation_to_a_physician_who_withdrew_consent(
    app: FastAPI, fresh_store: Store, smtp: LocalSmtp
) -> None:
    ann = a_member(fresh_store, "Ann", "Able", serial=15)
    ben = a_member(fresh_store, "Ben", "Bright", serial=16)
    org = an_organisation(fresh_store, "Consent Clinic", ann, ben)
    ben_client = signed_in(app, a_physician_sign_in(fresh_store, ben))
    withdraw = f"/api/v1/physicians/{ben.physician_id}/organisations/{org.id}/sharing"
    assert ben_client.put(withdraw, json={"shares": False}).status_code == 200
    admin = signed_in(app, org.admin_email)

    sent = admin.post(f"/api/v1/organisations/{org.id}/reminders", json={}).json()

    assert {r["recipient"] for r in sent["sent"]} == {ann.email}
    assert smtp.collector.to(ben.email) == []
    assert len(smtp.collector.to(ann.email)) == 2


def test_it_says_clearly_when_the_mail_server_is_down_and_records_nothing(
    app: FastAPI, fresh_store: Store, smtp: LocalSmtp
) -> None:
    ann = a_member(fresh_store, "Ann", "Able", serial=17)
    org = an_organisation(fresh_store, "Down Clinic", ann)
    admin = signed_in(app, org.admin_email)
    settings = app.state.services.settings
    working = settings.smtp_url
    dead = free_port()
    app.state.services.settings = settings.model_copy(
        update={"smtp_url": SecretStr(f"smtp://127.0.0.1:{dead}?timeout=5")}
    )
    url = f"/api/v1/organisations/{org.id}/reminders"

    down = admin.post(url, json={"dry_run": False})

    assert down.status_code == 502
    assert down.headers["content-type"] == "application/problem+json"
    assert f"cannot reach the mail server 127.0.0.1:{dead}" in down.json()["detail"]
    assert _reminders_recorded(fresh_store) == 0
    app.state.services.settings = settings.model_copy(update={"smtp_url": working})
    assert len(admin.post(url, json={"dry_run": False}).json()["sent"]) == 2
    assert len(smtp.messages) == 2


def test_it_keeps_a_refused_recipient_for_the_next_run_and_sends_the_rest(
    app: FastAPI, fresh_store: Store, smtp: LocalSmtp
) -> None:
    ann = a_member(fresh_store, "Ann", "Able", serial=18)
    ben = a_member(fresh_store, "Ben", "Bright", serial=19)
    org = an_organisation(fresh_store, "Bounce Clinic", ann, ben)
    admin = signed_in(app, org.admin_email)
    url = f"/api/v1/organisations/{org.id}/reminders"
    smtp.collector.refuse.add(ben.email)

    run = admin.post(url, json={"dry_run": False}).json()

    assert {r["recipient"] for r in run["sent"]} == {ann.email}
    assert len(run["failed"]) == 2
    assert "refused the recipient" in run["failed"][0]["reason"]
    smtp.collector.refuse.clear()
    retry = admin.post(url, json={"dry_run": False}).json()
    assert {r["recipient"] for r in retry["sent"]} == {ben.email}


def test_it_reports_an_address_no_server_would_take_and_still_sends_the_rest(
    app: FastAPI, fresh_store: Store, smtp: LocalSmtp
) -> None:
    ann = a_member(fresh_store, "Ann", "Able", serial=22)
    odd = a_member(fresh_store, "Odd", "Address", serial=23, email=False)
    with fresh_store.ledger(OWNER) as ledger:
        ledger.session.execute(
            update(PhysicianRow)
            .where(PhysicianRow.id == odd.physician_id)
            .values(email="odd,ann.able@example.org")  # passes the loose check, two addresses
        )
    org = an_organisation(fresh_store, "Odd Clinic", ann, odd)
    admin = signed_in(app, org.admin_email)

    run = admin.post(f"/api/v1/organisations/{org.id}/reminders", json={}).json()

    assert {r["recipient"] for r in run["sent"]} == {ann.email}
    assert len(run["failed"]) == 2
    assert "is not one e-mail address" in run["failed"][0]["reason"]
    assert len(smtp.messages) == 2


def test_it_lets_an_auditor_read_but_not_send(
    app: FastAPI, fresh_store: Store, smtp: LocalSmtp
) -> None:
    ann = a_member(fresh_store, "Ann", "Able", serial=20)
    org = an_organisation(fresh_store, "Audit Clinic", ann)
    auditor = signed_in(app, org.auditor_email)

    assert auditor.get(f"/api/v1/organisations/{org.id}/roster").status_code == 200
    refused = auditor.post(f"/api/v1/organisations/{org.id}/reminders", json={"dry_run": False})

    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"
    assert smtp.messages == []


def test_it_answers_503_when_no_mail_server_is_configured(app: FastAPI, fresh_store: Store) -> None:
    ann = a_member(fresh_store, "Ann", "Able", serial=21)
    org = an_organisation(fresh_store, "Quiet Clinic", ann)
    admin = signed_in(app, org.admin_email)
    settings = app.state.services.settings
    app.state.services.settings = settings.model_copy(update={"smtp_url": None})

    answer = admin.post(f"/api/v1/organisations/{org.id}/reminders", json={"dry_run": False})

    assert answer.status_code == 503
    assert "CMELEDGER_SMTP_URL" in answer.json()["detail"]
    preview = admin.post(f"/api/v1/organisations/{org.id}/reminders", json={"dry_run": True})
    assert preview.status_code == 200 and len(preview.json()["would_send"]) == 2
