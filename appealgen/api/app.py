"""create_app(settings, deps) -> FastAPI: the REST API, the upload page and the error edge."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from appealgen import __version__
from appealgen.api.deps import Services
from appealgen.api.limits import BODY_OVERHEAD, BodyLimitMiddleware
from appealgen.api.problems import UnexpectedErrorMiddleware, install_problem_handlers
from appealgen.api.routes import appeals, page, tools
from appealgen.settings import Settings

STATIC = Path(__file__).resolve().parent / "static"

DESCRIPTION = """Turns an insurance denial letter into a grounded, point-by-point appeal.

Every `/v1` route except `/v1/health` needs `Authorization: Bearer KEY` (make a key with
`appealgen keys create NAME`). A case is visible only to the key that made it. Errors are
RFC 9457 problem details (`application/problem+json`).
"""


class NoStoreMiddleware:
    """Marks every /v1 response `Cache-Control: no-store`: they may carry PHI."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Add the header to /v1 responses."""
        if scope["type"] != "http" or not scope["path"].startswith("/v1/"):
            await self.app(scope, receive, send)
            return

        async def send_no_store(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), (b"cache-control", b"no-store")]
            await send(message)

        await self.app(scope, receive, send_no_store)


def create_app(settings: Settings, deps: Services | None = None) -> FastAPI:
    """The appealgen web app.

    Args:
        settings: the settings tree (limits, database URL, index folder).
        deps: the services to use; None builds the real ones from settings
            (the SQL case store and the full pipeline). Tests pass a pipeline
            with a fake retriever.
    """
    services = deps or Services.from_settings(settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        close = getattr(services.store, "close", None)
        if callable(close):
            close()

    app = FastAPI(
        title="appealgen",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url="/docs",
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    app.state.services = services
    install_problem_handlers(app)
    app.include_router(appeals.router)
    app.include_router(tools.router)
    app.include_router(page.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    # Added last = outermost: limits apply before anything reads the body.
    app.add_middleware(NoStoreMiddleware)
    app.add_middleware(UnexpectedErrorMiddleware)
    app.add_middleware(BodyLimitMiddleware, max_body=settings.parse.max_bytes + BODY_OVERHEAD)
    return app


def app_from_environment() -> FastAPI:
    """The app built from APPEALGEN_* environment settings: the factory each uvicorn worker calls."""
    return create_app(Settings())
