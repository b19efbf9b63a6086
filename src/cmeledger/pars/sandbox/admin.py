"""Sandbox-only endpoints under /sandbox: seed the registry, let the boards answer, set the
clock and the fault rate. Unauthenticated by design: the sandbox listens on loopback only."""

from __future__ import annotations

import json
import sqlite3
from datetime import date
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from cmeledger.pars.sandbox.faults import FaultKind, FaultSettings
from cmeledger.pars.sandbox.http import BodyTooLargeError, read_body
from cmeledger.pars.sandbox.service import ParsSandbox

CLOCK_KEY = "clock"
_ADMIN_LIMIT = 1024 * 1024


async def _json_body(request: Request) -> dict[str, Any]:
    try:
        data = await read_body(request, _ADMIN_LIMIT)
        doc = json.loads(data or b"{}")
    except (BodyTooLargeError, ValueError) as exc:
        raise ValueError(f"expected a small JSON object: {exc}") from None
    if not isinstance(doc, dict):
        raise ValueError("expected a JSON object")
    return doc


def _bad(exc: Exception) -> JSONResponse:
    return JSONResponse({"error": str(exc)}, 400)


async def add_provider(request: Request) -> Response:
    sb: ParsSandbox = request.app.state.sandbox
    try:
        doc = await _json_body(request)
        args = (str(doc["provider_id"]), str(doc["user"]), str(doc["password"]))
        await run_in_threadpool(sb.registry.add_provider, *args)
    except (KeyError, ValueError) as exc:
        return _bad(exc)
    return JSONResponse({"provider_id": args[0], "user": args[1]}, 201)


async def add_physician(request: Request) -> Response:
    sb: ParsSandbox = request.app.state.sandbox
    try:
        doc = await _json_body(request)
        pid = await run_in_threadpool(
            sb.registry.add_physician,
            str(doc["first"]),
            str(doc["last"]),
            str(doc["birth"]),
            {str(k): str(v) for k, v in (doc.get("licences") or {}).items()},
            doc.get("npi"),
            {str(k): str(v) for k, v in (doc.get("boards") or {}).items()},
        )
    except (KeyError, ValueError, AttributeError) as exc:
        return _bad(exc)
    except sqlite3.IntegrityError:
        return JSONResponse({"error": "a licence, NPI or board ID is already registered"}, 409)
    return JSONResponse({"id": pid}, 201)


async def tick(request: Request) -> Response:
    sb: ParsSandbox = request.app.state.sandbox
    return JSONResponse(await run_in_threadpool(sb.tick))


async def faults(request: Request) -> Response:
    settings: FaultSettings = request.app.state.faults
    if request.method == "POST":
        try:
            doc = await _json_body(request)
            kinds = doc.get("kinds")
            settings.configure(
                rate=None if doc.get("rate") is None else float(doc["rate"]),
                seed=None if doc.get("seed") is None else int(doc["seed"]),
                kinds=None if kinds is None else tuple(FaultKind(str(k)) for k in kinds),
                latency=None if doc.get("latency") is None else float(doc["latency"]),
                timeout=None if doc.get("timeout") is None else float(doc["timeout"]),
            )
        except (TypeError, ValueError) as exc:
            return _bad(exc)
    return JSONResponse(settings.describe())


async def clock(request: Request) -> Response:
    """Pin the sandbox's today (for reporting-window tests); {"today": null} unpins it."""
    sb: ParsSandbox = request.app.state.sandbox
    if request.method == "POST":
        try:
            doc = await _json_body(request)
            value = doc.get("today")
            pinned = None if value is None else date.fromisoformat(str(value)).isoformat()
        except ValueError as exc:
            return _bad(exc)
        await run_in_threadpool(sb.store.set_setting, CLOCK_KEY, pinned)
    return JSONResponse({"today": sb.today().isoformat()})


async def health(request: Request) -> Response:
    return JSONResponse({"ok": True})


def routes() -> list[Route]:
    return [
        Route("/sandbox/providers", add_provider, methods=["POST"]),
        Route("/sandbox/physicians", add_physician, methods=["POST"]),
        Route("/sandbox/tick", tick, methods=["POST"]),
        Route("/sandbox/faults", faults, methods=["GET", "POST"]),
        Route("/sandbox/clock", clock, methods=["GET", "POST"]),
        Route("/sandbox/health", health, methods=["GET"]),
    ]
