"""Why a file could not be read. The message names the problem and what to do about it."""

from __future__ import annotations

from cmeledger.errors import CmeLedgerError


class ExtractionError(CmeLedgerError):
    """One file failed as a whole; nothing from it is imported."""

    exit_code = 9

    def __init__(self, source: str, reason: str) -> None:
        super().__init__(f"{source}: {reason}")
        self.source = source
        self.reason = reason
