"""Importing documents into a ledger: counted, merged, or queued — never double counted."""

from __future__ import annotations

from decimal import Decimal

import pytest

from cmeledger.actions.credits import ledger_view
from cmeledger.actions.imports import (
    accept_review_item,
    import_extraction,
    reject_review_item,
)
from cmeledger.domain.errors import DomainError
from cmeledger.errors import ConflictError
from cmeledger.importers.pipeline import extract_bytes
from cmeledger.storage.ledger import Ledger, Store
from tests.builders import a_completion, a_physician
from tests.importers.certificates.builders import LINES, certificate_pdf
from tests.integration.test_audit_and_keys import OWNER


def test_a_clear_certificate_is_counted_with_its_provenance(ledger: Ledger) -> None:
    doc = a_physician(ledger, first="Ada", last="Demo")
    report = import_extraction(ledger, doc.id, extract_bytes("cert.pdf", certificate_pdf()))
    assert (report.count("imported"), report.count("needs_review")) == (1, 0)
    [completion] = ledger_view(ledger, doc.id).completions
    assert completion.credits[0].amount == Decimal("1.75")
    [evidence] = completion.provenance
    assert evidence.method == "text" and evidence.page == 1
    assert evidence.document_sha256 is not None
    assert evidence.detail is not None and evidence.detail["title"] == completion.activity.title
    assert completion.activity.designated[0].amount == Decimal("2.00")
    assert len(ledger.documents.for_physician(doc.id)) == 1


def test_the_same_certificate_twice_is_one_credit_with_two_pieces_of_evidence(
    ledger: Ledger,
) -> None:
    doc = a_physician(ledger, first="Ada", last="Demo")
    import_extraction(ledger, doc.id, extract_bytes("cert.pdf", certificate_pdf()))
    other_copy = certificate_pdf(pages=2)  # different bytes, same certificate
    report = import_extraction(ledger, doc.id, extract_bytes("copy.pdf", other_copy))
    assert report.count("duplicate") == 1
    again = import_extraction(ledger, doc.id, extract_bytes("cert.pdf", certificate_pdf()))
    assert again.count("duplicate") == 1
    view = ledger_view(ledger, doc.id)
    assert view.totals == {"ama_pra_1": Decimal("1.75")}
    assert len(view.completions[0].provenance) == 2  # re-importing the same file adds nothing


def test_a_near_match_goes_to_review_instead_of_being_merged(ledger: Ledger) -> None:
    doc = a_physician(ledger, first="Ada", last="Demo")
    from datetime import date

    a_completion(
        ledger, doc.id, title="Heart Failure in Primary Care", on=date(2025, 6, 4), amount="1.75"
    )
    report = import_extraction(ledger, doc.id, extract_bytes("cert.pdf", certificate_pdf()))
    assert report.count("needs_review") == 1
    [item] = ledger.review.open_items(doc.id)
    assert item.kind == "possible_duplicate" and "one day apart" in item.reasons[0]
    assert ledger_view(ledger, doc.id).totals == {"ama_pra_1": Decimal("1.75")}


def test_a_certificate_made_out_to_someone_else_is_not_counted(ledger: Ledger) -> None:
    doc = a_physician(ledger, first="Grace", last="Hopper")
    report = import_extraction(ledger, doc.id, extract_bytes("cert.pdf", certificate_pdf()))
    assert report.count("needs_review") == 1
    assert "made out to 'Ada Demo'" in report.outcomes[0].reasons[-1]
    assert ledger_view(ledger, doc.id).completions == []


def test_a_reviewer_can_correct_and_accept_or_reject(ledger: Ledger) -> None:
    doc = a_physician(ledger, first="Ada", last="Demo")
    hours_only = tuple(line.replace("and is awarded 1.75", "for") for line in LINES)
    import_extraction(ledger, doc.id, extract_bytes("hours.pdf", certificate_pdf(lines=hours_only)))
    [item] = ledger.review.open_items(doc.id)
    with pytest.raises(DomainError, match="no awarded credit"):
        accept_review_item(ledger, doc.id, item.id)
    credit_id = accept_review_item(
        ledger, doc.id, item.id, {"credit": "ama_pra_1:1.5", "title": "HF in Primary Care"}
    )
    [completion] = ledger_view(ledger, doc.id).completions
    assert completion.id == credit_id
    assert completion.credits[0].amount == Decimal("1.50")
    assert completion.activity.title == "HF in Primary Care"
    assert completion.provenance[0].method == "reviewed"
    assert ledger.review.open_items(doc.id) == []
    with pytest.raises(ConflictError):
        reject_review_item(ledger, doc.id, item.id)


def test_a_file_that_fails_leaves_nothing_behind(fresh_store: Store) -> None:
    with fresh_store.ledger(OWNER) as ledger:
        doc_id = a_physician(ledger, first="Ada", last="Demo").id
    extraction = extract_bytes("cert.pdf", certificate_pdf())

    def import_then_fail() -> None:
        with fresh_store.ledger(OWNER) as ledger:
            import_extraction(ledger, doc_id, extraction)
            raise RuntimeError("disk full halfway")

    with pytest.raises(RuntimeError):
        import_then_fail()
    with fresh_store.ledger(OWNER) as ledger:
        assert ledger_view(ledger, doc_id).completions == []
        assert ledger.documents.for_physician(doc_id) == []
        assert ledger.review.open_items(doc_id) == []


def test_accepting_an_item_the_ledger_already_holds_adds_evidence_not_credit(
    ledger: Ledger,
) -> None:
    doc = a_physician(ledger, first="Ada", last="Demo")
    month_only = tuple(line.replace("on June 3, 2025", "in June 2025") for line in LINES)
    import_extraction(ledger, doc.id, extract_bytes("m.pdf", certificate_pdf(lines=month_only)))
    import_extraction(ledger, doc.id, extract_bytes("cert.pdf", certificate_pdf()))
    [item] = ledger.review.open_items(doc.id)
    credit_id = accept_review_item(ledger, doc.id, item.id, {"date": "2025-06-03"})
    [completion] = ledger_view(ledger, doc.id).completions
    assert completion.id == credit_id and len(completion.provenance) == 2
    assert ledger_view(ledger, doc.id).totals == {"ama_pra_1": Decimal("1.75")}


def test_a_possible_duplicate_can_be_merged_into_the_existing_credit(ledger: Ledger) -> None:
    from datetime import date

    doc = a_physician(ledger, first="Ada", last="Demo")
    done = a_completion(
        ledger, doc.id, title="Heart Failure in Primary Care", on=date(2025, 6, 4), amount="1.75"
    )
    import_extraction(ledger, doc.id, extract_bytes("cert.pdf", certificate_pdf()))
    [item] = ledger.review.open_items(doc.id)
    assert accept_review_item(ledger, doc.id, item.id, merge=True) == done.id
    assert ledger_view(ledger, doc.id).totals == {"ama_pra_1": Decimal("1.75")}


def test_transcript_rows_waiting_for_review_each_get_an_item(ledger: Ledger) -> None:
    doc = a_physician(ledger, first="Ada", last="Demo")
    csv = (
        b"Activity Title,Provider,Completion Date,Credits,Credit Type\n"
        b"Asthma Update,Lake CME,March 2025,1,AMA PRA Category 1\n"
        b"Sepsis Bundle,Lake CME,April 2025,2,AMA PRA Category 1\n"
        b"Lipids Today,Lake CME,May 2025,1.5,AMA PRA Category 1\n"
    )
    report = import_extraction(ledger, doc.id, extract_bytes("t.csv", csv))
    assert report.count("needs_review") == 3
    assert len(ledger.review.open_items(doc.id)) == 3
    again = import_extraction(ledger, doc.id, extract_bytes("t.csv", csv))
    assert again.count("duplicate") == 3 and len(ledger.review.open_items(doc.id)) == 3


def test_a_transcript_for_someone_else_is_not_counted(ledger: Ledger) -> None:
    doc = a_physician(ledger, first="Ada", last="Demo")
    csv = (
        b"Transcript for: John Smith MD\n"
        b"Activity Title,Provider,Completion Date,Credits,Credit Type\n"
        b"Asthma Update,Lake CME,2025-03-02,1,AMA PRA Category 1\n"
    )
    report = import_extraction(ledger, doc.id, extract_bytes("t.csv", csv))
    assert report.count("imported") == 0
    assert any("John Smith" in r for r in report.outcomes[0].reasons)


def test_a_clear_copy_settles_the_doubtful_one_waiting_for_review(ledger: Ledger) -> None:
    doc = a_physician(ledger, first="Ada", last="Demo")
    # a misread amount, off the quarter-credit step: it waits for review
    blurred = tuple(line.replace("awarded 1.75", "awarded 1.80") for line in LINES)
    first = import_extraction(
        ledger, doc.id, extract_bytes("blurred.pdf", certificate_pdf(lines=blurred))
    )
    assert first.count("needs_review") == 1
    second = import_extraction(ledger, doc.id, extract_bytes("cert.pdf", certificate_pdf()))
    assert second.count("imported") == 1
    assert ledger.review.open_items(doc.id) == []
    [completion] = ledger_view(ledger, doc.id).completions
    assert len(completion.provenance) == 2
