"""Bulk insert through the repository layer vs a raw DB-API executemany of the same rows.

    make bench                                   # 1,000,000 completions, 10,000 physicians
    uv run python -m bench.bulk_insert --completions 100000 --physicians 1000
    CMELEDGER_BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test \
        uv run python -m bench.bulk_insert

Each side runs in its own process on its own fresh database (same schema, built by the
migrations), so peak memory (max RSS) is measured per side. Setup (physicians with sealed
birth dates, activities) is not timed. Targets: repository >= 0.3 x raw rows/s on SQLite;
peak memory < 500 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from cmeledger.domain.activities import Activity, Completion, Provenance, SourceKind
from cmeledger.domain.credits import CreditClaim
from cmeledger.domain.people import Degree, MonthDay, Physician
from cmeledger.storage import keyfile, migrate
from cmeledger.storage.blobs import BlobStore
from cmeledger.storage.crypto import FieldCipher
from cmeledger.storage.db import make_engine, normalise_url
from cmeledger.storage.ledger import Store
from cmeledger.storage.scope import Scope

BATCH = 10_000
ACTIVITIES = 2_000
SCOPE = Scope.owner("bench")
START = date(2024, 1, 1)


@dataclass(frozen=True)
class Plan:
    completions: int
    physicians: int
    seed_ids: bool = True

    def rows(self) -> Iterator[tuple[int, uuid.UUID, int, date, bool]]:
        """(n, completion id, physician index, date, has MOC) — the same rows for both sides."""
        for n in range(self.completions):
            yield (
                n,
                uuid.UUID(int=(n + 1) << 64 | 0xC0FFEE),
                n % self.physicians,
                START + timedelta(days=n % 1000),
                n % 10 < 3,
            )


def physician_id(i: int) -> uuid.UUID:
    return uuid.UUID(int=(i + 1) << 32 | 0xD0C)


def activity_id(i: int) -> uuid.UUID:
    return uuid.UUID(int=(i + 1) << 16 | 0xAC7)


def setup(store: Store, plan: Plan) -> None:
    with store.ledger(SCOPE) as ledger:
        for i in range(plan.physicians):
            ledger.physicians.add(
                Physician(
                    physician_id(i),
                    f"First{i}",
                    f"Last{i}",
                    Degree.MD,
                    birth=MonthDay(1 + i % 12, 1 + i % 28),
                )
            )
        ledger.completions.add_activities(
            [
                Activity(activity_id(i), f"Activity {i}", f"Provider {i % 50}")
                for i in range(ACTIVITIES)
            ]
        )


def run_repository(store: Store, plan: Plan) -> None:
    activities = [
        Activity(activity_id(i), f"Activity {i}", f"Provider {i % 50}") for i in range(ACTIVITIES)
    ]
    one = Decimal(1)
    provenance = (Provenance(SourceKind.TRANSCRIPT, "bench"),)
    batch: list[Completion] = []

    def flush() -> None:
        with store.ledger(SCOPE) as ledger:
            ledger.completions.add_many(batch)
        batch.clear()

    for n, cid, p, day, moc in plan.rows():
        credits = (CreditClaim("ama_pra_1", one),) + (
            (CreditClaim("moc_abim_mk", one),) if moc else ()
        )
        batch.append(
            Completion(
                cid,
                physician_id(p),
                activities[n % ACTIVITIES],
                day,
                credits,
                provenance=provenance,
            )
        )
        if len(batch) == BATCH:
            flush()
    if batch:
        flush()


def run_raw(engine: Engine, plan: Plan) -> None:
    sqlite = engine.dialect.name == "sqlite"
    mark = "?" if sqlite else "%s"

    def uid(u: uuid.UUID) -> Any:
        return u.hex if sqlite else u

    now = datetime.now(UTC)
    created: Any = now.strftime("%Y-%m-%d %H:%M:%S.%f") if sqlite else now
    heads: list[tuple[Any, ...]] = []
    credits: list[tuple[Any, ...]] = []
    prov: list[tuple[Any, ...]] = []
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()

        def flush() -> None:
            if sqlite:
                cur.execute("BEGIN IMMEDIATE")
            cur.executemany(
                "INSERT INTO completions (id, physician_id, activity_id, completed_on, topics, "
                f"created_at) VALUES ({', '.join([mark] * 6)})",
                heads,
            )
            cur.executemany(
                "INSERT INTO completion_credits (completion_id, type_code, amount) "
                f"VALUES ({mark}, {mark}, {mark})",
                credits,
            )
            cur.executemany(
                "INSERT INTO provenance (completion_id, source_kind, method, confidence_milli, "
                f"document_sha256, page) VALUES ({', '.join([mark] * 6)})",
                prov,
            )
            raw.commit()
            heads.clear()
            credits.clear()
            prov.clear()

        for n, cid, p, day, moc in plan.rows():
            c = uid(cid)
            heads.append(
                (
                    c,
                    uid(physician_id(p)),
                    uid(activity_id(n % ACTIVITIES)),
                    day.isoformat() if sqlite else day,
                    "[]",
                    created,
                )
            )
            credits.append((c, "ama_pra_1", 100))
            if moc:
                credits.append((c, "moc_abim_mk", 100))
            prov.append((c, "transcript", "bench", 1000, None, None))
            if len(heads) == BATCH:
                flush()
        if heads:
            flush()
    finally:
        raw.close()


def _schema(name: str) -> str:
    return f"bench_{name}_{os.getpid()}"


def _on_server(base: str, statement: str) -> None:
    admin = create_engine(normalise_url(base), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(statement))
    admin.dispose()


def fresh_database(base: str | None, workdir: Path, name: str) -> str:
    if base is None:
        return f"sqlite:///{workdir / name}.db"
    _on_server(base, f'DROP SCHEMA IF EXISTS "{_schema(name)}" CASCADE')
    _on_server(base, f'CREATE SCHEMA "{_schema(name)}"')
    url = make_url(normalise_url(base)).update_query_dict(
        {"options": f"-csearch_path={_schema(name)}"}
    )
    return url.render_as_string(hide_password=False)


def phase(side: str, url: str, plan: Plan) -> dict[str, Any]:
    engine = make_engine(url)
    migrate.upgrade(engine)
    store = Store(
        engine,
        FieldCipher(keyfile.generate_keyring()),
        BlobStore(Path(tempfile.mkdtemp()), 1 << 20),
    )
    setup(store, plan)
    began = time.perf_counter()
    if side == "repository":
        run_repository(store, plan)
    else:
        run_raw(engine, plan)
    seconds = time.perf_counter() - began
    with engine.connect() as conn:
        counted = conn.execute(text("SELECT count(*) FROM completions")).scalar_one()
        credit_rows = conn.execute(text("SELECT count(*) FROM completion_credits")).scalar_one()
    engine.dispose()
    if counted != plan.completions:
        raise SystemExit(f"{side}: expected {plan.completions} completions, found {counted}")
    return {
        "side": side,
        "seconds": seconds,
        "completions": counted,
        "credit_rows": credit_rows,
        "completions_per_s": counted / seconds,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--completions", type=int, default=1_000_000)
    parser.add_argument("--physicians", type=int, default=10_000)
    parser.add_argument("--phase", choices=["repository", "raw"])
    parser.add_argument("--url")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    plan = Plan(args.completions, args.physicians)
    if args.phase:
        print(json.dumps(phase(args.phase, args.url, plan)))
        return
    base = os.environ.get("CMELEDGER_BENCH_DATABASE_URL")
    results = {}
    with tempfile.TemporaryDirectory() as workdir:
        for side in ("raw", "repository"):
            url = fresh_database(base, Path(workdir), side)
            out = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "bench.bulk_insert",
                    "--phase",
                    side,
                    "--url",
                    url,
                    "--completions",
                    str(plan.completions),
                    "--physicians",
                    str(plan.physicians),
                ],
                check=True,
                capture_output=True,
                text=True,
            )
            results[side] = json.loads(out.stdout)
            if base is not None:
                _on_server(base, f'DROP SCHEMA IF EXISTS "{_schema(side)}" CASCADE')
    backend = "postgresql" if base else "sqlite"
    ratio = results["repository"]["completions_per_s"] / results["raw"]["completions_per_s"]
    summary = {
        "backend": backend,
        "completions": plan.completions,
        "physicians": plan.physicians,
        "ratio_repository_to_raw": ratio,
        **{
            f"{side}_{k}": v
            for side, r in results.items()
            for k, v in r.items()
            if k not in ("side", "completions")
        },
    }
    if args.json:
        print(json.dumps(summary, indent=2))
        return
    print(
        f"bulk insert, {backend}: {plan.completions:,} completions for "
        f"{plan.physicians:,} physicians (+{results['raw']['credit_rows']:,} credit rows, "
        f"{plan.completions:,} provenance rows)"
    )
    for side in ("raw", "repository"):
        r = results[side]
        print(
            f"  {side:<10} {r['seconds']:8.1f} s  {r['completions_per_s']:>10,.0f} "
            f"completions/s  peak RSS {r['peak_rss_mb']:6.0f} MB"
        )
    verdict = "meets" if ratio >= 0.3 else "MISSES"
    print(
        f"  ratio repository/raw = {ratio:.2f} ({verdict} the 0.3 target on SQLite); "
        f"peak memory target < 500 MB: "
        f"{'met' if results['repository']['peak_rss_mb'] < 500 else 'MISSED'}"
    )


if __name__ == "__main__":
    main()
