"""The planner: the fewest hours, by topic and credit category, that would meet every
obligation by its due date.

One completed activity counts toward every licence and board that accepts its credit type,
and within one obligation topic hours also count toward the total. So the plan asks, per
topic and per category, for the largest shortfall any obligation has (not their sum), then
for the general hours still missing once those are done. Planned general hours are assumed
to be AMA PRA Category 1 (accepted by every state board); board categories (MOC points) are
planned as their own items.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from cmeledger.domain.compliance.evaluate import Obligation, Status


@dataclass
class PlanItem:
    kind: str  # "topic" | "category" | "hours"
    name: str  # the topic tag, the category's credit types, or "ama_pra_1"
    hours: Decimal
    by: date
    for_obligations: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "name": self.name,
            "hours": str(self.hours),
            "by": self.by.isoformat(),
            "for": list(self.for_obligations),
        }


def _need(
    items: dict[str, PlanItem], kind: str, name: str, hours: Decimal, obligation: Obligation
) -> None:
    item = items.get(name)
    if item is None:
        items[name] = PlanItem(kind, name, hours, obligation.due_date, [obligation.label])
        return
    item.hours = max(item.hours, hours)
    item.by = min(item.by, obligation.due_date)
    item.for_obligations.append(obligation.label)


def plan(obligations: Sequence[Obligation]) -> list[PlanItem]:
    open_ = [o for o in obligations if o.status not in (Status.MET, Status.NOT_APPLICABLE)]
    topics: dict[str, PlanItem] = {}
    categories: dict[str, PlanItem] = {}
    for o in open_:
        for t in o.topics:
            if t.applies and t.required is not None and t.counted < t.required:
                _need(topics, "topic", t.topic, t.required - t.counted, o)
        for c in o.categories:
            # Categories AMA PRA Category 1 satisfies fold into the general hours below.
            if c.counted < c.required and "ama_pra_1" not in c.category.split("|"):
                _need(categories, "category", c.category, c.required - c.counted, o)
    general: dict[str, PlanItem] = {}
    for o in open_:
        ama = [c.required - c.counted for c in o.categories if "ama_pra_1" in c.category.split("|")]
        if o.required_hours is None and not ama:
            continue
        total = [] if o.required_hours is None else [o.required_hours - o.counted_hours]
        short = max(total + ama)
        planned = sum((topics[t.topic].hours for t in o.topics if t.topic in topics), Decimal(0))
        planned += sum(
            (categories[c.category].hours for c in o.categories if c.category in categories),
            Decimal(0),
        )
        residual = short - planned
        if residual > 0:
            _need(general, "hours", "ama_pra_1", residual, o)
    return sorted(
        [*topics.values(), *categories.values(), *general.values()],
        key=lambda i: (i.by, i.kind, i.name),
    )
