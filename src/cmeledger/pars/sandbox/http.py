"""HTTP plumbing shared by the sandbox's front ends: bounded body reading, credentials, and
where an operation runs."""

from __future__ import annotations

from collections.abc import Callable
from typing import ParamSpec, TypeVar

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from cmeledger.domain.pars.results import Credentials
from cmeledger.pars import wire_json
from cmeledger.pars.sandbox.registry import SlowCheckDeferredError, slow_checks_deferred
from cmeledger.pars.sandbox.store import SandboxStore

MAX_BODY = 50 * 1024 * 1024
# After a body passes the limit we keep reading (and discarding) up to this much more, so a
# client that sends its whole body before reading the answer still gets the 413 instead of a
# broken pipe; past it the server answers and closes.
DRAIN_MAX = 64 * 1024 * 1024


# Operations on bodies up to this size run on the event loop itself. Handing a small request
# to a worker thread cost more than its work (the hand-off both ways, then a fight for the GIL
# after every SQLite call), and writes are serialised by the store's lock in any case. Bigger
# bodies, requests arriving while another thread holds the write lock (a batch, a tick), and
# passwords not yet verified (PBKDF2) go to the threadpool, so the loop never waits long.
INLINE_MAX = 64 * 1024

P = ParamSpec("P")
T = TypeVar("T")


async def run_operation_for(
    store: SandboxStore, body_size: int, work: Callable[P, T], *args: P.args, **kwargs: P.kwargs
) -> T:
    """`work(*args, **kwargs)`: inline when it is small and quick, else in a worker thread."""
    if body_size <= INLINE_MAX and not store.writing():
        try:
            with slow_checks_deferred():
                return work(*args, **kwargs)
        except SlowCheckDeferredError:
            pass  # raised by the password check, before the operation did anything
    return await run_in_threadpool(work, *args, **kwargs)


class BodyTooLargeError(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__(f"request body exceeds the {limit}-byte limit")
        self.limit = limit


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, refused as soon as it passes `limit` bytes (nothing is parsed)."""
    declared = request.headers.get("content-length", "")
    too_big = declared.isdigit() and int(declared) > limit
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            too_big = True
        if too_big:
            chunks.clear()
            if size > limit + DRAIN_MAX:
                break
            continue
        chunks.append(chunk)
    if too_big:
        raise BodyTooLargeError(limit)
    return b"".join(chunks)


def merged_credentials(body: Credentials, request: Request) -> Credentials:
    """Body elements win; HTTP Basic and X-Provider-Id fill whatever the body left out."""
    headers = wire_json.read_auth_headers(dict(request.headers))
    return Credentials(
        provider_id=body.provider_id or headers.provider_id,
        user=body.user or headers.user,
        password=body.password or headers.password,
    )
