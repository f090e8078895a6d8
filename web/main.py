"""Builds the FastAPI app: services, routers, error mapping and the static page."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles

from assistant.chat import ChatService
from assistant.errors import PlannerError
from assistant.services import Services
from assistant.settings import Settings, get_settings
from web.routes import api

STATIC = Path(__file__).parent / "static"


def create_app(settings: Settings | None = None, *, services: Services | None = None) -> FastAPI:
    services = services or Services(settings or get_settings())
    app = FastAPI(
        title="Planner assistant",
        version="0.1.0",
        description="AI planning assistant for marketing and promotion planners.",
    )
    app.state.services = services
    services.kpis  # noqa: B018 - migrate the database and load the demo data before serving
    app.state.chat = ChatService(services)

    @app.exception_handler(PlannerError)
    async def planner_error(_: Request, exc: PlannerError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=exc.status_code)

    @app.exception_handler(ValueError)
    async def value_error(_: Request, exc: ValueError) -> JSONResponse:
        # the domain functions raise ValueError/KeyError for bad parameters (unknown metric, period)
        return JSONResponse({"detail": str(exc).strip("'\"")}, status_code=422)

    app.add_exception_handler(KeyError, value_error)  # type: ignore[arg-type]

    app.include_router(api)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(STATIC / "index.html")

    return app
