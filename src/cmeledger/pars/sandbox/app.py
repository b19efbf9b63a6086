"""The sandbox as an ASGI app: `create_app(state_path, ...)`.

Routes:
  POST /services/ACCMEActivityService.svc/{SaveActivity,GetActivity}            REST-XML
  POST /services/ACCMELearnerService.svc/{SaveLearnerActivity,GetLearnerMatch,
       GetLearnerStatusByLearner,GetLearnerStatusByCreditId}                    REST-XML
  POST /services/<Service>.svc/soap                                             SOAP 1.1
  GET  /services/<Service>.svc?wsdl                                             the WSDL
  /json/v1/...                                                                  JSON (wire_json)
  /sandbox/{providers,physicians,tick,faults,clock,health}                      admin (admin.py)
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from starlette.applications import Starlette
from starlette.routing import Route
from starlette.types import ASGIApp, Scope

from cmeledger.domain.pars.rules import ParsRules, Problem
from cmeledger.pars import soap, wire_json, wire_xml
from cmeledger.pars.sandbox import admin, json_api, xml_api
from cmeledger.pars.sandbox.faults import FaultInjector, FaultSettings
from cmeledger.pars.sandbox.http import MAX_BODY
from cmeledger.pars.sandbox.registry import Registry
from cmeledger.pars.sandbox.service import ParsSandbox
from cmeledger.pars.sandbox.store import SandboxStore


def central_today() -> date:
    """Today in US Central time, PARS's reference zone."""
    try:
        zone: ZoneInfo | timezone = ZoneInfo("America/Chicago")
    except ZoneInfoNotFoundError:  # no tz database: standard time is close enough for a date
        zone = timezone(timedelta(hours=-6))
    return datetime.now(UTC).astimezone(zone).date()


def _render_fault(path: str, status: int) -> tuple[str, bytes]:
    problem = Problem(f"SYS-{status}", "service", "PARS is temporarily unavailable")
    if path.startswith(wire_json.BASE_PATH):
        return wire_json.CONTENT_TYPE, wire_json.error_response([problem])
    if path.endswith("/soap"):
        return soap.CONTENT_TYPE, soap.fault([problem], server=True)
    return wire_xml.CONTENT_TYPE, wire_xml.error_response([problem])


def _faultable(scope: Scope) -> bool:
    path: str = scope["path"]
    if path.startswith(wire_json.BASE_PATH + "/"):
        return True
    return path.startswith("/services/") and scope["method"] != "GET"


class SandboxApp(Starlette):
    """Starlette with the fault injector outside everything else, so that it holds the
    server's own `send` (needed to cut connections) rather than a middleware's wrapper."""

    fault_settings: FaultSettings

    def build_middleware_stack(self) -> ASGIApp:
        return FaultInjector(
            super().build_middleware_stack(), self.fault_settings, _render_fault, _faultable
        )


def create_app(
    state_path: Path,
    *,
    rules: ParsRules = ParsRules(),  # noqa: B008 - immutable value
    fault_rate: float = 0.0,
    seed: int | None = None,
    today: Callable[[], date] | None = None,
    max_body: int = MAX_BODY,
    latency_seconds: float = 0.5,
    timeout_seconds: float = 30.0,
) -> Starlette:
    store = SandboxStore(state_path)
    base_today = today or central_today

    def sandbox_today() -> date:
        pinned = store.setting(admin.CLOCK_KEY)
        return date.fromisoformat(pinned) if pinned else base_today()

    sandbox = ParsSandbox(store, Registry(store), rules, sandbox_today)
    faults = FaultSettings(
        rate=fault_rate, seed=seed, latency=latency_seconds, timeout=timeout_seconds
    )
    services = "/services/{service:str}.svc"
    app = SandboxApp(
        routes=[
            Route(services, xml_api.wsdl, methods=["GET"]),
            Route(f"{services}/soap", xml_api.soap_endpoint, methods=["POST"]),
            Route(f"{services}/{{operation:str}}", xml_api.rest_xml, methods=["POST"]),
            *json_api.routes(),
            *admin.routes(),
        ]
    )
    app.fault_settings = faults
    app.state.sandbox = sandbox
    app.state.faults = faults
    app.state.max_body = max_body
    app.state.state_path = store.path
    return app


def tick(state_path: Path, *, rules: ParsRules = ParsRules()) -> dict[str, int]:  # noqa: B008
    """Let the certifying boards answer every pending MOC credit (see ParsSandbox.tick)."""
    store = SandboxStore(state_path)
    return ParsSandbox(store, Registry(store), rules, central_today).tick()
