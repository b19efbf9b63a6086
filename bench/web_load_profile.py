"""Where one request's time goes: the web load endpoints profiled in-process with cProfile.

    uv run python -m bench.web_load --keep --schema bench_web_load        # load it once
    uv run python -m bench.web_load_profile --schema bench_web_load --endpoint compliance

The app is built as the server builds it (create_app on the kept schema, background worker
off) and driven straight through ASGI, one request at a time, as virtual user 0. FastAPI runs
sync routes and dependencies in a thread pool, which cProfile (one thread) would not see, so
here they run inline on the profiled thread: the figures are one request's own cost, with
no concurrency. Wall time minus CPU time is what the request waited for (PostgreSQL answers,
WAL flushes at commit). Statements and commits are counted from SQLAlchemy's events.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import tempfile
import time
from collections.abc import Callable, MutableMapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import anyio.to_thread
from fastapi import FastAPI
from sqlalchemy import event

from bench import web_load_data as data
from bench.web_load import ENDPOINTS
from bench.web_load_people import Size
from cmeledger.actions import accounts
from cmeledger.api.auth import AUTH_ACTOR, SESSION_COOKIE
from cmeledger.server.app import create_app
from cmeledger.storage.ledger import Store
from cmeledger.storage.scope import Scope

# (label, file fragment, function name): the pieces a request is made of, shown per request
PIECES = (
    ("whole request (ASGI app)", "fastapi/applications.py", "__call__"),
    ("auth: resolve the caller", "cmeledger/api/auth.py", "_resolve"),
    ("  ensure_current_key (every transaction)", "repositories/keyring.py", "ensure_current_key"),
    ("  token_user", "actions/accounts.py", "token_user"),
    ("  session_user", "actions/accounts.py", "session_user"),
    ("  scope_for", "actions/accounts.py", "scope_for"),
    ("compliance_status", "actions/compliance.py", "compliance_status"),
    (
        "gather_status_inputs (reads, in the transaction)",
        "actions/compliance.py",
        "gather_status_inputs",
    ),
    ("evaluate_status (after commit, no I/O)", "actions/compliance.py", "evaluate_status"),
    ("  physicians.get (birth month, audited)", "repositories/physicians.py", "get"),
    ("  audit.record", "repositories/audit.py", "record"),
    ("  completions.for_physician", "repositories/completions.py", "for_physician"),
    ("  license/certification/dea terms", "repositories/credentials.py", "_terms"),
    ("  evaluate (licences)", "domain/compliance/evaluate.py", "evaluate"),
    ("  evaluate_holding (boards)", "domain/compliance/evaluate.py", "evaluate_holding"),
    ("  evaluate_dea", "domain/compliance/dea.py", "evaluate_dea"),
    ("planner", "cmeledger/domain/compliance/plan", ""),
    ("Jinja2 render", "jinja2/environment.py", "render"),
    ("response model / JSON", "fastapi/routing.py", "serialize_response"),
    ("SQL: Session.execute", "sqlalchemy/orm/session.py", "execute"),
    ("SQL: commit", "sqlalchemy/orm/session.py", "commit"),
)


async def _inline(func: Callable[..., Any], *args: Any, **_: Any) -> Any:
    return func(*args)


@dataclass
class Counts:
    statements: int = 0
    commits: int = 0


def _scope(path: str, headers: dict[str, str]) -> dict[str, Any]:
    raw = [(b"host", b"127.0.0.1:8000")]
    raw += [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": raw,
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }


async def _call(app: FastAPI, path: str, headers: dict[str, str]) -> tuple[int, int]:
    status = 0
    size = 0

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: MutableMapping[str, Any]) -> None:
        nonlocal status, size
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            size += len(message.get("body", b""))

    await app(_scope(path, headers), receive, send)
    return status, size


def credentials(bench: data.Bench, store: Store, size: Size) -> tuple[str, str, str]:
    """(physician id, API token, session id) of virtual user 0; the session is started
    directly, as a sign-in would, without the argon2 check."""
    ((email, pid, token),) = data.ensure_users(bench, 1, size)
    with store.ledger(Scope.owner(AUTH_ACTOR)) as ledger:
        found = ledger.accounts.by_email(email)
        assert found is not None
        session_id, _ = accounts.start_session(
            ledger, found[0], ttl=timedelta(hours=1), via="password"
        )
    return str(pid), token, session_id


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schema", required=True, help="a schema loaded with --keep")
    parser.add_argument("--endpoint", choices=sorted(ENDPOINTS), default="compliance")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--save", type=Path, help="write the raw pstats here")
    parser.add_argument(
        "--timer",
        choices=("cpu", "wall"),
        default="cpu",
        help="cpu (default): this process's CPU time, steady on a shared machine, but blind "
        "to waits; wall: includes waiting for PostgreSQL, but also time the OS gave others",
    )
    args = parser.parse_args()
    bench = data.bench_for(args.schema, Path(tempfile.gettempdir()) / "cmeledger-web-load")
    size = data.loaded_size(bench)
    if size is None:
        raise SystemExit(f"schema {args.schema} is not loaded; run bench.web_load --keep first")
    store = data.open_bench_store(bench)
    counts = Counts()

    def statement(*_: Any) -> None:
        counts.statements += 1

    def commit(*_: Any) -> None:
        counts.commits += 1

    event.listen(store.engine, "before_cursor_execute", statement)
    event.listen(store.engine, "commit", commit)
    app = create_app(store, bench.settings(), background=False)
    anyio.to_thread.run_sync = _inline  # type: ignore[assignment]  # sync routes on this thread
    pid, token, session_id = credentials(bench, store, size)
    endpoint = ENDPOINTS[args.endpoint]
    path = endpoint.path.format(pid=pid)
    headers = (
        {"Authorization": f"Bearer {token}"}
        if endpoint.auth == "token"
        else {"Cookie": f"{SESSION_COOKIE}={session_id}", "Accept": "text/html"}
    )

    async def many(n: int) -> int:
        body = 0
        for _ in range(n):
            status, body = await _call(app, path, headers)
            if status != 200:
                raise SystemExit(f"GET {path} answered {status}")
        return body

    asyncio.run(many(20))  # warm caches, pools, templates
    counts.statements = counts.commits = 0
    wall, cpu = time.perf_counter(), time.process_time()
    body = asyncio.run(many(args.requests))
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    per = {
        "wall_ms": wall / args.requests * 1000,
        "cpu_ms": cpu / args.requests * 1000,
        "statements": counts.statements / args.requests,
        "commits": counts.commits / args.requests,
    }
    profiler = cProfile.Profile(time.process_time if args.timer == "cpu" else time.perf_counter)
    profiler.enable()
    asyncio.run(many(args.requests))
    profiler.disable()
    store.dispose()
    stats = pstats.Stats(profiler)
    if args.save:
        stats.dump_stats(args.save)
    print(
        f"{args.endpoint}: GET {endpoint.path} on {size.physicians:,} physicians / "
        f"{size.credits:,} credits, {args.requests} requests one at a time, body {body:,} bytes"
    )
    print(
        f"  unprofiled: {per['wall_ms']:.2f} ms wall, {per['cpu_ms']:.2f} ms CPU per request "
        f"(waiting {per['wall_ms'] - per['cpu_ms']:.2f} ms); {per['statements']:.1f} SQL "
        f"statements and {per['commits']:.1f} commits per request"
    )
    print(
        f"  profiled ({args.timer} time; cProfile inflates Python-heavy parts), "
        "cumulative ms per request:"
    )
    for label, where, name in PIECES:
        total = _cumulative(stats, where, name)
        if total:
            print(f"    {label:<44} {total / args.requests * 1000:8.2f}")
    print(f"  top {args.top} by own time:")
    stats.sort_stats("tottime").print_stats(args.top)


def _cumulative(stats: pstats.Stats, where: str, name: str) -> float:
    """Cumulative seconds of the matching functions that are not called by one another."""
    found = {
        key: value
        for key, value in stats.stats.items()  # type: ignore[attr-defined]
        if where in key[0] and (not name or key[2] == name or key[2].endswith(name))
    }
    total = 0.0
    for _, _, _, cumulative, callers in found.values():
        if not any(caller in found for caller in callers):
            total += cumulative
    return total


if __name__ == "__main__":
    main()
