"""Chromium from Debian driven by Playwright: where it is, what the pages complain about,
and where the screenshots go."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page

from tests.web.accounts import PASSWORD

REPO = Path(__file__).resolve().parents[2]
INSTALL = "make browser"
TIMEOUT_MS = 15_000
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def chromium_executable() -> str:
    """Debian's Chromium; a missing one skips the tests, except on CI where it fails them."""
    found = shutil.which("chromium")
    if found is None:
        reason = f"Chromium is not installed; run `{INSTALL}` (Debian package chromium)"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(reason)
        pytest.skip(reason)
    return found


def screenshot_dir() -> Path:
    """CMELEDGER_SCREENSHOTS, else build/screenshots/ in the repository (git-ignored)."""
    configured = os.environ.get("CMELEDGER_SCREENSHOTS")
    folder = Path(configured) if configured else REPO / "build" / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class Complaints:
    """Every console error and uncaught script error in a browser context. A CSP
    violation, a failed sub-resource (404, 500) and a script exception all land here."""

    def __init__(self, context: BrowserContext) -> None:
        self.seen: list[str] = []
        context.on("console", self._console)
        context.on("weberror", lambda error: self.seen.append(f"page error: {error.error}"))

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            where = message.page.url if message.page is not None else "?"
            self.seen.append(f"console error on {where}: {message.text}")


class Camera:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def shoot(self, page: Page, name: str) -> Path:
        """A full-page PNG of what the browser shows now."""
        path = self.folder / f"{name}.png"
        path.unlink(missing_ok=True)
        page.screenshot(path=path, full_page=True)
        assert path.stat().st_size > 0, f"{path} is empty"
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
        return path


class Window:
    """A browser context on the portal and what its pages complained about."""

    def __init__(self, context: BrowserContext, base_url: str) -> None:
        self.context = context
        self.base_url = base_url
        self.complaints = Complaints(context)
        self.page = context.new_page()


class Windows:
    """Opens browser contexts (one per person or screen size) and closes them all."""

    def __init__(self, browser: Browser, base_url: str) -> None:
        self._browser = browser
        self._base_url = base_url
        self._opened: list[BrowserContext] = []

    def open(self, **options: Any) -> Window:
        settings: dict[str, Any] = {"viewport": DESKTOP, "accept_downloads": True}
        context = self._browser.new_context(base_url=self._base_url, **(settings | options))
        context.set_default_timeout(TIMEOUT_MS)
        self._opened.append(context)
        return Window(context, self._base_url)

    def close(self) -> None:
        for context in self._opened:
            context.close()


def scripts_ran(page: Page) -> None:
    """Wait until htmx and app.js have run: proof that the CSP lets the portal's own
    scripts through (app.js marks the document with class "js")."""
    page.wait_for_function(
        "() => document.documentElement.classList.contains('js') && window.htmx !== undefined"
    )


def sign_in(page: Page, base_url: str, email: str, password: str = PASSWORD) -> None:
    """Through the sign-in form, as a person would."""
    page.goto(f"{base_url}/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    assert "/login" not in page.url, f"sign-in failed: {page.locator('main').inner_text()}"
