from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

import pytest

from cmeledger.domain.dedupe import Candidate, MatchKind, classify, match, names_agree


def c(
    title: str, on: date = date(2025, 3, 1), provider: str | None = "Lake CME", **awarded: str
) -> Candidate:
    return Candidate(
        title, provider, on, {k: Decimal(v) for k, v in (awarded or {"ama_pra_1": "1"}).items()}
    )


def test_the_same_completion_from_two_sources_is_the_same() -> None:
    kind, _ = classify(c("Asthma: 2025 Update"), c("ASTHMA 2025 update", provider="Lake CME Inc"))
    assert kind is MatchKind.SAME


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Podcast Episode #101", "Podcast Episode #102"),
        ("Board Review Module 1", "Board Review Module 2"),
    ],
)
def test_numbered_parts_are_never_merged_silently(a: str, b: str) -> None:
    kind, why = classify(c(a), c(b))
    assert kind is MatchKind.NEAR and "numbers" in why


def test_a_second_source_with_more_credit_types_goes_to_review() -> None:
    kind, why = classify(c("Lipids", ama_pra_1="1", moc_abim_mk="1"), c("Lipids"))
    assert kind is MatchKind.NEAR and "credit types" in why


def test_a_day_apart_or_a_different_amount_is_near_not_same() -> None:
    assert classify(c("Lipids", date(2025, 3, 2)), c("Lipids"))[0] is MatchKind.NEAR
    assert classify(c("Lipids", ama_pra_1="2"), c("Lipids"))[0] is MatchKind.NEAR
    assert classify(c("Lipids", date(2025, 3, 5)), c("Lipids"))[0] is MatchKind.NONE


def test_match_prefers_same_over_near() -> None:
    near, same = uuid.uuid4(), uuid.uuid4()
    found = match(c("Lipids"), [(near, c("Lipids", date(2025, 3, 2))), (same, c("Lipids"))])
    assert found.kind is MatchKind.SAME and found.completion_id == same


@pytest.mark.parametrize(
    ("seen", "ok"),
    [
        ("Ada B. Demo", True),
        ("Dr. ADA DEMO", True),
        ("A. Demo", True),
        ("Ada Demopoulos", False),
        ("Adam Demo", False),
        ("Grace Demo", False),
        ("", True),
    ],
)
def test_names_must_agree_by_whole_words(seen: str, ok: bool) -> None:
    assert names_agree("Ada", "Demo", seen) is ok
