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
    folded = re.sub(r"^\s*#\s*\d{4,}", " ", folded)  # a leading course number ("#97471")
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


def _numbers(title: str) -> list[str]:
    """Episode, part and module numbers: "Module 1" and "Module 2" are different activities."""
    return re.findall(r"\d+", normalise_text(title))


def classify(candidate: Candidate, other: Candidate) -> tuple[MatchKind, str]:
    """How two completions relate: the same one, possibly the same one, or different."""
    days = abs((candidate.completed_on - other.completed_on).days)
    if days > 1:
        return MatchKind.NONE, ""
    title_score = _similar(normalise_text(candidate.title), normalise_text(other.title))
    if title_score < TITLE_NEAR:
        return MatchKind.NONE, ""
    same_numbers = _numbers(candidate.title) == _numbers(other.title)
    provider, other_provider = normalise_text(candidate.provider), normalise_text(other.provider)
    provider_ok = (
        not provider
        or not other_provider
        or _similar(provider, other_provider) >= PROVIDER_SAME
        or provider in other_provider
        or other_provider in provider
    )
    agree = _amounts_agree(candidate.awarded, other.awarded)
    same_types = set(candidate.awarded) == set(other.awarded)
    if (
        title_score >= TITLE_SAME
        and same_numbers
        and days == 0
        and agree
        and same_types
        and provider_ok
    ):
        return MatchKind.SAME, "same title, provider, date and credit"
    if agree is not False:
        why = (
            f"similar title ({title_score:.0f}%)" if title_score < TITLE_SAME else "same title"
        ) + (", one day apart" if days else ", same date")
        if not same_numbers:
            why += ", different numbers in the title"
        if agree and not same_types:
            why += ", one lists credit types the other does not"
        return MatchKind.NEAR, why + ("" if provider_ok else ", different provider")
    if title_score >= TITLE_SAME and days == 0:
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


def _name_words(text: str) -> list[str]:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.findall(r"[a-z0-9]+", folded)


def names_agree(expected_first: str, expected_last: str, seen: str | None) -> bool:
    """The family name must appear as a whole word; the given name whole or as an initial
    (certificates add middle initials and drop accents, but "Ada" is not "Adam")."""
    if not seen:
        return True
    words, last, first = _name_words(seen), _name_words(expected_last), _name_words(expected_first)
    if not last or not all(part in words for part in last):
        return False
    return not first or any(
        w == first[0] or (len(w) == 1 and first[0].startswith(w)) for w in words
    )
