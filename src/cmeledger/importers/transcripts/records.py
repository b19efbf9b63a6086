"""Whole-record steps after the rows are read."""

from __future__ import annotations

from dataclasses import replace

from cmeledger.domain.extraction import Extracted


def merge_rows(records: list[Extracted]) -> list[Extracted]:
    """Rows of one completion (same activity, date and ID) become one record."""
    merged: dict[tuple[object, ...], Extracted] = {}
    for r in records:
        key = (
            (r.title or "").casefold(),
            r.provider,
            r.completion_date,
            r.accme_activity_id,
            r.learner_name,
        )
        have = merged.get(key)
        if have is None:
            merged[key] = r
            continue
        conf = {k: min(v, r.field_confidence.get(k, v)) for k, v in have.field_confidence.items()}
        merged[key] = replace(
            have,
            credits=tuple(dict.fromkeys(have.credits + r.credits)),
            moc=tuple(dict.fromkeys(have.moc + r.moc)),
            topics=tuple(dict.fromkeys(have.topics + r.topics)),
            review_reasons=tuple(dict.fromkeys(have.review_reasons + r.review_reasons)),
            field_confidence=conf,
        )
    return list(merged.values())
