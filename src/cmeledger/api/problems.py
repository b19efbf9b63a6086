"""Every error leaves the API as RFC 9457 problem+json, mapped once from our error types."""

from __future__ import annotations

from collections.abc import Callable
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from cmeledger.actions.accounts import ForbiddenError, SignInError, ThrottledError
from cmeledger.domain.errors import DomainError
from cmeledger.errors import CmeLedgerError, ConflictError, NotFoundError
from cmeledger.storage.blobs import UploadTooLargeError

PROBLEM = "application/problem+json"


class ProblemError(Exception):
    """Raised by handlers for HTTP-only conditions (a stale ETag, a missing header)."""

    def __init__(self, status: int, detail: str, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.headers = headers or {}


def problem(
    status: int, detail: str, *, headers: dict[str, str] | None = None, **extra: Any
) -> JSONResponse:
    body = {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        **extra,
    }
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


def status_of(exc: CmeLedgerError | DomainError) -> int:
    if isinstance(exc, NotFoundError):
        return 404
    if isinstance(exc, ConflictError):
        return 409
    if isinstance(exc, ThrottledError):
        return 429
    if isinstance(exc, SignInError):
        return 401
    if isinstance(exc, ForbiddenError):
        return 403
    if isinstance(exc, UploadTooLargeError):
        return 413
    return 422  # the request was understood but its content cannot be used


HtmlErrors = Callable[[Request, int, str], Response]


def install(app: FastAPI, html: HtmlErrors | None = None) -> None:
    """API paths answer problem+json; portal paths a page, when `html` renders one."""

    def answer(
        request: Request,
        status: int,
        detail: str,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> Response:
        if html is not None and not request.url.path.startswith("/api/"):
            page = html(request, status, detail)
            page.headers.update(headers or {})
            return page
        return problem(status, detail, headers=headers, **extra)

    async def on_problem(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ProblemError)
        return answer(request, exc.status, exc.detail, exc.headers)

    async def on_ledger_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, CmeLedgerError | DomainError)
        headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, ThrottledError) else None
        return answer(request, status_of(exc), str(exc), headers)

    async def on_validation(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        errors = [
            {"field": ".".join(str(p) for p in e["loc"]), "message": e["msg"]} for e in exc.errors()
        ]
        first = errors[0] if errors else {"field": "", "message": "invalid request"}
        return answer(request, 422, f"{first['field']}: {first['message']}", errors=errors)

    async def on_unstorable(request: Request, exc: Exception) -> Response:
        # PostgreSQL refuses some text SQLite takes (a NUL character): the input's fault.
        return answer(
            request,
            422,
            "the request holds a character that cannot be stored (such as NUL); "
            "remove control characters and send it again",
        )

    async def on_http(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        return answer(request, exc.status_code, str(exc.detail), dict(exc.headers or {}))

    app.add_exception_handler(ProblemError, on_problem)
    app.add_exception_handler(CmeLedgerError, on_ledger_error)
    app.add_exception_handler(DomainError, on_ledger_error)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(DataError, on_unstorable)
