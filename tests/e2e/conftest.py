"""A running portal per test and one headless Chromium for the whole run.

Each test gets its own database (`fresh_store`), server and browser context, so tests can
run alone or in any order; the browser is shared because starting it is the slow part."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, sync_playwright

from cmeledger.storage.ledger import Store
from tests.e2e.browser import Camera, Window, Windows, chromium_executable, screenshot_dir
from tests.e2e.portal import Portal, running_portal
from tests.web.accounts import Tenant, a_tenant


@pytest.fixture(scope="session")
def chromium() -> Iterator[Browser]:
    executable = chromium_executable()
    with sync_playwright() as driver:
        browser = driver.chromium.launch(
            executable_path=executable, args=["--no-sandbox"], headless=True
        )
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def camera() -> Camera:
    return Camera(screenshot_dir())


@pytest.fixture
def portal(fresh_store: Store, tmp_path: Path) -> Iterator[Portal]:
    with running_portal(fresh_store, tmp_path / "home") as running:
        yield running


@pytest.fixture
def ada(fresh_store: Store) -> Tenant:
    """Dr Ada Tester: a CA MD licence to 30 Jun 2027, an ABIM certification, a DEA
    registration, one 2-hour credit, and a sign-in."""
    return a_tenant(fresh_store, "ada")


@pytest.fixture
def windows(chromium: Browser, portal: Portal) -> Iterator[Windows]:
    opener = Windows(chromium, portal.url)
    try:
        yield opener
    finally:
        opener.close()


@pytest.fixture
def window(windows: Windows) -> Window:
    return windows.open()
