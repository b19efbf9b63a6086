"""What every request handler can reach: the store and the settings of this server."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Annotated

from fastapi import Depends, Request

from cmeledger.actions.status_cache import StatusCache
from cmeledger.settings import Settings
from cmeledger.storage.ledger import Store

API_PREFIX = "/api/v1"


@dataclass
class Services:
    store: Store
    settings: Settings
    statuses: StatusCache = field(default_factory=StatusCache)

    @property
    def session_ttl(self) -> timedelta:
        return timedelta(hours=self.settings.session_hours)


def services(request: Request) -> Services:
    found = request.app.state.services
    assert isinstance(found, Services)
    return found


ServicesDep = Annotated[Services, Depends(services)]
