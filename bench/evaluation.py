"""Compliance evaluation at scale: 100,000 physicians, 1-3 licences and 1 board each, about
60 credits each, on 2 worker processes; single-physician re-evaluation time; and the floor
a plain SQL `GROUP BY` total of the same credits sets.

    make bench
    uv run python -m bench.evaluation --physicians 10000     # quick

Targets: full run <= 60 s and < 2 GB peak (all processes); re-evaluation <= 5 ms.
Physicians are generated in each worker, deterministically from their number, so the figure
is the engine's, not the generator's memory.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import sqlite3
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import date, timedelta
from decimal import Decimal
from uuid import UUID

from cmeledger.domain.activities import Activity, Completion
from cmeledger.domain.compliance import evaluate
from cmeledger.domain.compliance.evaluate import Holding, evaluate_holding
from cmeledger.domain.credits import CreditClaim
from cmeledger.domain.people import (
    BoardCertification,
    BoardType,
    Degree,
    License,
    MonthDay,
    Physician,
)
from cmeledger.requirements.loader import rule_for
from cmeledger.requirements.model import Rule

AS_OF = date(2026, 11, 25)
STATES = ("CA-MD", "TX", "NY", "FL-MD", "OH", "PA-MD", "IL", "GA", "NC", "MI-MD")
TOPICS = (
    "opioid_prescribing",
    "implicit_bias",
    "ethics",
    "end_of_life_care",
    "pain_management",
    "human_trafficking",
)
ACTIVITIES = [Activity(UUID(int=i + 1), f"Activity {i}", f"Provider {i % 40}") for i in range(2000)]


def _rules() -> tuple[dict[str, Rule], Rule]:
    return {r: rule_for(r) for r in STATES}, rule_for("ABIM")


def physician_case(
    n: int, rules: dict[str, Rule]
) -> tuple[Physician, list[License], dict[UUID, Rule], BoardCertification, list[Completion]]:
    rnd = random.Random(n)
    pid = UUID(int=(n + 1) << 40)
    doc = Physician(pid, "First", "Last", Degree.MD, birth=MonthDay(rnd.randint(1, 12), 10))
    lics: list[License] = []
    by_lic: dict[UUID, Rule] = {}
    for k, rule_id in enumerate(rnd.sample(STATES, rnd.randint(1, 3))):
        lic = License(
            UUID(int=((n + 1) << 40) + k + 1),
            pid,
            rule_id.split("-")[0],
            BoardType.MD,
            "X",
            expires=date(2027, rnd.randint(1, 12), 28),
        )
        lics.append(lic)
        by_lic[lic.id] = rules[rule_id]
    cert = BoardCertification(
        UUID(int=((n + 1) << 40) + 9),
        pid,
        "ABIM",
        "IM",
        starts=date(2022, 1, 1),
        ends=date(2026, 12, 31),
    )
    completions = []
    for j in range(rnd.randint(50, 70)):
        day = AS_OF - timedelta(days=rnd.randint(0, 1500))
        credits: tuple[CreditClaim, ...] = (
            CreditClaim("ama_pra_1", Decimal(rnd.choice((1, 2, 3))) / 2),
        )
        if rnd.random() < 0.3:
            credits += (CreditClaim("moc_abim_mk", Decimal(1)),)
        topics = (rnd.choice(TOPICS),) if rnd.random() < 0.15 else ()
        completions.append(
            Completion(
                UUID(int=((n + 1) << 40) + 100 + j),
                pid,
                ACTIVITIES[rnd.randrange(len(ACTIVITIES))],
                day,
                credits,
                topics,
            )
        )
    return doc, lics, by_lic, cert, completions


def _evaluate_range(bounds: tuple[int, int]) -> tuple[int, dict[str, int], float]:
    rules, abim = _rules()
    counts: dict[str, int] = {}
    obligations = 0
    for n in range(*bounds):
        doc, lics, by_lic, cert, done = physician_case(n, rules)
        found = evaluate(doc, lics, by_lic, done, AS_OF)
        holding = Holding.of_certification(cert)
        assert holding is not None
        found.append(evaluate_holding(doc, holding, abim, done, AS_OF))
        obligations += len(found)
        for o in found:
            counts[o.status.value] = counts.get(o.status.value, 0) + 1
    return obligations, counts, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def full_run(physicians: int, workers: int) -> dict[str, object]:
    step = max(1, physicians // (workers * 8))
    chunks = [(i, min(i + step, physicians)) for i in range(0, physicians, step)]
    began = time.perf_counter()
    totals: dict[str, int] = {}
    obligations = 0
    peak = 0.0
    with ProcessPoolExecutor(max_workers=workers) as pool:
        for count, statuses, rss in pool.map(_evaluate_range, chunks):
            obligations += count
            peak = max(peak, rss)
            for k, v in statuses.items():
                totals[k] = totals.get(k, 0) + v
    seconds = time.perf_counter() - began
    return {
        "physicians": physicians,
        "obligations": obligations,
        "seconds": seconds,
        "statuses": totals,
        "peak_worker_rss_mb": peak,
    }


def single(repeats: int = 200) -> float:
    rules, abim = _rules()
    doc, lics, by_lic, cert, done = physician_case(7, rules)
    holding = Holding.of_certification(cert)
    assert holding is not None
    began = time.perf_counter()
    for _ in range(repeats):
        evaluate(doc, lics, by_lic, done, AS_OF)
        evaluate_holding(doc, holding, abim, done, AS_OF)
    return (time.perf_counter() - began) / repeats * 1000


def sql_floor(physicians: int) -> float:
    """A plain GROUP BY total of the same number of credit rows (no rules, no windows)."""
    con = sqlite3.connect(":memory:")
    con.execute("CREATE TABLE credits (physician INTEGER, amount_centi INTEGER)")
    rnd = random.Random(0)
    rows = ((p, rnd.choice((50, 100, 150))) for p in range(physicians) for _ in range(60))
    con.executemany("INSERT INTO credits VALUES (?, ?)", rows)
    began = time.perf_counter()
    con.execute("SELECT physician, SUM(amount_centi) FROM credits GROUP BY physician").fetchall()
    seconds = time.perf_counter() - began
    con.close()
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--physicians", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    run = full_run(args.physicians, args.workers)
    per_physician_ms = single()
    floor = sql_floor(args.physicians)
    own_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    summary = {
        **run,
        "single_reevaluation_ms": per_physician_ms,
        "sql_group_by_seconds": floor,
        "ratio_to_sql_floor": float(run["seconds"]) / floor,  # type: ignore[arg-type]
        "parent_rss_mb": own_peak,
    }
    if args.json:
        print(json.dumps(summary, indent=2))
        return
    print(
        f"evaluation: {run['physicians']:,} physicians, {run['obligations']:,} obligations "
        f"in {run['seconds']:.1f} s on {args.workers} workers (target <= 60 s)"
    )
    print(f"  statuses {run['statuses']}")
    print(
        f"  peak RSS per worker {run['peak_worker_rss_mb']:.0f} MB, parent {own_peak:.0f} MB "
        f"(target < 2 GB in all)"
    )
    print(f"  single-physician re-evaluation {per_physician_ms:.2f} ms (target <= 5 ms)")
    print(
        f"  SQL GROUP BY floor {floor:.2f} s; the engine is {summary['ratio_to_sql_floor']:.0f}x"
        " that (rules, windows, categories, topics and explanations vs a bare sum)"
    )


if __name__ == "__main__":
    main()
