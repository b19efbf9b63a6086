from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from cmeledger.actions.credits import ledger_view, record_completion
from cmeledger.actions.physicians import add_certification, add_dea, physician_profile
from cmeledger.audit import events
from cmeledger.domain.activities import Activity, Completion, Provenance, SourceKind
from cmeledger.domain.credits import CreditClaim
from cmeledger.domain.people import BoardType
from cmeledger.errors import ConflictError, NotFoundError
from cmeledger.storage.ledger import Ledger
from cmeledger.storage.models import AuditRow, CompletionCreditRow, LicenseRow
from cmeledger.storage.scope import Scope
from tests.builders import a_completion, a_license, a_physician


def _audit_actions(session: Session) -> list[str]:
    return list(session.execute(select(AuditRow.action).order_by(AuditRow.seq)).scalars())


def test_it_round_trips_a_physician_with_every_sealed_field(ledger: Ledger) -> None:
    doc = a_physician(ledger)
    a_license(ledger, doc.id, number="G-55 1234")
    add_certification(
        ledger,
        doc.id,
        board="abim",
        specialty="Internal Medicine",
        board_id="314159",
        ends=date(2028, 12, 31),
    )
    add_dea(ledger, doc.id, number="AD1234563", expires=date(2027, 1, 31))
    profile = physician_profile(ledger, doc.id)
    assert profile.physician.birth == doc.birth
    assert [lic.number for lic in profile.licenses] == ["G-55 1234"]
    assert profile.certifications[0].board == "ABIM"
    assert profile.certifications[0].board_id == "314159"
    assert profile.dea[0].number == "AD1234563"


def test_it_stores_no_plaintext_of_sealed_fields(ledger: Ledger, session: Session) -> None:
    doc = a_physician(ledger)
    a_license(ledger, doc.id, number="ZQ778899")
    add_dea(ledger, doc.id, number="AD1234563", expires=date(2027, 1, 31))
    add_certification(ledger, doc.id, board="ABP", specialty="Pediatrics", board_id="ABPX4242")
    session.flush()
    for table in (
        "physicians",
        "licenses",
        "dea_registrations",
        "board_certifications",
        "audit_log",
    ):
        for row in session.execute(text(f"SELECT * FROM {table}")):  # noqa: S608
            dump = repr(tuple(row))
            for secret in ("ZQ778899", "AD1234563", "ABPX4242", "12-10"):
                assert secret not in dump, (table, secret)


def test_every_read_of_a_sealed_field_is_audited_in_the_same_transaction(
    ledger: Ledger, session: Session
) -> None:
    doc = a_physician(ledger)
    a_license(ledger, doc.id)
    before = _audit_actions(session)
    physician_profile(ledger, doc.id)
    after = _audit_actions(session)[len(before) :]
    assert after == [events.PHYSICIAN_SENSITIVE_READ, events.LICENSE_SENSITIVE_READ]


def test_listing_physicians_reads_no_sealed_field(ledger: Ledger, session: Session) -> None:
    a_physician(ledger)
    before = _audit_actions(session)
    assert ledger.physicians.summaries()
    assert _audit_actions(session) == before


def test_it_finds_a_licence_by_number_through_the_blind_index(ledger: Ledger) -> None:
    doc = a_physician(ledger)
    a_license(ledger, doc.id, jurisdiction="TX", number="Q-7654")
    found = ledger.credentials.find_license("TX", BoardType.MD, "q 7654")
    assert found is not None and found.physician_id == doc.id
    assert ledger.credentials.find_license("CA", BoardType.MD, "Q7654") is None


def test_a_duplicate_licence_is_refused_and_leaves_nothing_behind(
    ledger: Ledger, session: Session
) -> None:
    first = a_physician(ledger)
    second = a_physician(ledger, first="Grace", last="Hopper")
    a_license(ledger, first.id, number="A1")
    with pytest.raises(ConflictError) as caught:
        a_license(ledger, second.id, number="a-1")
    assert "A1" not in str(caught.value)
    assert session.execute(select(func.count()).select_from(LicenseRow)).scalar_one() == 1


def test_a_scoped_ledger_cannot_see_another_physicians_data(
    ledger: Ledger, session: Session
) -> None:
    mine = a_physician(ledger)
    theirs = a_physician(ledger, first="Grace", last="Hopper")
    a_license(ledger, theirs.id, number="T1")
    a_completion(ledger, theirs.id)
    scoped = Ledger(session, ledger.cipher, ledger.blobs, Scope.physicians("test:me", mine.id))
    assert [p.id for p in scoped.physicians.summaries()] == [mine.id]
    with pytest.raises(NotFoundError):
        scoped.physicians.get(theirs.id)
    with pytest.raises(NotFoundError):
        ledger_view(scoped, theirs.id)
    assert scoped.credentials.licenses(theirs.id) == []
    assert scoped.credentials.find_license("CA", BoardType.MD, "T1") is None
    with pytest.raises(NotFoundError):
        a_completion(scoped, theirs.id)


def test_it_keeps_credit_amounts_exact(ledger: Ledger) -> None:
    doc = a_physician(ledger)
    for amount in ("0.25", "0.5", "12.75", "0.25", "0.25"):
        a_completion(ledger, doc.id, title=f"t{amount}", amount=amount)
    view = ledger_view(ledger, doc.id)
    assert view.totals == {"ama_pra_1": Decimal("14.00")}
    assert all(isinstance(c.credits[0].amount, Decimal) for c in view.completions)


def test_it_reuses_a_known_activity_and_keeps_provenance(ledger: Ledger) -> None:
    a, b = a_physician(ledger), a_physician(ledger, first="Grace", last="Hopper")
    first = a_completion(ledger, a.id, topics=("opioid_prescribing",))
    second = a_completion(ledger, b.id)
    assert first.activity.id == second.activity.id
    stored = ledger_view(ledger, a.id).completions[0]
    assert stored.topics == ("opioid_prescribing",)
    assert stored.provenance[0].source_kind is SourceKind.MANUAL


def test_it_filters_the_ledger_by_date(ledger: Ledger) -> None:
    doc = a_physician(ledger)
    a_completion(ledger, doc.id, title="old", on=date(2024, 1, 1))
    a_completion(ledger, doc.id, title="new", on=date(2026, 1, 1))
    view = ledger_view(ledger, doc.id, since=date(2025, 1, 1))
    assert [c.activity.title for c in view.completions] == ["new"]


def test_bulk_insert_writes_every_row_and_one_audit_entry(ledger: Ledger, session: Session) -> None:
    doc = a_physician(ledger)
    activity = Activity(uuid.uuid4(), "Bulk", "Provider")
    ledger.completions.add_activities([activity])
    batch = [
        Completion(
            uuid.uuid4(),
            doc.id,
            activity,
            date(2026, 1, i + 1),
            (CreditClaim("ama_pra_1", Decimal("1")), CreditClaim("moc_abim_mk", Decimal("1"))),
            provenance=(Provenance(SourceKind.TRANSCRIPT, "bench"),),
        )
        for i in range(20)
    ]
    before = _audit_actions(session)
    assert ledger.completions.add_many(batch) == 20
    assert _audit_actions(session)[len(before) :] == [events.COMPLETIONS_BULK_CREATED]
    assert session.execute(select(func.count()).select_from(CompletionCreditRow)).scalar_one() == 40
    assert ledger_view(ledger, doc.id).totals["moc_abim_mk"] == Decimal(20)


def test_deleting_a_completion_removes_its_credits_and_is_audited(
    ledger: Ledger, session: Session
) -> None:
    doc = a_physician(ledger)
    done = a_completion(ledger, doc.id)
    ledger.completions.delete(doc.id, done.id)
    assert ledger_view(ledger, doc.id).completions == []
    assert session.execute(select(func.count()).select_from(CompletionCreditRow)).scalar_one() == 0
    assert _audit_actions(session)[-1] == events.COMPLETION_DELETED
    with pytest.raises(NotFoundError):
        ledger.completions.delete(doc.id, done.id)


def test_a_certificate_is_stored_once_however_often_it_is_attached(
    ledger: Ledger, tmp_path: object
) -> None:
    from pathlib import Path

    assert isinstance(tmp_path, Path)
    cert = tmp_path / "certificate.pdf"
    cert.write_bytes(b"%PDF-1.4 demo certificate")
    doc = a_physician(ledger)
    for title in ("one", "two"):
        record_completion(
            ledger,
            doc.id,
            title=title,
            provider="P",
            completed_on=date(2026, 1, 1),
            credits=[CreditClaim.awarded("ama_pra_1", "1")],
            certificate=cert,
        )
    documents = ledger.documents.for_physician(doc.id)
    assert len(documents) == 1
    assert documents[0].media_type == "application/pdf"
    with ledger.blobs.open(documents[0].sha256) as stored:
        assert stored.read() == cert.read_bytes()
    view = ledger_view(ledger, doc.id)
    assert {c.provenance[0].document_sha256 for c in view.completions} == {documents[0].sha256}
