"""The sandbox's own controls: seeding over HTTP, the pinned clock, and `serve` as a process."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import httpx
import pytest

from cmeledger.domain.pars.results import Credentials, CreditStatus
from cmeledger.pars import wire_xml
from cmeledger.pars.sandbox.testing import (
    PROVIDER,
    RestXmlCaller,
    a_record,
    an_activity,
    running_sandbox,
    seeded_caller,
    xml_call,
)


@pytest.fixture
def pars(tmp_path: Path) -> Iterator[RestXmlCaller]:
    with seeded_caller(tmp_path) as caller:
        yield caller


def test_providers_and_physicians_can_be_seeded_over_http(tmp_path: Path) -> None:
    with running_sandbox(tmp_path) as base, httpx.Client() as http:
        added = http.post(
            f"{base}/sandbox/providers",
            json={"provider_id": "0005555", "user": "u", "password": "p"},
        )
        assert added.status_code == 201
        physician = {"first": "Ann", "last": "Ray", "birth": "03-04", "npi": "1111222232",
                     "licences": {"TX": "T-1"}, "boards": {"ABIM": "42"}}  # fmt: skip
        assert http.post(f"{base}/sandbox/physicians", json=physician).status_code == 201
        assert http.post(f"{base}/sandbox/physicians", json=physician).status_code == 409
        bad = http.post(f"{base}/sandbox/physicians", json={**physician, "birth": "02-30"})
        assert bad.status_code == 400
        assert http.post(f"{base}/sandbox/providers", json={"user": "u"}).status_code == 400

        creds = Credentials("0005555", "u", "p")
        activity = an_activity(provider_id="0005555")
        response = xml_call(
            http, base, "SaveActivity", wire_xml.save_activity_request(creds, [activity])
        )
        assert wire_xml.read_save_activity_response(response.content)[0].accepted


def test_a_pinned_clock_closes_and_reopens_the_reporting_window(pars: RestXmlCaller) -> None:
    accme_id = pars.create()
    pinned = pars.http.post(f"{pars.base}/sandbox/clock", json={"today": "2027-04-01"})
    assert pinned.json() == {"today": "2027-04-01"}
    [late] = pars.learners(a_record(accme_id))
    assert {p.code for p in late.problems} == {"LRN-003"}
    pars.http.post(f"{pars.base}/sandbox/clock", json={"today": "2026-04-15"})
    [on_time] = pars.learners(a_record(accme_id))
    assert on_time.status is CreditStatus.ACCEPTED
    unpinned = pars.http.post(f"{pars.base}/sandbox/clock", json={"today": None}).json()
    assert date.fromisoformat(unpinned["today"]) != date(2026, 4, 15)
    assert pars.http.post(f"{pars.base}/sandbox/clock", json={"today": "soon"}).status_code == 400


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_serve_runs_the_sandbox_on_loopback_until_interrupted(tmp_path: Path) -> None:
    port = _free_port()
    code = (
        "import sys; from pathlib import Path; from cmeledger.pars.sandbox import serve; "
        f"serve({port}, Path(sys.argv[1]), 0.0, log_level='warning')"
    )
    process = subprocess.Popen([sys.executable, "-c", code, str(tmp_path / "state.sqlite3")])
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/sandbox/health", timeout=1)
                break
            except httpx.TransportError:
                assert process.poll() is None, "serve exited early"
                assert time.monotonic() < deadline, "serve did not start"
                time.sleep(0.1)
        assert health.json() == {"ok": True}
        wsdl = httpx.get(f"http://127.0.0.1:{port}/services/ACCMEActivityService.svc?wsdl")
        assert f"http://127.0.0.1:{port}/services/" in wsdl.text
        unauthorised = httpx.post(
            f"http://127.0.0.1:{port}{wire_xml.operation_path('GetActivity')}",
            content=wire_xml.get_activity_request(PROVIDER, "202600001"),
        )
        assert unauthorised.status_code == 401  # nobody is seeded in this state file
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=15) == 0
