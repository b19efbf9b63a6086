"""The transcript: every credit in the ledger, filtered, sorted and paged, with where each
one came from (the importer's method and confidence, and the document it was read from)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from cmeledger.actions.credits import ledger_view
from cmeledger.api.auth import CallerDep
from cmeledger.domain.activities import Completion, SourceKind
from cmeledger.domain.credits import total_by_type
from cmeledger.web.physician_context import (
    PhysicianContext,
    page,
    physician_context,
    wants_partial,
)

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 100
SORTS = ("date", "title", "hours")


@dataclass(frozen=True, slots=True)
class Filters:
    q: str = ""
    since: str = ""
    until: str = ""
    source: str = ""
    sort: str = "date"
    dir: str = "desc"
    page: int = 1

    def url(
        self,
        ctx: PhysicianContext,
        *,
        sort: str | None = None,
        direction: str | None = None,
        page: int | None = None,
    ) -> str:
        """This view's URL with the order or the page changed."""
        wanted = replace(
            self,
            sort=sort or self.sort,
            dir=direction or self.dir,
            page=self.page if page is None else page,
        )
        return ctx.url(
            "/transcript",
            q=wanted.q,
            since=wanted.since,
            until=wanted.until,
            source=wanted.source,
            sort=None if wanted.sort == "date" else wanted.sort,
            dir=None if wanted.dir == "desc" else wanted.dir,
            page=None if wanted.page == 1 else wanted.page,
        )

    def sort_url(self, ctx: PhysicianContext, column: str) -> str:
        """Sorting by the current column again flips the direction; a new one starts sensibly."""
        if column == self.sort:
            direction = "asc" if self.dir == "desc" else "desc"
        else:
            direction = "asc" if column == "title" else "desc"
        return self.url(ctx, sort=column, direction=direction, page=1)

    def aria_sort(self, column: str) -> str | None:
        if column != self.sort:
            return None
        return "ascending" if self.dir == "asc" else "descending"


def _day(text: str, name: str, problems: list[str]) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        problems.append(f"{name} {text[:20]!r} is not a date (YYYY-MM-DD); it was ignored")
        return None


def largest_claim(completion: Completion) -> Decimal:
    return max((c.amount for c in completion.credits), default=Decimal(0))


def select(completions: list[Completion], filters: Filters) -> list[Completion]:
    needle = filters.q.casefold()
    chosen = [
        c
        for c in completions
        if (
            not needle
            or needle in c.activity.title.casefold()
            or needle in c.activity.provider.casefold()
        )
        and (not filters.source or any(p.source_kind == filters.source for p in c.provenance))
    ]
    keys = {
        "date": lambda c: (c.completed_on, c.activity.title.casefold()),
        "title": lambda c: (c.activity.title.casefold(), c.completed_on),
        "hours": lambda c: (largest_claim(c), c.completed_on),
    }
    return sorted(chosen, key=keys[filters.sort], reverse=filters.dir == "desc")


@router.get("/transcript")
def transcript(
    request: Request,
    caller: CallerDep,
    physician: str | None = None,
    q: Annotated[str, Query(max_length=200)] = "",
    since: Annotated[str, Query(max_length=20)] = "",
    until: Annotated[str, Query(max_length=20)] = "",
    source: Annotated[str, Query(max_length=20)] = "",
    sort: Annotated[str, Query(max_length=10)] = "date",
    dir: Annotated[str, Query(max_length=4)] = "desc",
    page_number: Annotated[int, Query(alias="page", ge=1, le=100_000)] = 1,
) -> Response:
    problems: list[str] = []
    filters = Filters(
        q=q.strip(),
        since=since.strip(),
        until=until.strip(),
        source=source if source in {k.value for k in SourceKind} else "",
        sort=sort if sort in SORTS else "date",
        dir="asc" if dir == "asc" else "desc",
        page=page_number,
    )
    start = _day(filters.since, "From", problems)
    end = _day(filters.until, "To", problems)
    with caller.ledger() as ledger:
        ctx = physician_context(caller, ledger, physician)
        view = ledger_view(ledger, ctx.id, since=start, until=end)
        documents = {d.sha256: d for d in ledger.documents.for_physician(ctx.id)}
    chosen = select(view.completions, filters)
    pages = max(1, -(-len(chosen) // PAGE_SIZE))
    filters = replace(filters, page=min(filters.page, pages))
    shown = chosen[(filters.page - 1) * PAGE_SIZE : filters.page * PAGE_SIZE]
    totals = total_by_type(claim for c in chosen for claim in c.credits)
    return page(
        request,
        "_transcript_table.html" if wants_partial(request) else "transcript.html",
        caller,
        ctx,
        filters=filters,
        problems=problems,
        rows=shown,
        count=len(chosen),
        everything=len(view.completions),
        pages=pages,
        totals=sorted(totals.items()),
        documents=documents,
        sources=[k.value for k in SourceKind],
    )
