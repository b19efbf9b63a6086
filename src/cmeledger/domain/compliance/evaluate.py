"""Per-licence obligation status from rule data and completed credits (pure, Decimal only).

Counting, in brief:
- a completion is counted at most once per obligation, at its largest accepted claim (two
  claims on one certificate describe the same hours in two credit systems);
- a claim is accepted if its type is in the rule's accepted types, directly or through an
  equivalence recognised by `RECOGNISED_BY` (taxonomy data);
- only completions dated inside the cycle window (and not after the as-of date) count toward
  the total and the category minimums; a category's `max_hours` caps what its credits add to
  the total, applied in date order;
- topic hours count completions tagged with the topic, inside the topic's own window
  (`each_cycle` and `unknown`: the cycle; `every_n_cycles`: the last N cycles; `one_time`:
  any date up to the due date); a topic completion also counts toward the total when it
  falls inside the cycle window;
- topics only drive the status when they apply to everyone ("All…"); others are reported
  with `applies` False and an explanation, since the engine does not know the practice.
One completion may count toward several licences: each obligation is evaluated on its own.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any
from uuid import UUID

from cmeledger.domain.activities import Completion
from cmeledger.domain.compliance.cycles import CycleWindow, add_months, cycle_window
from cmeledger.domain.credit_taxonomy import equivalent_targets
from cmeledger.domain.credits import CreditClaim, CreditRole
from cmeledger.domain.people import BoardCertification, License, Physician
from cmeledger.requirements.model import Frequency, Rule, RuleVersion, Topic

ZERO = Decimal(0)
AT_RISK_DAYS = 90
# Authorities whose equivalences a state licensing board is taken to follow.
RECOGNISED_BY = frozenset({"AMA"})


class Status(StrEnum):
    MET = "met"
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    OVERDUE = "overdue"
    NOT_APPLICABLE = "not_applicable"


@dataclass(frozen=True, slots=True)
class CategoryProgress:
    category: str  # the credit types it admits, joined with "|"
    required: Decimal
    counted: Decimal
    max_hours: Decimal | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"category": self.category, "required": self.required, "counted": self.counted}


@dataclass(frozen=True, slots=True)
class TopicProgress:
    topic: str
    required: Decimal | None  # None: the rule data does not give a number
    counted: Decimal
    frequency: str
    applies_to: str
    applies: bool  # True when it binds every licensee, so it drives the status

    @property
    def met(self) -> bool:
        return self.required is None or self.counted >= self.required

    def to_dict(self) -> dict[str, Any]:
        return {
            "topic": self.topic,
            "required": self.required,
            "counted": self.counted,
            "frequency": self.frequency,
            "applies_to": self.applies_to,
            "applies": self.applies,
        }


@dataclass(frozen=True, slots=True)
class Obligation:
    id: str
    kind: str
    rule_id: str
    license_id: UUID
    jurisdiction: str | None
    board_type: str | None
    cycle_start: date
    cycle_end: date
    due_date: date
    status: Status
    required_hours: Decimal | None
    counted_hours: Decimal
    remaining_hours: Decimal
    categories: tuple[CategoryProgress, ...]
    topics: tuple[TopicProgress, ...]
    explanation: tuple[str, ...]
    source: str | None
    uncertain: tuple[str, ...]
    assumptions: tuple[str, ...]

    @property
    def label(self) -> str:
        if self.kind == "state_license":
            return f"{self.jurisdiction} {self.board_type} licence ({self.rule_id})"
        if self.kind == "board":
            return f"{self.rule_id} certification"
        return "DEA registration (MATE training)"

    def to_dict(self) -> dict[str, Any]:
        """The CLI contract's shape (dates and Decimals left for the caller to encode)."""
        return {
            "id": self.id,
            "kind": self.kind,
            "jurisdiction": self.jurisdiction,
            "board": self.rule_id if self.kind == "board" else None,
            "board_type": self.board_type,
            "cycle_start": self.cycle_start,
            "cycle_end": self.cycle_end,
            "due_date": self.due_date,
            "status": self.status.value,
            "required_hours": self.required_hours,
            "counted_hours": self.counted_hours,
            "remaining_hours": self.remaining_hours,
            "categories": [c.to_dict() for c in self.categories],
            "topics": [t.to_dict() for t in self.topics],
            "explanation": list(self.explanation),
            "source": self.source,
            "uncertain": list(self.uncertain),
            "assumptions": list(self.assumptions),
        }


def _claim_amount(claim: CreditClaim, accepted: frozenset[str]) -> tuple[Decimal, str] | None:
    """What `claim` is worth under `accepted` types, and the type it counts as."""
    if claim.role is not CreditRole.AWARDED:
        return None
    if claim.type_code in accepted:
        return claim.amount, claim.type_code
    for eq in equivalent_targets(claim.type_code, RECOGNISED_BY):
        if eq.target_type in accepted:
            return claim.amount * eq.ratio, eq.target_type
    return None


def _best(completion: Completion, accepted: frozenset[str]) -> tuple[Decimal, str] | None:
    """The largest accepted claim of a completion; ties go to the smaller type code."""
    found = [v for c in completion.credits if (v := _claim_amount(c, accepted)) is not None]
    if not found:
        return None
    return min(found, key=lambda v: (-v[0], v[1]))


def _hours(amount: Decimal) -> str:
    return f"{amount.normalize():f}"


def _label(completion: Completion) -> str:
    return f"'{completion.activity.title}' ({completion.completed_on.isoformat()})"


def _types(completion: Completion) -> str:
    return ", ".join(sorted({c.type_code for c in completion.credits}))


def _version_for(rule: Rule, on: date) -> tuple[RuleVersion, str | None]:
    for version in rule.versions:
        if version.in_force_on(on):
            return version, None

    # Outside every version: take the nearest one and say so.
    def distance(v: RuleVersion) -> int:
        if v.effective_from is not None and on < v.effective_from:
            return (v.effective_from - on).days
        if v.effective_to is not None and on > v.effective_to:
            return (on - v.effective_to).days
        return 0

    nearest = min(rule.versions, key=distance)
    return nearest, (
        f"no version of {rule.id} is in force on {on.isoformat()}; used the nearest one "
        f"({_version_label(nearest)})"
    )


def _version_label(version: RuleVersion) -> str:
    start = version.effective_from.isoformat() if version.effective_from else "open"
    end = version.effective_to.isoformat() if version.effective_to else "open"
    return f"in force {start} to {end}"


def _applies_to_all(topic: Topic) -> bool:
    return topic.applies_to.strip().lower().startswith("all")


def _topic_start(topic: Topic, window: CycleWindow, months: int) -> date | None:
    """First day a completion counts for `topic`; None means no lower bound."""
    if topic.frequency is Frequency.ONE_TIME:
        return None
    if topic.frequency is Frequency.EVERY_N_CYCLES and topic.every_n and topic.every_n > 1:
        return add_months(window.start, -months * (topic.every_n - 1))
    return window.start


@dataclass(frozen=True, slots=True)
class Holding:
    """What an obligation hangs on: a licence, or a board certification's current term."""

    id: UUID
    issued: date | None
    expires: date
    jurisdiction: str | None
    board_type: str | None
    what: str  # "licence" or "certification", for explanations

    @classmethod
    def of_license(cls, lic: License) -> Holding:
        return cls(
            lic.id, lic.issued, lic.expires, lic.jurisdiction, lic.board_type.value, "licence"
        )

    @classmethod
    def of_certification(cls, cert: BoardCertification) -> Holding | None:
        """None when the certification has no end date: its cycle cannot be placed."""
        if cert.ends is None:
            return None
        return cls(cert.id, cert.starts, cert.ends, None, None, "certification")


def evaluate_license(
    physician: Physician,
    license: License,
    rule: Rule,
    completions: Iterable[Completion],
    as_of: date,
) -> Obligation:
    """One licence's obligation under `rule` on `as_of`."""
    return evaluate_holding(physician, Holding.of_license(license), rule, completions, as_of)


def evaluate_holding(
    physician: Physician,
    license: Holding,
    rule: Rule,
    completions: Iterable[Completion],
    as_of: date,
) -> Obligation:
    """One holding's obligation under `rule` on `as_of` (a licence, or a board's term)."""
    assumptions: list[str] = []
    explanation: list[str] = []
    version, version_note = _version_for(rule, as_of)
    if version_note:
        assumptions.append(version_note)
    window = cycle_window(
        version.cycle,
        license_expires=license.expires,
        license_issued=license.issued,
        birth=physician.birth,
        as_of=as_of,
    )
    months = version.cycle.months or 24
    if window.assumption:
        assumptions.append(window.assumption)
    source = rule.sources[0].url if rule.sources else None
    explanation.append(
        f"rule {rule.id} ({rule.name}), version {_version_label(version)}, "
        f"source {source or 'none recorded'} (checked {rule.source_checked.isoformat()}, "
        f"confidence {rule.confidence.value})"
    )
    explanation.append(
        f"cycle {window.start.isoformat()} to {window.end.isoformat()}: {window.basis}"
    )
    if license.issued is not None and license.issued > window.start:
        note = version.first_renewal or "no first-renewal rule recorded"
        assumptions.append(
            f"first renewal ({license.what} issued {license.issued.isoformat()}): {note}; "
            "the full requirement is shown, not reduced"
        )

    accepted = frozenset(version.accepted_credit_types)
    own = sorted(
        (c for c in completions if c.physician_id == physician.id),
        key=lambda c: (c.completed_on, c.id),
    )

    # Totals and categories, in date order so that caps are applied deterministically.
    cap_used: dict[int, Decimal] = {}
    category_counted: dict[int, Decimal] = {i: ZERO for i in range(len(version.categories))}
    counted = ZERO
    for completion in own:
        day = completion.completed_on
        if day > as_of:
            explanation.append(f"not counted: {_label(completion)} is after the as-of date")
            continue
        if not window.start <= day <= window.end:
            explanation.append(f"not counted: {_label(completion)} is outside the cycle window")
            continue
        best = _best(completion, accepted)
        if best is None:
            explanation.append(
                f"not counted: {_label(completion)}: credit type {_types(completion)} "
                f"is not accepted by {rule.id}"
            )
            continue
        amount, as_type = best
        for i, category in enumerate(version.categories):
            found = _best(completion, frozenset(category.credit_types))
            if found is not None:
                category_counted[i] += found[0]
        allowed = amount
        for i, category in enumerate(version.categories):
            if category.max_hours is None or as_type not in category.credit_types:
                continue
            room = max(category.max_hours - cap_used.get(i, ZERO), ZERO)
            if allowed > room:
                explanation.append(
                    f"cap reached: {_label(completion)} counts {_hours(room)} of "
                    f"{_hours(allowed)} h (at most {_hours(category.max_hours)} h of "
                    f"{'|'.join(category.credit_types)})"
                )
                allowed = room
        for i, category in enumerate(version.categories):
            if category.max_hours is not None and as_type in category.credit_types:
                cap_used[i] = cap_used.get(i, ZERO) + allowed
        counted += allowed
        if allowed > 0:
            explanation.append(f"counted {_hours(allowed)} h {as_type}: {_label(completion)}")

    categories = tuple(
        CategoryProgress(
            category="|".join(category.credit_types),
            required=category.min_hours,
            counted=category_counted[i],
            max_hours=category.max_hours,
        )
        for i, category in enumerate(version.categories)
    )

    topics: list[TopicProgress] = []
    for topic in version.topics:
        start = _topic_start(topic, window, months)
        applies = _applies_to_all(topic)
        hours = ZERO
        for completion in own:
            if topic.topic not in completion.topics:
                continue
            day = completion.completed_on
            if day > as_of or day > window.end or (start is not None and day < start):
                explanation.append(
                    f"topic {topic.topic}: {_label(completion)} is outside its window"
                )
                continue
            best = _best(completion, accepted) if accepted else _best_any(completion)
            if best is None:
                explanation.append(
                    f"topic {topic.topic}: {_label(completion)} not counted, credit type "
                    f"{_types(completion)} is not accepted"
                )
                continue
            hours += best[0]
            explanation.append(
                f"topic {topic.topic}: counted {_hours(best[0])} h from {_label(completion)}"
            )
        required = topic.hours if topic.hours is not None and topic.hours > 0 else None
        if topic.hours is None:
            explanation.append(f"topic {topic.topic}: the rule data gives no hour figure")
        if topic.frequency is Frequency.UNKNOWN:
            assumptions.append(
                f"topic {topic.topic}: frequency unknown; counted within the current cycle"
            )
        if not applies:
            explanation.append(
                f"topic {topic.topic} applies to: {topic.applies_to}; "
                "shown but not used for the status"
            )
        topics.append(
            TopicProgress(
                topic=topic.topic,
                required=required,
                counted=hours,
                frequency=topic.frequency.value
                if topic.frequency is not Frequency.EVERY_N_CYCLES
                else f"every_{topic.every_n}_cycles",
                applies_to=topic.applies_to,
                applies=applies,
            )
        )
    topics.sort(key=lambda t: t.topic)

    total = version.total_hours
    total_short = max(total - counted, ZERO) if total is not None else ZERO
    category_short = max((max(c.required - c.counted, ZERO) for c in categories), default=ZERO)
    binding = [t for t in topics if t.applies and t.required is not None]
    topic_short = sum(
        (max(t.required - t.counted, ZERO) for t in binding if t.required is not None), ZERO
    )
    remaining = max(total_short, category_short, topic_short)

    if total is None and not binding and not categories:
        status = Status.NOT_APPLICABLE
        explanation.append(f"{rule.id} sets no hour requirement that applies to everyone")
    elif remaining == 0:
        status = Status.MET
    elif as_of > window.end:
        status = Status.OVERDUE
    elif window.end - as_of <= timedelta(days=AT_RISK_DAYS):
        status = Status.AT_RISK
    else:
        status = Status.ON_TRACK

    return Obligation(
        id=f"{rule.kind.value}:{rule.id}:{license.id}",
        kind=rule.kind.value,
        rule_id=rule.id,
        license_id=license.id,
        jurisdiction=rule.jurisdiction or license.jurisdiction,
        board_type=license.board_type,
        cycle_start=window.start,
        cycle_end=window.end,
        due_date=window.end,
        status=status,
        required_hours=total,
        counted_hours=counted,
        remaining_hours=remaining,
        categories=categories,
        topics=tuple(topics),
        explanation=tuple(explanation),
        source=source,
        uncertain=rule.uncertain,
        assumptions=tuple(assumptions),
    )


def _best_any(completion: Completion) -> tuple[Decimal, str] | None:
    return _best(completion, frozenset(c.type_code for c in completion.credits))


def evaluate(
    physician: Physician,
    licenses: Sequence[License],
    rules_by_license: Mapping[UUID, Rule],
    completions: Iterable[Completion],
    as_of: date,
) -> list[Obligation]:
    """Every licence's obligation, sorted by jurisdiction, board type, rule and licence id.

    Licences with no entry in `rules_by_license` are skipped: the caller reports them.
    """
    ledger = tuple(completions)
    found = [
        evaluate_license(physician, lic, rules_by_license[lic.id], ledger, as_of)
        for lic in licenses
        if lic.id in rules_by_license
    ]
    return sorted(
        found,
        key=lambda o: (o.jurisdiction or "", o.board_type or "", o.rule_id, o.license_id),
    )
