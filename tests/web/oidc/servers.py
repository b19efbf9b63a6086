"""Two real servers on loopback for OpenID Connect tests: the portal (uvicorn in a thread)
and an OpenID Provider (node-oidc-provider, `provider/server.js`, in a child process).

The provider must send a real HTTP client back to the portal, so TestClient will not do.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn, TypedDict

import httpx
import pytest
import uvicorn

from cmeledger.server.app import create_app
from cmeledger.settings import Settings
from cmeledger.storage.ledger import Store

PROVIDER_DIR = Path(__file__).with_name("provider")
INSTALL = "npm ci --prefix tests/web/oidc/provider"


class IdpAccount(TypedDict):
    password: str
    email: str
    email_verified: bool
    name: str


@dataclass(frozen=True)
class Portal:
    url: str
    store: Store


@dataclass(frozen=True)
class IdentityProvider:
    issuer: str
    client_id: str
    client_secret: str
    accounts_file: Path

    def set_accounts(self, accounts: dict[str, IdpAccount]) -> None:
        """Read by the provider on every lookup, so this takes effect at once."""
        self.accounts_file.write_text(json.dumps(accounts), encoding="utf-8")


def loopback_listener() -> socket.socket:
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(128)
    return listener


def url_of(listener: socket.socket) -> str:
    return f"http://127.0.0.1:{listener.getsockname()[1]}"


@contextmanager
def running_portal(store: Store, home: Path, listener: socket.socket) -> Iterator[Portal]:
    """The app under uvicorn on `listener`'s address. uvicorn closes the socket it is given
    when it stops, so it gets a duplicate and the address outlives this portal."""
    url = url_of(listener)
    # Plain http on loopback, so the cookies cannot be Secure here.
    settings = Settings(home=home, public_url=url, cookie_secure=False)
    app = create_app(store, settings, background=False)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener.dup()]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the portal did not start under uvicorn")
        time.sleep(0.02)
    try:
        yield Portal(url, store)
    finally:
        server.should_exit = True
        thread.join(timeout=15)


def _must_not_skip() -> bool:
    """On CI a missing provider is a broken setup, not a reason to skip silently."""
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _unavailable(reason: str) -> NoReturn:
    message = f"{reason}; run `{INSTALL}` (needs Node.js 18+ and npm)"
    if _must_not_skip():
        pytest.fail(message)
    pytest.skip(message)


def node_provider_ready() -> str:
    """The `node` executable, after installing the provider's packages if they are missing."""
    node = shutil.which("node")
    if node is None:
        _unavailable("Node.js is not installed, so the test OpenID Provider cannot run")
    if not (PROVIDER_DIR / "node_modules" / "oidc-provider").is_dir():
        npm = shutil.which("npm")
        if npm is None:
            _unavailable("the test OpenID Provider's packages are missing and npm is not installed")
        done = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund"],
            cwd=PROVIDER_DIR,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        if done.returncode != 0:
            _unavailable(
                f"`npm ci` for the test OpenID Provider failed (offline?): {done.stderr[-500:]}"
            )
    return node


@contextmanager
def running_provider(
    node: str,
    *,
    redirect_uri: str,
    client_id: str,
    client_secret: str,
    accounts: dict[str, IdpAccount],
    workdir: Path,
    claims_in: str = "id_token",
) -> Iterator[IdentityProvider]:
    accounts_file = workdir / "idp-accounts.json"
    accounts_file.write_text(json.dumps(accounts), encoding="utf-8")
    log = workdir / "idp.log"
    env = {
        **os.environ,
        "REDIRECT_URI": redirect_uri,
        "CLIENT_ID": client_id,
        "CLIENT_SECRET": client_secret,
        "ACCOUNTS_FILE": str(accounts_file),
        "CLAIMS_IN": claims_in,
    }
    with log.open("w", encoding="utf-8") as errors:
        process = subprocess.Popen(
            [node, "server.js"],
            cwd=PROVIDER_DIR,
            env=env,
            stdout=subprocess.PIPE,
            stderr=errors,
            text=True,
        )
        try:
            issuer = _announced_issuer(process, log)
            _wait_for_discovery(issuer, process, log)
            yield IdentityProvider(issuer, client_id, client_secret, accounts_file)
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            assert process.stdout is not None
            process.stdout.close()


def _announced_issuer(process: subprocess.Popen[str], log: Path) -> str:
    assert process.stdout is not None
    ready, _, _ = select.select([process.stdout], [], [], 30)
    line = process.stdout.readline() if ready else ""
    if not line:
        raise RuntimeError(f"the OpenID Provider did not start: {log.read_text()[-2000:]}")
    return str(json.loads(line)["issuer"])


def _wait_for_discovery(issuer: str, process: subprocess.Popen[str], log: Path) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx.get(f"{issuer}/.well-known/openid-configuration", timeout=2).is_success:
                return
        except httpx.TransportError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"the OpenID Provider never answered: {log.read_text()[-2000:]}")
        time.sleep(0.05)
