"""Is this completion one we already have? Same → merge evidence; near → ask a person."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from uuid import UUID

from rapidfuzz import fuzz

from cmeledger.domain.activities import Completion

TITLE_SAME = 97.0
TITLE_NEAR = 85.0
PROVIDER_SAME = 85.0
_STOP = {"the", "a", "an", "of", "and", "for", "in", "on", "to", "cme", "inc", "llc"}


class MatchKind(StrEnum):
    SAME = "same"
    NEAR = "near"
    NONE = "none"


@dataclass(frozen=True, slots=True)
class Candidate:
    title: str
    provider: str | None
    completed_on: date
    awarded: Mapping[str, Decimal]


@dataclass(frozen=True, slots=True)
class Match:
    kind: MatchKind
    completion_id: UUID | None = None
    why: str = ""


def normalise_text(text: str | None) -> str:
    if not text:
        return ""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    folded = re.sub(r"#\s*\d+", " ", folded)  # course numbers such as "#97471"
    words = re.findall(r"[a-z0-9]+", folded)
    return " ".join(w for w in words if w not in _STOP)


def _similar(a: str, b: str) -> float:
    if not a or not b:
        return 0.0
    return float(fuzz.token_sort_ratio(a, b))


def _amounts_agree(a: Mapping[str, Decimal], b: Mapping[str, Decimal]) -> bool | None:
    """True/False on the credit types both name; None when they share none."""
    shared = set(a) & set(b)
    if not shared:
        return None
    return all(a[t] == b[t] for t in shared)


def candidate_of(done: Completion) -> Candidate:
    return Candidate(
        done.activity.title,
        done.activity.provider,
        done.completed_on,
        {c.type_code: c.amount for c in done.credits},
    )


def classify(candidate: Candidate, other: Candidate) -> tuple[MatchKind, str]:
    """How two completions relate: the same one, possibly the same one, or different."""
    title_score = _similar(normalise_text(candidate.title), normalise_text(other.title))
    if title_score < TITLE_NEAR:
        return MatchKind.NONE, ""
    provider, other_provider = normalise_text(candidate.provider), normalise_text(other.provider)
    provider_ok = (
        not provider
        or not other_provider
        or _similar(provider, other_provider) >= PROVIDER_SAME
        or provider in other_provider
        or other_provider in provider
    )
    days = abs((candidate.completed_on - other.completed_on).days)
    agree = _amounts_agree(candidate.awarded, other.awarded)
    if title_score >= TITLE_SAME and days == 0 and agree and provider_ok:
        return MatchKind.SAME, "same title, provider, date and credit"
    if days <= 1 and agree is not False:
        why = (
            f"similar title ({title_score:.0f}%)" if title_score < TITLE_SAME else "same title"
        ) + (", one day apart" if days else ", same date")
        return MatchKind.NEAR, why + ("" if provider_ok else ", different provider")
    if title_score >= TITLE_SAME and days == 0 and agree is False:
        return MatchKind.NEAR, "same title and date, different credit"
    return MatchKind.NONE, ""


def match(candidate: Candidate, existing: Iterable[tuple[UUID, Candidate]]) -> Match:
    """The strongest relation to any of `existing`: SAME beats NEAR beats NONE."""
    best = Match(MatchKind.NONE)
    for other_id, other in existing:
        kind, why = classify(candidate, other)
        if kind is MatchKind.SAME:
            return Match(kind, other_id, why)
        if kind is MatchKind.NEAR and best.kind is MatchKind.NONE:
            best = Match(kind, other_id, why)
    return best


def names_agree(expected_first: str, expected_last: str, seen: str | None) -> bool:
    """Certificates add middle initials and drop accents; the family name must be there."""
    if not seen:
        return True
    words = normalise_text(seen).split()
    last = normalise_text(expected_last)
    first = normalise_text(expected_first)
    return (
        bool(last)
        and last in " ".join(words)
        and (
            not first
            or any(w == first or (len(w) == 1 and first.startswith(w)) for w in words)
            or _similar(first, words[0]) >= 80
        )
    )
