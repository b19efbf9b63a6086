"""Web load: the compliance status endpoint and the dashboard page under 50 concurrent users.

    make bench                                           # 10,000 physicians, 600,000 credits
    uv run python -m bench.web_load --quick              # 200 physicians, 12,000 credits, 5 s
    uv run python -m bench.web_load --keep --schema bench_web_load   # load once, reuse after
    uv run python -m bench.web_load --keep --schema bench_web_load --workers 2 --seconds 60

PostgreSQL at CMELEDGER_BENCH_DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/test),
in a schema of its own, migrated and keyed like `cmeledger init` does it (without PostgreSQL
the benchmark says it is skipped and exits 0, so `make bench` goes on). The real server
(`cmeledger serve --workers N`; `--launcher uvicorn` starts the same app through uvicorn's
command line instead) runs in its own process group on a free loopback port; the load generator
runs in another process (bench/web_load_client.py). Each
virtual user is a different physician: an API token for GET /api/v1/physicians/{pid}/compliance,
a portal session from the real sign-in (POST /api/v1/session) for the dashboard GET /.
Targets: p95 <= 100 ms and zero errors (non-2xx answers, broken connections, timeouts).
Loading is not part of the figures; its time is printed.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

from bench import web_load_data as data
from bench import web_load_server as web
from bench.web_load_people import Size

TARGET_P95_MS = 100.0
NOISY_CPU = 0.15  # cores used by other programs during a run before its figures are suspect


@dataclass(frozen=True)
class Endpoint:
    name: str
    path: str  # {pid} is each user's physician
    auth: str  # "token" (Authorization: Bearer) or "session" (the portal's cookie)


ENDPOINTS = {
    "compliance": Endpoint("compliance", "/api/v1/physicians/{pid}/compliance", "token"),
    "dashboard": Endpoint("dashboard", "/", "session"),
    # Not in the figures: the cheapest signed-in request, for checking the harness
    # and for the cost of authentication alone.
    "me": Endpoint("me", "/api/v1/me", "token"),
}


@dataclass(frozen=True)
class VirtualUser:
    email: str
    physician_id: str
    token: str
    cookie: str | None

    def headers(self, endpoint: Endpoint) -> dict[str, str]:
        if endpoint.auth == "token":
            return {"Authorization": f"Bearer {self.token}"}
        assert self.cookie is not None
        return {"Cookie": f"{web.SESSION_COOKIE}={self.cookie}", "Accept": "text/html"}


def prepare(args: argparse.Namespace) -> tuple[data.Bench, Size, dict[str, Any]]:
    schema = args.schema or (
        "bench_web_load" if args.keep else f"bench_web_{os.getpid()}_{int(time.time())}"
    )
    bench = data.bench_for(schema, Path(tempfile.gettempdir()) / "cmeledger-web-load")
    wanted = Size(args.physicians, args.credits, datetime.now(UTC).date().isoformat())
    found = data.loaded_size(bench) if args.keep else None
    setup: dict[str, Any] = {"schema": schema}
    if found is not None and (found.physicians, found.credits) == (
        wanted.physicians,
        wanted.credits,
    ):
        print(f"reusing schema {schema} (loaded {found.today})", flush=True)
        setup["reused"] = True
        return bench, found, setup
    print(
        f"loading {wanted.physicians:,} physicians and {wanted.credits:,} credits "
        f"into schema {schema} …",
        flush=True,
    )
    began = time.perf_counter()
    data.create_schema(bench)
    setup.update(data.load(bench, wanted))
    setup["load_s"] = time.perf_counter() - began
    setup["reused"] = False
    return bench, wanted, setup


def users_for(
    bench: data.Bench, size: Size, count: int, setup: dict[str, Any]
) -> list[tuple[str, UUID, str]]:
    """(e-mail, physician id, API token) per virtual user; argon2 hashing of new sign-ins is
    the slow part, and it is setup."""
    began = time.perf_counter()
    made = data.ensure_users(bench, count, size)
    setup["users_s"] = time.perf_counter() - began
    return made


def generate(
    server: web.Server,
    endpoint: Endpoint,
    users: list[VirtualUser],
    args: argparse.Namespace,
) -> dict[str, Any]:
    plan = {
        "host": "127.0.0.1",
        "port": server.port,
        "server_pid": server.process.pid,
        "warmup": args.warmup,
        "seconds": args.seconds,
        "timeout": args.timeout,
        "think": args.think,
        "users": [
            {"path": endpoint.path.format(pid=u.physician_id), "headers": u.headers(endpoint)}
            for u in users
        ],
    }
    sampler = web.WaitSampler()
    sampler.start(after=args.warmup + 0.5)  # the generator needs a moment to start
    try:
        out = subprocess.run(
            [sys.executable, "-m", "bench.web_load_client"],
            input=json.dumps(plan),
            capture_output=True,
            text=True,
            check=True,
        )
    finally:
        sampler.stop()
    result: dict[str, Any] = json.loads(out.stdout)
    result["db_backends"] = sampler.summary()
    by_pid = result.pop("postgres_cpu_by_pid")
    result["postgres_cpu_server"] = sum(by_pid.get(str(p), 0.0) for p in sampler.pids)
    # Whatever else ran on the machine meanwhile (other PostgreSQL sessions, other programs).
    result["other_cpu"] = result["machine_cpu"] - (
        result["generator_cpu"] + result["server_cpu"] + result["postgres_cpu_server"]
    )
    return result


def run_all(args: argparse.Namespace) -> dict[str, Any]:
    bench, size, setup = prepare(args)
    counted: dict[str, int] = {}
    try:
        made = users_for(bench, size, args.users, setup)
        endpoints = [ENDPOINTS[name] for name in args.endpoints.split(",")]
        runs = []
        users: list[VirtualUser] = []
        for workers in (int(w) for w in args.workers.split(",")):
            with web.running(bench, workers, args.launcher) as server:
                if not users:
                    began = time.perf_counter()
                    cookies = (
                        web.sign_in(server, [email for email, _, _ in made])
                        if any(e.auth == "session" for e in endpoints)
                        else [None] * len(made)
                    )
                    setup["sign_in_s"] = time.perf_counter() - began
                    users = [
                        VirtualUser(email, str(pid), token, cookie)
                        for (email, pid, token), cookie in zip(made, cookies, strict=True)
                    ]
                for endpoint in endpoints:
                    probe = users[0]
                    status, body = web.check(
                        server,
                        endpoint.path.format(pid=probe.physician_id),
                        probe.headers(endpoint),
                    )
                    if status != 200:
                        raise SystemExit(
                            f"{endpoint.name}: GET answered {status} before the load: {body!r}"
                        )
                    print(
                        f"  {workers} worker(s), {endpoint.name}: {args.users} users, "
                        f"{args.warmup:g} s warm-up + {args.seconds:g} s …",
                        flush=True,
                    )
                    result = generate(server, endpoint, users, args)
                    runs.append({"workers": workers, "endpoint": endpoint.name, **result})
        counted = data.counts(bench)
    finally:
        if not args.keep:
            data.drop_schema(bench)
    return {
        "benchmark": "web_load",
        "date": datetime.now(UTC).date().isoformat(),
        "backend": "postgresql",
        "launcher": args.launcher,
        "cores": os.cpu_count(),
        "physicians": size.physicians,
        "credits": size.credits,
        "users": args.users,
        "seconds": args.seconds,
        "warmup": args.warmup,
        "think": args.think,
        "setup": setup,
        "counts": counted,
        "runs": runs,
        "target_p95_ms": TARGET_P95_MS,
        "meets_targets": all(r["p95_ms"] <= TARGET_P95_MS and r["errors"] == 0 for r in runs),
    }


def report(summary: dict[str, Any]) -> None:
    setup = summary["setup"]
    how = (
        "reused"
        if setup["reused"]
        else f"loaded in {setup['load_s']:.0f} s (physicians {setup['physicians_s']:.0f} s, "
        f"credits {setup['credits_s']:.0f} s)"
    )
    print(
        f"\nweb load, PostgreSQL, {summary['physicians']:,} physicians, "
        f"{summary['credits']:,} credits ({how}); {summary['users']} users, closed loop "
        f"(think time {summary['think']:g} s), "
        f"{summary['seconds']:g} s per endpoint after {summary['warmup']:g} s warm-up; "
        f"{summary['cores']} cores; server: {summary['launcher']}"
    )
    print(
        f"setup: sign-ins and tokens {setup.get('users_s', 0):.1f} s, "
        f"portal sign-ins over HTTP {setup.get('sign_in_s', 0):.1f} s"
    )
    head = (
        f"{'workers':>7} {'endpoint':<11} {'req/s':>7} {'p50':>7} {'p95':>7} {'p99':>7} "
        f"{'max':>7} {'errors':>6}  {'CPU (cores): gen':>16} {'server':>6} {'pg':>5} "
        f"{'other':>5}"
    )
    print(head)
    print("-" * len(head))
    for r in summary["runs"]:
        print(
            f"{r['workers']:>7} {r['endpoint']:<11} {r['requests_per_s']:>7.1f} "
            f"{r['p50_ms']:>5.1f}ms {r['p95_ms']:>5.1f}ms {r['p99_ms']:>5.1f}ms "
            f"{r['max_ms']:>5.0f}ms {r['errors']:>6}  {r['generator_cpu']:>16.2f} "
            f"{r['server_cpu']:>6.2f} {r['postgres_cpu_server']:>5.2f} {r['other_cpu']:>5.2f}"
        )
    print(
        "CPU: cores busy over the window; gen = the load generator, pg = the server's "
        "PostgreSQL backends, other = the rest of the machine (other sessions, programs)"
    )
    for r in summary["runs"]:
        if r["errors"]:
            print(f"  {r['workers']} worker(s) {r['endpoint']}: errors {r['error_kinds']}")
        waits = ", ".join(f"{k} {v}" for k, v in r["db_backends"].items())
        print(
            f"  {r['workers']} worker(s) {r['endpoint']}: generator "
            f"{r['generator_cpu_us_per_request']:.0f} µs CPU/request; "
            f"server's PostgreSQL backends (mean count): {waits}"
        )
    busy = [r for r in summary["runs"] if r["other_cpu"] > NOISY_CPU]
    if busy:
        worst = max(r["other_cpu"] for r in busy)
        print(
            f"WARNING: other programs took up to {worst:.2f} cores during {len(busy)} run(s); "
            "those figures understate the server (rerun on a quiet machine)"
        )
    verdict = "meets" if summary["meets_targets"] else "MISSES"
    print(f"{verdict} the targets (p95 <= {TARGET_P95_MS:g} ms, zero errors) on every run")
    print(json.dumps(summary))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--physicians", type=int, help="default 10,000 (--quick: 200)")
    parser.add_argument("--credits", type=int, help="default 600,000 (--quick: 12,000)")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, help="measured, per endpoint (30; --quick 5)")
    parser.add_argument("--warmup", type=float, help="seconds before measuring (5; --quick 3)")
    parser.add_argument("--timeout", type=float, default=30.0, help="per request")
    parser.add_argument(
        "--think",
        type=float,
        default=0.0,
        help="mean pause (s, exponential) between an answer and the user's next request; "
        "0 (default) is a closed loop with no pause",
    )
    parser.add_argument("--workers", default="1,2", help="server processes, e.g. 1,2")
    parser.add_argument("--endpoints", default="compliance,dashboard", help=",".join(ENDPOINTS))
    parser.add_argument(
        "--launcher",
        choices=web.LAUNCHERS,
        default="serve",
        help="serve: `cmeledger serve` (default); uvicorn: uvicorn's CLI, whose workers share "
        "one listening socket",
    )
    parser.add_argument("--schema", help="PostgreSQL schema name (default: a fresh one)")
    parser.add_argument(
        "--keep", action="store_true", help="keep the schema, and reuse it if already loaded"
    )
    parser.add_argument(
        "--quick", action="store_true", help="smoke run: 200 physicians, 12,000 credits, 5 s"
    )
    args = parser.parse_args()
    full, quick = (10_000, 600_000, 30.0, 5.0), (200, 12_000, 5.0, 3.0)
    for name, value in zip(
        ("physicians", "credits", "seconds", "warmup"), quick if args.quick else full, strict=True
    ):
        if getattr(args, name) is None:
            setattr(args, name, value)
    unknown = set(args.endpoints.split(",")) - set(ENDPOINTS)
    if unknown:
        parser.error(f"unknown endpoint(s) {', '.join(sorted(unknown))}")
    problem = data.reachable()
    if problem is not None:
        # `make bench` goes on with the other benchmarks; this one needs PostgreSQL.
        print(
            f"web load: SKIPPED, no PostgreSQL at {data.shown_url()} ({problem}); "
            "set CMELEDGER_BENCH_DATABASE_URL"
        )
        return
    report(run_all(args))


if __name__ == "__main__":
    main()
