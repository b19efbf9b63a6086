"""A scripted browser for the sign-in flow: an httpx client with a cookie jar that follows
redirects one hop at a time, so a test can stop just before the provider sends it back to
the portal (and tamper with that answer, or replay it)."""

from __future__ import annotations

import html
import re
from urllib.parse import urlencode, urljoin, urlsplit
from uuid import UUID

import httpx

CALLBACK = "/login/oidc/callback"
IDP_PASSWORD = "idp-password-for-tests"
_FORM = re.compile(r'<form method="post" action="([^"]+)"')


def target_of(response: httpx.Response) -> str:
    return urljoin(str(response.url), response.headers["location"])


class Browser:
    def __init__(self) -> None:
        self.http = httpx.Client(timeout=20, follow_redirects=False)

    def close(self) -> None:
        self.http.close()

    def get(self, url: str) -> httpx.Response:
        return self.http.get(url)

    def follow(self, response: httpx.Response, *, stop_before: str | None = None) -> httpx.Response:
        """Follow redirects like a browser; with `stop_before`, return the redirect that
        would go to that path instead of going there."""
        hops = 0
        while response.is_redirect:
            target = target_of(response)
            if stop_before is not None and urlsplit(target).path == stop_before:
                return response
            hops += 1
            assert hops < 20, "redirect loop"
            response = self.http.get(target)
        return response

    def start_sign_in(
        self, portal_url: str, organisation_id: UUID, next_path: str
    ) -> httpx.Response:
        query = urlencode({"next": next_path})
        return self.http.get(f"{portal_url}/login/oidc/{organisation_id}?{query}")

    def through_provider(self, response: httpx.Response, login: str) -> httpx.Response:
        """From a redirect towards the provider to the provider's redirect back to the
        portal's callback, posting the provider's login form on the way."""
        page = self.follow(response, stop_before=CALLBACK)
        if not page.is_redirect:
            assert page.status_code == 200, page.text
            found = _FORM.search(page.text)
            assert found, f"no login form at the provider: {page.text[:500]}"
            posted = self.http.post(
                urljoin(str(page.url), html.unescape(found.group(1))),
                data={"login": login, "password": IDP_PASSWORD},
            )
            page = self.follow(posted, stop_before=CALLBACK)
        assert page.is_redirect and urlsplit(target_of(page)).path == CALLBACK, page.text[:500]
        return page

    def callback_url(
        self, portal_url: str, organisation_id: UUID, login: str, next_path: str = "/"
    ) -> str:
        """Sign in at the provider; the URL it sends the browser back to (not yet visited)."""
        started = self.start_sign_in(portal_url, organisation_id, next_path)
        assert started.status_code == 303, started.text
        return target_of(self.through_provider(started, login))
