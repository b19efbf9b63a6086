"""Builders for the PARS web tests: providers with an admin sign-in, the outbox worker run
against the sandbox (as `cmeledger worker --once` would), request bodies and files."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from openpyxl import load_workbook

from cmeledger.actions.accounts import Role, create_user
from cmeledger.actions.pars import add_provider
from cmeledger.actions.pars_outbox import RetryPolicy, WorkStats, work
from cmeledger.domain.pars.model import LearnerRecord
from cmeledger.domain.pars.results import Credentials
from cmeledger.pars import excel_learners
from cmeledger.pars.transport import client_factory
from cmeledger.storage.ledger import Store
from cmeledger.storage.repositories.pars import Provider
from tests.web.accounts import OWNER, PASSWORD

# Board answers are polled a minute later: `once` runs stop before them.
FAST = RetryPolicy(max_attempts=5, base_seconds=0, cap_seconds=0)


@dataclass(frozen=True)
class Sandbox:
    url: str
    state: Path

    def work(self, store: Store, policy: RetryPolicy = FAST) -> WorkStats:
        """Run every job that is due, then stop."""
        return work(store, client_factory(self.url, "xml", 5), policy, once=True)


@dataclass(frozen=True)
class Admin:
    provider: Provider
    email: str

    @property
    def base(self) -> str:
        return f"/api/v1/pars/providers/{self.provider.id}"


def an_admin(store: Store, creds: Credentials, name: str) -> Admin:
    """A provider with the sandbox login `creds`, and its admin `<name>@provider.example.org`."""
    email = f"{name}@provider.example.org"
    with store.ledger(OWNER) as ledger:
        provider = add_provider(
            ledger, creds.provider_id, f"{name.title()} CME", creds.user, creds.password
        )
        create_user(
            ledger,
            email=email,
            display_name=f"{name.title()} Admin",
            role=Role.PROVIDER_ADMIN,
            password=PASSWORD,
            provider_id=provider.id,
        )
    return Admin(provider, email)


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def activity_body(**changes: Any) -> dict[str, Any]:
    """A one-day in-person course on 2 March 2026 in Chicago: 2 credits, ABIM MOC."""
    body: dict[str, Any] = {
        "title": "Sepsis Update Grand Rounds",
        "format": "live",
        "start": "2026-03-02",
        "end": "2026-03-02",
        "credits": "2",
        "provider_activity_id": "GR-2026-03",
        "description": "Recognition and early management of sepsis.",
        "location": {"city": "Chicago", "state": "IL", "country": "USA"},
        "delivery_methods": ["In-Person"],
        "moc": [
            {"board": "ABIM", "points": "2", "credit_types": ["Medical Knowledge"]},
        ],
    }
    body.update(changes)
    return body


def accepted_activity(client: TestClient, admin: Admin, sandbox: Sandbox, store: Store) -> str:
    """Create the activity over the API, let the worker send it; its ACCME activity ID."""
    created = client.post(f"{admin.base}/activities", json=activity_body())
    assert created.status_code == 201, created.text
    sandbox.work(store)
    found = client.get(f"{admin.base}/activities/{created.json()['id']}").json()
    assert found["state"] == "accepted", found["problems"]
    return str(found["accme_id"])


def workbook(records: list[LearnerRecord], **cells: Any) -> bytes:
    """The learner template holding `records`; `cells` overwrite cells, e.g. F4="13/45"."""
    data = excel_learners.write_learner_workbook(records)
    if not cells:
        return data
    book = load_workbook(io.BytesIO(data))
    sheet = book["Sheet1"]
    for ref, value in cells.items():
        sheet[ref] = value
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(
    client: TestClient, url: str, data: bytes, *, consent: bool = True, name: str = "l.xlsx"
) -> Any:
    form = {"consent_recorded": "true"} if consent else {}
    return client.post(url, files={"file": (name, data, XLSX)}, data=form)
