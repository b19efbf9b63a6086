"""`cmeledger serve --demo` (what `make run` starts): a real server a person can sign in to."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

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
