"""One error family for the PARS boundary; `temporary` says whether retrying may help."""

from __future__ import annotations

from collections.abc import Sequence

from cmeledger.domain.pars.rules import Problem
from cmeledger.errors import CmeLedgerError


class ParsError(CmeLedgerError):
    exit_code = 7
    temporary = False

    def __init__(self, message: str, problems: Sequence[Problem] = ()) -> None:
        super().__init__(message)
        self.problems = tuple(problems)


class ParsDocumentError(ParsError):
    """A document (ours, an uploaded file or PARS's answer) is malformed, hostile or too big."""


class ParsRejectedError(ParsError):
    """PARS understood the request and refused it; `problems` say why (fix, then resubmit)."""


class ParsAuthError(ParsError):
    """The web-service credentials were refused."""


class ParsUnavailableError(ParsError):
    """Timeout, connection failure, 5xx or a truncated answer: try again later."""

    temporary = True


class ParsAnswerError(ParsDocumentError):
    """PARS's answer was malformed or cut short. PARS may have acted on the request, so this
    is temporary: the worker retries, asking first what PARS already holds."""

    temporary = True
