"""Engines for SQLite (embedded default) and PostgreSQL, with the settings each one needs."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from cmeledger.errors import ConfigurationError


def normalise_url(url: str) -> str:
    """Plain `postgresql://` URLs get the psycopg 3 driver we ship."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ConfigurationError(
            "CMELEDGER_DATABASE_URL is not a database URL; use sqlite:///path/ledger.db or "
            "postgresql://user@host:5432/dbname"
        ) from None
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise ConfigurationError(
            f"database backend {parsed.get_backend_name()!r} is not supported; "
            "use SQLite or PostgreSQL"
        )
    return parsed.render_as_string(hide_password=False)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy, not the pysqlite driver, decide when transactions begin, so that
    # SAVEPOINTs work and every transaction starts with the lock it will need.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.execute("PRAGMA busy_timeout = 10000")
    cursor.close()


def _sqlite_begin_immediate(connection: Any) -> None:
    # Nearly every transaction writes (reads of sealed fields append to the audit log), so
    # take the write lock up front: waiting in busy_timeout beats failing on lock upgrade.
    # Snapshot readers (audit verification) take a plain deferred read transaction instead.
    if connection.get_execution_options().get("cmeledger_snapshot"):
        connection.exec_driver_sql("BEGIN")
    else:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: str, **kwargs: Any) -> Engine:
    # hide_parameters: bound values (ciphertext, blind indexes, names) never reach logs or
    # exception messages.
    engine = create_engine(normalise_url(url), hide_parameters=True, **kwargs)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin_immediate)
    return engine
