"""Who is asking, and which physicians' data they may see. Every repository query uses it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, true

from cmeledger.errors import NotFoundError


@dataclass(frozen=True, slots=True)
class Scope:
    """`physician_ids=None` is the local owner of the ledger (the CLI): every physician."""

    actor: str
    physician_ids: frozenset[UUID] | None

    @classmethod
    def owner(cls, actor: str) -> Scope:
        return cls(actor, None)

    @classmethod
    def physicians(cls, actor: str, *ids: UUID) -> Scope:
        return cls(actor, frozenset(ids))

    def allows(self, physician_id: UUID) -> bool:
        return self.physician_ids is None or physician_id in self.physician_ids

    def require(self, physician_id: UUID) -> None:
        """Writes check the scope too: a scoped caller cannot write into another's ledger."""
        if not self.allows(physician_id):
            raise NotFoundError(f"no physician {physician_id}")

    def allows_all(self, physician_ids: set[UUID]) -> bool:
        return self.physician_ids is None or physician_ids <= self.physician_ids

    def clause(self, column: Any) -> ColumnElement[bool]:
        if self.physician_ids is None:
            return true()
        return column.in_(self.physician_ids)  # type: ignore[no-any-return]
