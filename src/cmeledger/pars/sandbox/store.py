"""The sandbox's own state: one SQLite file (stdlib sqlite3, WAL).

Every write runs in `BEGIN IMMEDIATE` under a process lock, so the check-then-insert of a
learner credit is atomic even when a client retries the same request from many threads at
once (and a second process, e.g. `Registry` seeding from a test, only waits its turn).

Connections are kept and reused: opening one (and setting its pragmas) cost more than the
work of a typical request. The one write connection is only touched under the lock; read
connections wait in a small pool, each used by one thread at a time.
"""

from __future__ import annotations

import queue
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

_SCHEMA = """
CREATE TABLE IF NOT EXISTS providers (
    provider_id TEXT PRIMARY KEY
);
CREATE TABLE IF NOT EXISTS ws_users (
    provider_id TEXT NOT NULL REFERENCES providers(provider_id),
    user TEXT NOT NULL,
    salt BLOB NOT NULL,
    hash BLOB NOT NULL,
    PRIMARY KEY (provider_id, user)
);
CREATE TABLE IF NOT EXISTS physicians (
    id INTEGER PRIMARY KEY,
    first_name TEXT NOT NULL,
    last_name TEXT NOT NULL,
    first_key TEXT NOT NULL,
    last_key TEXT NOT NULL,
    birth TEXT NOT NULL,
    npi TEXT UNIQUE
);
CREATE INDEX IF NOT EXISTS physicians_name ON physicians (last_key, first_key, birth);
CREATE TABLE IF NOT EXISTS physician_licences (
    physician_id INTEGER NOT NULL REFERENCES physicians(id),
    state TEXT NOT NULL,
    number TEXT NOT NULL,
    PRIMARY KEY (state, number)
);
CREATE TABLE IF NOT EXISTS physician_boards (
    physician_id INTEGER NOT NULL REFERENCES physicians(id),
    board TEXT NOT NULL,
    board_id TEXT NOT NULL,
    PRIMARY KEY (board, board_id)
);
CREATE TABLE IF NOT EXISTS id_sequence (
    year INTEGER PRIMARY KEY,
    last INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS activities (
    accme_id TEXT PRIMARY KEY,
    provider_id TEXT NOT NULL,
    provider_activity_id TEXT,
    format TEXT NOT NULL,
    start TEXT NOT NULL,
    closed INTEGER NOT NULL DEFAULT 0,
    deleted INTEGER NOT NULL DEFAULT 0,
    body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS activities_key
    ON activities (provider_id, provider_activity_id, format, start);
CREATE TABLE IF NOT EXISTS credits (
    provider_id TEXT NOT NULL,
    credit_id TEXT NOT NULL,
    accme_id TEXT NOT NULL,
    physician_id INTEGER NOT NULL,
    birth TEXT NOT NULL,
    completed_on TEXT NOT NULL,
    certification TEXT NOT NULL,
    board TEXT,
    amount TEXT NOT NULL,
    unique_id TEXT,
    domain TEXT,
    learner_ids TEXT NOT NULL,
    learner_board TEXT,
    learner_board_id TEXT,
    fingerprint TEXT NOT NULL,
    status TEXT NOT NULL,
    message TEXT,
    PRIMARY KEY (provider_id, credit_id)
);
CREATE INDEX IF NOT EXISTS credits_learner
    ON credits (provider_id, accme_id, physician_id, completed_on);
CREATE INDEX IF NOT EXISTS credits_status ON credits (status);
CREATE TABLE IF NOT EXISTS settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
"""

# One lock per database file in this process: SQLite's own locking (busy_timeout) covers other
# processes, the lock spares threads of this one from spinning on SQLITE_BUSY.
_LOCKS: dict[Path, threading.Lock] = {}
_LOCKS_GUARD = threading.Lock()


def _lock_for(path: Path) -> threading.Lock:
    with _LOCKS_GUARD:
        return _LOCKS.setdefault(path, threading.Lock())


# Idle read connections kept per store; more are opened when threads need them at once.
_READ_POOL = 8


class SandboxStore:
    """Connections to the sandbox database; creates its tables on first use."""

    def __init__(self, path: Path) -> None:
        self.path = path.resolve()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = _lock_for(self.path)
        self._writer: sqlite3.Connection | None = None
        self._readers: queue.SimpleQueue[sqlite3.Connection] = queue.SimpleQueue()
        with self._lock:
            conn = self._connect()
            try:
                conn.execute("PRAGMA journal_mode=WAL")
                conn.executescript(_SCHEMA)
            finally:
                conn.close()

    def _connect(self) -> sqlite3.Connection:
        # isolation_level=None: we issue BEGIN ourselves, so the transaction kind is explicit.
        # check_same_thread=False: pooled connections move between threads, never shared by
        # two at once (the writer is guarded by the lock, a reader is checked out).
        conn = sqlite3.connect(
            self.path, timeout=30.0, isolation_level=None, check_same_thread=False
        )
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("PRAGMA busy_timeout=30000")
        # In WAL mode, NORMAL syncs the WAL at checkpoints rather than at every commit. A
        # committed transaction is in the WAL (the OS's page cache) before COMMIT returns, so
        # it survives the sandbox process crashing or being killed; only a power cut or OS
        # crash could lose the last commits, which a local test double can afford.
        conn.execute("PRAGMA synchronous=NORMAL")
        return conn

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One serialised write transaction; committed when the block ends without error."""
        with self._lock:
            conn = self._writer or self._connect()
            self._writer = None
            try:
                conn.execute("BEGIN IMMEDIATE")
                yield conn
                conn.execute("COMMIT")
            except BaseException:
                _discard(conn)
                raise
            self._writer = conn  # kept only after a clean commit

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """A consistent snapshot for reads (WAL lets them run beside a writer)."""
        with self._reader() as conn:
            conn.execute("BEGIN")
            try:
                yield conn
            finally:
                conn.execute("ROLLBACK")

    @contextmanager
    def _reader(self) -> Iterator[sqlite3.Connection]:
        """A pooled connection outside any transaction, returned to the pool if it is still
        outside one afterwards (anything else is closed: its state is unknown)."""
        try:
            conn = self._readers.get_nowait()
        except queue.Empty:
            conn = self._connect()
        clean = False
        try:
            yield conn
            clean = not conn.in_transaction
        finally:
            if clean and self._readers.qsize() < _READ_POOL:
                self._readers.put(conn)
            else:
                conn.close()

    def writing(self) -> bool:
        """Whether a thread of this process holds the write lock now (a hint: it may change)."""
        return self._lock.locked()

    def query(self, sql: str, args: Sequence[object] = ()) -> list[sqlite3.Row]:
        """One SELECT, read whole; a single statement is its own snapshot, so it needs no
        BEGIN and ROLLBACK around it."""
        with self._reader() as conn:
            return conn.execute(sql, args).fetchall()

    def close(self) -> None:
        """Close the kept connections (later use opens new ones)."""
        with self._lock:
            if self._writer is not None:
                self._writer.close()
                self._writer = None
        while True:
            try:
                self._readers.get_nowait().close()
            except queue.Empty:
                break

    def setting(self, key: str) -> str | None:
        rows = self.query("SELECT value FROM settings WHERE key = ?", (key,))
        return str(rows[0]["value"]) if rows else None

    def set_setting(self, key: str, value: str | None) -> None:
        with self.write() as conn:
            if value is None:
                conn.execute("DELETE FROM settings WHERE key = ?", (key,))
            else:
                conn.execute(
                    "INSERT INTO settings (key, value) VALUES (?, ?) "
                    "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    (key, value),
                )


def _discard(conn: sqlite3.Connection) -> None:
    """Undo a failed write and drop its connection: after a failure its state is unknown."""
    try:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
    finally:
        conn.close()
