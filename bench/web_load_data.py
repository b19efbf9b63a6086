"""The web load benchmark's ledger: a PostgreSQL schema of its own, migrated and keyed, with
physicians, their licences, boards and DEA registrations, credits, and sign-ins.

Everything is deterministic in the physician's number, so a kept schema is reused by name
(`--keep --schema NAME`) and the virtual users find the same physicians again.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import random
import time
import uuid
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from cmeledger.actions import accounts
from cmeledger.actions.accounts import Role
from cmeledger.domain.activities import Activity, ActivityFormat, Completion, Provenance, SourceKind
from cmeledger.domain.credits import CreditClaim
from cmeledger.domain.people import (
    BoardCertification,
    BoardType,
    DeaRegistration,
    Degree,
    License,
    MonthDay,
    Physician,
)
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
ACTIVITIES = 3_000
# States whose rules are in the data, with a separate DO board where the state has one.
STATES = ("CA", "TX", "NY", "FL", "PA")
DO_BOARDS = frozenset({"CA", "FL", "PA"})
BOARDS = (
    ("ABIM", "Internal Medicine"),
    ("ABFM", "Family Medicine"),
    ("ABPN", "Psychiatry"),
    ("ABS", "General Surgery"),
    ("ABA", "Anesthesiology"),
)
TOPICS = (
    "opioid_prescribing",
    "pain_management",
    "implicit_bias",
    "ethics",
    "end_of_life_care",
    "human_trafficking",
    "infection_control",
    "domestic_violence",
    "medical_errors",
)
AMOUNTS = tuple(Decimal(a) for a in ("0.25", "0.5", "1", "1", "1.5", "2", "2", "3", "4", "8"))
SOURCES = (
    Provenance(SourceKind.CERTIFICATE, "text_layer", Decimal("0.97")),
    Provenance(SourceKind.TRANSCRIPT, "cme_passport"),
    Provenance(SourceKind.TRANSCRIPT, "ama_edhub"),
    Provenance(SourceKind.MANUAL, "portal"),
)


@dataclass(frozen=True)
class Size:
    physicians: int
    credits: int  # completions; each carries one or two credit amounts
    today: str  # ISO date the credits were spread back from (kept with a reused schema)

    @property
    def day(self) -> date:
        return date.fromisoformat(self.today)


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
    _admin(f'DROP SCHEMA IF EXISTS "{bench.schema}" CASCADE')


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


# --- deterministic ids and shapes --------------------------------------------------------
def physician_id(i: int) -> uuid.UUID:
    return uuid.UUID(int=(i + 1) << 32 | 0x3EB)


def _child_id(i: int, kind: int, k: int = 0) -> uuid.UUID:
    return uuid.UUID(int=(i + 1) << 32 | kind << 16 | k)


def activity_id(a: int) -> uuid.UUID:
    return uuid.UUID(int=(a + 1) << 96 | 0xAC7)


def _dea_number(i: int) -> str:
    digits = [int(d) for d in f"{(i * 7919) % 1_000_000:06d}"]
    check = (digits[0] + digits[2] + digits[4] + 2 * (digits[1] + digits[3] + digits[5])) % 10
    return "BL" + "".join(map(str, digits)) + str(check)


def completions_of(i: int, size: Size) -> int:
    """About 60 each (40-80), summing to exactly size.credits: pairs trade a random amount."""
    base, extra = divmod(size.credits, size.physicians)
    count = base + (1 if i < extra else 0)
    pair = i // 2
    if size.physicians % 2 and i == size.physicians - 1:
        return count
    swing = random.Random(pair * 31 + 7).randint(0, min(20, base // 3))
    return count + (swing if i % 2 == 0 else -swing)


@dataclass(frozen=True)
class Holdings:
    physician: Physician
    licenses: list[License]
    certification: BoardCertification | None
    dea: DeaRegistration | None


def holdings(i: int, today: date) -> Holdings:
    rnd = random.Random(i)
    pid = physician_id(i)
    degree = Degree.DO if rnd.random() < 0.12 else Degree.MD
    doc = Physician(
        pid,
        f"Load{i}",
        f"Physician{i % 997}",
        degree,
        email=f"physician{i}@bench.example.org",
        birth=MonthDay(rnd.randint(1, 12), rnd.randint(1, 28)),
    )
    licenses = []
    for k, state in enumerate(rnd.sample(STATES, 2 if rnd.random() < 0.3 else 1)):
        expires = today + timedelta(days=rnd.randint(20, 730))
        board = BoardType.DO if degree is Degree.DO and state in DO_BOARDS else BoardType.MD
        licenses.append(
            License(
                _child_id(i, 1, k),
                pid,
                state,
                board,
                f"{state}{board.value}{i:07d}",
                expires=expires,
                issued=expires - timedelta(days=730 * rnd.randint(1, 8)),
            )
        )
    cert = None
    if rnd.random() < 0.6:
        board_name, specialty = rnd.choice(BOARDS)
        starts = date(today.year - rnd.randint(1, 8), 1, 1)
        cert = BoardCertification(
            _child_id(i, 2),
            pid,
            board_name,
            specialty,
            board_id=f"{i:06d}",
            starts=starts,
            ends=date(starts.year + 9, 12, 31),
        )
    dea = None
    if rnd.random() < 0.45:
        dea = DeaRegistration(
            _child_id(i, 3),
            pid,
            _dea_number(i),
            expires=today + timedelta(days=rnd.randint(30, 1095)),
        )
    return Holdings(doc, licenses, cert, dea)


def activities() -> list[Activity]:
    formats = list(ActivityFormat)
    return [
        Activity(
            activity_id(a),
            f"{TOPICS[a % len(TOPICS)].replace('_', ' ').title()} update, session {a}",
            f"Provider {a % 60}",
            format=formats[a % len(formats)],
        )
        for a in range(ACTIVITIES)
    ]


def completions(i: int, size: Size, catalogue: list[Activity]) -> Iterator[Completion]:
    rnd = random.Random(i * 1_000_003 + 11)
    held = holdings(i, size.day)
    abim = held.certification is not None and held.certification.board == "ABIM"
    osteopath = held.physician.degree is Degree.DO
    for j in range(completions_of(i, size)):
        amount = rnd.choice(AMOUNTS)
        roll = rnd.random()
        kind = "aoa_1a" if osteopath and roll < 0.4 else "ama_pra_2" if roll > 0.92 else "ama_pra_1"
        claims: tuple[CreditClaim, ...] = (CreditClaim(kind, amount),)
        if abim and rnd.random() < 0.3:
            claims += (CreditClaim("moc_abim_mk", max(Decimal(1), amount)),)
        roll = rnd.random()
        topics = (
            (rnd.choice(TOPICS),)
            if roll < 0.15
            else tuple(sorted(rnd.sample(TOPICS, 2)))
            if roll < 0.18
            else ()
        )
        yield Completion(
            uuid.UUID(int=(i + 1) << 64 | (j + 1) << 8 | 0xC),
            held.physician.id,
            catalogue[rnd.randrange(len(catalogue))],
            size.day - timedelta(days=rnd.randint(0, 3 * 365)),
            claims,
            topics,
            (rnd.choice(SOURCES),),
        )


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


def user_email(u: int) -> str:
    return f"load{u:05d}@bench.example.org"


def user_physician(u: int, size: Size) -> int:
    """Virtual users are spread over the whole roster, each a different physician; the
    stride is coprime with the roster size, and does not depend on --users, so a kept
    schema's sign-ins stay valid when the number of users changes."""
    stride = max(1, size.physicians // 50)
    while math.gcd(stride, size.physicians) != 1:
        stride += 1
    return u * stride % size.physicians


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
