"""Importer tests run with the network shut: extraction must never reach outside."""

from __future__ import annotations

import ipaddress
import shutil
import socket
from typing import Any

import pytest

requires_tesseract = pytest.mark.skipif(
    shutil.which("tesseract") is None,
    reason="Tesseract is not installed (apt-get install tesseract-ocr); `make test` installs "
    "it where it can",
)


def _is_local(address: Any) -> bool:
    host = address[0] if isinstance(address, tuple) else address
    if isinstance(host, bytes | str) and str(host) in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return isinstance(address, str | bytes)  # a Unix socket path


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    real_connect = socket.socket.connect

    def guarded(self: socket.socket, address: Any) -> Any:
        if not _is_local(address):
            raise OSError(f"network access blocked in importer tests: {address!r}")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)
    monkeypatch.setattr(socket, "create_connection", _refuse)


def _refuse(address: Any, *args: Any, **kwargs: Any) -> socket.socket:
    raise OSError(f"network access blocked in importer tests: {address!r}")
