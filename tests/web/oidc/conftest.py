"""Fixtures for OpenID Connect sign-in: the portal under uvicorn, a real OpenID Provider
(node-oidc-provider) registered with the portal's callback, and an organisation using it.

Every test gets a portal of its own (its own database) at the same loopback address, so
one provider per configuration, registered once with that callback, serves the session.
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from uuid import UUID

import pytest

from cmeledger.actions.organisations import add_organisation
from cmeledger.storage.ledger import Store
from cmeledger.storage.scope import Scope
from tests.web.oidc.browser import CALLBACK, Browser
from tests.web.oidc.servers import (
    IdentityProvider,
    Portal,
    loopback_listener,
    node_provider_ready,
    running_portal,
    running_provider,
    url_of,
)

OWNER = Scope.owner("test:oidc")
CLIENT_ID = "cme-ledger"
# Characters that must be form-encoded in HTTP Basic client authentication (RFC 6749 §2.3.1).
CLIENT_SECRET = "s3cret with:odd/chars+&=%"

ProviderFor = Callable[[str], IdentityProvider]


@pytest.fixture(scope="session")
def portal_listener() -> Iterator[socket.socket]:
    listener = loopback_listener()
    yield listener
    listener.close()


@pytest.fixture
def portal(fresh_store: Store, tmp_path: Path, portal_listener: socket.socket) -> Iterator[Portal]:
    with running_portal(fresh_store, tmp_path / "home", portal_listener) as running:
        yield running


@pytest.fixture(scope="session")
def provider_for(
    portal_listener: socket.socket, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ProviderFor]:
    """A running provider per claims placement ("id_token" or "userinfo"), started on
    first use and stopped at the end of the session."""
    started: dict[str, IdentityProvider] = {}
    with ExitStack() as stack:

        def provider(claims_in: str) -> IdentityProvider:
            if claims_in not in started:
                started[claims_in] = stack.enter_context(
                    running_provider(
                        node_provider_ready(),
                        redirect_uri=url_of(portal_listener) + CALLBACK,
                        client_id=CLIENT_ID,
                        client_secret=CLIENT_SECRET,
                        accounts={},
                        workdir=tmp_path_factory.mktemp(f"idp-{claims_in}"),
                        claims_in=claims_in,
                    )
                )
            found = started[claims_in]
            found.set_accounts({})
            return found

        yield provider


@pytest.fixture
def idp(provider_for: ProviderFor) -> IdentityProvider:
    """The provider most organisations have: e-mail claims in the ID token. No accounts
    until the test sets them."""
    return provider_for("id_token")


def organisation_using(store: Store, idp: IdentityProvider, name: str) -> UUID:
    with store.ledger(OWNER) as ledger:
        organisation = add_organisation(
            ledger,
            name,
            oidc_issuer=idp.issuer,
            oidc_client_id=idp.client_id,
            oidc_client_secret=idp.client_secret,
        )
    return organisation.id


@pytest.fixture
def hospital(portal: Portal, idp: IdentityProvider) -> UUID:
    """An organisation that signs its people in through `idp`."""
    return organisation_using(portal.store, idp, "Mercy Hospital")


@pytest.fixture
def browser() -> Iterator[Browser]:
    opened = Browser()
    yield opened
    opened.close()
