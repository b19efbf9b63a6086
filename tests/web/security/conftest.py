"""Fixtures for the security tests: two tenants with records of every kind."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from cmeledger.actions import accounts
from cmeledger.storage.ledger import Store
from tests.web.security.world import World, a_world


@pytest.fixture(autouse=True)
def quick_password_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test here signs in a dozen accounts; argon2 at its production cost would spend
    most of the run hashing. The hash's strength is not what these tests are about."""
    monkeypatch.setattr(
        accounts, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )


@pytest.fixture
def world(fresh_store: Store) -> World:
    return a_world(fresh_store)
