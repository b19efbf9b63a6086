"""PARS learner XML: check and serialise 100,000 learner records, against bare lxml.

    uv run python -m bench.pars_serialise                  # 100,000 records
    uv run python -m bench.pars_serialise --records 10000 --json

Ours: every record goes through the domain rules (`validate_learner` with its activity, which
must find no problem), then `learner_document` builds the Activity Report tree and serialises
it to UTF-8 bytes. Baseline: a minimal hand-written lxml build of exactly the same elements and
attributes, serialised the same way (no rules, no checks); the two outputs are compared byte
for byte so the baseline cannot do less work than ours. The ratio is ours/baseline throughput.
Each side runs in its own process (so peak RSS is per side); record generation
(deterministic, 500 activities) is not timed.
Target: <= 10 s for 100,000 records.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import resource
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from lxml import etree
from tests.pars.strategies import npi_from

from cmeledger.domain.pars.model import (
    CME_CERTIFICATION,
    Activity,
    ActivityFormat,
    DeliveryMethod,
    Learner,
    LearnerCredit,
    LearnerRecord,
    MocRegistration,
)
from cmeledger.domain.pars.rules import ParsRules, validate_learner
from cmeledger.domain.pars.vocabulary import US_STATES
from cmeledger.domain.people import MonthDay
from cmeledger.pars.xml_learners import PLACEHOLDER_BIRTH_YEAR, learner_document
from cmeledger.pars.xml_nodes import ACCME_NS, AR_NS, HX_NS, MEMBER_NS, NAME_NS

TODAY = date(2026, 6, 1)
CREATED = datetime(2026, 6, 1, 9, 0, 0)  # noqa: DTZ001 - naive: PARS reads it as Central time
PROVIDER = "0001234"
TARGET_SECONDS = 10.0
STATES = sorted(US_STATES)
FIRST = ("Ana", "Ben", "Chloé", "Dmitri", "Eun-ji", "Femi", "Grace", "Hiro", "Ines", "José")
LAST = ("Okafor", "Nguyen", "García", "Smith", "Kowalski", "Haddad", "Tanaka", "O'Neil")


@dataclass(frozen=True, slots=True)
class Workload:
    records: list[LearnerRecord]
    activities: dict[str, Activity]


def workload(n: int, seed: int = 2026) -> Workload:
    rng = random.Random(seed)
    activities: dict[str, Activity] = {}
    for i in range(500):
        start = date(2026, 1, 1) + timedelta(days=rng.randrange(120))
        accme_id = f"2026{i:05d}"
        activities[accme_id] = Activity(
            provider_id=PROVIDER,
            title=f"Grand Rounds {i}: update on topic {rng.randrange(10_000)}",
            format=ActivityFormat.ENDURING,
            start=start,
            end=start + timedelta(days=30),
            credits=Decimal(4),
            accme_id=accme_id,
            description="A bench activity.",
            delivery_methods=(DeliveryMethod.ONLINE,),
            moc=(MocRegistration("ABIM", Decimal(4), ("Medical Knowledge", "Patient Safety")),),
        )
    ids = list(activities)
    records: list[LearnerRecord] = []
    for n_ in range(n):
        activity = activities[ids[rng.randrange(len(ids))]]
        moc = n_ % 2 == 0
        learner = Learner(
            first_name=FIRST[rng.randrange(len(FIRST))],
            last_name=LAST[rng.randrange(len(LAST))],
            birth=MonthDay(rng.randint(1, 12), rng.randint(1, 28)),
            license_state=STATES[rng.randrange(len(STATES))],
            license_number=f"A{rng.randrange(10**6):06d}",
            npi=npi_from(f"{rng.randrange(10**9):09d}") if n_ % 3 == 0 else None,
            board="ABIM" if moc else None,
            board_id=f"{rng.randrange(10**6):06d}" if moc else None,
        )
        credits = [
            LearnerCredit(
                f"ccid:bench.example.org:{n_}-cme",
                CME_CERTIFICATION,
                Decimal(rng.randint(1, 16)) / 4,
            )
        ]
        if moc:
            credits.append(
                LearnerCredit(
                    f"ccid:bench.example.org:{n_}-mk",
                    "Medical Knowledge",
                    Decimal(rng.randint(1, 16)) / 4,
                    "ABIM",
                )
            )
        records.append(
            LearnerRecord(
                provider_id=PROVIDER,
                accme_activity_id=activity.accme_id or "",
                activity_title=activity.title,
                learner=learner,
                completed_on=activity.start + timedelta(days=rng.randrange(31)),
                credits=tuple(credits),
                consent=True,
                reporting_organization="Bench Health CME",
            )
        )
    return Workload(records, activities)


def ours(work: Workload) -> tuple[bytes, float, float]:
    """(document, seconds checking, seconds building and serialising)."""
    rules = ParsRules()
    began = time.perf_counter()
    for record in work.records:
        problems = validate_learner(record, work.activities[record.accme_activity_id], rules, TODAY)
        if problems:
            raise SystemExit(f"bench data breaks a rule: {problems[0]}")
    checked = time.perf_counter()
    data = learner_document(work.records, created=CREATED)
    return data, checked - began, time.perf_counter() - checked


def bare(records: list[LearnerRecord]) -> tuple[bytes, float]:
    """The same elements written by hand with lxml: no rules, no checks, no helpers."""
    began = time.perf_counter()
    a, m, n, h, x = (f"{{{ns}}}" for ns in (AR_NS, MEMBER_NS, NAME_NS, HX_NS, ACCME_NS))
    nsmap = {None: AR_NS, "m": MEMBER_NS, "n": NAME_NS, "hx": HX_NS, "accme": ACCME_NS}
    sub = etree.SubElement
    root = etree.Element("ACCMELearnerReports")
    reports = sub(root, a + "ActivityReports", nsmap=nsmap)  # type: ignore[arg-type]
    sub(reports, a + "DateTimeCreated").text = CREATED.isoformat(timespec="seconds")
    for r in records:
        lr = r.learner
        report = sub(reports, a + "ActivityReport")
        sub(report, a + "ReportingOrganization").text = r.reporting_organization
        member = sub(report, a + "Member")
        sub(member, m + "UniqueID", domain=lr.license_state or "").text = lr.license_number
        if lr.npi:
            sub(member, m + "UniqueID", domain="NPI").text = lr.npi
        if lr.board:
            sub(member, m + "UniqueID", domain=lr.board).text = lr.board_id
        name = sub(member, m + "Name")
        sub(name, n + "GivenName").text = lr.first_name
        sub(name, n + "FamilyName").text = lr.last_name
        birth = f"{PLACEHOLDER_BIRTH_YEAR}-{lr.birth.month:02d}-{lr.birth.day:02d}"
        sub(sub(member, m + "PersonalInfo"), m + "BirthDate").text = birth
        activity = sub(report, a + "Activity")
        sub(activity, a + "ProviderOrganization").text = r.provider_id
        sub(activity, a + "ActivityName").text = r.activity_title
        module = sub(activity, a + "Module")
        sub(module, a + "ModuleName", moduleID=r.accme_activity_id).text = r.activity_title
        sub(module, a + "Status").text = "Completed"
        sub(module, a + "CompletedDateTime").text = f"{r.completed_on.isoformat()}T00:00:00"
        for c in r.credits:
            certificate = sub(module, a + "CreditCertificate")
            received = sub(certificate, a + "CreditReceived")
            if c.board:
                sub(received, h + "accreditingBody").text = c.board
            sub(received, h + "activityCertification").text = c.certification
            sub(received, h + "creditUnit").text = "Point"
            sub(received, h + "numberOfCredits").text = f"{c.amount:.2f}"
            sub(certificate, a + "CreditID").text = c.credit_id
        extensions = sub(report, a + "XtensibleInfo")
        sub(extensions, x + "ProviderID").text = r.provider_id
        sub(extensions, x + "LearnerRecordAction").text = r.action.value
    data = bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))
    return data, time.perf_counter() - began


def _child(side: str, n: int) -> None:
    """One side in its own process, so its peak RSS is its own."""
    work = workload(n)
    if side == "ours":
        data, check_s, write_s = ours(work)
    else:
        data, write_s = bare(work.records)
        check_s = 0.0
    print(
        json.dumps(
            {
                "seconds": check_s + write_s,
                "check_seconds": check_s,
                "write_seconds": write_s,
                "sha256": hashlib.sha256(data).hexdigest(),
                "document_mb": len(data) / 1e6,
                "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            }
        )
    )


def _run(side: str, n: int) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, "-m", "bench.pars_serialise", "--child", side, "--records", str(n)],
        check=True,
        capture_output=True,
        text=True,
    )
    return dict(json.loads(out.stdout))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--child", choices=("ours", "bare"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child, args.records)
        return
    n = args.records
    began = time.perf_counter()
    workload(n)
    generated = time.perf_counter() - began
    mine, base = _run("ours", n), _run("bare", n)
    summary = {
        "records": n,
        "generation_seconds": generated,
        "ours": mine,
        "bare_lxml": base,
        "ours_records_per_s": n / mine["seconds"],
        "bare_records_per_s": n / base["seconds"],
        "ratio": base["seconds"] / mine["seconds"],
        "identical_output": mine["sha256"] == base["sha256"],
    }
    if args.json:
        print(json.dumps(summary, indent=2))
        return
    budget = TARGET_SECONDS * n / 100_000
    verdict = "meets" if mine["seconds"] <= budget else "MISSES"
    print(f"{n:,} learner records (generated in {generated:.1f} s per side, not timed)")
    print(
        f"  ours: {mine['seconds']:.2f} s ({verdict} {budget:.1f} s) = rules "
        f"{mine['check_seconds']:.2f} s + build and serialise {mine['write_seconds']:.2f} s; "
        f"{summary['ours_records_per_s']:,.0f} records/s; peak RSS {mine['peak_rss_mb']:.0f} MB"
    )
    print(
        f"  bare lxml: {base['seconds']:.2f} s, {summary['bare_records_per_s']:,.0f} records/s; "
        f"peak RSS {base['peak_rss_mb']:.0f} MB"
    )
    print(
        f"  ratio (ours/bare throughput) {summary['ratio']:.2f}; document "
        f"{mine['document_mb']:.1f} MB; identical bytes: "
        f"{'yes' if summary['identical_output'] else 'NO'}"
    )


if __name__ == "__main__":
    main()
