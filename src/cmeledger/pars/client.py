"""The PARS web-service client: one Protocol, three transports (REST-XML, JSON, SOAP).

Every transport raises the same errors (`cmeledger.pars.errors`): `ParsUnavailableError` for
what a retry may fix (timeouts, dropped connections, 5xx, truncated or malformed answers),
`ParsAuthError` for refused credentials, `ParsRejectedError` when PARS refused the whole
request with reasons. Per-record refusals are results, not errors.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from cmeledger.domain.pars.model import Activity, Learner, LearnerRecord
from cmeledger.domain.pars.results import (
    ActivityResult,
    CreditResult,
    CreditStatusEntry,
    LearnerQuery,
    MatchResult,
)


class ParsClient(Protocol):
    def save_activity(self, activity: Activity) -> ActivityResult: ...

    def get_activity(self, accme_id: str) -> Activity | None: ...

    def save_learners(self, records: Sequence[LearnerRecord]) -> list[CreditResult]:
        """Add or delete (per each record's action) learner credits."""
        ...

    def match_learner(self, learner: Learner) -> MatchResult: ...

    def status_by_credit_id(self, credit_id: str) -> list[CreditStatusEntry]: ...

    def status_by_learner(self, query: LearnerQuery) -> list[CreditStatusEntry]: ...

    def close(self) -> None: ...
