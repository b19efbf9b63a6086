"""A local stand-in for ACCME PARS's web services, for tests and integrators.

`create_app` builds the ASGI app; `serve` runs it on loopback; `testing.running_sandbox`
runs it in a thread for a test; `Registry` seeds providers and physicians; `tick` lets the
certifying boards answer pending MOC credits. Faults are injected on request (`faults`).
"""

from cmeledger.pars.sandbox.app import create_app, tick
from cmeledger.pars.sandbox.faults import FAULT_HEADER, FaultKind
from cmeledger.pars.sandbox.registry import Registry
from cmeledger.pars.sandbox.server import serve

__all__ = ["FAULT_HEADER", "FaultKind", "Registry", "create_app", "serve", "tick"]
