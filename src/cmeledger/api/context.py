"""What every request handler can reach: the store and the settings of this server."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated

from fastapi import Depends, Request

from cmeledger.settings import Settings
from cmeledger.storage.ledger import Store


@dataclass
class Services:
    store: Store
    settings: Settings

    @property
    def session_ttl(self) -> timedelta:
        return timedelta(hours=self.settings.session_hours)


def services(request: Request) -> Services:
    found = request.app.state.services
    assert isinstance(found, Services)
    return found


ServicesDep = Annotated[Services, Depends(services)]
