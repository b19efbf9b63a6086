"""uvicorn as `cmeledger serve` runs it, with the listening sockets fixed two ways.

    uv run python -m bench.web_load_uvicorn --port 8123 --workers 2             # nodelay
    uv run python -m bench.web_load_uvicorn --port 8123 --workers 2 --reuseport

nodelay: with `--workers N > 1`, uvicorn 0.54 binds the one shared socket itself with
`proto` 0; accepted sockets inherit that, and asyncio only sets TCP_NODELAY on sockets whose
proto is IPPROTO_TCP, so keep-alive responses can wait ~40 ms for the client's delayed ACK
(Kludex/uvicorn#3149, open). Here the shared socket is marked TCP.

reuseport: also, each worker listens on a socket of its own bound with SO_REUSEPORT, so the
kernel spreads new connections over the workers. With one shared socket, whichever worker
wakes first accepts every connection waiting, and keep-alive keeps them there: in the
benchmark one of two workers often served all 50 users while the other idled.

The benchmark's `--launcher nodelay|reuseport` run this module to show what each fix is
worth before `cmeledger serve` has it; `serve` and `uvicorn` run what ships.
"""

from __future__ import annotations

import argparse
import multiprocessing
import socket

import uvicorn
from uvicorn.supervisors import Multiprocess

APP = "cmeledger.server.app:from_environment"


def _config(port: int, workers: int) -> uvicorn.Config:
    return uvicorn.Config(
        APP,
        factory=True,
        host="127.0.0.1",
        port=port,
        workers=workers,
        log_level="warning",
        proxy_headers=False,
    )


def _own_socket_worker(port: int) -> None:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind(("127.0.0.1", port))
    uvicorn.Server(_config(port, 1)).run(sockets=[sock])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--reuseport", action="store_true")
    args = parser.parse_args()
    if args.reuseport:
        spawn = multiprocessing.get_context("spawn")
        workers = [
            spawn.Process(target=_own_socket_worker, args=(args.port,), name=f"worker-{n}")
            for n in range(args.workers)
        ]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()  # the benchmark stops the whole process group
        return
    config = _config(args.port, args.workers)
    if args.workers == 1:
        uvicorn.Server(config).run()  # asyncio binds from getaddrinfo: proto is already TCP
        return
    bound = config.bind_socket()
    tcp = socket.socket(bound.family, bound.type, socket.IPPROTO_TCP, fileno=bound.detach())
    Multiprocess(config, sockets=[tcp]).run()


if __name__ == "__main__":
    main()
