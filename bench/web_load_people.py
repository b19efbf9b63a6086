"""The web load benchmark's people and credits, deterministic in the physician's number.

A kept schema is reused by name, so the virtual users must find the same physicians again,
and a run must load the same ledger every time.
"""

from __future__ import annotations

import math
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

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
