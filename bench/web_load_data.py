"""The web load benchmark's ledger: a PostgreSQL schema of its own, migrated and keyed, with
physicians, their licences, boards and DEA registrations, credits (bench/web_load_people.py
says which), and sign-ins. A kept schema is reused by name (`--keep --schema NAME`).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from bench.web_load_people import (
    Size,
    activities,
    completions,
    holdings,
    physician_id,
    user_email,
    user_physician,
)
from cmeledger.actions import accounts
from cmeledger.actions.accounts import Role
from cmeledger.domain.activities import Completion
from cmeledger.settings import Settings
from cmeledger.storage import migrations
from cmeledger.storage.db import normalise_url
from cmeledger.storage.ledger import Store
from cmeledger.storage.scope import Scope
from cmeledger.storage.setup import open_store

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"
OWNER = Scope.owner("bench:web_load")
PASSWORD = "bench-load-password-2026"  # noqa: S105 - throwaway benchmark accounts
PHYSICIAN_BATCH = 500
COMPLETION_BATCH = 10_000


@dataclass(frozen=True)
class Bench:
    """Where a loaded schema lives: its URL, and the home with its key file."""

    schema: str
    url: str
    home: Path

    @property
    def keys_file(self) -> Path:
        return self.home / "keys.json"

    @property
    def marker(self) -> Path:
        return self.home / "loaded.json"

    def settings(self) -> Settings:
        return Settings(
            home=self.home,
            database_url=self.url,
            keys_file=self.keys_file,
        )

    def server_env(self, port: int) -> dict[str, str]:
        url = make_url(self.url).update_query_dict({"application_name": "cmeledger_web_load"})
        return {
            "CMELEDGER_DATABASE_URL": url.render_as_string(hide_password=False),
            "CMELEDGER_KEYS_FILE": str(self.keys_file),
            "CMELEDGER_HOME": str(self.home),
            "CMELEDGER_PUBLIC_URL": f"http://127.0.0.1:{port}",
        }


def base_url() -> str:
    return os.environ.get("CMELEDGER_BENCH_DATABASE_URL", DEFAULT_URL)


def shown_url() -> str:
    return make_url(base_url()).render_as_string(hide_password=True)


def reachable() -> str | None:
    """Why the benchmark's PostgreSQL cannot be used, or None if it can."""
    engine = create_engine(normalise_url(base_url()), connect_args={"connect_timeout": 5})
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except OperationalError as exc:
        return str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
    finally:
        engine.dispose()
    return None


def _admin(statement: str) -> None:
    engine = create_engine(normalise_url(base_url()), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(statement))
    engine.dispose()


def schema_exists(schema: str) -> bool:
    engine = create_engine(normalise_url(base_url()))
    with engine.connect() as conn:
        found = conn.execute(
            text("SELECT 1 FROM information_schema.schemata WHERE schema_name = :s"), {"s": schema}
        ).first()
    engine.dispose()
    return found is not None


def bench_for(schema: str, home_root: Path) -> Bench:
    url = make_url(normalise_url(base_url())).update_query_dict(
        {"options": f"-csearch_path={schema}"}
    )
    return Bench(schema, url.render_as_string(hide_password=False), home_root / schema)


def create_schema(bench: Bench) -> None:
    _admin(f'DROP SCHEMA IF EXISTS "{bench.schema}" CASCADE')
    _admin(f'CREATE SCHEMA "{bench.schema}"')
    bench.home.mkdir(parents=True, exist_ok=True, mode=0o700)
    bench.keys_file.unlink(missing_ok=True)
    bench.marker.unlink(missing_ok=True)


def drop_schema(bench: Bench) -> None:
    """The schema and its home (key file, marker) both go."""
    _admin(f'DROP SCHEMA IF EXISTS "{bench.schema}" CASCADE')
    shutil.rmtree(bench.home, ignore_errors=True)


def migrations_fingerprint() -> str:
    """Changes whenever a migration file does (they are edited in place before a release)."""
    digest = hashlib.sha256()
    for path in sorted(Path(migrations.__file__).parent.glob("versions/*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def loaded_size(bench: Bench) -> Size | None:
    """The size a kept schema was loaded with, if it was loaded to the end by the current
    migrations (else it must be loaded again)."""
    if not bench.marker.exists() or not schema_exists(bench.schema):
        return None
    marker = json.loads(bench.marker.read_text(encoding="utf-8"))
    if marker.pop("migrations", None) != migrations_fingerprint():
        print(f"schema {bench.schema} was built by other migrations than these", flush=True)
        return None
    return Size(**marker)


def open_bench_store(bench: Bench, *, initialise: bool = False) -> Store:
    return open_store(bench.settings(), initialise=initialise)


# --- loading ------------------------------------------------------------------------------
def load(bench: Bench, size: Size, progress: bool = True) -> dict[str, float]:
    """Fill a fresh schema; returns seconds per phase. Writes the marker only at the end."""
    timings: dict[str, float] = {}
    began = time.perf_counter()
    store = open_bench_store(bench, initialise=True)
    try:
        timings["migrate_and_keys_s"] = time.perf_counter() - began
        began = time.perf_counter()
        for start in range(0, size.physicians, PHYSICIAN_BATCH):
            with store.ledger(OWNER) as ledger:
                for i in range(start, min(start + PHYSICIAN_BATCH, size.physicians)):
                    held = holdings(i, size.day)
                    ledger.physicians.add(held.physician)
                    for lic in held.licenses:
                        ledger.credentials.add_license(lic)
                    if held.certification is not None:
                        ledger.credentials.add_certification(held.certification)
                    if held.dea is not None:
                        ledger.credentials.add_dea(held.dea)
            done = min(start + PHYSICIAN_BATCH, size.physicians)
            if progress and (done % 2_000 == 0 or done == size.physicians):
                _say(f"physicians {done:,}", began)
        timings["physicians_s"] = time.perf_counter() - began
        began = time.perf_counter()
        catalogue = activities()
        with store.ledger(OWNER) as ledger:
            ledger.completions.add_activities(catalogue)
        batch: list[Completion] = []
        written = 0
        for i in range(size.physicians):
            batch.extend(completions(i, size, catalogue))
            if len(batch) >= COMPLETION_BATCH or i == size.physicians - 1:
                with store.ledger(OWNER) as ledger:
                    written += ledger.completions.add_many(batch)
                batch = []
                if progress and (written // COMPLETION_BATCH) % 10 == 0:
                    _say(f"credits {written:,}", began)
        timings["credits_s"] = time.perf_counter() - began
        began = time.perf_counter()
        with store.engine.connect() as conn:
            conn.execute(text("ANALYZE"))
            conn.commit()
        timings["analyze_s"] = time.perf_counter() - began
    finally:
        store.dispose()
    if written != size.credits:
        raise SystemExit(f"loaded {written} credits, expected {size.credits}")
    marker = {**asdict(size), "migrations": migrations_fingerprint()}
    bench.marker.write_text(json.dumps(marker), encoding="utf-8")
    return timings


def _say(what: str, began: float) -> None:
    print(f"  … {what} ({time.perf_counter() - began:.0f} s)", flush=True)


def ensure_users(bench: Bench, users: int, size: Size) -> list[tuple[str, uuid.UUID, str]]:
    """(e-mail, physician id, fresh API token) per virtual user; sign-ins made once, kept."""
    if users > size.physicians:
        raise SystemExit(f"--users {users} needs at least that many physicians")
    store = open_bench_store(bench)
    made: list[tuple[str, uuid.UUID, str]] = []
    try:
        with store.ledger(OWNER) as ledger:
            for u in range(users):
                email = user_email(u)
                pid = physician_id(user_physician(u, size))
                found = ledger.accounts.by_email(email)
                if found is not None and found[0].physician_id != pid:
                    raise SystemExit(f"{email} signs in as another physician; use a new --schema")
                user = (
                    found[0]
                    if found is not None
                    else accounts.create_user(
                        ledger,
                        email=email,
                        display_name=f"Dr Load {u}",
                        role=Role.PHYSICIAN,
                        password=PASSWORD,
                        physician_id=pid,
                    )
                )
                _, secret = accounts.create_token(ledger, user, "web load benchmark")
                made.append((email, pid, secret))
    finally:
        store.dispose()
    return made


def counts(bench: Bench) -> dict[str, int]:
    engine = create_engine(normalise_url(bench.url))
    tables = ("physicians", "licenses", "completions", "completion_credits", "users")
    with engine.connect() as conn:
        found = {
            t: int(conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()) for t in tables
        }
    engine.dispose()
    return found
