"""For tests (ours and the client's): `running_sandbox`, a real sandbox on a free loopback
port for the length of a `with`, plus seed data and builders for activities and records."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import uvicorn
import zeep
from zeep.transports import Transport

from cmeledger.domain.pars.model import (
    CME_CERTIFICATION,
    Activity,
    ActivityFormat,
    DeliveryMethod,
    Learner,
    LearnerCredit,
    LearnerRecord,
    Location,
    MocRegistration,
)
from cmeledger.domain.pars.results import (
    ActivityResult,
    Credentials,
    CreditResult,
    CreditStatusEntry,
    LearnerQuery,
    MatchResult,
)
from cmeledger.domain.people import MonthDay
from cmeledger.pars import soap, wire_xml
from cmeledger.pars.sandbox.app import create_app
from cmeledger.pars.sandbox.registry import Registry
from cmeledger.pars.sandbox.server import HOST, uvicorn_config

STATE_FILE = "pars-sandbox.sqlite3"


@contextmanager
def running_sandbox(tmp_path: Path, **kwargs: Any) -> Iterator[str]:
    """Start uvicorn in a background thread and yield its base URL (http://127.0.0.1:PORT).

    State lives in `tmp_path / STATE_FILE` unless `state_path=` is given; other keyword
    arguments go to `create_app` (rules, fault_rate, seed, today, max_body, ...). Seed
    providers and physicians with `Registry(state_path)` or the /sandbox admin endpoints.
    """
    state_path = Path(kwargs.pop("state_path", tmp_path / STATE_FILE))
    app = create_app(state_path, **kwargs)
    # Bind first, then hand the socket over: no window in which another process takes the port.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((HOST, 0))
    port = int(sock.getsockname()[1])
    server = uvicorn.Server(uvicorn_config(app, port=port))
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name=f"pars-sandbox-{port}", daemon=True
    )
    thread.start()
    try:
        deadline = time.monotonic() + 15
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the PARS sandbox did not start")
            time.sleep(0.02)
        yield f"http://{HOST}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        sock.close()


# -- sample data: one provider, a second one, three physicians, and builders -------------------

PROVIDER = Credentials("0001234", "ws_user", "sandbox-password")
OTHER_PROVIDER = Credentials("0007654", "other_user", "other-password")
JANE = Learner(
    first_name="Jane",
    last_name="Doe",
    birth=MonthDay(9, 10),
    license_state="CA",
    license_number="A123456",
    npi="1234567893",
    board="ABIM",
    board_id="123456",
)
PAT = Learner(
    first_name="Pat",
    last_name="Lee",
    birth=MonthDay(2, 29),
    license_state="NY",
    license_number="NY-998877",
    board="ABP",
    board_id="654321",
)
# In the registry with a licence but no ABIM certification: ABIM credit for Sam is refused
# by the board on `tick`.
SAM = Learner(
    first_name="Sam",
    last_name="Roe",
    birth=MonthDay(1, 31),
    license_state="IL",
    license_number="036-111222",
    board="ABIM",
    board_id="999999",
)


def seed(state_path: Path) -> Registry:
    """Both providers and the three physicians above (JANE, PAT, SAM)."""
    registry = Registry(state_path)
    for creds in (PROVIDER, OTHER_PROVIDER):
        registry.add_provider(creds.provider_id, creds.user, creds.password)
    registry.add_physician(
        "Jane", "Doe", "09-10", {"CA": "A123456", "NV": "NV-555"}, "1234567893",
        {"ABIM": "123456"},
    )  # fmt: skip
    registry.add_physician("Pat", "Lee", "02-29", {"NY": "NY-998877"}, None, {"ABP": "654321"})
    registry.add_physician("Sam", "Roe", "01-31", {"IL": "036-111222"}, "9876543213", {})
    return registry


def an_activity(**changes: Any) -> Activity:
    """A one-day in-person course on 2 March 2026, 2 credits, registered for ABIM (Medical
    Knowledge, Patient Safety; 2 points) and ABP (2 points)."""
    activity = Activity(
        provider_id=PROVIDER.provider_id,
        title="Sepsis Update Grand Rounds",
        format=ActivityFormat.COURSE,
        start=date(2026, 3, 2),
        end=date(2026, 3, 2),
        credits=Decimal("2.00"),
        provider_activity_id="GR-2026-03",
        description="Recognition and early management of sepsis.",
        location=Location("Chicago", "IL", "USA"),
        delivery_methods=(DeliveryMethod.IN_PERSON,),
        moc=(
            MocRegistration("ABIM", Decimal("2"), ("Medical Knowledge", "Patient Safety")),
            MocRegistration("ABP", Decimal("2"), ("Lifelong Learning and Self-Assessment",)),
        ),
    )
    return replace(activity, **changes)


def cme(credit_id: str, amount: str = "1.00") -> LearnerCredit:
    return LearnerCredit(credit_id, CME_CERTIFICATION, Decimal(amount))


def moc(credit_id: str, board: str, credit_type: str, amount: str = "1") -> LearnerCredit:
    return LearnerCredit(credit_id, credit_type, Decimal(amount), board=board)


def a_record(
    accme_id: str,
    *credits: LearnerCredit,
    learner: Learner = JANE,
    completed_on: date = date(2026, 3, 2),
    **changes: Any,
) -> LearnerRecord:
    """Jane's completion of `accme_id` on 2 March 2026 with `credits` (default 1 CME)."""
    record = LearnerRecord(
        provider_id=PROVIDER.provider_id,
        accme_activity_id=accme_id,
        activity_title="Sepsis Update Grand Rounds",
        learner=learner,
        completed_on=completed_on,
        credits=credits or (cme(f"ccid:example.org:{accme_id}-{learner.last_name}-cme"),),
        consent=True,
        reporting_organization="Example Health CME",
    )
    return replace(record, **changes)


def xml_call(client: httpx.Client, base_url: str, operation: str, body: bytes) -> httpx.Response:
    """POST one REST-XML operation, as the documentation describes the call."""
    return client.post(
        f"{base_url}{wire_xml.operation_path(operation)}",
        content=body,
        headers={"Content-Type": wire_xml.CONTENT_TYPE},
    )


def offline_zeep_client(wsdl: Path | None = None) -> Any:
    """A zeep client for our WSDL (or a saved copy of a served one) that can fetch nothing over
    the network and posts only to loopback: proof the WSDL stands alone."""

    class LoopbackOnly(Transport):
        def load(self, url: str) -> bytes:
            if urlsplit(url).scheme in ("http", "https"):
                raise AssertionError(f"zeep tried to fetch {url}")
            return super().load(url)  # type: ignore[no-any-return,no-untyped-call]

        def post(self, address: str, message: str, headers: dict[str, str]) -> Any:
            if urlsplit(address).hostname != HOST:
                raise AssertionError(f"zeep tried to post to {address}")
            return super().post(address, message, headers)  # type: ignore[no-untyped-call]

    return zeep.Client(str(wsdl or soap.WSDL_PATH), transport=LoopbackOnly())  # type: ignore[no-untyped-call]


@dataclass
class RestXmlCaller:
    """A minimal REST-XML caller over `wire_xml` for sandbox tests (not the client: no
    retries, and any non-200 answer raises the matching ParsError)."""

    http: httpx.Client
    base: str
    state_path: Path

    def call(self, operation: str, body: bytes) -> bytes:
        response = xml_call(self.http, self.base, operation, body)
        if response.status_code != 200:
            problems = wire_xml.read_error_response(response.content)
            raise wire_xml.error_for(problems, response.status_code)
        return response.content

    def save(self, activity: Activity, creds: Credentials = PROVIDER) -> ActivityResult:
        body = self.call("SaveActivity", wire_xml.save_activity_request(creds, [activity]))
        [result] = wire_xml.read_save_activity_response(body)
        return result

    def create(self, activity: Activity | None = None) -> str:
        result = self.save(activity or an_activity())
        assert result.accepted, result.problems
        assert result.accme_id is not None
        return result.accme_id

    def get(self, accme_id: str, creds: Credentials = PROVIDER) -> Activity:
        body = self.call("GetActivity", wire_xml.get_activity_request(creds, accme_id))
        return wire_xml.read_get_activity_response(body)

    def learners(
        self, *records: LearnerRecord, creds: Credentials = PROVIDER
    ) -> list[CreditResult]:
        body = self.call("SaveLearnerActivity", wire_xml.save_learner_request(creds, records))
        return wire_xml.read_save_learner_response(body)

    def by_credit(self, credit_id: str, creds: Credentials = PROVIDER) -> list[CreditStatusEntry]:
        body = self.call(
            "GetLearnerStatusByCreditId", wire_xml.status_by_credit_id_request(creds, credit_id)
        )
        return wire_xml.read_status_by_credit_id_response(body)

    def by_learner(
        self, query: LearnerQuery, creds: Credentials = PROVIDER
    ) -> list[CreditStatusEntry]:
        body = self.call(
            "GetLearnerStatusByLearner", wire_xml.status_by_learner_request(creds, query)
        )
        return wire_xml.read_status_by_learner_response(body)

    def match(self, learner: Learner) -> MatchResult:
        body = self.call("GetLearnerMatch", wire_xml.learner_match_request(PROVIDER, learner))
        return wire_xml.read_learner_match_response(body)


@contextmanager
def seeded_caller(tmp_path: Path, **kwargs: Any) -> Iterator[RestXmlCaller]:
    """`seed` a fresh state, run a sandbox on it (kwargs go to `create_app`), and yield a
    REST-XML caller for it."""
    state_path = tmp_path / STATE_FILE
    seed(state_path)
    with running_sandbox(tmp_path, state_path=state_path, **kwargs) as base, httpx.Client() as http:
        yield RestXmlCaller(http, base, state_path)
