"""Fault injection: the failures a PARS client must survive, on demand or at random.

An ASGI middleware in front of the sandbox. Per request it picks a fault (the
`X-Sandbox-Fault` header forces one; otherwise with probability `rate` from a seeded RNG):

* latency: wait `latency` seconds, then answer normally;
* timeout: wait `timeout` seconds (longer than any sane client timeout), then do the work
  anyway: the client gave up, PARS did not;
* 500 / 503: answer with an error before doing anything (503 carries Retry-After);
* malformed: do the work, answer 200 with a body cut in half and closed by a wrong tag;
* truncated: do the work, declare the full Content-Length, send half, cut the connection;
* drop-after-commit: do the work (committed), then cut the connection with no response.

Cutting a connection needs the server's transport, which ASGI does not expose; under uvicorn
(the only server `serve` and `running_sandbox` use) the `send` callable is a bound method of
the request cycle holding it. Elsewhere the middleware raises instead, which servers answer by
closing the connection or with a bare 500.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

FAULT_HEADER = b"x-sandbox-fault"


class FaultKind(StrEnum):
    LATENCY = "latency"
    TIMEOUT = "timeout"
    HTTP_500 = "500"
    HTTP_503 = "503"
    MALFORMED = "malformed"
    TRUNCATED = "truncated"
    DROP_AFTER_COMMIT = "drop-after-commit"


@dataclass
class FaultSettings:
    """Mutable at run time (POST /sandbox/faults); read by the middleware on each request."""

    rate: float = 0.0
    seed: int | None = None
    latency: float = 0.5
    timeout: float = 30.0
    kinds: tuple[FaultKind, ...] = tuple(FaultKind)
    rng: random.Random = field(init=False)

    def __post_init__(self) -> None:
        self.configure(rate=self.rate, seed=self.seed)

    def configure(
        self,
        *,
        rate: float | None = None,
        seed: int | None = None,
        kinds: tuple[FaultKind, ...] | None = None,
        latency: float | None = None,
        timeout: float | None = None,
    ) -> None:
        if rate is not None:
            if not 0.0 <= rate <= 1.0:
                raise ValueError("fault rate must be between 0 and 1")
            self.rate = rate
        if kinds is not None:
            if not kinds:
                raise ValueError("name at least one fault kind")
            self.kinds = kinds
        if latency is not None:
            self.latency = max(0.0, latency)
        if timeout is not None:
            self.timeout = max(0.0, timeout)
        if seed is not None or not hasattr(self, "rng"):
            self.seed = seed
            self.rng = random.Random(seed)

    def describe(self) -> dict[str, Any]:
        return {
            "rate": self.rate,
            "seed": self.seed,
            "latency": self.latency,
            "timeout": self.timeout,
            "kinds": [k.value for k in self.kinds],
        }


class DroppedConnectionError(Exception):
    """Raised only where the server's transport cannot be reached to cut it directly."""


# (path, status) -> (content type, body): an error in the dialect of the transport at path.
ErrorRenderer = Callable[[str, int], tuple[str, bytes]]


class FaultInjector:
    def __init__(
        self,
        app: ASGIApp,
        settings: FaultSettings,
        render_error: ErrorRenderer,
        applies_to: Callable[[Scope], bool],
    ) -> None:
        self.app = app
        self.settings = settings
        self.render_error = render_error
        self.applies_to = applies_to

    def _choose(self, scope: Scope) -> FaultKind | str | None:
        forced = dict(scope.get("headers", [])).get(FAULT_HEADER)
        if forced is not None:
            text = bytes(forced).decode("latin-1").strip().lower()
            if text == "none":
                return None
            try:
                return FaultKind(text)
            except ValueError:
                return text  # unknown: answered with 400 by the caller
        s = self.settings
        if s.rate > 0 and s.rng.random() < s.rate:
            return s.rng.choice(s.kinds)
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.applies_to(scope):
            await self.app(scope, receive, send)
            return
        kind = self._choose(scope)
        if kind is None:
            await self.app(scope, receive, send)
        elif not isinstance(kind, FaultKind):
            await self._plain(send, 400, f"unknown {FAULT_HEADER.decode()}: {kind}".encode())
        elif kind in (FaultKind.LATENCY, FaultKind.TIMEOUT):
            # Take the whole request first: the client may hang up while we sleep, and the
            # work must still be done with what it sent.
            replay = await _buffered(receive)
            pause = self.settings.latency if kind is FaultKind.LATENCY else self.settings.timeout
            await asyncio.sleep(pause)
            await self.app(scope, replay, send)
        elif kind in (FaultKind.HTTP_500, FaultKind.HTTP_503):
            status = int(kind.value)
            content_type, body = self.render_error(scope["path"], status)
            headers = [(b"content-type", content_type.encode())]
            if status == 503:
                headers.append((b"retry-after", b"1"))
            await _respond(send, status, headers, body)
        else:
            await self._after_commit(kind, scope, receive, send)

    async def _plain(self, send: Send, status: int, body: bytes) -> None:
        await _respond(send, status, [(b"content-type", b"text/plain; charset=utf-8")], body)

    async def _after_commit(
        self, kind: FaultKind, scope: Scope, receive: Receive, send: Send
    ) -> None:
        start: Message | None = None
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, capture)  # the work is done and committed here
        body = b"".join(chunks)
        status = 200 if start is None else int(start["status"])
        headers = [
            (k, v)
            for k, v in (start or {}).get("headers", [])
            if k.lower() not in (b"content-length", b"content-type")
        ]
        content_type = dict((start or {}).get("headers", [])).get(b"content-type", b"text/xml")
        if kind is FaultKind.MALFORMED:
            broken = body[: len(body) // 2] + b"</Broken>\x00"
            await _respond(send, status, [*headers, (b"content-type", content_type)], broken)
            return
        if kind is FaultKind.TRUNCATED:
            await send(
                {
                    "type": "http.response.start",
                    "status": status,
                    "headers": [
                        *headers,
                        (b"content-type", content_type),
                        (b"content-length", str(len(body)).encode()),
                    ],
                }
            )
            await send(
                {"type": "http.response.body", "body": body[: len(body) // 2], "more_body": True}
            )
        await _cut(send, receive)


_BUFFER_MAX = 128 * 1024 * 1024  # past this, the app's own body limit answers


async def _buffered(receive: Receive) -> Receive:
    messages: list[Message] = []
    size = 0
    while size <= _BUFFER_MAX:
        message = await receive()
        messages.append(message)
        size += len(message.get("body", b""))
        if message["type"] != "http.request" or not message.get("more_body", False):
            break

    async def replay() -> Message:
        return messages.pop(0) if messages else await receive()

    return replay


async def _respond(
    send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes
) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [*headers, (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def _cut(send: Send, receive: Receive) -> None:
    transport = getattr(getattr(send, "__self__", None), "transport", None)
    if transport is None or not hasattr(transport, "abort"):
        raise DroppedConnectionError("connection dropped by the sandbox (fault injection)")
    transport.abort()
    # Wait until the server has seen the connection go, so it does not try to answer for us.
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(receive(), timeout=2.0)
