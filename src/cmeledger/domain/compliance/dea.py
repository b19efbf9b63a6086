"""DEA MATE: a one-time 8 hours on substance use disorders, attested at the first DEA
registration submitted on or after 2023-06-27. Training of any date counts."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal
from uuid import UUID

from cmeledger.domain.activities import Completion
from cmeledger.domain.compliance.evaluate import AT_RISK_DAYS, Obligation, Status, TopicProgress
from cmeledger.domain.credit_taxonomy import credit_type
from cmeledger.domain.credits import CreditRole
from cmeledger.requirements.model import Rule

MATE_TOPICS = frozenset({"dea_mate"})


def _hours(completion: Completion) -> Decimal:
    """The largest education-hour claim (CME credits or contact hours, not MOC points)."""
    amounts = [
        c.amount
        for c in completion.credits
        if c.role is CreditRole.AWARDED and credit_type(c.type_code).system != "MOC"
    ]
    return max(amounts, default=Decimal(0))


def evaluate_dea(
    registration_id: UUID, expires: date, rule: Rule, completions: Iterable[Completion], as_of: date
) -> Obligation:
    """One DEA registration's MATE obligation (the number itself is not needed)."""
    version = rule.versions[-1]
    required = Decimal(version.total_hours or 8)
    explanation = [
        f"{rule.id}: {required} hours once, due with the DEA registration "
        f"submitted on or after {version.effective_from} (source: "
        f"{rule.sources[0].url if rule.sources else 'none'})"
    ]
    counted = Decimal(0)
    for completion in sorted(completions, key=lambda c: (c.completed_on, c.id)):
        if MATE_TOPICS & set(completion.topics):
            hours = _hours(completion)
            counted += hours
            explanation.append(
                f"counted {hours} h: '{completion.activity.title}' "
                f"({completion.completed_on}), tagged dea_mate"
            )
    remaining = max(required - counted, Decimal(0))
    due = expires
    if remaining == 0:
        status = Status.MET
    elif as_of > due:
        status = Status.OVERDUE
    elif due - as_of <= timedelta(days=AT_RISK_DAYS):
        status = Status.AT_RISK
    else:
        status = Status.ON_TRACK
    start = version.effective_from or due
    return Obligation(
        id=f"dea:{rule.id}:{registration_id}",
        kind="dea",
        rule_id=rule.id,
        license_id=registration_id,
        jurisdiction=None,
        board_type=None,
        cycle_start=start,
        cycle_end=due,
        due_date=due,
        status=status,
        required_hours=required,
        counted_hours=counted,
        remaining_hours=remaining,
        categories=(),
        topics=(
            TopicProgress(
                "dea_mate", required, counted, "one_time", "DEA-registered practitioners", True
            ),
        ),
        explanation=tuple(explanation),
        source=rule.sources[0].url if rule.sources else None,
        uncertain=tuple(rule.uncertain),
        assumptions=(
            "due with the registration's renewal (its expiry date); training of any "
            "date counts, including before the act",
        ),
    )
