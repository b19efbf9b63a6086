"""Who the sandbox knows: providers with their web-service users, and a synthetic physician
registry standing in for the licensing and certifying boards PARS matches learners against.

Seed it from Python (`Registry(state_path).add_provider(...)`), or over HTTP through the
sandbox's admin endpoints; both write the same SQLite file.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import sqlite3
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path

from cmeledger.domain.errors import DomainError
from cmeledger.domain.pars.model import Learner
from cmeledger.domain.pars.results import Credentials
from cmeledger.domain.people import MonthDay, check_npi
from cmeledger.pars.sandbox.store import SandboxStore

_PBKDF2_ROUNDS = 20_000  # a sandbox: enough to keep passwords out of plain sight, fast to test


def _hash(password: str, salt: bytes) -> bytes:
    return hashlib.pbkdf2_hmac("sha256", password.encode(), salt, _PBKDF2_ROUNDS)


# Keys the in-memory digests of passwords already verified, so the cache never holds a
# password, nor a digest that could be checked against guesses outside this process.
_CACHE_KEY = secrets.token_bytes(32)


def _presented(password: str) -> bytes:
    return hmac.digest(_CACHE_KEY, password.encode(), "sha256")


class SlowCheckDeferredError(BaseException):
    """A password check needed PBKDF2 (~10 ms) where blocking is refused (`slow_checks_deferred`,
    on the event loop): the caller runs the operation again in a worker thread. Every sandbox
    operation checks the password before doing anything, so nothing is done twice. A
    BaseException, like asyncio's CancelledError, so that the front ends' catch-all for sandbox
    bugs lets it through."""


_SLOW_CHECKS = ContextVar("pars_sandbox_slow_password_checks", default=True)


@contextmanager
def slow_checks_deferred() -> Iterator[None]:
    """Within the block, a password check that needs PBKDF2 raises SlowCheckDeferredError."""
    token = _SLOW_CHECKS.set(False)
    try:
        yield
    finally:
        _SLOW_CHECKS.reset(token)


def _slow_hash(password: str, salt: bytes) -> bytes:
    if not _SLOW_CHECKS.get():
        raise SlowCheckDeferredError
    return _hash(password, salt)


def name_key(name: str) -> str:
    """Names compare regardless of case, spacing and punctuation."""
    return re.sub(r"[^a-z0-9]", "", name.casefold())


@dataclass(frozen=True, slots=True)
class Physician:
    id: int
    first_name: str
    last_name: str
    birth: str  # MM-DD
    npi: str | None
    licences: Mapping[str, str]
    boards: Mapping[str, str]


class Registry:
    def __init__(self, state: Path | SandboxStore) -> None:
        self.store = state if isinstance(state, SandboxStore) else SandboxStore(state)
        # (provider, user) -> (stored PBKDF2 hash, keyed digest of the password it accepted).
        # PBKDF2 is deliberately slow, and clients send the same password with every request;
        # the entry holds only while the stored hash is unchanged, so a password reset (by any
        # process: every check reads the current row) forces a full check again.
        self._verified: dict[tuple[str, str], tuple[bytes, bytes]] = {}

    # -- providers ---------------------------------------------------------------------------

    def add_provider(self, provider_id: str, user: str, password: str) -> None:
        """Register a provider (7 digits) and one web-service user; re-adding a user resets
        its password."""
        if not re.fullmatch(r"\d{7}", provider_id):
            raise ValueError("provider ID must be ACCME's 7 digits, leading zeros kept")
        if not user or not password:
            raise ValueError("a web-service user needs a name and a password")
        salt = secrets.token_bytes(16)
        with self.store.write() as conn:
            conn.execute("INSERT OR IGNORE INTO providers (provider_id) VALUES (?)", (provider_id,))
            conn.execute(
                "INSERT INTO ws_users (provider_id, user, salt, hash) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (provider_id, user) DO UPDATE SET salt = excluded.salt, "
                "hash = excluded.hash",
                (provider_id, user, salt, _hash(password, salt)),
            )

    def authenticate(self, creds: Credentials) -> bool:
        rows = self.store.query(
            "SELECT salt, hash FROM ws_users WHERE provider_id = ? AND user = ?",
            (creds.provider_id, creds.user),
        )
        row = rows[0] if rows else None
        if row is None:
            # Spend the same time as a real check so user names cannot be probed by timing.
            _slow_hash(creds.password, b"\0" * 16)
            return False
        key = (creds.provider_id, creds.user)
        stored_hash = bytes(row["hash"])
        presented = _presented(creds.password)
        cached = self._verified.get(key)
        if (
            cached is not None
            and hmac.compare_digest(cached[0], stored_hash)
            and hmac.compare_digest(cached[1], presented)
        ):
            return True
        if not hmac.compare_digest(_slow_hash(creds.password, bytes(row["salt"])), stored_hash):
            return False
        self._verified[key] = (stored_hash, presented)
        return True

    # -- physicians --------------------------------------------------------------------------

    def add_physician(
        self,
        first: str,
        last: str,
        birth: str | MonthDay,
        licences: Mapping[str, str] | None = None,
        npi: str | None = None,
        boards: Mapping[str, str] | None = None,
    ) -> int:
        """Add a synthetic physician; returns the registry's id for it."""
        if not name_key(first) or not name_key(last):
            raise ValueError("a physician needs a first and a last name")
        try:
            month_day = birth if isinstance(birth, MonthDay) else MonthDay.parse(birth)
            if npi is not None:
                check_npi(npi)
        except DomainError as exc:
            raise ValueError(str(exc)) from exc
        with self.store.write() as conn:
            cur = conn.execute(
                "INSERT INTO physicians (first_name, last_name, first_key, last_key, birth, npi) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (first, last, name_key(first), name_key(last), str(month_day), npi),
            )
            pid = cur.lastrowid
            assert pid is not None
            for state, number in (licences or {}).items():
                conn.execute(
                    "INSERT INTO physician_licences (physician_id, state, number) VALUES (?, ?, ?)",
                    (pid, state.upper(), number.strip()),
                )
            for board, board_id in (boards or {}).items():
                conn.execute(
                    "INSERT INTO physician_boards (physician_id, board, board_id) VALUES (?, ?, ?)",
                    (pid, board.upper(), board_id.strip()),
                )
        return pid

    def physician(self, conn: sqlite3.Connection, physician_id: int) -> Physician:
        row = conn.execute("SELECT * FROM physicians WHERE id = ?", (physician_id,)).fetchone()
        return _physician(conn, row)


def _physician(conn: sqlite3.Connection, row: sqlite3.Row) -> Physician:
    """The physician of a `physicians` row, with licences and board IDs (one query for both)."""
    ids = conn.execute(
        "SELECT 'licence' AS kind, state AS key, number AS value FROM physician_licences "
        "WHERE physician_id = ? UNION ALL "
        "SELECT 'board', board, board_id FROM physician_boards WHERE physician_id = ?",
        (row["id"], row["id"]),
    ).fetchall()
    return Physician(
        id=int(row["id"]),
        first_name=str(row["first_name"]),
        last_name=str(row["last_name"]),
        birth=str(row["birth"]),
        npi=row["npi"],
        licences={str(r["key"]): str(r["value"]) for r in ids if r["kind"] == "licence"},
        boards={str(r["key"]): str(r["value"]) for r in ids if r["kind"] == "board"},
    )


def match_learner(
    conn: sqlite3.Connection, learner: Learner, *, check_board: bool
) -> Physician | None:
    """The one registry physician this learner is, or None.

    Name and birth month/day must agree, and so must every identifier the learner gave
    (a licence number from the wrong state, or a wrong NPI, is a mismatch, not a hint).
    The board ID is the board's to verify later (see `tick`) unless `check_board` asks for
    it now, as the stand-alone learner-match service does.
    """
    rows = conn.execute(
        "SELECT * FROM physicians WHERE last_key = ? AND first_key = ? AND birth = ?",
        (name_key(learner.last_name), name_key(learner.first_name), str(learner.birth)),
    ).fetchall()
    found = [_physician(conn, r) for r in rows]

    def fits(p: Physician) -> bool:
        if learner.npi and p.npi != learner.npi:
            return False
        if learner.license_state or learner.license_number:
            number = p.licences.get((learner.license_state or "").upper())
            if number is None or number != (learner.license_number or "").strip():
                return False
        return not (
            check_board
            and learner.board
            and learner.board_id
            and p.boards.get(learner.board.upper()) != learner.board_id.strip()
        )

    fitting = [p for p in found if fits(p)]
    # Two registry entries fitting equally well is ambiguity, which PARS reports as no match.
    return fitting[0] if len(fitting) == 1 else None
