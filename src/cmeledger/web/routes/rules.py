"""The rules the ledger checks against, each with its sources: filter by state or board."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from cmeledger.api.auth import OptionalCallerDep
from cmeledger.reports.labels import category_label, credit_label, topic_label
from cmeledger.requirements import Rule, RuleVersion, all_rules, version_in_force
from cmeledger.requirements.model import RuleKind
from cmeledger.web.pages import render

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True, slots=True)
class RuleView:
    rule: Rule
    current: RuleVersion

    @property
    def kind(self) -> str:
        return {
            RuleKind.STATE_LICENSE: "State licence",
            RuleKind.BOARD: "Board certification",
        }.get(self.rule.kind, "DEA registration")


def _current(rule: Rule, today: date) -> RuleVersion:
    return version_in_force(rule, today) or rule.versions[-1]


@router.get("/rules")
def rules(
    request: Request,
    caller: OptionalCallerDep,
    state: Annotated[str, Query(max_length=4)] = "",
    board: Annotated[str, Query(max_length=40)] = "",
) -> Response:
    """Open to everyone: the rules are public facts, cited to their sources."""
    everything = all_rules()
    states = sorted(
        {r.jurisdiction for r in everything if r.kind is RuleKind.STATE_LICENSE and r.jurisdiction}
    )
    boards = sorted(r.id for r in everything if r.kind is not RuleKind.STATE_LICENSE)
    state, board = state.strip().upper(), board.strip().upper()
    chosen = [
        r
        for r in everything
        if (not state or (r.kind is RuleKind.STATE_LICENSE and r.jurisdiction == state))
        and (not board or r.id == board)
    ]
    today = date.today()  # noqa: DTZ011 - the version in force where the reader is
    return render(
        request,
        "rules.html",
        caller,
        rules=[RuleView(r, _current(r, today)) for r in chosen],
        total=len(everything),
        states=states,
        boards=boards,
        state=state,
        board=board,
        credit_label=credit_label,
        category_label=category_label,
        topic_label=topic_label,
    )
