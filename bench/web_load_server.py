"""The real server for the web load benchmark: uvicorn running the app factory in a process
group of its own, plus what the benchmark asks of it before a run (sign-ins, a check that
each endpoint answers) and a sampler of what PostgreSQL's backends wait on during a run."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text

from bench.web_load_data import PASSWORD, Bench, base_url
from cmeledger.storage.db import normalise_url

SESSION_COOKIE = "cmeledger_session"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    port: int
    workers: int

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"


LAUNCHERS = ("serve", "uvicorn")


def command(launcher: str, port: int, workers: int) -> list[str]:
    """serve: `cmeledger serve` (one listening socket per worker, server/processes.py; log
    level warning, so no access log); uvicorn: the app factory through uvicorn's own command
    line (one listening socket shared by its workers), to compare."""
    where = ["--port", str(port), "--workers", str(workers)]
    if launcher == "serve":
        script = Path(sys.executable).with_name("cmeledger")  # the console script in the venv
        return [str(script), "serve", "--host", "127.0.0.1", *where]
    return [
        sys.executable,
        "-m",
        "uvicorn",
        "cmeledger.server.app:from_environment",
        "--factory",
        "--host",
        "127.0.0.1",
        *where,
        "--log-level",
        "warning",
        "--no-proxy-headers",
    ]


@contextmanager
def running(
    bench: Bench, workers: int, launcher: str = "serve", ready_within: float = 60.0
) -> Iterator[Server]:
    """The server in a process group of its own until the block ends."""
    port = free_port()
    env = {**os.environ, **bench.server_env(port)}
    process = subprocess.Popen(
        command(launcher, port, workers),
        env=env,
        stdout=subprocess.DEVNULL,  # `cmeledger serve` greets; errors still reach stderr
        start_new_session=True,  # its own process group: stopped as one, workers included
    )
    server = Server(process, port, workers)
    try:
        _wait_ready(server, ready_within)
        yield server
    finally:
        _stop(process)


def _wait_ready(server: Server, within: float) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise SystemExit(f"the server exited with {server.process.returncode} at start")
        try:
            # 401 means the app is up and answering; every worker starts before it listens.
            if httpx.get(f"{server.base}/api/v1/me", timeout=2).status_code == 401:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"the server did not answer within {within:.0f} s")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def sign_in(server: Server, emails: list[str]) -> list[str]:
    """One portal session per virtual user, made by the real sign-in (argon2 on the server)."""
    cookies = []
    with httpx.Client(base_url=server.base, timeout=30) as client:
        for email in emails:
            answer = client.post("/api/v1/session", json={"email": email, "password": PASSWORD})
            if answer.status_code != 201:
                raise SystemExit(f"sign-in of {email} failed: {answer.status_code} {answer.text}")
            value = _cookie(answer.headers.get_list("set-cookie"))
            if value is None:
                raise SystemExit(f"sign-in of {email} set no {SESSION_COOKIE} cookie")
            cookies.append(value)
    return cookies


def _cookie(set_cookies: list[str]) -> str | None:
    for header in set_cookies:
        name, _, rest = header.partition("=")
        if name.strip() == SESSION_COOKIE:
            return rest.split(";", 1)[0]
    return None


def check(server: Server, path: str, headers: dict[str, str]) -> tuple[int, str]:
    """(status, first bytes of the body) of one request, before the load starts."""
    answer = httpx.get(f"{server.base}{path}", headers=headers, timeout=60)
    return answer.status_code, answer.text[:300]


@dataclass
class WaitSampler:
    """What the server's PostgreSQL backends are doing, sampled every `every` seconds:
    running, idle, or waiting (and on what). A lock wait shows as e.g. Lock:transactionid."""

    every: float = 0.05
    counts: Counter[str] = field(default_factory=Counter)
    samples: int = 0
    pids: set[int] = field(default_factory=set)  # the server's backends, for their CPU
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self, after: float) -> None:
        self._thread = threading.Thread(target=self._run, args=(after,), daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def _run(self, after: float) -> None:
        if self._stop.wait(after):
            return
        engine = create_engine(normalise_url(base_url()), isolation_level="AUTOCOMMIT")
        query = text(
            "SELECT pid, state, wait_event_type, wait_event FROM pg_stat_activity "
            "WHERE application_name = 'cmeledger_web_load' AND pid <> pg_backend_pid()"
        )
        with engine.connect() as conn:
            while not self._stop.wait(self.every):
                self.samples += 1
                for pid, state, wait_type, wait in conn.execute(query):
                    self.pids.add(int(pid))
                    if state == "active":
                        self.counts[
                            "active: " + (f"{wait_type}:{wait}" if wait else "running")
                        ] += 1
                    elif state:  # None: a backend still starting up, or not ours to see
                        self.counts[str(state)] += 1
        engine.dispose()

    def summary(self) -> dict[str, float]:
        """Mean number of the server's backends in each state over the window."""
        n = max(self.samples, 1)
        return {k: round(v / n, 2) for k, v in self.counts.most_common()}
