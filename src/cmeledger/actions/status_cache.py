"""Compliance statuses kept in memory, each valid for one ledger revision and one day.

A status depends on the ledger (profile, licences, certifications, DEA, credits), the rules
(loaded once per process) and the day it is computed for. Every change to the ledger raises
its revision in the same transaction (storage/repositories/ledger_revision.py), so a status
computed at revision r and day d can be served again while the ledger is still at r.

The revision is read before the inputs: if a writer commits in between, the inputs are at
least as new as the revision says, and the next reader sees the new revision and computes
again. A stale status can never be filed under a newer revision.

A status served from here reveals no sealed field: the birth month/day was revealed, and
audited, when the status was computed. Views made from a status (the API's JSON, the
dashboard's cards) are kept beside it, so they go when it goes.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from uuid import UUID

from cmeledger.actions.compliance import (
    StatusInputs,
    StatusReport,
    evaluate_status,
    gather_status_inputs,
)
from cmeledger.storage.ledger import Ledger
from cmeledger.storage.repositories.physicians import PhysicianSummary

DEFAULT_ENTRIES = 1000  # up to ~150 KB each with its views: ~150 MB per process at most
CacheKey = tuple[UUID, int, date]


@dataclass(frozen=True, slots=True)
class CachedStatus:
    report: StatusReport
    views: dict[str, str] = field(default_factory=dict)


class StatusCache:
    """A bounded, thread-safe map from (physician, revision, day) to the evaluated status,
    dropping the least recently used. `entries=0` keeps nothing (every read computes)."""

    def __init__(self, entries: int = DEFAULT_ENTRIES) -> None:
        self._entries = entries
        self._statuses: OrderedDict[CacheKey, CachedStatus] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def read(self, ledger: Ledger, physician: PhysicianSummary, as_of: date) -> StatusRead:
        """Inside the transaction that read `physician` (and with it the revision): the
        cached status, or the inputs to compute it once the transaction has committed."""
        key = (physician.id, physician.revision, as_of)
        with self._lock:
            found = self._statuses.get(key)
            if found is not None:
                self._statuses.move_to_end(key)
                self.hits += 1
            else:
                self.misses += 1
        if found is not None:
            return StatusRead(self, key, found)
        return StatusRead(self, key, None, gather_status_inputs(ledger, physician.id))

    def keep(self, key: CacheKey, status: CachedStatus) -> None:
        if self._entries <= 0:
            return
        with self._lock:
            self._statuses[key] = status
            self._statuses.move_to_end(key)
            while len(self._statuses) > self._entries:
                self._statuses.popitem(last=False)

    def __len__(self) -> int:
        return len(self._statuses)


@dataclass(slots=True)
class StatusRead:
    cache: StatusCache
    key: CacheKey
    found: CachedStatus | None
    inputs: StatusInputs | None = field(default=None)

    def _status(self) -> CachedStatus:
        if self.found is None:
            assert self.inputs is not None
            self.found = CachedStatus(evaluate_status(self.inputs, self.key[2]))
            self.cache.keep(self.key, self.found)
            self.inputs = None
        return self.found

    def report(self) -> StatusReport:
        """The status; computed here, after the commit, when it was not cached, so no lock
        taken while reading (the audit chain's head, after a reveal) is held meanwhile."""
        return self._status().report

    def view(self, name: str, make: Callable[[StatusReport], str]) -> str:
        """A rendering of the status, made once per cached status. `name` must say
        everything besides the status that the rendering depends on."""
        status = self._status()
        made = status.views.get(name)
        if made is None:
            made = status.views[name] = make(status.report)  # a race only makes it twice
        return made
