"""Who is asking, and which physicians' data they may see. Every repository query uses it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, true

from cmeledger.errors import NotFoundError


@dataclass(frozen=True, slots=True)
class Scope:
    """`None` is the local owner of the ledger (the CLI): every physician, every provider.
    A physician-scoped caller sees no provider's PARS data, and a provider-scoped one no
    physician's ledger."""

    actor: str
    physician_ids: frozenset[UUID] | None
    provider_ids: frozenset[UUID] | None = None

    @classmethod
    def owner(cls, actor: str) -> Scope:
        return cls(actor, None, None)

    @classmethod
    def physicians(cls, actor: str, *ids: UUID) -> Scope:
        return cls(actor, frozenset(ids), frozenset())

    @classmethod
    def providers(cls, actor: str, *ids: UUID) -> Scope:
        return cls(actor, frozenset(), frozenset(ids))

    def allows_provider(self, provider_id: UUID) -> bool:
        return self.provider_ids is None or provider_id in self.provider_ids

    def require_provider(self, provider_id: UUID) -> None:
        if not self.allows_provider(provider_id):
            raise NotFoundError(f"no provider {provider_id}")

    def provider_clause(self, column: Any) -> ColumnElement[bool]:
        if self.provider_ids is None:
            return true()
        return column.in_(self.provider_ids)  # type: ignore[no-any-return]

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
        if len(self.physician_ids) == 1:
            # The common case (a physician's own ledger): a plain comparison, which SQLAlchemy
            # caches whole, where an IN list is re-rendered on every execution.
            (only,) = self.physician_ids
            return column == only  # type: ignore[no-any-return]
        return column.in_(self.physician_ids)  # type: ignore[no-any-return]
