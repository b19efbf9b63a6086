"""Running the sandbox: `serve` (blocking, for `cmeledger pars-sandbox`) on loopback only."""

from __future__ import annotations

import contextlib
from pathlib import Path

import uvicorn

from cmeledger.domain.pars.rules import ParsRules
from cmeledger.pars.sandbox.app import create_app

HOST = "127.0.0.1"


def uvicorn_config(app: object, *, port: int, log_level: str = "warning") -> uvicorn.Config:
    # h11: the fault injector cuts connections through the h11 request cycle's transport.
    # A short graceful-shutdown timeout ends requests still asleep in a "timeout" fault.
    return uvicorn.Config(
        app,  # type: ignore[arg-type]
        host=HOST,
        port=port,
        http="h11",
        lifespan="off",
        log_level=log_level,
        access_log=False,
        timeout_graceful_shutdown=2,
    )


def serve(
    port: int,
    state_path: Path,
    fault_rate: float = 0.0,
    *,
    seed: int | None = None,
    rules: ParsRules = ParsRules(),  # noqa: B008 - immutable value
    latency_seconds: float = 0.5,
    timeout_seconds: float = 30.0,
    log_level: str = "info",
) -> None:
    """Serve the sandbox on 127.0.0.1:`port` until interrupted (Ctrl-C)."""
    app = create_app(
        state_path,
        rules=rules,
        fault_rate=fault_rate,
        seed=seed,
        latency_seconds=latency_seconds,
        timeout_seconds=timeout_seconds,
    )
    server = uvicorn.Server(uvicorn_config(app, port=port, log_level=log_level))
    # uvicorn shuts down gracefully on SIGINT/SIGTERM, then re-raises the signal; a sandbox
    # stopped with Ctrl-C has done nothing wrong, so it returns normally.
    with contextlib.suppress(KeyboardInterrupt):
        server.run()
