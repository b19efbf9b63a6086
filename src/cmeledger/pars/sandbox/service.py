"""What the sandbox does with a request once it is decoded: PARS's rules over its own state.

Transport-free: the REST-XML, JSON and SOAP front ends all call these methods, so the three
behave identically. Rules that need no state come from `cmeledger.domain.pars.rules`; this
module adds those that do (ownership, learner matching, duplicates, immutability).

Learner records are all-or-nothing per ActivityReport: one problem and none of its credits
is stored, each answering Rejected with every problem found. A credit ID is the idempotency
key: re-sending identical content returns the stored status and never stores twice.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from functools import lru_cache

from cmeledger.domain.errors import DomainError
from cmeledger.domain.pars.model import (
    Activity,
    ActivityAction,
    ActivityFormat,
    Learner,
    LearnerCredit,
    LearnerRecord,
    RecordAction,
)
from cmeledger.domain.pars.plain import activity_from_plain, activity_to_plain
from cmeledger.domain.pars.results import (
    ActivityResult,
    Credentials,
    CreditResult,
    CreditStatusEntry,
    LearnerQuery,
    MatchResult,
)
from cmeledger.domain.pars.rules import ParsRules, Problem, validate_activity, validate_learner
from cmeledger.pars.sandbox.credits import (
    LIVE,
    board_answers,
    delete_credit,
    duplicates,
    fingerprint,
    insert_credits,
    parse_birth,
    rejected,
    status_entry,
    stored,
    stored_result,
)
from cmeledger.pars.sandbox.registry import Registry, match_learner
from cmeledger.pars.sandbox.store import SandboxStore

NOT_MATCHED = "Learner could not be matched"


@lru_cache(maxsize=512)
def stored_activity(body: str) -> Activity:
    """An activity from its stored JSON. Every learner record decodes its activity, mostly the
    same few over and over; keyed by the text itself, and Activity is immutable, so a cached
    one is exactly what decoding again would give."""
    return activity_from_plain(json.loads(body))


class RefusedError(Exception):
    """The whole request is refused (bad credentials, unknown activity, …)."""

    def __init__(self, *problems: Problem) -> None:
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems

    @property
    def http_status(self) -> int:
        return self.problems[0].http_status


@dataclass
class ParsSandbox:
    """Every operation checks the caller's password before anything else: the front ends rely
    on it to re-run an operation whose password check was deferred (`SlowCheckDeferredError`).
    """

    store: SandboxStore
    registry: Registry
    rules: ParsRules
    today: Callable[[], date]

    # -- common ------------------------------------------------------------------------------

    def authenticate(self, creds: Credentials) -> str:
        if not (creds.provider_id and creds.user and creds.password) or not (
            self.registry.authenticate(creds)
        ):
            raise RefusedError(Problem("AUTH-001", "User", "Invalid web services credentials"))
        return creds.provider_id

    def _activity_row(
        self, conn: sqlite3.Connection, caller: str, accme_id: str
    ) -> sqlite3.Row | None:
        """The caller's live activity row; None if unknown; RefusedError if another provider's."""
        row: sqlite3.Row | None = conn.execute(
            "SELECT * FROM activities WHERE accme_id = ? AND deleted = 0", (accme_id,)
        ).fetchone()
        if row is not None and row["provider_id"] != caller:
            raise RefusedError(
                Problem("AUTH-002", "ACCME Activity ID", "Activity not found for this provider")
            )
        return row

    # -- activities --------------------------------------------------------------------------

    def save_activities(
        self, creds: Credentials, activities: Sequence[Activity]
    ) -> list[ActivityResult]:
        caller = self.authenticate(creds)
        with self.store.write() as conn:
            return [self._save_activity(conn, caller, a) for a in activities]

    def _save_activity(self, conn: sqlite3.Connection, caller: str, a: Activity) -> ActivityResult:
        if a.provider_id != caller:
            problem = Problem("AUTH-002", "ProviderID", "the activity names another provider")
            return ActivityResult(a.accme_id, False, (problem,))
        problems = validate_activity(a, self.rules)
        if problems:
            return ActivityResult(a.accme_id, False, tuple(problems))
        try:
            row = self._find_activity(conn, caller, a)
        except RefusedError as refusal:
            return ActivityResult(a.accme_id, False, refusal.problems)
        if a.action is ActivityAction.DELETE:
            return self._delete_activity(conn, a, row)
        if row is not None:
            accme_id = str(row["accme_id"])
            old = stored_activity(row["body"])
            moved = (old.format, old.start, old.end) != (a.format, a.start, a.end)
            if row["closed"] and moved:
                problem = Problem(
                    "ACT-006", "activityFormat", "Activity is closed: format and dates are fixed"
                )
                return ActivityResult(accme_id, False, (problem,))
            stored = replace(a, accme_id=accme_id)
            conn.execute(
                "UPDATE activities SET provider_activity_id = ?, format = ?, start = ?, "
                "closed = ?, body = ? WHERE accme_id = ?",
                (
                    a.provider_activity_id,
                    a.format.value,
                    a.start.isoformat(),
                    int(bool(row["closed"]) or a.close),
                    json.dumps(activity_to_plain(stored)),
                    accme_id,
                ),
            )
            return ActivityResult(accme_id, True)
        accme_id = self._next_id(conn, a.start.year)
        conn.execute(
            "INSERT INTO activities (accme_id, provider_id, provider_activity_id, format, start, "
            "closed, body) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                accme_id,
                caller,
                a.provider_activity_id,
                a.format.value,
                a.start.isoformat(),
                int(a.close),
                json.dumps(activity_to_plain(replace(a, accme_id=accme_id))),
            ),
        )
        return ActivityResult(accme_id, True)

    def _find_activity(
        self, conn: sqlite3.Connection, caller: str, a: Activity
    ) -> sqlite3.Row | None:
        """An update names the ACCME ID; a save without one matches the provider's own key
        (Provider Activity ID, format, start), which is also what makes a retried create safe.
        Changing any of those three without the ACCME ID creates a new activity, as in PARS."""
        if a.accme_id is not None:
            row = self._activity_row(conn, caller, a.accme_id)
            if row is None:
                raise RefusedError(Problem("ACT-001", "ACCME Activity ID", "Activity ID not found"))
            return row
        if not a.provider_activity_id:
            return None
        found: sqlite3.Row | None = conn.execute(
            "SELECT * FROM activities WHERE provider_id = ? AND provider_activity_id = ? "
            "AND format = ? AND start = ? AND deleted = 0",
            (caller, a.provider_activity_id, a.format.value, a.start.isoformat()),
        ).fetchone()
        return found

    def _delete_activity(
        self, conn: sqlite3.Connection, a: Activity, row: sqlite3.Row | None
    ) -> ActivityResult:
        if row is None:
            problem = Problem("ACT-001", "ACCME Activity ID", "Activity ID not found")
            return ActivityResult(a.accme_id, False, (problem,))
        accme_id = str(row["accme_id"])
        live = conn.execute(
            "SELECT COUNT(*) FROM credits WHERE accme_id = ? AND status IN (?, ?)",
            (accme_id, *LIVE),
        ).fetchone()[0]
        if live:
            problem = Problem(
                "ACT-011", "activityRecordAction", "delete the activity's learner records first"
            )
            return ActivityResult(accme_id, False, (problem,))
        conn.execute("UPDATE activities SET deleted = 1 WHERE accme_id = ?", (accme_id,))
        return ActivityResult(accme_id, True)

    def _next_id(self, conn: sqlite3.Connection, year: int) -> str:
        # ACCME activity IDs look like YYYY + 5 digits; the year is the activity's start year.
        row = conn.execute("SELECT last FROM id_sequence WHERE year = ?", (year,)).fetchone()
        number = 1 if row is None else int(row["last"]) + 1
        if number > 99_999:
            raise RefusedError(Problem("ACT-012", "ACCME Activity ID", f"no IDs left for {year}"))
        conn.execute(
            "INSERT INTO id_sequence (year, last) VALUES (?, ?) "
            "ON CONFLICT (year) DO UPDATE SET last = excluded.last",
            (year, number),
        )
        return f"{year:04d}{number:05d}"

    def get_activity(self, creds: Credentials, accme_id: str) -> Activity:
        caller = self.authenticate(creds)
        with self.store.read() as conn:
            row = self._activity_row(conn, caller, accme_id)
        if row is None:
            raise RefusedError(Problem("ACT-001", "ActivityId", "Activity ID not found"))
        return stored_activity(row["body"])

    def find_activities(
        self,
        creds: Credentials,
        *,
        provider_activity_id: str | None = None,
        start: date | None = None,
        format: ActivityFormat | None = None,
    ) -> list[Activity]:
        """The draft JSON API's filtered list: only the caller's live activities."""
        caller = self.authenticate(creds)
        sql = "SELECT body FROM activities WHERE provider_id = ? AND deleted = 0"
        args: list[str] = [caller]
        for column, value in (
            ("provider_activity_id", provider_activity_id),
            ("start", start.isoformat() if start else None),
            ("format", format.value if format else None),
        ):
            if value is not None:
                sql += f" AND {column} = ?"
                args.append(value)
        with self.store.read() as conn:
            rows = conn.execute(sql + " ORDER BY accme_id", args).fetchall()
        return [stored_activity(r["body"]) for r in rows]

    # -- learners ----------------------------------------------------------------------------

    def save_learners(
        self, creds: Credentials, records: Sequence[LearnerRecord]
    ) -> list[CreditResult]:
        caller = self.authenticate(creds)
        today = self.today()
        results: list[CreditResult] = []
        with self.store.write() as conn:
            for record in records:
                if record.action is RecordAction.DELETE:
                    results.extend(
                        delete_credit(conn, caller, c.credit_id, record.accme_activity_id)
                        for c in record.credits
                    )
                else:
                    results.extend(self._add_record(conn, caller, record, today))
        return results

    def delete_credit(self, creds: Credentials, credit_id: str) -> CreditResult:
        caller = self.authenticate(creds)
        with self.store.write() as conn:
            return delete_credit(conn, caller, credit_id, None)

    def _add_record(
        self, conn: sqlite3.Connection, caller: str, record: LearnerRecord, today: date
    ) -> list[CreditResult]:
        results: dict[str, CreditResult] = {}
        fresh: list[LearnerCredit] = []
        for credit in record.credits:
            row = stored(conn, caller, credit.credit_id)
            if row is None:
                fresh.append(credit)
            elif row["fingerprint"] == fingerprint(record, credit):
                results[credit.credit_id] = stored_result(row)
            else:
                problem = Problem(
                    "LRN-005",
                    f"CreditID[{credit.credit_id}]",
                    "this CreditID already holds a different record; learner records cannot "
                    "be edited: delete it and report the correction under a new CreditID",
                )
                results[credit.credit_id] = rejected(credit, (problem,))
        if fresh:
            added = self._add_fresh(conn, caller, replace(record, credits=tuple(fresh)), today)
            results.update((r.credit_id, r) for r in added)
        return [results[c.credit_id] for c in record.credits if c.credit_id in results]

    def _add_fresh(
        self, conn: sqlite3.Connection, caller: str, record: LearnerRecord, today: date
    ) -> list[CreditResult]:
        problems = self._record_problems(conn, caller, record, today)
        if isinstance(problems, list):
            return [rejected(c, tuple(problems)) for c in record.credits]
        return insert_credits(conn, caller, record, problems)

    def _record_problems(
        self, conn: sqlite3.Connection, caller: str, record: LearnerRecord, today: date
    ) -> list[Problem] | int:
        """Everything wrong with a new record, or the matched physician's registry id."""
        if record.provider_id != caller:
            return [
                Problem("AUTH-002", "ProviderOrganization", "the record names another provider")
            ]
        try:
            row = self._activity_row(conn, caller, record.accme_activity_id)
        except RefusedError as refusal:
            return list(refusal.problems)
        activity = None if row is None else stored_activity(row["body"])
        problems = validate_learner(record, activity, self.rules, today)
        if problems:
            return problems
        assert activity is not None  # validate_learner reports a missing activity
        physician = match_learner(conn, record.learner, check_board=False)
        if physician is None:
            return [Problem("LRN-004", "Member", NOT_MATCHED)]
        return duplicates(conn, caller, record, activity, physician.id, self.rules) or physician.id

    # -- matching and status -----------------------------------------------------------------

    def match(self, creds: Credentials, learner: Learner) -> MatchResult:
        self.authenticate(creds)
        with self.store.read() as conn:
            physician = match_learner(conn, learner, check_board=True)
        return MatchResult(True) if physician else MatchResult(False, NOT_MATCHED)

    def status_by_credit_id(self, creds: Credentials, credit_id: str) -> list[CreditStatusEntry]:
        caller = self.authenticate(creds)
        with self.store.read() as conn:
            rows = conn.execute(
                "SELECT * FROM credits WHERE provider_id = ? AND credit_id = ?",
                (caller, credit_id),
            ).fetchall()
        return [status_entry(r) for r in rows]

    def status_by_learner(self, creds: Credentials, query: LearnerQuery) -> list[CreditStatusEntry]:
        caller = self.authenticate(creds)
        try:
            birth = str(parse_birth(query.birth))
        except DomainError as exc:
            raise RefusedError(Problem("LRN-007", "BirthDate", str(exc))) from exc
        with self.store.read() as conn:
            rows = conn.execute(
                "SELECT * FROM credits WHERE provider_id = ? AND accme_id = ? AND birth = ? "
                "AND completed_on = ? ORDER BY credit_id",
                (caller, query.accme_activity_id, birth, query.completed_on.isoformat()),
            ).fetchall()
        wanted = query.unique_id.strip()
        return [status_entry(r) for r in rows if wanted in json.loads(r["learner_ids"])]

    # -- the boards' answers -----------------------------------------------------------------

    def tick(self) -> dict[str, int]:
        """The certifying boards answer every pending MOC credit (see `board_answers`)."""
        with self.store.write() as conn:
            return board_answers(conn, self.registry, self.rules)
