"""Rendering portal pages: one Jinja2 environment, the layout's context, the error page."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from cmeledger.api.auth import Caller
from cmeledger.reports.labels import readable_reason

TEMPLATES = Jinja2Templates(directory=Path(__file__).with_name("templates"))


def _hours(value: Decimal | float | int | None) -> str:
    if value is None:
        return ""
    text = f"{Decimal(value):.2f}".rstrip("0").rstrip(".")
    return text or "0"


def _day(value: date | None) -> str:
    return "" if value is None else value.strftime("%-d %b %Y")


TEMPLATES.env.filters["hours"] = _hours
TEMPLATES.env.filters["day"] = _day
TEMPLATES.env.filters["reason"] = readable_reason


def fragment(template: str, **context: Any) -> Markup:
    """Part of a page rendered on its own (to be kept and put into pages later)."""
    return Markup(TEMPLATES.env.get_template(template).render(**context))  # noqa: S704 - autoescaped


def render(
    request: Request,
    template: str,
    caller: Caller | None,
    *,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    """A page with the layout's needs filled in: who is signed in, the CSRF token for forms
    and for htmx (sent as a header by static/app.js), and the current path for the nav."""
    return TEMPLATES.TemplateResponse(
        request,
        template,
        {
            "caller": caller,
            "user": caller.principal.user if caller else None,
            "role": caller.principal.role.value if caller else None,
            "csrf_token": caller.csrf_token if caller else None,
            "path": request.url.path,
            **context,
        },
        status_code=status_code,
    )


def error_page(request: Request, status: int, detail: str) -> Response:
    if status == 401:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)
    caller = getattr(request.state, "caller", None)
    return render(
        request,
        "error.html",
        caller if isinstance(caller, Caller) else None,
        status_code=status,
        status=status,
        detail=detail,
    )
