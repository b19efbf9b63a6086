"""Running the server in several processes, each with a listening socket of its own.

uvicorn's `--workers N` shares one listening socket between its processes. The kernel then
wakes whichever process waited last, which is the one that just finished a request, so one
worker can end up holding every kept-alive connection while the others idle (measured in
bench/README.md: one of two workers served all 50 users). With SO_REUSEPORT each worker
listens on its own socket and the kernel spreads new connections over them.

The parent only supervises: it starts the workers, starts a new one when one dies, and on
SIGINT/SIGTERM stops them all.
"""

from __future__ import annotations

import logging
import multiprocessing
import signal
import socket
import time
from multiprocessing.connection import wait
from multiprocessing.context import SpawnProcess
from types import FrameType

import uvicorn

from cmeledger.errors import ConfigurationError

APP = "cmeledger.server.app:from_environment"
STOP_GRACE_SECONDS = 20.0
RESTART_PAUSE_SECONDS = 1.0  # a worker that dies at start must not be restarted in a tight loop
log = logging.getLogger("cmeledger.server")


def config(host: str, port: int) -> uvicorn.Config:
    return uvicorn.Config(
        APP,
        factory=True,
        host=host,
        port=port,
        log_level="warning",
        proxy_headers=False,
    )


def _family(host: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def check_port_free(host: str, port: int) -> None:
    """Fail now, with a message, if something already listens there (a socket bound with
    SO_REUSEPORT would otherwise quietly join another server's group)."""
    with socket.socket(_family(host), socket.SOCK_STREAM) as probe:
        # As uvicorn binds: a restart must not fail on the last run's connections still in
        # TIME_WAIT. A socket that listens there still makes the bind fail.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise ConfigurationError(
                f"cannot listen on {host}:{port}: {exc.strerror}; stop what uses it or "
                "choose another --port"
            ) from None


def _listening_socket(host: str, port: int) -> socket.socket:
    sock = socket.socket(_family(host), socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    return sock


def _worker(host: str, port: int) -> None:
    # uvicorn handles SIGINT/SIGTERM itself: Ctrl+C reaches the workers and the supervisor
    # alike, and the supervisor, stopping too, starts no new ones.
    uvicorn.Server(config(host, port)).run(sockets=[_listening_socket(host, port)])


def serve(host: str, port: int, workers: int) -> None:
    """Serve until SIGINT or SIGTERM, in `workers` processes (one: in this process)."""
    check_port_free(host, port)
    if workers == 1:
        uvicorn.Server(config(host, port)).run()
        return
    if not hasattr(socket, "SO_REUSEPORT"):  # not Linux/BSD: uvicorn's own shared socket
        uvicorn.run(APP, factory=True, host=host, port=port, workers=workers, log_level="warning")
        return
    _Supervisor(host, port, workers).run()


class _Supervisor:
    def __init__(self, host: str, port: int, workers: int) -> None:
        self._host, self._port, self._count = host, port, workers
        self._spawn = multiprocessing.get_context("spawn")
        self._workers: list[SpawnProcess] = []
        self._stopping = False

    def _start_one(self) -> SpawnProcess:
        process = self._spawn.Process(
            target=_worker, args=(self._host, self._port), name="cmeledger-worker"
        )
        process.start()
        return process

    def _stop(self, _signum: int, _frame: FrameType | None) -> None:
        self._stopping = True

    def run(self) -> None:
        previous = {sig: signal.signal(sig, self._stop) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            self._workers = [self._start_one() for _ in range(self._count)]
            while not self._stopping:
                wait([w.sentinel for w in self._workers], timeout=0.5)
                for i, worker in enumerate(self._workers):
                    if not worker.is_alive() and not self._stopping:
                        log.warning("worker %s exited (%s); starting another", worker.pid,
                                    worker.exitcode)  # fmt: skip
                        time.sleep(RESTART_PAUSE_SECONDS)
                        self._workers[i] = self._start_one()
        finally:
            self._shutdown()
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _shutdown(self) -> None:
        for worker in self._workers:
            if worker.is_alive():
                worker.terminate()  # SIGTERM: uvicorn finishes the requests in flight
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for worker in self._workers:
            worker.join(max(0.0, deadline - time.monotonic()))
            if worker.is_alive():
                worker.kill()
                worker.join()
