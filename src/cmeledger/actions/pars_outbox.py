"""The PARS worker: takes jobs from the outbox and sends them, at least once, never twice.

A job is claimed with a lease and committed before anything is sent, so a worker killed at
any point leaves the job to be claimed again once the lease runs out. Sending twice is what
must not happen: a retried learner job first asks PARS (GetLearnerStatusByCreditId) which
of its credits it already holds, records those, and sends only the rest. Activities are
saved under their provider activity ID, which PARS treats as an update when re-sent.

Temporary failures (timeouts, 5xx, dropped connections, truncated or malformed answers) are
retried with exponential backoff and jitter up to `RetryPolicy.max_attempts`; refusals are
final and recorded with PARS's reasons, for a person to correct and resubmit.
"""

from __future__ import annotations

import os
import random
import socket
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from uuid import UUID

from cmeledger.actions.pars import (
    ACTIVITY_SAVE,
    LEARNER_ADD,
    LEARNER_DELETE,
    LEARNER_POLL,
    PARS_KINDS,
)
from cmeledger.domain.pars.model import LearnerRecord, RecordAction
from cmeledger.domain.pars.results import Credentials, CreditResult, CreditStatus, CreditStatusEntry
from cmeledger.errors import CmeLedgerError
from cmeledger.pars.client import ParsClient
from cmeledger.pars.errors import ParsError
from cmeledger.storage.ledger import Ledger, Store
from cmeledger.storage.repositories.jobs import Job
from cmeledger.storage.scope import Scope

ClientFactory = Callable[[Credentials], ParsClient]
WORKER_SCOPE = Scope.owner("worker")
FINAL = frozenset({"accepted", "rejected", "deleted"})
OPEN = frozenset({"queued", "sent", "failed"})  # not known to be in PARS, or not known not to be
LOCAL_STATE = {
    CreditStatus.ACCEPTED: "accepted",
    CreditStatus.PENDING: "pending",
    CreditStatus.REJECTED: "rejected",
    CreditStatus.DELETED: "deleted",
}


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    max_attempts: int = 8
    base_seconds: float = 2.0
    cap_seconds: float = 600.0
    lease: timedelta = timedelta(minutes=2)
    poll_seconds: float = 60.0  # how soon to ask again about credits a board has not answered
    max_polls: int = 48
    batch: int = 50  # learner records sent in one request
    rng: random.Random = field(default_factory=random.Random)

    def delay(self, attempt: int) -> timedelta:
        """Exponential backoff with full jitter (at least half the step)."""
        step = min(self.cap_seconds, self.base_seconds * 2 ** max(attempt - 1, 0))
        return timedelta(seconds=step * (0.5 + self.rng.random() / 2))


@dataclass
class WorkStats:
    done: int = 0
    retried: int = 0
    failed: int = 0

    @property
    def total(self) -> int:
        return self.done + self.retried + self.failed


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _now() -> datetime:
    return datetime.now(UTC)


def _record_results(
    ledger: Ledger, provider_id: UUID, found: Sequence[CreditResult | CreditStatusEntry]
) -> bool:
    """Store PARS's answer per credit; True when a board still has to answer (Pending)."""
    changes = [
        (item.credit_id, LOCAL_STATE[item.status], item.message)
        for item in found
        if item.status in LOCAL_STATE
    ]
    ledger.pars.set_credit_states(provider_id, changes)
    return any(state == "pending" for _, state, _ in changes)


def _held_by_pars(client: ParsClient, credit_ids: Sequence[str]) -> list[CreditStatusEntry]:
    """Credits PARS already holds (a previous attempt reached it): ask before re-sending."""
    held: list[CreditStatusEntry] = []
    for credit_id in credit_ids:
        entries = client.status_by_credit_id(credit_id)
        live = [
            e for e in entries if e.status not in (CreditStatus.NOT_FOUND, CreditStatus.DELETED)
        ]
        if live:
            held.append(live[0])
    return held


class _LeaseLostError(ParsError):
    """Another worker took the job over (our lease ran out): leave it to that worker."""

    temporary = True


def _keep_lease(
    store: Store, batch: Sequence[tuple[Job, object, object]], me: str, policy: RetryPolicy
) -> None:
    """Renew the lease just before sending; if any job was taken over, send nothing."""
    ids = [job.id for job, *_ in batch]
    with store.ledger(WORKER_SCOPE) as ledger:
        held = ledger.jobs.extend(ids, me, policy.lease)
    if held != set(ids):
        raise _LeaseLostError("the lease ran out before sending; another worker has the job")


def _learner_add(
    store: Store, client_for: ClientFactory, jobs: Sequence[Job], me: str, policy: RetryPolicy
) -> None:
    """Send a batch of learner records: one SaveLearnerActivity request per provider."""
    with store.ledger(WORKER_SCOPE) as ledger:
        batches: dict[UUID, list[tuple[Job, LearnerRecord, list[str]]]] = {}
        logins: dict[UUID, Credentials] = {}
        sent: dict[UUID, list[tuple[str, str, str | None]]] = {}
        unsure: set[int] = set()
        for job in jobs:
            provider_id = ledger.pars.record_provider(job.ref_id)
            if provider_id not in logins:
                logins[provider_id] = ledger.pars.credentials(provider_id)
            record = ledger.pars.learner_record(job.ref_id)
            states = ledger.pars.credit_state_map(job.ref_id)
            open_ids = [cid for cid, state in states.items() if state in OPEN]
            # sent before (state "sent" or "failed"): PARS may hold it, so ask before resending
            if any(states[cid] != "queued" for cid in open_ids):
                unsure.add(job.id)
            sent.setdefault(provider_id, []).extend((cid, "sent", None) for cid in open_ids)
            batches.setdefault(provider_id, []).append((job, record, open_ids))
        for provider_id, changes in sent.items():
            ledger.pars.set_credit_states(provider_id, changes)
    answers: list[tuple[UUID, list[CreditResult | CreditStatusEntry]]] = []
    deferred: dict[int, str] = {}  # jobs whose status check failed: retried on their own
    for provider_id, batch in batches.items():
        client = client_for(logins[provider_id])
        try:
            found: list[CreditResult | CreditStatusEntry] = []
            outgoing: list[LearnerRecord] = []
            for job, record, open_ids in batch:
                # A retried job may have reached PARS before: ask before sending again.
                try:
                    held = _held_by_pars(client, open_ids) if job.id in unsure else []
                except ParsError as exc:
                    if not exc.temporary:
                        raise
                    deferred[job.id] = str(exc)
                    continue
                held_ids = {e.credit_id for e in held}
                found += held
                rest = tuple(
                    c
                    for c in record.credits
                    if c.credit_id in open_ids and c.credit_id not in held_ids
                )
                if rest:
                    outgoing.append(replace(record, credits=rest))
            if outgoing:
                _keep_lease(store, batch, me, policy)
                found += client.save_learners(outgoing)
        finally:
            client.close()
        answers.append((provider_id, found))
    with store.ledger(WORKER_SCOPE) as ledger:
        for provider_id, found in answers:
            _record_results(ledger, provider_id, found)
        for job in jobs:
            if job.id in deferred:
                if job.attempts >= policy.max_attempts:
                    _give_up(
                        ledger,
                        job,
                        me,
                        f"gave up after {job.attempts} attempts: " + deferred[job.id],
                        refused=False,
                    )
                else:
                    retry_at = _now() + policy.delay(job.attempts)
                    ledger.jobs.retry(job.id, me, deferred[job.id], retry_at)
                continue
            now_states = ledger.pars.credit_state_map(job.ref_id).values()
            if "sent" in now_states:  # PARS's answer left a credit out: ask again later
                if job.attempts >= policy.max_attempts:
                    _give_up(ledger, job, me, "PARS never answered for this credit", refused=False)
                else:
                    retry_at = _now() + policy.delay(job.attempts)
                    ledger.jobs.retry(job.id, me, "PARS's answer left a credit out", retry_at)
                continue
            if "pending" in now_states:
                ledger.jobs.enqueue(
                    LEARNER_POLL,
                    job.ref_id,
                    run_after=_now() + timedelta(seconds=policy.poll_seconds),
                )
            ledger.jobs.complete(job.id, me)


def _learner_delete(
    store: Store, client_for: ClientFactory, jobs: Sequence[Job], me: str, policy: RetryPolicy
) -> None:
    (job,) = jobs
    with store.ledger(WORKER_SCOPE) as ledger:
        provider_id = ledger.pars.record_provider(job.ref_id)
        creds = ledger.pars.credentials(provider_id)
        record = ledger.pars.learner_record(job.ref_id)
        states = ledger.pars.credit_state_map(job.ref_id)
    live = tuple(c for c in record.credits if states.get(c.credit_id) == "deleting")
    client = client_for(creds)
    try:
        results = (
            client.save_learners([replace(record, credits=live, action=RecordAction.DELETE)])
            if live
            else []
        )
    finally:
        client.close()
    with store.ledger(WORKER_SCOPE) as ledger:
        for result in results:
            if result.status in (CreditStatus.DELETED, CreditStatus.NOT_FOUND):
                ledger.pars.set_credit_state(provider_id, result.credit_id, "deleted")
            else:
                ledger.pars.set_credit_state(
                    provider_id, result.credit_id, states[result.credit_id], result.message
                )
        ledger.jobs.complete(job.id, me)


def _learner_poll(
    store: Store, client_for: ClientFactory, jobs: Sequence[Job], me: str, policy: RetryPolicy
) -> None:
    (job,) = jobs
    with store.ledger(WORKER_SCOPE) as ledger:
        provider_id = ledger.pars.record_provider(job.ref_id)
        creds = ledger.pars.credentials(provider_id)
        states = ledger.pars.credit_state_map(job.ref_id)
        polls = sum(1 for kind, *_ in ledger.jobs.open_for(job.ref_id) if kind == LEARNER_POLL)
    waiting = [cid for cid, state in states.items() if state == "pending"]
    client = client_for(creds)
    try:
        answers = [e for cid in waiting for e in client.status_by_credit_id(cid)[:1]]
    finally:
        client.close()
    with store.ledger(WORKER_SCOPE) as ledger:
        still = _record_results(ledger, provider_id, answers)
        if still and polls < policy.max_polls:
            ledger.jobs.enqueue(
                LEARNER_POLL, job.ref_id, run_after=_now() + timedelta(seconds=policy.poll_seconds)
            )
        ledger.jobs.complete(job.id, me)


def _activity_save(
    store: Store, client_for: ClientFactory, jobs: Sequence[Job], me: str, policy: RetryPolicy
) -> None:
    (job,) = jobs
    with store.ledger(WORKER_SCOPE) as ledger:
        stored = ledger.pars.activity(job.ref_id)
        creds = ledger.pars.credentials(stored.provider_id)
    client = client_for(creds)
    try:
        result = client.save_activity(stored.activity)
    finally:
        client.close()
    with store.ledger(WORKER_SCOPE) as ledger:
        ledger.pars.set_activity_result(
            stored.id,
            "accepted" if result.accepted else "rejected",
            result.accme_id,
            [str(p) for p in result.problems],
        )
        ledger.jobs.complete(job.id, me)


HANDLERS: dict[str, Callable[[Store, ClientFactory, Sequence[Job], str, RetryPolicy], None]] = {
    LEARNER_ADD: _learner_add,
    LEARNER_DELETE: _learner_delete,
    LEARNER_POLL: _learner_poll,
    ACTIVITY_SAVE: _activity_save,
}


def _give_up(ledger: Ledger, job: Job, me: str, error: str, *, refused: bool) -> None:
    """Fail the job. Credits PARS refused are "rejected" (a corrected record may reuse their
    ids); credits whose fate is unknown are "failed": they may be in PARS, so they are only
    sent again after asking it."""
    ledger.jobs.fail(job.id, me, error)
    if job.kind in (LEARNER_ADD, LEARNER_DELETE):
        provider_id = ledger.pars.record_provider(job.ref_id)
        changes = []
        for cid, state in ledger.pars.credit_state_map(job.ref_id).items():
            if job.kind == LEARNER_ADD and state in OPEN:
                changes.append(
                    (cid, "rejected" if refused and state == "queued" else "failed", error)
                )
            elif job.kind == LEARNER_DELETE and state == "deleting":
                changes.append((cid, "accepted", f"delete failed: {error}"))
        ledger.pars.set_credit_states(provider_id, changes)
    elif job.kind == ACTIVITY_SAVE:
        ledger.pars.set_activity_result(job.ref_id, "rejected", None, [error])


def run_once(
    store: Store, client_for: ClientFactory, policy: RetryPolicy, *, me: str | None = None
) -> str | None:
    """Claim and run one job (learner additions: up to `policy.batch` of one provider's,
    sent together); returns "done", "retried", "failed" or None if none was due."""
    me = me or worker_name()
    with store.ledger(WORKER_SCOPE) as ledger:
        job = ledger.jobs.claim(me, policy.lease, kinds=PARS_KINDS)
        jobs = [job] if job is not None else []
        if job is not None and job.kind == LEARNER_ADD and policy.batch > 1:
            provider_id = ledger.pars.record_provider(job.ref_id)
            refs = ledger.pars.records_of_provider(provider_id)
            jobs += ledger.jobs.claim_more(me, policy.lease, LEARNER_ADD, policy.batch - 1, refs)
    if job is None:
        return None
    handler = HANDLERS.get(job.kind)
    try:
        if handler is None:
            raise ParsError(f"unknown job kind {job.kind!r}")
        handler(store, client_for, jobs, me, policy)
        return "done"
    except _LeaseLostError:
        return "retried"  # the worker that took the jobs over finishes them
    except CmeLedgerError as exc:
        temporary = isinstance(exc, ParsError) and exc.temporary
        error = str(exc) or type(exc).__name__
        if isinstance(exc, ParsError) and exc.problems:
            error += ": " + "; ".join(str(p) for p in exc.problems)
        return _settle(store, jobs, me, policy, error, temporary=temporary)
    except Exception as exc:  # a bug or a database hiccup: retried, and bounded like the rest
        error = f"unexpected {type(exc).__name__}: {exc}"
        return _settle(store, jobs, me, policy, error, temporary=True)


def _settle(
    store: Store, jobs: Sequence[Job], me: str, policy: RetryPolicy, error: str, *, temporary: bool
) -> str:
    outcome = "failed"
    with store.ledger(WORKER_SCOPE) as ledger:
        for each in jobs:
            if temporary and each.attempts < policy.max_attempts:
                ledger.jobs.retry(each.id, me, error, _now() + policy.delay(each.attempts))
                outcome = "retried"
            else:
                prefix = f"gave up after {each.attempts} attempts: " if temporary else ""
                _give_up(ledger, each, me, prefix + error, refused=not temporary)
    return outcome


def work(
    store: Store,
    client_for: ClientFactory,
    policy: RetryPolicy,
    *,
    once: bool = False,
    idle_seconds: float = 1.0,
    should_stop: Callable[[], bool] = lambda: False,
    on_job: Callable[[str], None] = lambda _: None,
) -> WorkStats:
    """Run jobs until none is due (`once`) or until `should_stop()`."""
    stats = WorkStats()
    me = worker_name()
    while not should_stop():
        outcome = run_once(store, client_for, policy, me=me)
        if outcome is None:
            if once:
                break
            time.sleep(idle_seconds)
            continue
        setattr(stats, outcome, getattr(stats, outcome) + 1)
        on_job(outcome)
    return stats
