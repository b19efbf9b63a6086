"""The outbox worker against the sandbox over loopback: end to end, under injected faults,
and killed with SIGKILL at random points. Every completion must end accepted exactly once."""

from __future__ import annotations

import os
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest

from cmeledger.actions.pars import (
    add_activities,
    add_provider,
    delete_credit,
    import_learners,
    queue_activities,
    retry_credit,
)
from cmeledger.actions.pars_outbox import RetryPolicy, work
from cmeledger.domain.pars.model import ActivityFormat, DeliveryMethod, LearnerRecord, Location
from cmeledger.domain.pars.results import CreditResult, CreditStatus
from cmeledger.domain.pars.rules import ParsRules
from cmeledger.errors import ConflictError
from cmeledger.pars.client import ParsClient
from cmeledger.pars.sandbox import tick
from cmeledger.pars.sandbox.testing import (
    JANE,
    OTHER_PROVIDER,
    PAT,
    PROVIDER,
    SAM,
    a_record,
    an_activity,
    cme,
    moc,
    running_sandbox,
    seed,
)
from cmeledger.pars.transport import client_factory
from cmeledger.storage.ledger import Store
from cmeledger.storage.repositories.pars import Provider
from cmeledger.storage.scope import Scope

OWNER = Scope.owner("test")
RULES = ParsRules()
TODAY = date(2026, 4, 1)
FAST = RetryPolicy(max_attempts=60, base_seconds=0, cap_seconds=0, poll_seconds=0.2)


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    state = tmp_path / "pars-sandbox.sqlite3"
    seed(state)
    with running_sandbox(tmp_path, today=lambda: TODAY, timeout_seconds=3) as url:
        yield url, state


def _provider(store: Store) -> Provider:
    with store.ledger(OWNER) as ledger:
        return add_provider(
            ledger, PROVIDER.provider_id, "Example Health CME", PROVIDER.user, PROVIDER.password
        )


def _push_activity(store: Store, url: str, provider: Provider, transport: str = "xml") -> str:
    with store.ledger(OWNER) as ledger:
        add_activities(ledger, provider, [an_activity()], RULES)
        queue_activities(ledger, provider)
    work(store, client_factory(url, transport, 5), FAST, once=True)
    with store.ledger(OWNER) as ledger:
        (stored,) = ledger.pars.activities(provider.id)
    assert stored.state == "accepted", stored.problems
    assert stored.activity.accme_id is not None
    return stored.activity.accme_id


# An online enduring activity over the first quarter: room for many distinct completions.
ENDURING = an_activity(
    provider_activity_id="EM-2026-Q1",
    format=ActivityFormat.ENDURING,
    start=date(2026, 1, 1),
    end=date(2026, 3, 31),
    delivery_methods=(DeliveryMethod.ONLINE,),
    location=Location(),
)


def _records(accme_id: str, n: int) -> list[LearnerRecord]:
    """n CME completions by the three registry physicians, none on the same day twice."""
    people = (JANE, PAT, SAM)
    return [
        a_record(
            accme_id,
            cme(f"ccid:example.org:{accme_id}-{i}", "0.25"),
            learner=people[i % 3],
            completed_on=ENDURING.start + timedelta(days=i // 3),
        )
        for i in range(n)
    ]


def _sandbox_credits(state: Path) -> list[tuple[str, str]]:
    con = sqlite3.connect(state)
    try:
        return con.execute("SELECT credit_id, accme_id FROM credits ORDER BY credit_id").fetchall()
    finally:
        con.close()


def _sandbox_activities(state: Path) -> int:
    con = sqlite3.connect(state)
    try:
        return int(con.execute("SELECT count(*) FROM activities").fetchone()[0])
    finally:
        con.close()


@pytest.mark.parametrize("transport", ["xml", "json", "soap"])
def test_a_completion_goes_from_queued_to_accepted_and_moc_from_pending_to_the_board_answer(
    fresh_store: Store, sandbox: tuple[str, Path], transport: str
) -> None:
    url, state = sandbox
    provider = _provider(fresh_store)
    accme_id = _push_activity(fresh_store, url, provider, transport)
    jane = a_record(
        accme_id,
        cme("ccid:e:jane-cme", "1.00"),
        moc("ccid:e:jane-mk", "ABIM", "Medical Knowledge", "1"),
    )
    sam = a_record(accme_id, moc("ccid:e:sam-mk", "ABIM", "Medical Knowledge", "1"), learner=SAM)
    stranger = a_record(
        accme_id,
        cme("ccid:e:x-cme"),
        learner=replace(JANE, first_name="Janet", npi=None, license_number="Z9"),
    )
    with fresh_store.ledger(OWNER) as ledger:
        import_learners(ledger, provider, [jane, sam, stranger], RULES, TODAY)
    work(fresh_store, client_factory(url, transport, 5), FAST, once=True)
    tick(state)  # the boards answer
    time.sleep(0.3)  # the status poll falls due
    work(fresh_store, client_factory(url, transport, 5), FAST, once=True)
    with fresh_store.ledger(OWNER) as ledger:
        states = {c.credit_id: (c.state, c.reason) for c in ledger.pars.credit_states(provider.id)}
        assert ledger.jobs.pending() == 0
    assert states["ccid:e:jane-cme"][0] == "accepted"
    assert states["ccid:e:jane-mk"][0] == "accepted"
    assert states["ccid:e:sam-mk"][0] == "rejected"
    assert "ABIM" in (states["ccid:e:sam-mk"][1] or "")
    assert states["ccid:e:x-cme"][0] == "rejected"
    assert "LRN-004" in (states["ccid:e:x-cme"][1] or "")


def test_at_a_thirty_percent_fault_rate_everything_is_accepted_once(
    fresh_store: Store, tmp_path: Path
) -> None:
    state = tmp_path / "faulty.sqlite3"
    seed(state)
    with running_sandbox(
        tmp_path, state_path=state, today=lambda: TODAY, fault_rate=0.3, seed=7,
        timeout_seconds=2, latency_seconds=0.05,
    ) as url:  # fmt: skip
        provider = _provider(fresh_store)
        client = client_factory(url, "xml", 1)
        with fresh_store.ledger(OWNER) as ledger:
            add_activities(ledger, provider, [ENDURING], RULES)
            queue_activities(ledger, provider)
        work(fresh_store, client, FAST, once=True)
        with fresh_store.ledger(OWNER) as ledger:
            (stored,) = ledger.pars.activities(provider.id)
        assert stored.state == "accepted"
        assert stored.activity.accme_id is not None
        records = _records(stored.activity.accme_id, 30)
        with fresh_store.ledger(OWNER) as ledger:
            import_learners(ledger, provider, records, RULES, TODAY)
        stats = work(fresh_store, client, FAST, once=True)
    assert stats.retried > 0  # the faults really happened
    with fresh_store.ledger(OWNER) as ledger:
        found = ledger.pars.credit_states(provider.id)
    assert [c.state for c in found] == ["accepted"] * 30, [c.reason for c in found if c.reason]
    assert _sandbox_activities(state) == 1
    stored_credits = _sandbox_credits(state)
    assert len(stored_credits) == 30 == len({cid for cid, _ in stored_credits})


SANDBOX = """
import sys
from pathlib import Path
from cmeledger.pars.sandbox import serve
serve(int(sys.argv[1]), Path(sys.argv[2]), 0.1, seed=3, timeout_seconds=3, latency_seconds=0.05,
      log_level="warning")
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def _sandbox_process(state: Path) -> Iterator[str]:
    """The sandbox in a process of its own, so this one has no threads and can fork."""
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    proc = subprocess.Popen(
        [sys.executable, "-c", SANDBOX, str(port), str(state)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/sandbox/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the sandbox process did not start")
            time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _forked_worker(store: Store, url: str, lease: float) -> int:
    """A worker in a forked child (fast to start, and really killable); returns its pid."""
    store.dispose()  # the child opens its own connections
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        try:
            policy = RetryPolicy(
                max_attempts=1000,
                base_seconds=0,
                cap_seconds=0,
                lease=timedelta(seconds=lease),
                poll_seconds=3600,
                batch=1 + os.getpid() % 3,  # single records and small batches
            )
            # never stops by itself: every run ends in SIGKILL, idle or mid-job
            work(store, client_factory(url, "xml", 2), policy, idle_seconds=0.01)
        finally:
            os._exit(0)
    return pid


def test_a_worker_killed_at_random_points_never_loses_or_duplicates_a_completion(
    fresh_store: Store, tmp_path: Path
) -> None:
    state = tmp_path / "kill.sqlite3"
    seed(state)
    lease, runs, per_run = 0.3, 50, 2
    records = runs * per_run
    rng = random.Random(2026)
    with _sandbox_process(state) as url:
        provider = _provider(fresh_store)
        with fresh_store.ledger(OWNER) as ledger:
            add_activities(ledger, provider, [ENDURING], RULES)
            queue_activities(ledger, provider)
        work(fresh_store, client_factory(url, "xml", 2), FAST, once=True)
        with fresh_store.ledger(OWNER) as ledger:
            (stored,) = ledger.pars.activities(provider.id)
        assert stored.activity.accme_id is not None, stored.problems
        backlog = _records(stored.activity.accme_id, records)
        kills = 0
        for run in range(runs):
            # new completions keep arriving, so every run has work to be killed in
            with fresh_store.ledger(OWNER) as ledger:
                batch = backlog[run * per_run : (run + 1) * per_run]
                import_learners(ledger, provider, batch, RULES, TODAY)
            pid = _forked_worker(fresh_store, url, lease)
            time.sleep(rng.uniform(0.01, 0.25))
            os.kill(pid, signal.SIGKILL)
            _, status = os.waitpid(pid, 0)
            kills += os.WIFSIGNALED(status)
            time.sleep(lease)  # the dead worker's lease runs out
        # whatever the kills left behind, a clean run finishes it
        work(fresh_store, client_factory(url, "xml", 2), FAST, once=True)
        with fresh_store.ledger(OWNER) as ledger:
            found = ledger.pars.credit_states(provider.id)
    assert kills == runs
    assert [c.state for c in found] == ["accepted"] * records, [c.reason for c in found]
    stored_credits = _sandbox_credits(state)
    assert len(stored_credits) == records == len({cid for cid, _ in stored_credits})
    assert _sandbox_activities(state) == 1


def test_deleting_one_credit_leaves_the_records_other_credits_in_pars(
    fresh_store: Store, sandbox: tuple[str, Path]
) -> None:
    url, _ = sandbox
    provider = _provider(fresh_store)
    accme_id = _push_activity(fresh_store, url, provider)
    both = a_record(
        accme_id,
        cme("ccid:e:keep-cme", "1.00"),
        moc("ccid:e:drop-mk", "ABIM", "Medical Knowledge", "1"),
    )
    with fresh_store.ledger(OWNER) as ledger:
        import_learners(ledger, provider, [both], RULES, TODAY)
    work(fresh_store, client_factory(url, "xml", 5), FAST, once=True)
    with fresh_store.ledger(OWNER) as ledger:
        delete_credit(ledger, provider, "ccid:e:drop-mk")
    work(fresh_store, client_factory(url, "xml", 5), FAST, once=True)
    with fresh_store.ledger(OWNER) as ledger:
        states = {c.credit_id: c.state for c in ledger.pars.credit_states(provider.id)}
    assert states == {"ccid:e:keep-cme": "accepted", "ccid:e:drop-mk": "deleted"}
    client = client_factory(url, "xml", 5)(PROVIDER)
    (kept,) = client.status_by_credit_id("ccid:e:keep-cme")
    assert kept.status is CreditStatus.ACCEPTED
    client.close()


class _Broken:
    """A client with a bug in it: every call raises an unexpected error."""

    def __getattr__(self, name: str) -> object:
        def fail(*_: object, **__: object) -> object:
            raise ValueError("boom")

        return fail


def test_an_unexpected_error_is_retried_then_given_up_as_unknown_never_as_refused(
    fresh_store: Store, sandbox: tuple[str, Path]
) -> None:
    url, _ = sandbox
    provider = _provider(fresh_store)
    accme_id = _push_activity(fresh_store, url, provider)
    record = a_record(accme_id, cme("ccid:e:bug-cme", "1.00"))
    with fresh_store.ledger(OWNER) as ledger:
        import_learners(ledger, provider, [record], RULES, TODAY)
    policy = RetryPolicy(max_attempts=3, base_seconds=0, cap_seconds=0)
    stats = work(fresh_store, lambda _creds: _Broken(), policy, once=True)  # type: ignore[arg-type,return-value]
    assert (stats.retried, stats.failed) == (2, 1)
    with fresh_store.ledger(OWNER) as ledger:
        (credit,) = ledger.pars.credit_states(provider.id)
        assert credit.state == "failed" and "unexpected ValueError" in (credit.reason or "")
        # its fate is unknown (it may be in PARS), so it cannot be re-imported as new
        with pytest.raises(ConflictError):
            import_learners(ledger, provider, [record], RULES, TODAY)
        retry_credit(ledger, provider, "ccid:e:bug-cme")
    work(fresh_store, client_factory(url, "xml", 5), FAST, once=True)
    with fresh_store.ledger(OWNER) as ledger:
        (credit,) = ledger.pars.credit_states(provider.id)
    assert credit.state == "accepted"


def test_a_batch_never_mixes_providers(fresh_store: Store, sandbox: tuple[str, Path]) -> None:
    url, _ = sandbox
    provider = _provider(fresh_store)
    accme_id = _push_activity(fresh_store, url, provider)
    with fresh_store.ledger(OWNER) as ledger:
        other = add_provider(ledger, OTHER_PROVIDER.provider_id, "Other CME", None, None)
        import_learners(ledger, provider, [a_record(accme_id, cme("ccid:e:mine"))], RULES, TODAY)
    with fresh_store.ledger(OWNER) as ledger:
        (stored,) = add_activities(
            ledger, other, [an_activity(provider_id=OTHER_PROVIDER.provider_id)], RULES
        )
        ledger.pars.set_activity_result(stored.id, "accepted", "202699999", ())
        theirs = a_record("202699999", cme("ccid:e:theirs"), provider_id=OTHER_PROVIDER.provider_id)
        import_learners(ledger, other, [theirs], RULES, TODAY)
    work(fresh_store, client_factory(url, "xml", 5), FAST, once=True)
    with fresh_store.ledger(OWNER) as ledger:
        mine = {c.credit_id: c.state for c in ledger.pars.credit_states(provider.id)}
        their = {c.credit_id: (c.state, c.reason) for c in ledger.pars.credit_states(other.id)}
    assert mine == {"ccid:e:mine": "accepted"}  # not dragged down by the other's failure
    state, reason = their["ccid:e:theirs"]
    assert state == "rejected" and "web-service login" in (reason or "")  # never sent


class _Forgetful:
    """PARS answering for none of the credits it was sent (then behaving)."""

    def __init__(self, real: ParsClient, calls: list[str]) -> None:
        self._real = real
        self._calls = calls

    def save_learners(self, records: Sequence[LearnerRecord]) -> list[CreditResult]:
        self._calls.append("save")
        found = self._real.save_learners(records)
        return [] if len(self._calls) == 1 else found

    def __getattr__(self, name: str) -> object:
        return getattr(self._real, name)


def test_a_credit_left_out_of_the_answer_is_asked_about_again_not_forgotten(
    fresh_store: Store, sandbox: tuple[str, Path]
) -> None:
    url, _ = sandbox
    provider = _provider(fresh_store)
    accme_id = _push_activity(fresh_store, url, provider)
    with fresh_store.ledger(OWNER) as ledger:
        import_learners(ledger, provider, [a_record(accme_id, cme("ccid:e:quiet"))], RULES, TODAY)
    calls: list[str] = []
    real = client_factory(url, "xml", 5)
    work(fresh_store, lambda creds: _Forgetful(real(creds), calls), FAST, once=True)  # type: ignore[arg-type,return-value]
    with fresh_store.ledger(OWNER) as ledger:
        (credit,) = ledger.pars.credit_states(provider.id)
    assert credit.state == "accepted"  # the retry asked PARS, which had it
    assert calls == ["save"]  # and did not send it again
