"""Provider-side use cases: providers, activities and learner completions queued for PARS.

Each takes a Ledger (one transaction) and writes the change, its audit rows and its outbox
job together; nothing here talks to PARS (the worker does, see `pars_outbox`). Files are
all-or-nothing: one invalid record and nothing of the file is stored, and the error lists
every record's problems in PARS's terms.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from uuid import UUID

from cmeledger.audit import events
from cmeledger.domain.pars.model import Activity, LearnerRecord, RecordAction
from cmeledger.domain.pars.rules import ParsRules, Problem, validate_activity, validate_learner
from cmeledger.errors import CmeLedgerError, NotFoundError
from cmeledger.storage.ledger import Ledger
from cmeledger.storage.repositories.pars import Provider, StoredActivity

ACTIVITY_SAVE = "pars.activity.save"
LEARNER_ADD = "pars.learner.add"
LEARNER_DELETE = "pars.learner.delete"
LEARNER_POLL = "pars.learner.poll"
PARS_KINDS = (ACTIVITY_SAVE, LEARNER_ADD, LEARNER_DELETE, LEARNER_POLL)


class ParsValidationError(CmeLedgerError):
    """Records that PARS would refuse; nothing was stored. `problems` pairs each with why."""

    exit_code = 2

    def __init__(self, what: str, problems: Sequence[tuple[str, Problem]]) -> None:
        self.problems = tuple(problems)
        lines = [f"{where}: {problem}" for where, problem in self.problems[:20]]
        more = len(self.problems) - len(lines)
        tail = f"\n… and {more} more" if more > 0 else ""
        super().__init__(
            f"{what}: {len(self.problems)} problem(s), nothing was stored\n"
            + "\n".join(lines)
            + tail
        )


def add_provider(
    ledger: Ledger, accme_id: str, name: str, ws_user: str | None, ws_password: str | None
) -> Provider:
    if not re.fullmatch(r"\d{7}", accme_id):
        raise CmeLedgerError(
            f"ACCME provider ID {accme_id!r} must be 7 digits, leading zeros kept (e.g. 0001234)"
        )
    if not name.strip():
        raise CmeLedgerError("the provider needs a name")
    if (ws_user is None) != (ws_password is None):
        raise CmeLedgerError("give both --pars-user and --pars-password-file, or neither")
    return ledger.pars.add_provider(accme_id, name.strip(), ws_user, ws_password)


def provider_ref(ledger: Ledger, key: str) -> Provider:
    """A provider by our id or its 7-digit ACCME ID."""
    try:
        return ledger.pars.provider(UUID(key))
    except ValueError:
        return ledger.pars.provider(key)


def _keyed(activity: Activity) -> Activity:
    if activity.provider_activity_id:
        return activity
    return replace(activity, provider_activity_id=f"cmel-{uuid.uuid4().hex[:16]}")


def add_activities(
    ledger: Ledger, provider: Provider, activities: Sequence[Activity], rules: ParsRules
) -> list[StoredActivity]:
    """Validate every activity, then store them all as drafts (or none)."""
    problems: list[tuple[str, Problem]] = []
    for n, activity in enumerate(activities, 1):
        if activity.provider_id != provider.accme_id:
            problems.append(
                (
                    f"activity {n}",
                    Problem(
                        "AUTH-002",
                        "ProviderID",
                        f"belongs to provider {activity.provider_id}, not {provider.accme_id}",
                    ),
                )
            )
        problems += [
            (f"activity {n} ({activity.title[:40]})", p) for p in validate_activity(activity, rules)
        ]
    if problems:
        raise ParsValidationError("activities", problems)
    return [ledger.pars.save_activity(provider.id, _keyed(a), "draft") for a in activities]


def queue_activities(ledger: Ledger, provider: Provider) -> list[StoredActivity]:
    """Queue every activity not yet accepted by PARS (drafts and corrected rejections)."""
    waiting = ledger.pars.activities(provider.id, states=("draft", "rejected"))
    for stored in waiting:
        ledger.pars.set_activity_result(stored.id, "queued", None, ())
        ledger.jobs.enqueue(ACTIVITY_SAVE, stored.id)
        ledger.audit.record(events.PARS_ACTIVITY_QUEUED, "pars_activity", stored.id)
    return waiting


@dataclass(frozen=True, slots=True)
class Queued:
    record_id: UUID
    credit_ids: tuple[str, ...]


def import_learners(
    ledger: Ledger,
    provider: Provider,
    records: Sequence[LearnerRecord],
    rules: ParsRules,
    today: date,
) -> list[Queued]:
    """Validate every record against its activity, then queue them all (or none)."""
    problems: list[tuple[str, Problem]] = []
    targets: list[UUID] = []
    deletes: list[UUID] = []
    doomed: list[str] = []
    for n, record in enumerate(records, 1):
        where = f"record {n} ({record.learner.last_name}, {record.completed_on.isoformat()})"
        if record.action is RecordAction.DELETE:
            for credit in record.credits:
                try:
                    deletes.append(ledger.pars.record_of_credit(provider.id, credit.credit_id))
                    doomed.append(credit.credit_id)
                except NotFoundError as exc:
                    problems.append((where, Problem("LRN-008", "CreditID", str(exc))))
            continue
        try:
            stored = ledger.pars.activity_by_accme_id(provider.id, record.accme_activity_id)
        except NotFoundError as exc:
            problems.append((where, Problem("ACT-001", "moduleID", str(exc))))
            continue
        found = validate_learner(record, stored.activity, rules, today)
        if record.provider_id != provider.accme_id:
            found.append(
                Problem("AUTH-002", "ProviderID", f"belongs to provider {record.provider_id}")
            )
        problems += [(where, p) for p in found]
        targets.append(stored.id)
    if problems:
        raise ParsValidationError("learner records", problems)
    queued: list[Queued] = []
    adds = [r for r in records if r.action is RecordAction.ADD]
    for record, activity_id in zip(adds, targets, strict=True):
        record_id = ledger.pars.add_learner_record(provider.id, activity_id, record)
        ledger.jobs.enqueue(LEARNER_ADD, record_id)
        ledger.audit.record(
            events.LEARNER_RECORD_QUEUED,
            "pars_learner",
            record_id,
            provider_id=str(provider.id),
            credits=[c.credit_id for c in record.credits],
        )
        queued.append(Queued(record_id, tuple(c.credit_id for c in record.credits)))
    ledger.pars.set_credit_states(provider.id, [(cid, "deleting", None) for cid in doomed])
    for record_id in dict.fromkeys(deletes):
        ledger.jobs.enqueue(LEARNER_DELETE, record_id)
        ledger.audit.record(events.LEARNER_RECORD_DELETE_QUEUED, "pars_learner", record_id)
        queued.append(
            Queued(record_id, tuple(c.credit_id for c in ledger.pars.credits_of(record_id)))
        )
    return queued


def delete_credit(ledger: Ledger, provider: Provider, credit_id: str) -> UUID:
    """Queue a delete of an accepted learner record (the way to correct one: delete, then
    report the correction under a new credit ID)."""
    record_id = ledger.pars.record_of_credit(provider.id, credit_id)
    # only this credit: the job sends the record's credits marked "deleting"
    ledger.pars.set_credit_state(provider.id, credit_id, "deleting")
    ledger.jobs.enqueue(LEARNER_DELETE, record_id)
    ledger.audit.record(events.LEARNER_RECORD_DELETE_QUEUED, "pars_learner", record_id)
    return record_id


def retry_credit(ledger: Ledger, provider: Provider, credit_id: str) -> UUID:
    """Queue a record whose sending failed (its fate unknown) again; the worker asks PARS
    what it already holds before sending anything."""
    record_id = ledger.pars.record_of_credit(provider.id, credit_id)
    states = ledger.pars.credit_state_map(record_id)
    if states.get(credit_id) != "failed":
        raise CmeLedgerError(
            f"credit {credit_id} is {states.get(credit_id)}; only a failed send is retried "
            "(a rejected one is corrected and imported again)"
        )
    ledger.jobs.enqueue(LEARNER_ADD, record_id)
    ledger.audit.record(events.LEARNER_RECORD_QUEUED, "pars_learner", record_id, retry=credit_id)
    return record_id
