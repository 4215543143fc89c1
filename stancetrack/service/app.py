"""The ASGI application: the API router, the dashboard, static files, middleware, and the
mapping of errors to JSON 4xx answers (never a 500 for bad input)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException

from stancetrack import __version__
from stancetrack.db import Database
from stancetrack.errors import NotFoundError, StancetrackError
from stancetrack.service import api, dashboard, feeds
from stancetrack.service.deps import Unauthorized
from stancetrack.service.jobs import ExtractionQueue
from stancetrack.service.middleware import ServiceMiddleware, loggable
from stancetrack.service.state import ServiceState, token_from_env
from stancetrack.settings import Settings

log = logging.getLogger("stancetrack.service")
STATIC = Path(__file__).with_name("static")
# The stylesheet is shared with the report: it lives with the shared templates (analysis/markup.py).
SHARED_STATIC: list[str | tuple[str, str]] = [("stancetrack.analysis", "static")]
# Room for the JSON framing around the largest article `extract` accepts.
BODY_SLACK = 64 * 1024


def create_app(
    settings: Settings, *, database: Database | None = None, token: bytes | None = None
) -> FastAPI:
    """The service over `settings.database_url` (or `database`); writes need `token`
    (default: $STANCETRACK_API_TOKEN, none: writes refused)."""
    db = database or Database(settings.database_url)
    state = ServiceState(
        settings=settings,
        database=db,
        queue=ExtractionQueue(settings, db),
        token=token if token is not None else token_from_env(),
        max_body_bytes=settings.max_file_bytes + BODY_SLACK,
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await state.queue.start()
        try:
            yield
        finally:
            await state.queue.stop()
            if database is None:
                db.dispose()

    app = FastAPI(
        title="stancetrack",
        version=__version__,
        description="Claims and stances in the news: the same answers as the CLI's JSON.",
        openapi_url="/api/openapi.json",
        docs_url=None,  # the Swagger page loads scripts from a CDN: not offline, not our CSP
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.service = state
    app.include_router(api.router)
    app.include_router(dashboard.router)
    app.include_router(feeds.router)
    app.mount("/static", StaticFiles(directory=STATIC, packages=SHARED_STATIC), name="static")

    @app.get("/openapi.json", include_in_schema=False)
    def openapi_alias() -> JSONResponse:
        return JSONResponse(app.openapi())

    _error_handlers(app)
    app.add_middleware(ServiceMiddleware, max_body_bytes=state.max_body_bytes)
    return app


def _error(request: Request, status: int, message: str) -> Response:
    """JSON `{"error": ...}` for the API; the dashboard's own error page elsewhere."""
    path = request.url.path
    if path.startswith(("/api/", "/static/")) or path in ("/api", "/openapi.json"):
        return JSONResponse({"error": message}, status_code=status)
    return dashboard.error_page(request, status, message)


def _error_handlers(app: FastAPI) -> None:
    @app.exception_handler(NotFoundError)
    async def not_found(request: Request, exc: NotFoundError) -> Response:
        return _error(request, 404, str(exc))

    # Every other error of ours (ambiguous names, bad usage, unknown targets) is the
    # caller's: handlers are found along the exception's class hierarchy.
    @app.exception_handler(StancetrackError)
    async def domain(request: Request, exc: StancetrackError) -> Response:
        return _error(request, 400, str(exc))

    @app.exception_handler(DataError)
    async def bad_value(request: Request, exc: DataError) -> Response:
        # A value the database refuses (out of range, bad encoding): the caller's input.
        return _error(request, 400, "a parameter has a value the database cannot hold")

    @app.exception_handler(Unauthorized)
    async def unauthorized(request: Request, exc: Unauthorized) -> Response:
        response = _error(request, 401, str(exc))
        response.headers["WWW-Authenticate"] = "Bearer"
        return response

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        return _error(request, 422, invalid_message(exc))

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        return _error(request, exc.status_code, str(exc.detail))

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        log.error("unexpected %s: %s", type(exc).__name__, loggable(str(exc)))
        return _error(request, 500, "internal error")


def invalid_message(exc: RequestValidationError) -> str:
    """One line naming each bad parameter; a body that is not JSON says so, with where."""
    problems = []
    for e in exc.errors():
        if e.get("type") == "json_invalid":
            return _json_problem(exc.body, e)
        where = ".".join(str(p) for p in e.get("loc", ()) if p not in ("query", "body"))
        problems.append(f"{where or 'request'}: {e.get('msg', 'invalid')}")
    return "; ".join(problems) or "invalid request"


def _json_problem(body: object, error: dict[str, Any]) -> str:
    # FastAPI's loc is ("body", offset) and its ctx the decoder's own words.
    reason = str((error.get("ctx") or {}).get("error") or "cannot be parsed")
    loc = error.get("loc", ())
    offset = loc[-1] if loc and isinstance(loc[-1], int) else None
    if offset is None or not isinstance(body, str):
        return f"request body is not valid JSON: {reason}"
    line = body.count("\n", 0, offset) + 1
    column = offset - body.rfind("\n", 0, offset)
    return f"request body is not valid JSON: {reason} at line {line} column {column}"
