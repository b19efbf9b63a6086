"""Every main page in a real browser, for each kind of person who uses it: it renders, its
scripts and styles run under the CSP without a complaint, the skip link comes first for
keyboard users, and the dashboard fits a phone. A screenshot of each is kept."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.browser import PHONE, Camera, Window, Windows, scripts_ran, sign_in
from tests.e2e.portal import Portal, a_provider_admin, an_org_admin
from tests.web.accounts import Tenant

# Path, its main heading, and the nav link marked as the current page.
PHYSICIAN_PAGES = (
    ("/", "CME status on", "Dashboard"),
    ("/upload", "Upload certificates and transcripts", "Upload"),
    ("/review", "Review queue", "Review"),
    ("/transcript", "Transcript", "Transcript"),
    ("/credentials", "Licences and certifications", "Licences"),
    ("/rules", "CME rules", "Rules"),
    ("/exports", "Exports", "Exports"),
    ("/account", "Account", "Account"),
)
SHOT_HERE = {"/credentials": "credentials", "/rules": "rules", "/account": "account"}


def assert_skip_link_comes_first(page: Page) -> None:
    """On a freshly loaded page, the first Tab lands on a "Skip to content" link that comes
    into view, and following it puts the keyboard focus on the main content."""
    page.keyboard.press("Tab")
    focused = page.locator(":focus")
    expect(focused).to_have_text("Skip to content")
    expect(focused).to_have_attribute("href", "#main")
    expect(focused).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()


def test_it_shows_each_physician_page_cleanly_with_the_skip_link_first(
    window: Window, ada: Tenant, camera: Camera
) -> None:
    page = window.page
    page.goto("/login")
    assert_skip_link_comes_first(page)
    sign_in(page, window.base_url, ada.email)
    for path, heading, current in PHYSICIAN_PAGES:
        page.goto(path)
        expect(page.get_by_role("heading", level=1)).to_contain_text(heading)
        nav = page.get_by_role("navigation", name="Main")
        expect(nav.locator("[aria-current=page]")).to_have_text(current)
        scripts_ran(page)
        if path in SHOT_HERE:
            camera.shoot(page, SHOT_HERE[path])
        assert_skip_link_comes_first(page)
    assert window.complaints.seen == []


def test_it_fits_the_dashboard_on_a_phone(windows: Windows, ada: Tenant, camera: Camera) -> None:
    phone = windows.open(viewport=PHONE, is_mobile=True, has_touch=True)
    page = phone.page
    sign_in(page, phone.base_url, ada.email)
    expect(page.get_by_role("heading", level=1)).to_contain_text("CME status on")
    expect(page.locator("article.card")).to_have_count(3)
    scripts_ran(page)
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"the dashboard is {overflow}px wider than a 390px phone screen"
    camera.shoot(page, "dashboard-phone")
    assert phone.complaints.seen == []


def test_it_shows_the_roster_to_an_organisation_admin(
    window: Window, portal: Portal, ada: Tenant, camera: Camera
) -> None:
    email = an_org_admin(portal.store, "olive", ada.physician_id)
    page = window.page
    sign_in(page, window.base_url, email)
    assert page.url == f"{window.base_url}/organisation"
    expect(page.get_by_role("heading", level=1)).to_have_text("Olive Medical Group: roster")
    expect(page.locator("main table")).to_contain_text("Ada Tester")
    scripts_ran(page)
    camera.shoot(page, "organisation")
    assert_skip_link_comes_first(page)
    page.get_by_role("link", name="Ada Tester").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Ada Tester")
    camera.shoot(page, "organisation-physician")
    assert window.complaints.seen == []


@pytest.mark.usefixtures("ada")
def test_it_shows_the_pars_console_to_a_provider_admin(
    window: Window, portal: Portal, camera: Camera
) -> None:
    email = a_provider_admin(portal.store, "pam")
    page = window.page
    sign_in(page, window.base_url, email)
    assert page.url == f"{window.base_url}/pars"
    expect(page.get_by_role("heading", level=1)).to_contain_text("PARS reporting · Pam CME")
    scripts_ran(page)
    camera.shoot(page, "pars")
    assert_skip_link_comes_first(page)
    assert window.complaints.seen == []
