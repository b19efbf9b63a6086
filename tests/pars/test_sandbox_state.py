"""The sandbox's state under its speed-ups: remembered passwords, kept connections, requests
handled on the event loop, and committed answers surviving a crash."""

from __future__ import annotations

import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

import httpx
import pytest

from cmeledger.domain.pars.results import Credentials, CreditStatus
from cmeledger.pars import wire_xml
from cmeledger.pars.sandbox.http import INLINE_MAX
from cmeledger.pars.sandbox.registry import Registry, SlowCheckDeferredError, slow_checks_deferred
from cmeledger.pars.sandbox.store import SandboxStore
from cmeledger.pars.sandbox.testing import (
    PROVIDER,
    RestXmlCaller,
    a_record,
    an_activity,
    cme,
    seed,
    seeded_caller,
    xml_call,
)

TODAY = date(2026, 4, 15)


@pytest.fixture
def pars(tmp_path: Path) -> Iterator[RestXmlCaller]:
    with seeded_caller(tmp_path, today=lambda: TODAY) as caller:
        yield caller


def _save_status(pars: RestXmlCaller, creds: Credentials) -> int:
    body = wire_xml.save_activity_request(creds, [an_activity()])
    return xml_call(pars.http, pars.base, "SaveActivity", body).status_code


# -- remembered passwords --------------------------------------------------------------------


def test_a_remembered_password_is_refused_once_the_password_is_reset(
    pars: RestXmlCaller,
) -> None:
    assert _save_status(pars, PROVIDER) == 200  # verified, and now remembered
    # Reset from elsewhere (another Registry on the same file, as a second process would).
    Registry(pars.state_path).add_provider(PROVIDER.provider_id, PROVIDER.user, "new-secret")
    assert _save_status(pars, PROVIDER) == 401
    renewed = Credentials(PROVIDER.provider_id, PROVIDER.user, "new-secret")
    assert _save_status(pars, renewed) == 200


def test_a_remembered_password_lets_no_other_password_in(pars: RestXmlCaller) -> None:
    assert _save_status(pars, PROVIDER) == 200
    for wrong in ("", "wrong", PROVIDER.password + " ", PROVIDER.password.upper()):
        creds = Credentials(PROVIDER.provider_id, PROVIDER.user, wrong)
        assert _save_status(pars, creds) == 401, wrong
    assert _save_status(pars, PROVIDER) == 200


def test_a_remembered_password_does_not_carry_to_another_user(tmp_path: Path) -> None:
    registry = seed(tmp_path / "state.sqlite3")
    registry.add_provider(PROVIDER.provider_id, "second_user", "second-password")
    assert registry.authenticate(PROVIDER)
    assert not registry.authenticate(
        Credentials(PROVIDER.provider_id, "second_user", PROVIDER.password)
    )
    assert registry.authenticate(
        Credentials(PROVIDER.provider_id, "second_user", "second-password")
    )


def test_where_slow_checks_are_deferred_only_remembered_passwords_pass(
    tmp_path: Path,
) -> None:
    registry = seed(tmp_path / "state.sqlite3")
    unknown_user = Credentials(PROVIDER.provider_id, "nobody", PROVIDER.password)
    with slow_checks_deferred():
        for creds in (PROVIDER, unknown_user):
            with pytest.raises(SlowCheckDeferredError):
                registry.authenticate(creds)
    assert registry.authenticate(PROVIDER)  # the full check, outside the block
    wrong = Credentials(PROVIDER.provider_id, PROVIDER.user, "wrong")
    with slow_checks_deferred():
        assert registry.authenticate(PROVIDER)
        with pytest.raises(SlowCheckDeferredError):
            registry.authenticate(wrong)
    assert not registry.authenticate(wrong)


# -- kept connections ------------------------------------------------------------------------


def test_a_failed_write_is_rolled_back_and_the_store_keeps_working(tmp_path: Path) -> None:
    store = SandboxStore(tmp_path / "state.sqlite3")
    store.set_setting("kept", "1")

    def fail_half_way() -> None:
        with store.write() as conn:
            conn.execute("INSERT INTO settings (key, value) VALUES ('lost', '1')")
            raise RuntimeError("the request failed half-way")

    with pytest.raises(RuntimeError):
        fail_half_way()
    with pytest.raises(sqlite3.IntegrityError), store.write() as conn:
        conn.execute("INSERT INTO settings (key, value) VALUES ('kept', '2')")
    store.set_setting("after", "1")
    assert store.setting("lost") is None
    assert store.setting("kept") == "1"
    assert store.setting("after") == "1"
    with store.read() as conn:
        assert conn.execute("SELECT COUNT(*) FROM settings").fetchone()[0] == 2
    store.close()
    assert store.setting("after") == "1"  # reopens after close


def test_a_read_sees_what_another_connection_committed(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3"
    store = SandboxStore(path)
    assert store.setting("clock") is None  # a pooled connection now exists
    other = SandboxStore(path)
    other.set_setting("clock", "2026-05-01")
    assert store.setting("clock") == "2026-05-01"
    with store.read() as conn:
        assert conn.execute("SELECT value FROM settings").fetchone()[0] == "2026-05-01"


# -- where requests run ----------------------------------------------------------------------


def test_a_request_over_the_inline_limit_is_answered_like_a_small_one(
    pars: RestXmlCaller,
) -> None:
    accme_id = pars.create()
    record = a_record(accme_id, cme("ccid:big:1"))
    body = wire_xml.save_learner_request(PROVIDER, [record])
    padded = body.replace(b"?>", b"?>" + b" " * (INLINE_MAX + 1), 1)
    assert len(padded) > INLINE_MAX
    response = xml_call(pars.http, pars.base, "SaveLearnerActivity", padded)
    assert response.status_code == 200, response.text
    [result] = wire_xml.read_save_learner_response(response.content)
    assert result.status is CreditStatus.ACCEPTED
    [again] = pars.learners(record)  # same credit again, now small: answered from the store
    assert again.status is CreditStatus.ACCEPTED


def test_reads_are_answered_while_another_thread_holds_the_write_lock(
    pars: RestXmlCaller,
) -> None:
    accme_id = pars.create()
    store = SandboxStore(pars.state_path)  # same file in this process: the same write lock
    held = threading.Event()
    release = threading.Event()

    def hold() -> None:
        with store.write():
            held.set()
            release.wait(10)

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert held.wait(5)
        with ThreadPoolExecutor(1) as pool, httpx.Client(timeout=30) as other_http:
            other = RestXmlCaller(other_http, pars.base, pars.state_path)
            writer = pool.submit(other.learners, a_record(accme_id, cme("ccid:wait:1")))
            time.sleep(0.2)
            assert not writer.done()  # waiting for the lock, in a worker thread
            started = time.monotonic()
            assert pars.http.get(f"{pars.base}/sandbox/health").status_code == 200
            assert pars.by_credit("ccid:none") == []
            assert pars.get(accme_id).accme_id == accme_id
            assert time.monotonic() - started < 2  # the event loop was not stuck
            release.set()
            [result] = writer.result(timeout=10)
        assert result.status is CreditStatus.ACCEPTED
    finally:
        release.set()
        holder.join()


# -- durability ------------------------------------------------------------------------------

SANDBOX = """
import sys
from datetime import date
from pathlib import Path
from cmeledger.pars.sandbox import create_app
from cmeledger.pars.sandbox.server import uvicorn_config
import uvicorn
app = create_app(Path(sys.argv[2]), today=lambda: date(2026, 4, 15))
uvicorn.Server(uvicorn_config(app, port=int(sys.argv[1]))).run()
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_a_committed_answer_survives_the_sandbox_being_killed(tmp_path: Path) -> None:
    state = tmp_path / "state.sqlite3"
    seed(state)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    process = subprocess.Popen([sys.executable, "-c", SANDBOX, str(port), str(state)])
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                httpx.get(f"{base}/sandbox/health", timeout=1)
                break
            except httpx.TransportError:
                assert process.poll() is None, "the sandbox exited early"
                assert time.monotonic() < deadline, "the sandbox did not start"
                time.sleep(0.1)
        with httpx.Client(timeout=10) as http:
            caller = RestXmlCaller(http, base, state)
            accme_id = caller.create(an_activity(end=date(2026, 3, 31)))
            credit_ids = [f"ccid:crash:{i}" for i in range(20)]
            for i, credit_id in enumerate(credit_ids):
                record = a_record(accme_id, cme(credit_id), completed_on=date(2026, 3, 2 + i))
                [result] = caller.learners(record)
                assert result.status is CreditStatus.ACCEPTED
        process.send_signal(signal.SIGKILL)  # no shutdown, no checkpoint, no close
        process.wait(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
    with sqlite3.connect(state) as conn:
        stored = conn.execute("SELECT credit_id, status FROM credits ORDER BY credit_id").fetchall()
    assert stored == sorted((c, "Accepted") for c in credit_ids)
