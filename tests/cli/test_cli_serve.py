"""`cmeledger serve --demo` (what `make run` starts): a real server a person can sign in to."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable

import httpx

from cmeledger.actions.demo import DEMO_EMAIL, DEMO_PASSWORD
from tests.cli.conftest import Cli


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_it_serves_the_demo_and_prints_the_url_and_the_demo_sign_in(cli: Cli) -> None:
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-c", "from cmeledger.cli.main import run; run()", "serve", "--demo",
         "--port", str(port)],
        env=dict(os.environ),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )  # fmt: skip
    try:
        assert server.stdout is not None
        printed = ""
        deadline = time.monotonic() + 60
        while "Ctrl+C" not in printed and time.monotonic() < deadline:
            line = server.stdout.readline()
            if not line:
                break
            printed += line
        assert f"http://127.0.0.1:{port}/" in printed and DEMO_EMAIL in printed, printed
        assert DEMO_PASSWORD in printed
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                if httpx.get(f"{base}/login", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        signed_in = httpx.post(
            f"{base}/api/v1/session",
            json={"email": DEMO_EMAIL, "password": DEMO_PASSWORD},
            timeout=10,
        )
        assert signed_in.status_code == 201, signed_in.text
        assert signed_in.json()["user"]["role"] == "physician"
    finally:
        server.terminate()
        server.wait(timeout=30)


def _children(pid: int) -> set[int]:
    """Live child processes of `pid`, from /proc."""
    found = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="ascii") as stat:
                    fields = stat.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid and fields[0] != "Z":
                found.add(int(entry))
    return found


def _wait_for(check: Callable[[], bool], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError("timed out")


def _answers(base: str) -> bool:
    try:
        return httpx.get(f"{base}/login", timeout=2).status_code == 200
    except httpx.TransportError:
        return False


def test_several_workers_each_listen_are_replaced_when_they_die_and_stop_together(
    cli: Cli,
) -> None:
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    argv = [sys.executable, "-c", "from cmeledger.cli.main import run; run()", "serve",
            "--workers", "2", "--port", str(port)]  # fmt: skip
    server = subprocess.Popen(argv, env=dict(os.environ), stdout=subprocess.DEVNULL)
    try:
        # Each worker holds a listening socket of its own on the port.
        _wait_for(lambda: _answers(base) and len(_listening(server.pid, port)) == 2)
        workers = _listening(server.pid, port)

        second = subprocess.run(argv, env=dict(os.environ), capture_output=True, text=True)
        assert second.returncode == 6 and f"cannot listen on 127.0.0.1:{port}" in second.stderr

        victim = min(workers)
        os.kill(victim, signal.SIGKILL)
        _wait_for(lambda: victim not in _listening(server.pid, port))
        _wait_for(lambda: len(_listening(server.pid, port) - workers) == 1, seconds=90)
        assert _answers(base) and server.poll() is None, "the supervisor keeps serving"

        alive = _children(server.pid)
        with httpx.Client() as kept:  # a kept-alive connection the server closes as it stops
            assert kept.get(f"{base}/login", timeout=5).status_code == 200
            server.send_signal(signal.SIGTERM)
            assert server.wait(timeout=60) == 0
        _wait_for(lambda: not any(os.path.exists(f"/proc/{p}") and _running(p) for p in alive))

        # Started again at once: the connection it closed lingers in TIME_WAIT on the port.
        server = subprocess.Popen(argv, env=dict(os.environ), stdout=subprocess.DEVNULL)
        _wait_for(lambda: _answers(base) or server.poll() is not None)
        assert server.poll() is None and _answers(base)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait(timeout=30)


def _listening(parent: int, port: int) -> set[int]:
    """The children of `parent` that hold a socket listening on `port`."""
    return {p for p in _children(parent) if f":{port:04X} " in _tcp_listeners(p)}


def _running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _tcp_listeners(pid: int) -> str:
    """The rows of /proc/net/tcp whose socket inode `pid` holds (its listening sockets)."""
    inodes = set()
    try:
        fds = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return ""
    for fd in fds:
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    with open("/proc/net/tcp", encoding="ascii") as table:
        rows = [line for line in table if line.split()[9:10] and line.split()[9] in inodes]
    return "".join(r for r in rows if r.split()[3] == "0A")  # 0A: LISTEN
