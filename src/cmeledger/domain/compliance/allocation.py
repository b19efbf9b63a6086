"""How many hours each credit adds to one obligation's total when caps interact.

A completion may carry several accepted claims (say AMA PRA Category 1 and Category 2); a
rule may cap a category ("at most 20 h of Category 2"), the hours per day or per calendar
year. Counting in date order under the first claim that fits is deterministic but not
optimal: an early credit may use up a cap that a later, single-type credit needed.

The count is therefore a maximum flow, which is exact for this shape:

    source -> year (year cap) -> day (day cap) -> completion (its hours)
           -> capped category (category cap) or uncapped -> sink

A completion's hours may split between its claims (each at most that claim's amount, the
whole at most its largest claim): the hours of one activity are counted once, under any mix
of the credit types it was certified for. Capped categories must not share a credit type
(the rule loader checks this), so every path crosses each cap at most once. Augmenting
paths are found breadth-first over edges kept in the order they were added (date order),
so the result is reproducible: the same credits always give the same allocation.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

ZERO = Decimal(0)


@dataclass(slots=True)  # not frozen: built once per credit per obligation, on the hot path
class Candidate:
    """One completion's accepted claims under a rule: credit type -> hours."""

    key: int  # position in date order
    day: int  # date ordinal, for the day cap
    year: int
    claims: Mapping[str, Decimal]

    @property
    def hours(self) -> Decimal:
        return max(self.claims.values(), default=ZERO)


@dataclass(frozen=True, slots=True)
class Caps:
    categories: Sequence[tuple[frozenset[str], Decimal]] = ()  # disjoint type sets
    per_day: Decimal | None = None
    per_year: Decimal | None = None

    @property
    def any(self) -> bool:
        return bool(self.categories) or self.per_day is not None or self.per_year is not None


@dataclass(frozen=True, slots=True)
class Allocation:
    counted: Mapping[int, Decimal]  # candidate key -> hours counted toward the total
    binding: Mapping[int, tuple[str, ...]]  # keys held back by a cap -> the caps that bound

    @property
    def total(self) -> Decimal:
        return sum(self.counted.values(), ZERO)


class _Network:
    """Edmonds-Karp over Decimal capacities; edge i's residual twin is i ^ 1 (capacity 0)."""

    def __init__(self) -> None:
        self.to: list[int] = []
        self.capacity: list[Decimal | None] = []  # None: unbounded
        self.flow: list[Decimal] = []
        self.out: list[list[int]] = []

    def node(self) -> int:
        self.out.append([])
        return len(self.out) - 1

    def edge(self, a: int, b: int, capacity: Decimal | None) -> int:
        for head, tail, cap in ((a, b, capacity), (b, a, ZERO)):
            self.out[head].append(len(self.to))
            self.to.append(tail)
            self.capacity.append(cap)
            self.flow.append(ZERO)
        return len(self.to) - 2

    def room(self, index: int) -> Decimal | None:
        cap = self.capacity[index]
        return None if cap is None else cap - self.flow[index]

    def saturated(self, index: int) -> bool:
        room = self.room(index)
        return room is not None and room <= 0

    def max_flow(self, source: int, sink: int) -> None:
        while True:
            parent: dict[int, int] = {source: -1}
            queue = deque([source])
            while queue and sink not in parent:
                at = queue.popleft()
                for index in self.out[at]:
                    room = self.room(index)
                    if self.to[index] not in parent and (room is None or room > 0):
                        parent[self.to[index]] = index
                        queue.append(self.to[index])
            if sink not in parent:
                return
            path: list[int] = []
            at = sink
            while at != source:
                path.append(parent[at])
                at = self.to[parent[at] ^ 1]
            rooms = [r for r in map(self.room, path) if r is not None]
            # Every source-sink path crosses a completion's bounded edge or a residual twin.
            push = min(rooms)
            for index in path:
                self.flow[index] += push
                self.flow[index ^ 1] -= push


def allocate(candidates: Sequence[Candidate], caps: Caps) -> Allocation:
    """The largest total the caps allow, and how much of it each candidate supplies."""
    if not caps.any:
        return Allocation({c.key: c.hours for c in candidates}, {})
    net = _Network()
    source, sink, free = net.node(), net.node(), net.node()
    net.edge(free, sink, None)
    category_nodes: list[tuple[frozenset[str], int, int]] = []
    for types, cap in caps.categories:
        at = net.node()
        category_nodes.append((types, at, net.edge(at, sink, cap)))
    years: dict[int, tuple[int, int]] = {}
    days: dict[int, tuple[int, int]] = {}
    supply: dict[int, int] = {}
    for c in sorted(candidates, key=lambda c: c.key):
        if c.year not in years:
            at = net.node()
            years[c.year] = (at, net.edge(source, at, caps.per_year))
        if c.day not in days:
            at = net.node()
            days[c.day] = (at, net.edge(years[c.year][0], at, caps.per_day))
        node = net.node()
        supply[c.key] = net.edge(days[c.day][0], node, c.hours)
        uncapped = ZERO
        for type_code, amount in sorted(c.claims.items()):
            for types, at, _ in category_nodes:
                if type_code in types:
                    net.edge(node, at, amount)
                    break
            else:
                uncapped = max(uncapped, amount)
        if uncapped > 0:
            net.edge(node, free, uncapped)
    net.max_flow(source, sink)

    counted = {c.key: net.flow[supply[c.key]] for c in candidates}
    binding: dict[int, tuple[str, ...]] = {}
    for c in candidates:
        if counted[c.key] >= c.hours:
            continue
        why: list[str] = []
        if caps.per_year is not None and net.saturated(years[c.year][1]):
            why.append(f"at most {_h(caps.per_year)} h per calendar year")
        if caps.per_day is not None and net.saturated(days[c.day][1]):
            why.append(f"at most {_h(caps.per_day)} h per day")
        for (types, _, edge), (_, cap) in zip(category_nodes, caps.categories, strict=True):
            if set(c.claims) & types and net.saturated(edge):
                why.append(f"at most {_h(cap)} h of {'|'.join(sorted(types))}")
        binding[c.key] = tuple(why)
    return Allocation(counted, binding)


def _h(amount: Decimal) -> str:
    return f"{amount.normalize():f}"
