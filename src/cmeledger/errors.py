"""The error hierarchy shared by every boundary, mapped once to CLI exit codes (later HTTP)."""

from __future__ import annotations


class CmeLedgerError(Exception):
    """An error a user can act on: the message says what is wrong and what to do."""

    exit_code = 1


class NotFoundError(CmeLedgerError):
    exit_code = 3


class ConflictError(CmeLedgerError):
    exit_code = 4


class ConfigurationError(CmeLedgerError):
    exit_code = 6


class SecurityError(CmeLedgerError):
    """Keys missing or wrong, ciphertext tampered with, audit chain broken."""

    exit_code = 7
