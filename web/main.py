"""Builds the FastAPI app: services, routers, error mapping, limits and the static pages."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy.exc
from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.middleware.base import BaseHTTPMiddleware

from assistant.drafts.store import DraftStore
from assistant.errors import PlannerError
from assistant.logs import configure_logging
from assistant.services import Services
from assistant.settings import Settings, get_settings
from web.ratelimit import RateLimits
from web.routes import api

STATIC = Path(__file__).parent / "static"


class BodySizeLimit(BaseHTTPMiddleware):
    """Reject bodies over the limit before reading them (413)."""

    def __init__(self, app: object, max_bytes: int) -> None:
        super().__init__(app)  # type: ignore[arg-type]
        self.max_bytes = max_bytes

    async def dispatch(self, request: Request, call_next):
        length = request.headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_bytes):
            return JSONResponse(
                {"detail": f"request body larger than {self.max_bytes // (1024 * 1024)} MB"}, status_code=413
            )
        return await call_next(request)


def create_app(settings: Settings | None = None, *, services: Services | None = None) -> FastAPI:
    configure_logging()
    services = services or Services(settings or get_settings())
    app = FastAPI(
        title="Planner assistant",
        version="0.1.0",
        description="AI planning assistant for marketing and promotion planners.",
    )
    app.state.services = services
    services.kpis  # noqa: B018 - migrate the database and load the demo data before serving
    services.accounts.ensure_first_admin()
    app.state.chats = {}
    app.state.drafts = DraftStore(services.sessions, services.accounts)
    app.state.limits = RateLimits(
        services.settings.rate_limit_storage,
        {"chat": services.settings.rate_limit_chat, "upload": services.settings.rate_limit_upload},
    )
    app.add_middleware(BodySizeLimit, max_bytes=services.settings.max_request_bytes)

    @app.exception_handler(PlannerError)
    async def planner_error(_: Request, exc: PlannerError) -> JSONResponse:
        body: dict[str, object] = {"detail": str(exc)}
        if getattr(exc, "problems", None):
            body["errors"] = exc.problems  # type: ignore[attr-defined]
        return JSONResponse(body, status_code=exc.status_code)

    @app.exception_handler(sqlalchemy.exc.DataError)
    async def data_error(_: Request, exc: sqlalchemy.exc.DataError) -> JSONResponse:
        # the database refused a value (PostgreSQL rejects NUL characters, over-long strings)
        return JSONResponse({"detail": "invalid characters or value in the request"}, status_code=422)

    app.include_router(api)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(STATIC / "index.html")

    @app.get("/login", include_in_schema=False)
    def login_page() -> FileResponse:
        return FileResponse(STATIC / "login.html")

    return app
