"""The web app over a committing database, a TestClient on https://testserver (so Secure
cookies travel), and two tenants with data of every kind for isolation tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from cmeledger.server.app import create_app
from cmeledger.settings import Settings
from cmeledger.storage.ledger import Store
from tests.web.accounts import Tenant, a_tenant


@pytest.fixture
def web_settings(tmp_path: Path) -> Settings:
    return Settings(
        home=tmp_path / "home",
        public_url="https://testserver",
        cookie_secure=True,
        max_upload_bytes=1024 * 1024,
    )


@pytest.fixture
def app(fresh_store: Store, web_settings: Settings) -> FastAPI:
    return create_app(fresh_store, web_settings, background=False)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, base_url="https://testserver") as test_client:
        yield test_client


@pytest.fixture
def tenant(fresh_store: Store) -> Tenant:
    return a_tenant(fresh_store, "ada")


@pytest.fixture
def other_tenant(fresh_store: Store) -> Tenant:
    return a_tenant(fresh_store, "bea")
