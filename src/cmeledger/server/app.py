"""The ASGI app: the REST API under /api/v1, the portal at /, static files at /static."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import anyio.to_thread
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

import cmeledger
from cmeledger.actions.status_cache import StatusCache
from cmeledger.api import problems
from cmeledger.api.context import Services
from cmeledger.api.routes import (
    compliance,
    credits,
    documents,
    exports,
    imports,
    organisations,
    packets,
    pars,
    physicians,
    review,
    session,
)
from cmeledger.requirements import all_rules
from cmeledger.server.background import Background
from cmeledger.server.middleware import BodyLimit, SecurityHeaders
from cmeledger.settings import Settings, get_settings
from cmeledger.storage.ledger import Store
from cmeledger.storage.setup import open_store
from cmeledger.web import pages
from cmeledger.web.routes import (
    account,
    auth,
    credentials,
    dashboard,
    oidc,
    organisation,
    pars_console,
    rules,
    transcript,
    uploads,
)
from cmeledger.web.routes import exports as export_pages
from cmeledger.web.routes import (
    review as review_pages,
)

STATIC = Path(pages.__file__).with_name("static")
API_ROUTERS = (
    session,
    physicians,
    credits,
    documents,
    imports,
    review,
    compliance,
    exports,
    packets,
    organisations,
    pars,
)
PAGE_ROUTERS = (
    auth,
    oidc,
    dashboard,
    uploads,
    review_pages,
    transcript,
    credentials,
    rules,
    export_pages,
    organisation,
    pars_console,
    account,
)


def create_app(store: Store, settings: Settings, *, background: bool = True) -> FastAPI:
    """`background=False` leaves queued imports to `cmeledger worker` (and to tests)."""
    services = Services(store, settings, StatusCache(settings.status_cache_entries))
    all_rules()  # parse the rule files now, not in the first requests of every worker
    runner = Background(services) if background else None

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        # Sync routes and dependencies run in this pool (anyio's default is 40 threads).
        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.threads
        if runner is not None:
            runner.start()
        try:
            yield
        finally:
            if runner is not None:
                runner.stop()

    app = FastAPI(
        title="CME Ledger",
        version=cmeledger.__version__,
        summary="Every CME credit in one ledger, checked against every licence and board.",
        openapi_url="/api/openapi.json",
        docs_url="/api/docs",
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.services = services
    problems.install(app, html=pages.error_page)
    for module in (*API_ROUTERS, *PAGE_ROUTERS):
        # The routes go straight onto the app's one list (their paths carry the API prefix,
        # the pages are out of the schema): FastAPI matches an included router's routes
        # twice, through a layer of wrappers, which cost each request more than its
        # database work once statuses were cached.
        app.router.routes.extend(module.router.routes)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.add_middleware(BodyLimit, limit=settings.max_upload_bytes + 256 * 1024)
    app.add_middleware(SecurityHeaders, hsts=settings.public_url.startswith("https://"))
    return app


def from_environment() -> FastAPI:
    """The factory uvicorn calls in each worker process (`cmeledger serve --workers N`)."""
    settings = get_settings()
    return create_app(open_store(settings), settings)
