"""Provider-side storage and use cases: sealed secrets, audited reads, tenant isolation,
all-or-nothing imports, immutable credit IDs and the outbox's leases."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from cmeledger.actions.pars import (
    LEARNER_ADD,
    ParsValidationError,
    add_activities,
    add_provider,
    import_learners,
    queue_activities,
)
from cmeledger.audit import events
from cmeledger.domain.pars.rules import ParsRules
from cmeledger.errors import CmeLedgerError, ConflictError, NotFoundError
from cmeledger.storage.ledger import Ledger
from cmeledger.storage.models import (
    AuditRow,
    JobRow,
    ParsLearnerRecordRow,
    ParsProviderRow,
)
from cmeledger.storage.repositories.jobs import utcnow
from cmeledger.storage.repositories.pars import ParsRepository, Provider
from cmeledger.storage.scope import Scope
from tests.pars_builders import PROVIDER, a_learner, a_record, an_activity

RULES = ParsRules()
TODAY = date(2026, 4, 1)


def _provider(ledger: Ledger, accme_id: str = PROVIDER) -> Provider:
    return add_provider(ledger, accme_id, "Example Health CME", "ws_user", "s3cret-Pa55")


def _with_activity(ledger: Ledger, accme_id: str = "202600001") -> Provider:
    provider = _provider(ledger)
    (stored,) = add_activities(ledger, provider, [an_activity()], RULES)
    ledger.pars.set_activity_result(stored.id, "accepted", accme_id, ())
    return provider


def _actions(session: Session) -> list[str]:
    return list(session.execute(select(AuditRow.action).order_by(AuditRow.seq)).scalars())


def test_provider_password_is_sealed_and_reading_it_is_audited(
    ledger: Ledger, session: Session
) -> None:
    provider = _provider(ledger)
    stored = session.execute(select(ParsProviderRow.ws_password_enc)).scalar_one()
    assert stored is not None and b"s3cret-Pa55" not in stored
    creds = ledger.pars.credentials(provider.id)
    assert (creds.provider_id, creds.user, creds.password) == (PROVIDER, "ws_user", "s3cret-Pa55")
    assert "s3cret" not in repr(creds)
    assert events.PROVIDER_SECRET_READ in _actions(session)


def test_provider_id_must_be_seven_digits_and_unique(ledger: Ledger) -> None:
    with pytest.raises(CmeLedgerError, match="7 digits"):
        add_provider(ledger, "1234", "X", None, None)
    _provider(ledger)
    with pytest.raises(ConflictError):
        _provider(ledger)


def test_learner_identifiers_are_sealed_and_read_back_with_an_audit_entry(
    ledger: Ledger, session: Session
) -> None:
    provider = _with_activity(ledger)
    (queued,) = import_learners(ledger, provider, [a_record()], RULES, TODAY)
    row = session.execute(select(ParsLearnerRecordRow)).scalar_one()
    for blob in (row.birth_enc, row.license_number_enc, row.npi_enc, row.board_id_enc):
        assert blob is not None
        assert b"A123456" not in blob and b"09-10" not in blob and b"123456" not in blob
    back = ledger.pars.learner_record(queued.record_id)
    assert back.learner == a_learner()
    assert back.accme_activity_id == "202600001"
    assert {c.credit_id for c in back.credits} == set(queued.credit_ids)
    assert _actions(session).count(events.LEARNER_SENSITIVE_READ) == 1  # one entry, four fields


def test_importing_learners_queues_one_outbox_job_per_record_in_the_same_transaction(
    ledger: Ledger, session: Session
) -> None:
    provider = _with_activity(ledger)
    records = [a_record(tag="1"), a_record(tag="2", learner=a_learner(first_name="Ann"))]
    import_learners(ledger, provider, records, RULES, TODAY)
    jobs = session.execute(select(JobRow.kind, JobRow.state)).all()
    assert sorted(jobs) == [(LEARNER_ADD, "ready"), (LEARNER_ADD, "ready")]
    states = ledger.pars.credit_states(provider.id)
    assert {c.state for c in states} == {"queued"}
    assert len(states) == 4


def test_one_bad_learner_record_stores_nothing_and_names_every_problem(
    ledger: Ledger, session: Session
) -> None:
    provider = _with_activity(ledger)
    bad = a_record(tag="2", consent=False, completed_on=date(2026, 5, 1))
    unknown = a_record(accme_id="209999999", tag="3")
    with pytest.raises(ParsValidationError) as caught:
        import_learners(ledger, provider, [a_record(tag="1"), bad, unknown], RULES, TODAY)
    codes = {p.code for _, p in caught.value.problems}
    assert {"LRN-009", "LRN-002", "ACT-001"} <= codes
    assert "nothing was stored" in str(caught.value)
    assert session.execute(select(ParsLearnerRecordRow)).first() is None
    assert session.execute(select(JobRow)).first() is None


def test_a_reported_credit_id_cannot_be_reused_but_a_rejected_one_can(ledger: Ledger) -> None:
    provider = _with_activity(ledger)
    import_learners(ledger, provider, [a_record(tag="1")], RULES, TODAY)
    with pytest.raises(ConflictError, match="cannot be edited"):
        import_learners(ledger, provider, [a_record(tag="1")], RULES, TODAY)
    pid = provider.id
    for credit in a_record(tag="1").credits:
        ledger.pars.set_credit_state(pid, credit.credit_id, "rejected", "LRN-004 not matched")
    corrected = a_record(tag="1", learner=a_learner(last_name="Doe-Smith"))
    import_learners(ledger, provider, [corrected], RULES, TODAY)
    states = {c.credit_id: (c.state, c.learner) for c in ledger.pars.credit_states(pid)}
    assert set(states.values()) == {("queued", "Doe-Smith, Jane")}


def test_invalid_activities_are_all_refused_and_none_stored(ledger: Ledger) -> None:
    provider = _provider(ledger)
    good = an_activity()
    bad = an_activity(provider_activity_id="X2", end=date(2026, 3, 1), credits=good.credits / 3)
    with pytest.raises(ParsValidationError) as caught:
        add_activities(ledger, provider, [good, bad], RULES)
    assert {p.code for _, p in caught.value.problems} >= {"ACT-002", "ACT-005"}
    assert ledger.pars.activities(provider.id) == []


def test_queueing_activities_sends_drafts_and_rejections_but_not_accepted_ones(
    ledger: Ledger, session: Session
) -> None:
    provider = _provider(ledger)
    first, second = add_activities(
        ledger, provider, [an_activity(), an_activity(provider_activity_id="GR-2")], RULES
    )
    ledger.pars.set_activity_result(first.id, "accepted", "202600001", ())
    queued = queue_activities(ledger, provider)
    assert [s.id for s in queued] == [second.id]
    assert session.execute(select(JobRow.ref_id)).scalars().all() == [second.id]


def test_a_provider_scope_sees_only_its_own_provider(ledger: Ledger) -> None:
    mine = _with_activity(ledger)
    other = add_provider(ledger, "0009999", "Other CME", None, None)
    scoped = ParsRepository(
        ledger.session,
        Scope.providers("api:x", mine.id),
        ledger.cipher,
        ledger.audit,
    )
    assert [p.accme_id for p in scoped.providers()] == [PROVIDER]
    with pytest.raises(NotFoundError):
        scoped.provider(other.id)
    with pytest.raises(NotFoundError):
        scoped.credentials(other.id)
    physician_only = ParsRepository(
        ledger.session, Scope.physicians("api:doc"), ledger.cipher, ledger.audit
    )
    assert physician_only.providers() == []


def test_a_claimed_job_is_leased_and_claimed_again_only_after_the_lease_runs_out(
    ledger: Ledger, session: Session
) -> None:
    provider = _with_activity(ledger)
    import_learners(ledger, provider, [a_record()], RULES, TODAY)
    job = ledger.jobs.claim("w1", timedelta(minutes=5))
    assert job is not None and job.attempts == 1
    assert ledger.jobs.claim("w2", timedelta(minutes=5)) is None
    session.execute(update(JobRow).values(locked_until=JobRow.run_after - timedelta(days=1)))
    again = ledger.jobs.claim("w2", timedelta(minutes=5))
    assert again is not None and (again.id, again.attempts) == (job.id, 2)
    assert not ledger.jobs.complete(job.id, "w1")  # the first worker lost its lease
    assert ledger.jobs.complete(job.id, "w2")
    assert ledger.jobs.counts() == {"done": 1}


def test_a_retried_job_waits_for_its_backoff(ledger: Ledger) -> None:
    provider = _with_activity(ledger)
    import_learners(ledger, provider, [a_record()], RULES, TODAY)
    job = ledger.jobs.claim("w1", timedelta(minutes=5))
    assert job is not None
    assert ledger.jobs.retry(job.id, "w1", "timeout", utcnow() + timedelta(hours=1))
    assert ledger.jobs.claim("w1", timedelta(minutes=5)) is None
    assert ledger.jobs.pending() == 1
