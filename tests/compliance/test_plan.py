"""The planner's promise: doing exactly what it asks meets every obligation."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

from hypothesis import given
from hypothesis import strategies as st

from cmeledger.domain.activities import Completion
from cmeledger.domain.compliance import Status, evaluate
from cmeledger.domain.compliance.plan import PlanItem, plan
from cmeledger.requirements.loader import rule_for
from tests.compliance.builders import done, licence, physician

AS_OF = date(2026, 9, 1)
RULES = ["CA-MD", "TX", "NY", "FL-MD", "OH"]


def follow(items: list[PlanItem]) -> list[Completion]:
    """Take exactly the planned hours, today, as AMA PRA Category 1 unless told otherwise."""
    taken = []
    for item in items:
        hours = str(item.hours)
        if item.kind == "topic":
            taken.append(done(AS_OF, hours, "ama_pra_1", item.name))
        elif item.kind == "category":
            taken.append(done(AS_OF, hours, item.name.split("|")[0]))
        else:
            taken.append(done(AS_OF, hours))
    return taken


@given(
    st.lists(st.sampled_from(RULES), min_size=1, max_size=3, unique=True),
    st.lists(st.integers(0, 30), max_size=4),
)
def test_following_the_plan_meets_every_obligation(ids: list[str], earlier: list[int]) -> None:
    lics = [
        licence(rule_id.split("-")[0], date(2027, 12, 31), license_id=UUID(int=10 + n))
        for n, rule_id in enumerate(ids)
    ]
    rules = {lic.id: rule_for(rule_id) for lic, rule_id in zip(lics, ids, strict=True)}
    history = [done(date(2026, 2, 1 + i), hours) for i, hours in enumerate(earlier) if hours]
    before = evaluate(physician(), lics, rules, history, AS_OF)
    items = plan(before)
    after = evaluate(physician(), lics, rules, history + follow(items), AS_OF)
    for obligation in after:
        binding = [t for t in obligation.topics if t.applies and t.required is not None]
        assert all(t.counted >= t.required for t in binding if t.required is not None)
        assert (
            obligation.required_hours is None
            or obligation.counted_hours >= obligation.required_hours
        )
        assert obligation.status in (Status.MET, Status.NOT_APPLICABLE), obligation.explanation


def test_shared_hours_are_planned_once_not_per_licence() -> None:
    lics = [
        licence("CA", date(2027, 12, 31), license_id=UUID(int=10)),
        licence("OH", date(2027, 12, 31), license_id=UUID(int=11)),
    ]
    rules = {lics[0].id: rule_for("CA-MD"), lics[1].id: rule_for("OH")}
    items = plan(evaluate(physician(), lics, rules, [], AS_OF))
    general = [i for i in items if i.kind == "hours"]
    assert len(general) == 1 and len(general[0].for_obligations) == 2
    total = sum((i.hours for i in items), Decimal(0))
    separate = sum(
        (o.required_hours or Decimal(0)) for o in evaluate(physician(), lics, rules, [], AS_OF)
    )
    assert total < separate
