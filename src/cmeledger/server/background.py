"""Work the server does between requests: queued imports, in a thread per process.

Jobs are claimed with a lease (see storage/repositories/jobs.py), so several server
processes and `cmeledger worker` can run side by side without doing a job twice.
"""

from __future__ import annotations

import logging
import threading

from cmeledger.actions.import_batches import work_import_batches
from cmeledger.actions.pars_outbox import worker_name
from cmeledger.api.context import Services

log = logging.getLogger(__name__)
IDLE_SECONDS = 0.5


class Background:
    def __init__(self, services: Services) -> None:
        self._services = services
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._name = worker_name()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="cmeledger-imports", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                done = work_import_batches(
                    self._services.store, self._services.settings, self._name, limit=10
                )
            except Exception:  # a bad batch must not stop the loop; the job keeps the error
                log.exception("import worker")
                done = 0
            if not done:
                self._stop.wait(IDLE_SECONDS)
