"""Per-licence obligation status from rule data and completed credits (pure, Decimal only).

Counting, in brief:
- a completion is counted at most once per obligation: its hours, under any of its accepted
  claims (two claims on one certificate describe the same hours in two credit systems);
- a claim is accepted if its type is in the rule's accepted types, directly or through an
  equivalence recognised by `RECOGNISED_BY` (taxonomy data);
- only completions dated inside the cycle window (and not after the as-of date) count toward
  the total and the category minimums; caps (a category's `max_hours`, hours per day or per
  calendar year) are applied by `allocation.allocate`, which finds the largest total they
  allow, whatever the order the credits were earned in;
- the rule's `terms` apply: carryover of excess hours from the previous cycle, a first-renewal
  exemption or a pro-rated requirement for a first cycle, and a current ABMS/AOA certification
  standing in for the hours (and, where the rule says so, the topics);
- topic hours count completions tagged with the topic, inside the topic's own window
  (`each_cycle` and `unknown`: the cycle; `every_n_cycles`: the last N cycles; `one_time`:
  any date up to the due date); a topic completion also counts toward the total when it
  falls inside the cycle window;
- a topic drives the status when its audience is everyone, or prescribers and the physician
  holds a DEA registration; others are shown with `applies` False and an explanation, since
  the ledger does not know the physician's practice.
One completion may count toward several licences: each obligation is evaluated on its own.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_CEILING, Decimal
from enum import StrEnum
from typing import Any
from uuid import UUID

from cmeledger.domain.activities import Completion
from cmeledger.domain.compliance.allocation import Candidate, Caps, allocate
from cmeledger.domain.compliance.cycles import CycleWindow, add_months, cycle_window
from cmeledger.domain.credit_taxonomy import equivalent_targets
from cmeledger.domain.credits import CreditClaim, CreditRole
from cmeledger.domain.people import BoardCertification, License, Physician
from cmeledger.requirements.model import (
    Audience,
    Frequency,
    MocInLieu,
    ProrateBy,
    Rule,
    RuleVersion,
    Topic,
)

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


def _claims(completion: Completion, accepted: frozenset[str]) -> dict[str, Decimal]:
    """Every accepted type a completion counts as, at the largest claim for that type."""
    found: dict[str, Decimal] = {}
    for claim in completion.credits:
        value = _claim_amount(claim, accepted)
        if value is not None and value[0] > found.get(value[1], ZERO):
            found[value[1]] = value[0]
    return found


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


@dataclass(frozen=True, slots=True)
class Practice:
    """What the ledger knows about a physician beyond credits, which some rules depend on."""

    prescriber: bool = False  # holds a DEA registration
    certified_by: tuple[str, ...] = ()  # ABMS or AOA boards with a current certification


# ABMS member boards; AOA certifying boards are "AOA…" or "AOB…" (osteopathic).
ABMS_BOARDS = frozenset(
    "ABAI ABA ABCRS ABD ABEM ABFM ABIM ABMGG ABNS ABNM ABOG ABO ABOS ABOHNS ABPATH ABP "
    "ABPMR ABPS ABPM ABPN ABR ABS ABTS ABU".split()
)


def is_physician_board(board: str) -> bool:
    """True for ABMS and AOA specialty boards (not NCCPA or the nurse practitioner boards)."""
    code = board.strip().upper()
    return code in ABMS_BOARDS or code.startswith(("AOA", "AOB"))


def _applies(topic: Topic, practice: Practice) -> bool:
    if topic.audience is Audience.ALL:
        return True
    return topic.audience is Audience.PRESCRIBERS and practice.prescriber


def _candidates(
    own: Sequence[Completion],
    start: date,
    end: date,
    as_of: date,
    accepted: frozenset[str],
    rule_id: str,
    explanation: list[str] | None,
) -> list[tuple[Completion, Candidate]]:
    found: list[tuple[Completion, Candidate]] = []
    for completion in own:
        day = completion.completed_on
        if day > as_of:
            if explanation is not None:
                explanation.append(f"not counted: {_label(completion)} is after the as-of date")
            continue
        if not start <= day <= end:
            if explanation is not None:
                explanation.append(f"not counted: {_label(completion)} is outside the cycle window")
            continue
        claims = _claims(completion, accepted)
        if not claims:
            if explanation is not None:
                explanation.append(
                    f"not counted: {_label(completion)}: credit type {_types(completion)} "
                    f"is not accepted by {rule_id}"
                )
            continue
        found.append((completion, Candidate(len(found), day.toordinal(), day.year, claims)))
    return found


def _caps(version: RuleVersion) -> Caps:
    return Caps(
        categories=tuple(
            (frozenset(c.credit_types), c.max_hours)
            for c in version.categories
            if c.max_hours is not None
        ),
        per_day=version.terms.max_hours_per_day,
        per_year=version.terms.max_hours_per_year,
    )


def _count_total(
    own: Sequence[Completion],
    start: date,
    end: date,
    as_of: date,
    version: RuleVersion,
    accepted: frozenset[str],
    rule_id: str,
    explanation: list[str] | None,
) -> tuple[Decimal, dict[int, Decimal]]:
    """Hours toward the total (caps applied optimally) and per category minimum."""
    found = _candidates(own, start, end, as_of, accepted, rule_id, explanation)
    allocation = allocate([c for _, c in found], _caps(version))
    category_counted = {i: ZERO for i in range(len(version.categories))}
    category_types = [frozenset(c.credit_types) for c in version.categories]
    for completion, candidate in found:
        for i, types in enumerate(category_types):
            hit = _best(completion, types)
            if hit is not None:
                category_counted[i] += hit[0]
        if explanation is None:
            continue
        allowed = allocation.counted[candidate.key]
        label = _label(completion)
        if candidate.key in allocation.binding:
            why = "; ".join(allocation.binding[candidate.key]) or "caps"
            explanation.append(
                f"cap reached: {label} counts {_hours(allowed)} of "
                f"{_hours(candidate.hours)} h ({why})"
            )
        if allowed > 0:
            claims = candidate.claims
            as_types = next(iter(claims)) if len(claims) == 1 else "|".join(sorted(claims))
            explanation.append(f"counted {_hours(allowed)} h {as_types}: {label}")
    return allocation.total, category_counted


def _carryover(
    rule: Rule,
    version: RuleVersion,
    own: Sequence[Completion],
    window: CycleWindow,
    months: int,
    accepted: frozenset[str],
) -> tuple[Decimal, dict[int, Decimal]]:
    """Excess hours of the previous cycle that the rule lets count in this one, in total and
    per category (a category gets what its own credits earned above its minimum then)."""
    limit = version.terms.carryover_max_hours
    if not limit:
        return ZERO, {}
    end = window.start - timedelta(days=1)
    start = add_months(window.start, -months)
    earlier, _ = _version_for(rule, end)
    if earlier.total_hours is None:
        return ZERO, {}
    then = frozenset(earlier.accepted_credit_types)  # what that cycle's rule accepted
    done, by_category = _count_total(own, start, end, end, earlier, then, rule.id, None)
    carried = min(max(done - earlier.total_hours, ZERO), limit)
    per_category: dict[int, Decimal] = {}
    for i, category in enumerate(version.categories):
        for j, before in enumerate(earlier.categories):
            if before.credit_types == category.credit_types:
                spare = max(by_category[j] - before.min_hours, ZERO)
                per_category[i] = min(carried, spare)
    return carried, per_category


def _prorated(required: Decimal, fraction: tuple[int, int]) -> Decimal:
    left, whole = fraction
    return (required * left / whole).to_integral_value(rounding=ROUND_CEILING)


def _share_left(issued: date, window: CycleWindow, months: int, unit: ProrateBy) -> tuple[int, int]:
    """Whole units of the cycle left after `issued`, and the units in a full cycle."""
    size = {ProrateBy.MONTH: 1, ProrateBy.HALF_YEAR: 6, ProrateBy.YEAR: 12}[unit]
    left = 0
    while add_months(issued, (left + 1) * size) <= window.end + timedelta(days=1):
        left += 1
    whole = max(months // size, 1)
    return min(left, whole), whole


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
    practice: Practice = Practice(),
) -> Obligation:
    """One licence's obligation under `rule` on `as_of`."""
    return evaluate_holding(
        physician, Holding.of_license(license), rule, completions, as_of, practice
    )


def evaluate_holding(
    physician: Physician,
    license: Holding,
    rule: Rule,
    completions: Iterable[Completion],
    as_of: date,
    practice: Practice = Practice(),
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
    terms = version.terms
    total = version.total_hours
    minimums = [c.min_hours for c in version.categories]
    exempt = False
    if license.issued is not None and license.issued > window.start:
        first = f"first renewal cycle ({license.what} issued {license.issued.isoformat()})"
        note = version.first_renewal or "no first-renewal rule recorded"
        if terms.first_renewal_exempt:
            exempt = True
            explanation.append(f"{first}: the first renewal needs no CME ({note})")
        elif terms.prorate_by is not None:
            share = _share_left(license.issued, window, months, terms.prorate_by)
            total = None if total is None else _prorated(total, share)
            minimums = [_prorated(m, share) for m in minimums]
            explanation.append(
                f"{first}: requirement pro-rated to {share[0]} of {share[1]} "
                f"{terms.prorate_by.value.replace('_', '-')}s left in the cycle, rounded up "
                f"({version.prorating or 'rule terms'})"
            )
        else:
            assumptions.append(f"{first}: {note}; the full requirement is shown, not reduced")

    accepted = frozenset(version.accepted_credit_types)
    own = sorted(
        (c for c in completions if c.physician_id == physician.id),
        key=lambda c: (c.completed_on, c.id),
    )
    counted, category_counted = _count_total(
        own, window.start, window.end, as_of, version, accepted, rule.id, explanation
    )
    carried, carried_by_category = _carryover(rule, version, own, window, months, accepted)
    if carried > 0:
        counted += carried
        for i, extra in carried_by_category.items():
            category_counted[i] += extra
        explanation.append(
            f"carried over {_hours(carried)} h earned above the previous cycle's total "
            f"(at most {_hours(version.terms.carryover_max_hours or ZERO)} h: "
            f"{version.carryover or 'rule terms'})"
        )

    categories = tuple(
        CategoryProgress(
            category="|".join(category.credit_types),
            required=minimums[i],
            counted=category_counted[i],
            max_hours=category.max_hours,
        )
        for i, category in enumerate(version.categories)
    )

    topics: list[TopicProgress] = []
    for topic in version.topics:
        start = _topic_start(topic, window, months)
        applies = _applies(topic, practice)
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
        if not applies and topic.audience is Audience.PRESCRIBERS:
            explanation.append(
                f"topic {topic.topic} applies to prescribers ({topic.applies_to}); "
                "no DEA registration on file, so not used for the status"
            )
        elif not applies:
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

    total_short = max(total - counted, ZERO) if total is not None else ZERO
    category_short = max((max(c.required - c.counted, ZERO) for c in categories), default=ZERO)
    binding = [t for t in topics if t.applies and t.required is not None]
    topic_short = sum(
        (max(t.required - t.counted, ZERO) for t in binding if t.required is not None), ZERO
    )
    in_lieu = terms.moc_in_lieu_covers if rule.kind.value == "state_license" else None
    if in_lieu is not None and practice.certified_by and not exempt:
        boards = ", ".join(practice.certified_by)
        total_short = category_short = ZERO
        covered = "hours"
        if in_lieu is MocInLieu.HOURS_AND_TOPICS:
            topic_short = ZERO
            covered = "hours and topic mandates"
        explanation.append(
            f"{covered} satisfied in lieu by current board certification ({boards}): "
            f"{version.moc_in_lieu or 'rule terms'}"
        )
        assumptions.append(
            f"board certification ({boards}) taken as current and in MOC/OCC for this cycle"
        )
    remaining = ZERO if exempt else max(total_short, category_short, topic_short)

    if exempt:
        status = Status.NOT_APPLICABLE
    elif total is None and not binding and not categories:
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
        required_hours=ZERO if exempt and total is not None else total,
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
    practice: Practice = Practice(),
) -> list[Obligation]:
    """Every licence's obligation, sorted by jurisdiction, board type, rule and licence id.

    Licences with no entry in `rules_by_license` are skipped: the caller reports them.
    """
    ledger = tuple(completions)
    found = [
        evaluate_license(physician, lic, rules_by_license[lic.id], ledger, as_of, practice)
        for lic in licenses
        if lic.id in rules_by_license
    ]
    return sorted(
        found,
        key=lambda o: (o.jurisdiction or "", o.board_type or "", o.rule_id, o.license_id),
    )
