"""The web load generator: closed-loop virtual users over keep-alive HTTP/1.1 on loopback.

Run by bench/web_load.py in a process of its own (so it does not share the server's GIL):
a JSON plan on stdin, a JSON result on stdout. Each virtual user holds one connection and
sends its next request as soon as the previous one has answered. Requests that start during
the warm-up are not recorded; every request that starts in the measured window is, and the
window's in-flight requests are awaited. An error is an answer other than 2xx, a broken
connection, or no answer within the timeout. With a think time, each user pauses for a
random time (exponential, that mean) between an answer and its next request.

The client is a minimal HTTP/1.1 reader on asyncio streams rather than httpx: on a 2-core
machine the generator competes with the server for CPU, and a lean client takes less of it.
Its own CPU time, and the server's and PostgreSQL's, are measured from /proc over the window.
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import random
import resource
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
Stream = tuple[asyncio.StreamReader, asyncio.StreamWriter]


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    bytes_in: int = 0

    def error(self, kind: str) -> None:
        self.errors[kind] = self.errors.get(kind, 0) + 1


class AnswerError(Exception):
    """A response that could not be read as HTTP/1.1."""


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes, bool]:
    """(status, body, connection stays open)."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/1."):
        raise AnswerError(f"bad status line {lines[0][:40]!r}")
    status = int(parts[1])
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    if "content-length" in headers:
        body = await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding", "").lower() == "chunked":
        chunks = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if size == 0:
                await reader.readuntil(b"\r\n")  # no trailers are sent by uvicorn
                break
            chunks.append(await reader.readexactly(size))
            await reader.readexactly(2)
        body = b"".join(chunks)
    elif status in (204, 304) or 100 <= status < 200:
        body = b""
    else:
        body = await reader.read()  # close-delimited
        return status, body, False
    return status, body, headers.get("connection", "").lower() != "close"


@dataclass(frozen=True)
class Window:
    start: float  # perf_counter: requests that begin from here on are recorded
    stop: float  # no request begins from here on
    timeout: float
    think: float


async def user(
    host: str, port: int, request: bytes, arrive: float, window: Window, tally: Tally, seed: int
) -> None:
    """One virtual user, arriving at `arrive` (users arrive spread over the first half of the
    warm-up, as people do: 50 connections opened in the same millisecond would all be accepted
    by whichever server worker woke first, and keep-alive would keep them there)."""
    start, stop, timeout, think = window.start, window.stop, window.timeout, window.think
    await asyncio.sleep(max(0.0, arrive - time.perf_counter()))
    stream: Stream | None = None
    pause = random.Random(seed)
    while True:
        began = time.perf_counter()
        if began >= stop:
            break
        recorded = began >= start
        try:
            stream, status, body, keep = await asyncio.wait_for(
                _exchange(host, port, stream, request), timeout
            )
        except (
            OSError,
            asyncio.IncompleteReadError,
            asyncio.LimitOverrunError,
            AnswerError,
        ) as exc:
            if recorded:
                tally.error(type(exc).__name__)
            _close(stream)
            stream = None
            await asyncio.sleep(0.01)  # a refused connection must not become a busy loop
            continue
        except TimeoutError:
            if recorded:
                tally.error("timeout")
            _close(stream)
            stream = None
            continue
        if recorded:
            tally.latencies.append(time.perf_counter() - began)
            tally.bytes_in += len(body)
            if not 200 <= status < 300:
                tally.error(f"HTTP {status}")
        if not keep:
            _close(stream)
            stream = None
        if think:  # never past the window's end, which would stretch the measured time
            wake = time.perf_counter() + pause.expovariate(1 / think)
            await asyncio.sleep(max(0.0, min(wake, stop) - time.perf_counter()))
    _close(stream)


async def _exchange(
    host: str, port: int, stream: Stream | None, request: bytes
) -> tuple[Stream, int, bytes, bool]:
    """Send on the kept connection, or a new one. A kept connection the server has closed
    meanwhile (uvicorn closes idle ones after 5 s) is replaced, and the request sent once
    more if the close raced it, as browsers do; that is not an error of the server's."""
    if stream is not None and stream[0].at_eof():
        _close(stream)
        stream = None
    if stream is not None:
        stream[1].write(request)
        try:
            return (stream, *await _read_response(stream[0]))
        except asyncio.IncompleteReadError as exc:
            if exc.partial:
                raise
        except ConnectionResetError:
            pass
        _close(stream)
    fresh = await asyncio.open_connection(host, port)
    try:
        fresh[1].write(request)
        return (fresh, *await _read_response(fresh[0]))
    except BaseException:  # also cancellation by the timeout: the caller only knows the old one
        _close(fresh)
        raise


def _close(stream: Stream | None) -> None:
    if stream is not None:
        stream[1].close()


def request_bytes(host: str, port: int, path: str, headers: dict[str, str]) -> bytes:
    lines = [f"GET {path} HTTP/1.1", f"Host: {host}:{port}", "User-Agent: cmeledger-web-load"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def proc_cpu(pid: int) -> float:
    """User + system CPU seconds of one process (0 if it has gone or is not readable)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def descendants(root: int) -> list[int]:
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found = [root]
    for pid in found:
        found += [child for child, parent in parents.items() if parent == pid]
    return found


def postgres_pids() -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == "postgres":
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids


def machine_busy() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]
    return (sum(values[:8]) - idle) / CLOCK_TICKS, sum(values[:8]) / CLOCK_TICKS


def own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


@dataclass
class Snapshot:
    own: float
    server: list[float]  # per server process, in the order of the pids given
    postgres: dict[int, float]
    machine_busy: float
    machine_total: float

    @classmethod
    def take(cls, server_pids: list[int]) -> Snapshot:
        busy, total = machine_busy()
        return cls(
            own_cpu(),
            [proc_cpu(p) for p in server_pids],
            {p: proc_cpu(p) for p in postgres_pids()},
            busy,
            total,
        )


def percentile(ordered: list[float], p: float) -> float:
    """Nearest rank: the smallest latency with at least p % of them at or below it."""
    if not ordered:
        return math.nan
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


async def run(plan: dict[str, Any]) -> dict[str, Any]:
    host, port = plan["host"], plan["port"]
    requests = [request_bytes(host, port, u["path"], u["headers"]) for u in plan["users"]]
    server_pids = descendants(plan["server_pid"])
    tally = Tally()
    now = time.perf_counter()
    start = now + plan["warmup"]
    stop = start + plan["seconds"]
    window = Window(start, stop, plan["timeout"], plan.get("think", 0.0))
    spread = plan["warmup"] / 2 / max(len(requests), 1)
    tasks = [
        asyncio.create_task(user(host, port, r, now + n * spread, window, tally, n))
        for n, r in enumerate(requests)
    ]
    await asyncio.sleep(max(0.0, start - time.perf_counter()))
    before = Snapshot.take(server_pids)
    window_began = time.perf_counter()
    await asyncio.sleep(max(0.0, stop - time.perf_counter()))
    await asyncio.gather(*tasks)  # the window's in-flight requests are counted
    elapsed = time.perf_counter() - window_began
    after = Snapshot.take(server_pids)
    ordered = sorted(tally.latencies)
    done = len(ordered)
    postgres = {
        pid: (cpu - before.postgres.get(pid, 0.0)) / elapsed for pid, cpu in after.postgres.items()
    }
    ms = [percentile(ordered, p) * 1000 for p in (50, 95, 99)]
    return {
        "requests": done,
        "errors": sum(tally.errors.values()),
        "error_kinds": tally.errors,
        "seconds": elapsed,
        "requests_per_s": done / elapsed,
        "p50_ms": ms[0],
        "p95_ms": ms[1],
        "p99_ms": ms[2],
        "max_ms": ordered[-1] * 1000 if ordered else math.nan,
        "mean_ms": sum(ordered) / done * 1000 if done else math.nan,
        "mean_body_bytes": tally.bytes_in / done if done else 0,
        # CPU over the window as a share of one core (the machine has os.cpu_count() cores)
        "generator_cpu": (after.own - before.own) / elapsed,
        "generator_cpu_us_per_request": (after.own - before.own) / max(done, 1) * 1e6,
        "server_cpu": (sum(after.server) - sum(before.server)) / elapsed,
        # per process: with several workers, uvicorn's supervisor first, then each worker
        "server_cpu_by_process": [
            round((a - b) / elapsed, 3) for a, b in zip(after.server, before.server, strict=True)
        ],
        # every PostgreSQL process still there at the end (one that ended meanwhile took its
        # CPU time with it), and per process, so the caller can keep the server's own backends
        "postgres_cpu": sum(postgres.values()),
        "postgres_cpu_by_pid": postgres,
        "machine_cpu": (after.machine_busy - before.machine_busy) / elapsed,
        "cores": os.cpu_count(),
        "server_processes": len(server_pids),
    }


def main() -> None:
    plan = json.loads(sys.stdin.read())
    print(json.dumps(asyncio.run(run(plan))))


if __name__ == "__main__":
    main()
