"""PARS web tests: a sandbox on loopback, providers with an admin sign-in each."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from cmeledger.pars.sandbox.testing import OTHER_PROVIDER, PROVIDER, running_sandbox, seed
from cmeledger.storage.ledger import Store
from tests.web.accounts import sign_in
from tests.web.pars.builders import Admin, Sandbox, an_admin


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[Sandbox]:
    state = tmp_path / "pars-sandbox.sqlite3"
    seed(state)
    with running_sandbox(tmp_path, state_path=state, timeout_seconds=3) as url:
        yield Sandbox(url, state)


@pytest.fixture
def admin(fresh_store: Store) -> Admin:
    return an_admin(fresh_store, PROVIDER, "example")


@pytest.fixture
def other_admin(fresh_store: Store) -> Admin:
    return an_admin(fresh_store, OTHER_PROVIDER, "rival")


@pytest.fixture
def signed_in(client: TestClient, admin: Admin) -> TestClient:
    sign_in(client, admin.email)
    return client
