"""Alembic environment: uses a connection handed over by code, else the configured database."""

from __future__ import annotations

from alembic import context

from cmeledger.settings import get_settings
from cmeledger.storage import access_models  # noqa: F401 - registers its tables
from cmeledger.storage.db import make_engine
from cmeledger.storage.models import Base

target_metadata = Base.metadata


def _run(connection: object) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=target_metadata,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = context.config.get_main_option("sqlalchemy.url") or (get_settings().resolved_database_url)
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            _run(conn)
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline (--sql) migrations are not supported; run against a database")
run_migrations_online()
