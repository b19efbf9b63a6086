"""What PARS answers: per-activity and per-credit outcomes, learner matches and statuses."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from cmeledger.domain.pars.rules import Problem


class CreditStatus(StrEnum):
    """A learner credit's state in PARS. MOC credit waits (Pending) for the board's answer."""

    ACCEPTED = "Accepted"
    PENDING = "Pending"
    REJECTED = "Rejected"
    DELETED = "Deleted"
    NOT_FOUND = "NotFound"


@dataclass(frozen=True, slots=True)
class Credentials:
    """A provider's web-service login; `repr` never shows the password."""

    provider_id: str
    user: str
    password: str

    def __repr__(self) -> str:
        return f"Credentials(provider_id={self.provider_id!r}, user={self.user!r}, password=***)"


@dataclass(frozen=True, slots=True)
class ActivityResult:
    accme_id: str | None  # assigned on first save
    accepted: bool
    problems: tuple[Problem, ...] = ()


@dataclass(frozen=True, slots=True)
class CreditResult:
    credit_id: str
    status: CreditStatus
    problems: tuple[Problem, ...] = ()

    @property
    def message(self) -> str | None:
        return "; ".join(str(p) for p in self.problems) or None


@dataclass(frozen=True, slots=True)
class MatchResult:
    matched: bool
    message: str | None = None


@dataclass(frozen=True, slots=True)
class CreditStatusEntry:
    """One row of GetLearnerStatusByCreditId / ByLearner."""

    credit_id: str
    accme_activity_id: str
    completed_on: date
    status: CreditStatus
    unique_id: str | None = None
    domain: str | None = None  # NPI, a board code or a state code
    message: str | None = None


@dataclass(frozen=True, slots=True)
class LearnerQuery:
    """GetLearnerStatusByLearner's inputs."""

    accme_activity_id: str
    birth: str  # MM-DD
    completed_on: date
    unique_id: str
