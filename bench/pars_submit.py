"""Submitting learner completions to the PARS sandbox on loopback.

    make bench
    uv run python -m bench.pars_submit --records 2000        # quick

Two measurements, both over real HTTP to the sandbox running in its own process:
1. the client alone: `save_learners` with one record per request (as the worker sends them),
   from 1, 4 and 8 threads;
2. the whole pipeline: completions imported into a fresh ledger (SQLite), queued in the outbox
   and sent by 1 and 2 worker processes, each job claimed, revealed (audited), sent and its
   answer recorded.
Reports records/s and peak RSS (the submitting side; the sandbox's separately).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import httpx

from cmeledger.actions.pars import add_activities, add_provider, import_learners, queue_activities
from cmeledger.actions.pars_outbox import RetryPolicy, work
from cmeledger.domain.pars.model import (
    ActivityFormat,
    DeliveryMethod,
    Learner,
    LearnerRecord,
    Location,
)
from cmeledger.domain.pars.rules import ParsRules
from cmeledger.domain.people import MonthDay
from cmeledger.pars.sandbox.registry import Registry
from cmeledger.pars.sandbox.testing import PROVIDER, a_record, an_activity, cme
from cmeledger.pars.transport import client_factory
from cmeledger.settings import Settings
from cmeledger.storage.scope import Scope
from cmeledger.storage.setup import open_store

PHYSICIANS = 500
START = date(2026, 1, 1)
TODAY = date(2026, 11, 25)
SANDBOX = """
import sys
from pathlib import Path
from cmeledger.pars.sandbox import serve
serve(int(sys.argv[1]), Path(sys.argv[2]), 0.0, log_level="warning")
"""


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _learner(i: int) -> Learner:
    return Learner(
        first_name=f"Ada{i}",
        last_name=f"Byron{i}",
        birth=MonthDay(1 + i % 12, 1 + i % 28),
        license_state="CA",
        license_number=f"A{100000 + i}",
    )


def _activity(tag: str) -> object:
    return an_activity(
        provider_activity_id=tag,
        format=ActivityFormat.ENDURING,
        start=START,
        end=date(2026, 10, 31),
        credits=Decimal("1.00"),
        delivery_methods=(DeliveryMethod.ONLINE,),
        location=Location(),
        moc=(),
    )


def _records(accme_id: str, n: int, tag: str) -> list[LearnerRecord]:
    """Completions by PHYSICIANS registry physicians, never the same one on the same day."""
    return [
        replace(
            a_record(
                accme_id, cme(f"ccid:bench:{tag}:{i}", "0.25"), learner=_learner(i % PHYSICIANS)
            ),
            completed_on=START + timedelta(days=i // PHYSICIANS),
            reporting_organization="Bench CME",
        )
        for i in range(n)
    ]


def _sandbox(state: Path) -> tuple[subprocess.Popen[bytes], str]:
    registry = Registry(state)
    registry.add_provider(PROVIDER.provider_id, PROVIDER.user, PROVIDER.password)
    for i in range(PHYSICIANS):
        p = _learner(i)
        registry.add_physician(
            p.first_name, p.last_name, str(p.birth), {"CA": p.license_number or ""}
        )
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    proc = subprocess.Popen([sys.executable, "-c", SANDBOX, str(port), str(state)])
    url = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            if httpx.get(f"{url}/sandbox/health", timeout=1).status_code == 200:
                return proc, url
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError("sandbox did not start")


def _timed(label: str, n: int, run: Callable[[], None]) -> dict[str, object]:
    began = time.perf_counter()
    run()
    seconds = time.perf_counter() - began
    row = {
        "what": label,
        "records": n,
        "seconds": round(seconds, 2),
        "records_per_s": round(n / seconds),
    }
    print(f"  {label:<40} {n:>6} in {seconds:6.1f} s = {n / seconds:7.0f} records/s", flush=True)
    return row


def client_only(url: str, records: int, threads: int, per_request: int = 1) -> dict[str, object]:
    client = client_factory(url, "xml", 60)(PROVIDER)
    tag = f"c{threads}x{per_request}"
    activity = client.save_activity(_activity(tag))  # type: ignore[arg-type]
    assert activity.accepted and activity.accme_id, activity.problems
    todo = _records(activity.accme_id, records, tag)
    chunks = [todo[i : i + per_request] for i in range(0, len(todo), per_request)]
    local = threading.local()

    def send(chunk: list[LearnerRecord]) -> None:
        if not hasattr(local, "client"):
            local.client = client_factory(url, "xml", 60)(PROVIDER)
        results = local.client.save_learners(chunk)
        assert all(r.status.value == "Accepted" for r in results), results[0].problems

    def go() -> None:
        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(send, chunks))

    label = f"client, {threads} thread(s), {per_request}/request"
    return _timed(label, records, go)


def _worker_process(home: str, url: str) -> None:
    os.environ["CMELEDGER_HOME"] = home
    store = open_store(Settings())
    work(store, client_factory(url, "xml", 30), RetryPolicy(base_seconds=0.05), once=True)
    store.dispose()


def pipeline(url: str, records: int, workers: int) -> dict[str, object]:
    home = tempfile.mkdtemp(prefix="cmeledger-bench-")
    os.environ["CMELEDGER_HOME"] = home
    store = open_store(Settings(), initialise=True)
    owner = Scope.owner("bench")
    with store.ledger(owner) as ledger:
        provider = add_provider(
            ledger, PROVIDER.provider_id, "Bench CME", PROVIDER.user, PROVIDER.password
        )
        add_activities(ledger, provider, [_activity(f"pipe-{workers}")], ParsRules())  # type: ignore[list-item]
        queue_activities(ledger, provider)
    work(store, client_factory(url, "xml", 30), RetryPolicy(), once=True)
    with store.ledger(owner) as ledger:
        (stored,) = ledger.pars.activities(provider.id)
    assert stored.activity.accme_id
    batch = _records(stored.activity.accme_id, records, f"p{workers}")
    began = time.perf_counter()
    with store.ledger(owner) as ledger:
        import_learners(ledger, provider, batch, ParsRules(), TODAY)
    queued = time.perf_counter() - began
    store.dispose()

    def go() -> None:
        procs = [
            subprocess.Popen(
                [
                    sys.executable,
                    "-c",
                    "from bench.pars_submit import _worker_process; "
                    f"_worker_process({home!r}, {url!r})",
                ]
            )
            for _ in range(workers)
        ]
        for proc in procs:
            proc.wait()

    row = _timed(f"outbox, {workers} worker process(es)", records, go)
    row["import_and_queue_seconds"] = round(queued, 2)
    with store.ledger(owner) as ledger:
        states = ledger.pars.state_counts(provider.id)
    assert states == {"accepted": records}, states
    store.dispose()
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        proc, url = _sandbox(Path(folder) / "sandbox.sqlite3")
        try:
            print(f"PARS submission: {args.records:,} completions per run, sandbox {url}")
            rows = [client_only(url, args.records, t) for t in (1, 4, 8)]
            rows += [client_only(url, args.records, t, 50) for t in (1, 4)]
            rows += [pipeline(url, args.records, w) for w in (1, 2)]
        finally:
            proc.terminate()
            proc.wait()
    print(f"  peak RSS of this process {_rss_mb():.0f} MB")
    if args.json:
        print(json.dumps({"runs": rows, "peak_rss_mb": round(_rss_mb())}))


if __name__ == "__main__":
    main()
