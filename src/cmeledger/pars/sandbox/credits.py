"""Learner credits in the sandbox's store: identity, duplicates, deletion and the boards' answers.

A credit ID is the idempotency key: `fingerprint` says whether a re-sent credit is the same one
(answered from the store) or different content under a used ID (refused: records are never
edited, only deleted and re-added under a new ID).
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
from datetime import date
from decimal import Decimal

from cmeledger.domain.errors import DomainError
from cmeledger.domain.pars.model import (
    Activity,
    ActivityFormat,
    Learner,
    LearnerCredit,
    LearnerRecord,
)
from cmeledger.domain.pars.results import CreditResult, CreditStatus, CreditStatusEntry
from cmeledger.domain.pars.rules import ParsRules, Problem
from cmeledger.domain.people import MonthDay
from cmeledger.pars.sandbox.registry import Registry, name_key

LIVE = (CreditStatus.ACCEPTED.value, CreditStatus.PENDING.value)


def parse_birth(text: str) -> MonthDay:
    """Birth month/day as PARS clients send it: MM-DD, MM/DD, --MM-DD or YYYY-MM-DD (year
    ignored; ACCME never collects it)."""
    cleaned = text.strip()
    m = re.fullmatch(r"(?:\d{4}-|--)?(\d{1,2})[-/](\d{1,2})", cleaned)
    if not m:
        raise DomainError("birth month/day must look like MM-DD")
    return MonthDay(int(m.group(1)), int(m.group(2)))


def amount_text(value: Decimal) -> str:
    return format(value.normalize(), "f")


def fingerprint(record: LearnerRecord, credit: LearnerCredit) -> str:
    """What makes a re-sent credit 'the same': everything PARS would store for it."""
    who = record.learner
    parts = [
        record.accme_activity_id,
        name_key(who.first_name),
        name_key(who.last_name),
        str(who.birth),
        (who.license_state or "").upper(),
        (who.license_number or "").strip(),
        (who.npi or "").strip(),
        (who.board or "").upper(),
        (who.board_id or "").strip(),
        record.completed_on.isoformat(),
        credit.certification,
        amount_text(credit.amount),
        (credit.board or "").upper(),
    ]
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()


def identifier(learner: Learner, credit: LearnerCredit) -> tuple[str | None, str | None]:
    """The UniqueID (value, domain) that fits this credit: the board's ID for MOC points, the
    state licence (else NPI) for CME."""
    if credit.board and (learner.board or "").upper() == credit.board.upper():
        return learner.board_id, credit.board.upper()
    if learner.license_state and learner.license_number:
        return learner.license_number, learner.license_state.upper()
    if learner.npi:
        return learner.npi, "NPI"
    return None, None


def status_entry(row: sqlite3.Row) -> CreditStatusEntry:
    return CreditStatusEntry(
        credit_id=str(row["credit_id"]),
        accme_activity_id=str(row["accme_id"]),
        completed_on=date.fromisoformat(str(row["completed_on"])),
        status=CreditStatus(str(row["status"])),
        unique_id=row["unique_id"],
        domain=row["domain"],
        message=row["message"],
    )


def stored_result(row: sqlite3.Row) -> CreditResult:
    status = CreditStatus(str(row["status"]))
    problems: tuple[Problem, ...] = ()
    if status is CreditStatus.REJECTED and row["message"]:
        problems = (Problem("BRD-001", f"CreditID[{row['credit_id']}]", str(row["message"])),)
    return CreditResult(str(row["credit_id"]), status, problems)


def stored(conn: sqlite3.Connection, caller: str, credit_id: str) -> sqlite3.Row | None:
    row: sqlite3.Row | None = conn.execute(
        "SELECT * FROM credits WHERE provider_id = ? AND credit_id = ?", (caller, credit_id)
    ).fetchone()
    return row


def rejected(credit: LearnerCredit, problems: tuple[Problem, ...]) -> CreditResult:
    return CreditResult(credit.credit_id, CreditStatus.REJECTED, problems)


def delete_credit(
    conn: sqlite3.Connection, caller: str, credit_id: str, accme_id: str | None
) -> CreditResult:
    row = stored(conn, caller, credit_id)
    if row is None or (accme_id is not None and row["accme_id"] != accme_id):
        problem = Problem("LRN-008", f"CreditID[{credit_id}]", "Record not found")
        return CreditResult(credit_id, CreditStatus.REJECTED, (problem,))
    # Deleting twice answers like the first time, so a retried delete is harmless.
    conn.execute(
        "UPDATE credits SET status = ?, message = NULL WHERE provider_id = ? AND credit_id = ?",
        (CreditStatus.DELETED.value, caller, credit_id),
    )
    return CreditResult(credit_id, CreditStatus.DELETED)


def insert_credits(
    conn: sqlite3.Connection, caller: str, record: LearnerRecord, physician_id: int
) -> list[CreditResult]:
    """Store a record's credits: CME is Accepted at once, MOC waits (Pending) for its board."""
    learner = record.learner
    ids = [x.strip() for x in (learner.license_number, learner.npi, learner.board_id) if x]
    added: list[CreditResult] = []
    for c in record.credits:
        unique_id, domain = identifier(learner, c)
        status = CreditStatus.PENDING if c.is_moc else CreditStatus.ACCEPTED
        conn.execute(
            "INSERT INTO credits (provider_id, credit_id, accme_id, physician_id, birth, "
            "completed_on, certification, board, amount, unique_id, domain, learner_ids, "
            "learner_board, learner_board_id, fingerprint, status) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                caller,
                c.credit_id,
                record.accme_activity_id,
                physician_id,
                str(learner.birth),
                record.completed_on.isoformat(),
                c.certification,
                c.board.upper() if c.board else None,
                amount_text(c.amount),
                unique_id,
                domain,
                json.dumps(ids),
                (learner.board or "").upper() or None,
                learner.board_id.strip() if learner.board_id else None,
                fingerprint(record, c),
                status.value,
            ),
        )
        added.append(CreditResult(c.credit_id, status))
    return added


def duplicates(
    conn: sqlite3.Connection,
    caller: str,
    record: LearnerRecord,
    activity: Activity,
    physician_id: int,
    rules: ParsRules,
) -> list[Problem]:
    """The same learner, activity, day and credit type (and board) already reported under
    another CreditID. ABP grants its points once per activity per day whatever the credit
    type, except for journal-based CME (ACCME FAQ)."""
    rows = conn.execute(
        "SELECT credit_id, certification, board FROM credits WHERE provider_id = ? "
        "AND accme_id = ? AND physician_id = ? AND completed_on = ? AND status IN (?, ?)",
        (
            caller,
            record.accme_activity_id,
            physician_id,
            record.completed_on.isoformat(),
            *LIVE,
        ),
    ).fetchall()
    taken = [(str(r["certification"]), r["board"], str(r["credit_id"])) for r in rows]
    abp_daily = rules.abp_once_per_day and activity.format is not ActivityFormat.JOURNAL
    found: list[Problem] = []
    for c in record.credits:
        board = c.board.upper() if c.board else None
        for certification, other_board, other_id in taken:
            same_type = certification == c.certification and other_board == board
            same_abp_day = abp_daily and board == "ABP" and other_board == "ABP"
            if same_type or same_abp_day:
                why = (
                    "ABP credit once per activity per day"
                    if not same_type
                    else ("same learner, activity, completion date and credit type")
                )
                found.append(
                    Problem(
                        "LRN-005",
                        f"CreditID[{c.credit_id}]",
                        f"Duplicate learner record: {why} as CreditID {other_id}",
                    )
                )
                break
        taken.append((c.certification, board, c.credit_id))
    return found


def board_answers(conn: sqlite3.Connection, registry: Registry, rules: ParsRules) -> dict[str, int]:
    """The certifying boards answer every pending MOC credit: Accepted when the board knows
    the learner by the board ID given (or, where the ID is optional, holds the learner at
    all), Rejected with the board's reason otherwise."""
    counts = {CreditStatus.ACCEPTED.value: 0, CreditStatus.REJECTED.value: 0}
    rows = conn.execute(
        "SELECT * FROM credits WHERE status = ?", (CreditStatus.PENDING.value,)
    ).fetchall()
    for row in rows:
        physician = registry.physician(conn, int(row["physician_id"]))
        board = str(row["board"])
        on_file = physician.boards.get(board)
        given = row["learner_board_id"] if row["learner_board"] == board else None
        if given is not None:
            ok = on_file == given
            reason = f"no diplomate with ID {given} matches this learner"
        else:
            ok = board in rules.board_id_optional and on_file is not None
            reason = "the learner is not a diplomate of this board"
        status = CreditStatus.ACCEPTED if ok else CreditStatus.REJECTED
        conn.execute(
            "UPDATE credits SET status = ?, message = ? WHERE provider_id = ? AND credit_id = ?",
            (
                status.value,
                None if ok else f"Rejected by {board}: {reason}",
                row["provider_id"],
                row["credit_id"],
            ),
        )
        counts[status.value] += 1
    return counts
