from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

import pytest

from cmeledger.domain.activities import Activity, Completion, Provenance, SourceKind, check_topic
from cmeledger.domain.credits import CreditClaim, CreditRole
from cmeledger.domain.errors import DomainError


def _activity(**overrides: object) -> Activity:
    fields: dict[str, object] = {
        "id": uuid.uuid4(),
        "title": "Opioid Safety",
        "provider": "Demo CME",
    }
    fields.update(overrides)
    return Activity(**fields)  # type: ignore[arg-type]


def test_it_refuses_a_claim_above_the_designated_maximum() -> None:
    activity = _activity(
        designated=(CreditClaim("ama_pra_1", Decimal("2"), CreditRole.DESIGNATED),)
    )
    with pytest.raises(DomainError, match="exceeds the 2 designated"):
        Completion(
            uuid.uuid4(),
            uuid.uuid4(),
            activity,
            date(2026, 1, 1),
            (CreditClaim("ama_pra_1", Decimal("2.25")),),
        )


def test_it_normalises_topic_tags() -> None:
    assert check_topic("Opioid-Prescribing") == "opioid_prescribing"
    with pytest.raises(DomainError):
        check_topic("<script>")


def test_it_requires_credit_on_every_completion() -> None:
    with pytest.raises(DomainError, match="at least one credit"):
        Completion(uuid.uuid4(), uuid.uuid4(), _activity(), date(2026, 1, 1), ())


def test_it_checks_provenance_confidence_and_hash() -> None:
    with pytest.raises(DomainError):
        Provenance(SourceKind.CERTIFICATE, "ocr", confidence=Decimal("1.2"))
    with pytest.raises(DomainError):
        Provenance(SourceKind.CERTIFICATE, "ocr", document_sha256="ABC")


def test_it_refuses_an_activity_that_ends_before_it_starts() -> None:
    with pytest.raises(DomainError):
        _activity(start_date=date(2026, 2, 1), end_date=date(2026, 1, 1))
