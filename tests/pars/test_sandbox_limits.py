"""Hostile and heavy traffic: body limits, entity attacks, and many clients retrying at once."""

from __future__ import annotations

import os
import socket
import sqlite3
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

import httpx
import pytest

from cmeledger.domain.pars.results import CreditResult, CreditStatus
from cmeledger.pars import soap, wire_json, wire_xml
from cmeledger.pars.sandbox.testing import (
    PROVIDER,
    STATE_FILE,
    a_record,
    an_activity,
    cme,
    running_sandbox,
    seed,
    xml_call,
)

TODAY = date(2026, 4, 15)
MiB = 1024 * 1024


@pytest.fixture
def base(tmp_path: Path) -> Iterator[str]:
    seed(tmp_path / STATE_FILE)
    with running_sandbox(tmp_path, today=lambda: TODAY) as url:
        yield url


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=30) as client:
        yield client


# -- body size ---------------------------------------------------------------------------------


def test_a_body_over_50_mib_is_refused_with_413_before_parsing(
    base: str, http: httpx.Client
) -> None:
    body = b"<" + b"x" * (50 * MiB)
    response = http.post(f"{base}{wire_xml.operation_path('SaveActivity')}", content=body)
    assert response.status_code == 413
    [problem] = wire_xml.read_error_response(response.content)
    assert problem.code == "XML-002"
    assert str(50 * MiB) in problem.message


def test_a_streamed_body_is_cut_off_at_the_limit(tmp_path: Path) -> None:
    def chunks() -> Iterator[bytes]:  # chunked transfer: no Content-Length to check up front
        for _ in range(64):
            yield b" " * 65536

    with running_sandbox(tmp_path, max_body=MiB) as url, httpx.Client() as http:
        xml = http.post(f"{url}{wire_xml.operation_path('SaveActivity')}", content=chunks())
        assert xml.status_code == 413
        json = http.post(f"{url}{wire_json.BASE_PATH}/activities", content=chunks())
        assert json.status_code == 413
        assert [p.code for p in wire_json.read_error_response(json.content)] == ["JSON-002"]
        envelope = http.post(f"{url}/services/ACCMEActivityService.svc/soap", content=chunks())
        assert envelope.status_code == 413
        assert [p.code for p in soap.read_fault(envelope.content)] == ["XML-002"]
        # just under the limit is read and parsed (and refused for what it is)
        under = http.post(
            f"{url}{wire_xml.operation_path('SaveActivity')}", content=b" " * (MiB - 1)
        )
        assert under.status_code == 400


# -- hostile XML -------------------------------------------------------------------------------

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<GetActivityRequest><ProviderId>0001234</ProviderId><User>ws_user</User>
<Password>sandbox-password</Password><ActivityId>&lol9;</ActivityId></GetActivityRequest>"""


def test_billion_laughs_is_refused_with_400(base: str, http: httpx.Client) -> None:
    started = time.monotonic()
    response = xml_call(http, base, "GetActivity", BILLION_LAUGHS)
    assert response.status_code == 400
    assert time.monotonic() - started < 5
    [problem] = wire_xml.read_error_response(response.content)
    assert problem.code == "XML-001"
    assert b"lollol" not in response.content


class _Listener:
    """A loopback socket that records whether anything connected to it."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.hits = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            self.hits += 1
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.sock.close()


def test_external_entities_are_refused_and_nothing_is_read_or_fetched(
    base: str, http: httpx.Client, tmp_path: Path
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-VALUE")
    # A FIFO with no writer: a parser that opened it would block, so a prompt answer proves
    # the file was never opened.
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    listener = _Listener()
    try:
        for system_id in (
            secret.as_uri(),
            fifo.as_uri(),
            f"http://127.0.0.1:{listener.port}/evil.dtd",
        ):
            doc = (
                f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "{system_id}">]>'
                "<GetActivityRequest><ProviderId>0001234</ProviderId><User>ws_user</User>"
                "<Password>sandbox-password</Password><ActivityId>&x;</ActivityId>"
                "</GetActivityRequest>"
            ).encode()
            started = time.monotonic()
            response = xml_call(http, base, "GetActivity", doc)
            assert response.status_code == 400, system_id
            assert time.monotonic() - started < 5
            assert b"TOP-SECRET" not in response.content
            external_dtd = doc.replace(
                b"[<!ENTITY x SYSTEM", b'SYSTEM "' + system_id.encode() + b'" [<!ENTITY y SYSTEM'
            )
            assert xml_call(http, base, "GetActivity", external_dtd).status_code == 400
        assert listener.hits == 0
    finally:
        listener.close()


def test_hostile_soap_envelopes_are_client_faults(base: str, http: httpx.Client) -> None:
    response = http.post(f"{base}/services/ACCMEActivityService.svc/soap", content=BILLION_LAUGHS)
    assert response.status_code == 500
    assert [p.code for p in soap.read_fault(response.content)] == ["XML-001"]


def test_deeply_nested_json_is_refused(base: str, http: httpx.Client) -> None:
    response = http.post(
        f"{base}{wire_json.BASE_PATH}/activities",
        content=b"[" * 100_000 + b"]" * 100_000,
        headers=wire_json.auth_headers(PROVIDER),
    )
    assert response.status_code == 400
    assert [p.code for p in wire_json.read_error_response(response.content)] == ["JSON-001"]


# -- concurrency -------------------------------------------------------------------------------


def _send(base: str, body: bytes) -> CreditResult:
    with httpx.Client(timeout=60) as http:
        response = xml_call(http, base, "SaveLearnerActivity", body)
        assert response.status_code == 200, response.text
        [result] = wire_xml.read_save_learner_response(response.content)
        return result


def _rows(tmp_path: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(tmp_path / STATE_FILE) as conn:
        return conn.execute("SELECT credit_id, status FROM credits ORDER BY credit_id").fetchall()


def test_twenty_clients_resending_one_credit_id_store_it_once(
    base: str, http: httpx.Client, tmp_path: Path
) -> None:
    xml_call(http, base, "SaveActivity", wire_xml.save_activity_request(PROVIDER, [an_activity()]))
    body = wire_xml.save_learner_request(PROVIDER, [a_record("202600001", cme("ccid:x:same"))])
    with ThreadPoolExecutor(20) as pool:
        results = list(pool.map(lambda _: _send(base, body), range(20)))
    assert {(r.credit_id, r.status) for r in results} == {("ccid:x:same", CreditStatus.ACCEPTED)}
    assert _rows(tmp_path) == [("ccid:x:same", "Accepted")]


def test_twenty_clients_racing_one_credit_under_new_ids_store_exactly_one(
    base: str, http: httpx.Client, tmp_path: Path
) -> None:
    xml_call(http, base, "SaveActivity", wire_xml.save_activity_request(PROVIDER, [an_activity()]))
    bodies = [
        wire_xml.save_learner_request(PROVIDER, [a_record("202600001", cme(f"ccid:x:{i:02d}"))])
        for i in range(20)
    ]
    with ThreadPoolExecutor(20) as pool:
        results = list(pool.map(lambda b: _send(base, b), bodies))
    accepted = [r for r in results if r.status is CreditStatus.ACCEPTED]
    assert len(accepted) == 1
    refused = [r for r in results if r.status is CreditStatus.REJECTED]
    assert len(refused) == 19
    assert all({p.code for p in r.problems} == {"LRN-005"} for r in refused)
    assert _rows(tmp_path) == [(accepted[0].credit_id, "Accepted")]


def test_concurrent_creates_of_one_activity_share_its_accme_id(base: str) -> None:
    body = wire_xml.save_activity_request(PROVIDER, [an_activity()])

    def create(_: int) -> str | None:
        with httpx.Client(timeout=60) as http:
            [result] = wire_xml.read_save_activity_response(
                xml_call(http, base, "SaveActivity", body).content
            )
            return result.accme_id

    with ThreadPoolExecutor(10) as pool:
        assert set(pool.map(create, range(10))) == {"202600001"}
