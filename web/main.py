"""Builds the FastAPI app: services, routers, error mapping, limits and the static pages."""

from __future__ import annotations

import asyncio
import gc
import logging
import re
from collections.abc import AsyncIterator, Sequence
from concurrent.futures import Future
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy.exc
from chromadb.errors import ChromaError
from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from assistant.drafts.store import DraftStore
from assistant.errors import PlannerError, storage_fault
from assistant.kb.ingest import recover_uploads
from assistant.logs import configure_logging
from assistant.services import Services
from assistant.settings import DEMO_WORKSPACE, Settings, get_settings
from web.csrf import OriginCheck
from web.deps import SESSION_COOKIE, is_ready
from web.heavy import HeavyWork
from web.mcp import McpEndpoint
from web.ratelimit import RateLimits
from web.routes import api
from web.routes.openai import router as openai_api

if TYPE_CHECKING:  # the agent (LangChain) and the MCP SDK are imported by the warm-up, after start
    from mcp.server.lowlevel import Server

    from assistant.chat import ChatService

STATIC = Path(__file__).parent / "static"
log = logging.getLogger("planner.web")


class _TooLarge(HTTPException):
    """Raised from the counted stream; FastAPI passes HTTPExceptions from body reading through, so
    the client gets 413 (not "error parsing the body")."""


def _size(n: int) -> str:
    return f"{n // (1024 * 1024)} MB" if n >= 1024 * 1024 else f"{n // 1024} KB"


class BodySizeLimit:
    """Refuse request bodies over the limit (413), counting the bytes actually received.

    A pure ASGI middleware: Content-Length is checked first, and the stream is counted as it
    arrives, so a chunked body without Content-Length cannot get past the limit either. `paths`
    sets other limits for some routes: larger for KPI files, a few KB where anyone may post
    (signing in), a bounded history for the OpenAI-compatible route.
    """

    def __init__(self, app: ASGIApp, max_bytes: int, paths: dict[str, int] | None = None) -> None:
        self.app = app
        self.default_bytes = max_bytes
        self.paths = paths or {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.paths.get(scope.get("path", ""), self.default_bytes)
        length = dict(scope.get("headers", [])).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > limit):
            await self._refuse(send, limit)
            return
        received, started = 0, False

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _TooLarge(413, f"request body larger than {_size(limit)}")
            return message

        async def tracked(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, tracked)
        except _TooLarge:
            if not started:
                await self._refuse(send, limit)

    async def _refuse(self, send: Send, limit: int) -> None:
        await JSONResponse({"detail": f"request body larger than {_size(limit)}"}, status_code=413)(
            {"type": "http"}, _nothing, send
        )


SECURITY_HEADERS = [
    (
        b"content-security-policy",
        b"default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
        b"object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
    ),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
]


class SecurityHeaders:
    """A Content-Security-Policy without inline script (the pages load only their own files),
    no MIME sniffing, no framing, no referrer beyond this server."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *SECURITY_HEADERS]
            await send(message)

        await self.app(scope, receive, with_headers)


async def _nothing() -> Message:
    return {"type": "http.disconnect"}


def _without_input(errors: Sequence[Any]) -> list[dict[str, Any]]:
    """Validation errors as the client may see them: where and what, never the submitted value
    (a password, or megabytes of it)."""
    return [{k: v for k, v in dict(e).items() if k in ("type", "loc", "msg")} for e in errors]


class RedactTokens(logging.Filter):
    """Sign-in links and tokens never reach the access log (`?token=…` is replaced)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            record.args = tuple(
                _TOKEN.sub(r"\1=[redacted]", a) if isinstance(a, str) else a for a in record.args
            )
        record.msg = _TOKEN.sub(r"\1=[redacted]", str(record.msg))
        return True


_TOKEN = re.compile(r"(token|api_key|key)=[^&\s\"']+", re.I)


_OPENAI_ERROR_TYPES = {
    401: ("authentication_error", "invalid_api_key"),
    403: ("permission_error", "permission_denied"),
    404: ("not_found_error", "not_found"),
    429: ("rate_limit_error", "rate_limit_exceeded"),
}


def _openai_error(message: str, status: int, headers: dict[str, str] | None = None) -> JSONResponse:
    """An error as OpenAI's API returns it, so chat clients show its message."""
    kind, code = _OPENAI_ERROR_TYPES.get(status, ("invalid_request_error", None))
    body = {"error": {"message": message, "type": kind, "param": None, "code": code}}
    return JSONResponse(body, status_code=status, headers=headers)


def _mcp_server(services: Services) -> Server:
    from assistant.mcp_server import bearer_caller, build_server

    return build_server(services, bearer_caller(services))


def _warm(services: Services, chats: dict[str, ChatService]) -> None:
    """Build what the first chat would otherwise pay for (over a second a worker): the engine and
    its client, the default workspace's agent, the retrieval index. A warm-up that fails (a
    workspace without data, say) is logged and left to the first request."""
    try:
        from assistant.chat import ChatService

        services.chat_model  # noqa: B018
        chat = ChatService(services, workspace=DEMO_WORKSPACE)
        chat.agent  # noqa: B018
        services.index.search("预算")
        chats[DEMO_WORKSPACE] = chat
        from assistant.usecases import workspace_context

        workspace_context(services, DEMO_WORKSPACE)  # starts the demo's mix model fit, if it has none
    except Exception:
        logging.getLogger(__name__).warning("start-up warm-up failed; continuing cold", exc_info=True)


def _settle_heap() -> None:
    """Once a worker has warmed up, nearly every object it holds lives as long as it does: the
    modules of LangChain, Chroma and pandas, the agent, the index (some 370k objects). Frozen,
    they are out of the garbage collector's reach, so the collections a streamed turn triggers walk
    only the turn's own objects (10–13 → 2 ms of CPU for a 400-token answer)."""
    gc.freeze()
    gc.enable()


class UntilWarm:
    """Liveness apart from readiness: the warm-up runs in a thread once the worker is serving, so
    the health check answers about a second sooner; every other request waits for the warm-up to
    finish (it is never refused for it), and `/api/health` says `ready` once it has."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] != "/api/health" and not is_ready(scope["app"]):
            await asyncio.shield(asyncio.wrap_future(scope["app"].state.warming))
        await self.app(scope, receive, send)


ANONYMOUS_BODY = 4 * 1024  # signing in: a name and a password


def body_limits(settings: Settings) -> dict[str, int]:
    """Per-route body limits; every other route gets `max_request_bytes`."""
    kpi_files = max(settings.max_upload_bytes, settings.max_request_bytes)
    return {
        "/api/kpis/import": kpi_files,
        "/api/kpis/preview": kpi_files,
        "/api/kpis/validate": kpi_files,
        "/api/auth/login": ANONYMOUS_BODY,
        "/api/auth/logout": ANONYMOUS_BODY,
        "/v1/chat/completions": min(settings.max_history_bytes, settings.max_request_bytes),
    }


def create_app(
    settings: Settings | None = None, *, services: Services | None = None, owns_process: bool = False
) -> FastAPI:
    """`owns_process`: the app is its worker's for life (`web.app`, which turns the garbage
    collector off while the worker starts); the collector comes back on after the warm-up, with
    what the start-up built frozen out of its reach (`_settle_heap`)."""
    configure_logging()
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, RedactTokens) for f in access.filters):
        access.addFilter(RedactTokens())
    services = services or Services(settings or get_settings())
    mcp = McpEndpoint(lambda: _mcp_server(services), services.accounts.authenticate)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        """Serve at once and warm up in the background (`UntilWarm`); /mcp starts when first used."""
        ready: Future[None] = Future()  # thread-safe: test clients run an app's lifespans on their own loops
        warm = asyncio.create_task(asyncio.to_thread(_warm, services, app.state.chats))
        warm.add_done_callback(lambda _: ready.set_result(None))
        if owns_process:
            warm.add_done_callback(lambda _: _settle_heap())
        app.state.warming = ready
        async with mcp.running():
            try:
                yield
            finally:
                await warm  # a thread cannot be cancelled: let the warm-up finish before exit
                from assistant.usecases import mixmodel

                mixmodel.shutdown()

    app = FastAPI(
        lifespan=lifespan,
        title="Planner assistant",
        version="0.1.0",
        description="AI planning assistant for marketing and promotion planners.",
    )
    app.state.services = services
    services.kpis  # noqa: B018 - migrate the database and load the demo data before serving
    services.accounts.ensure_first_admin()
    recover_uploads(services.settings.var_dir / "uploads")  # uploads a killed worker left half done
    app.state.chats = {}
    app.state.drafts = DraftStore(services.sessions, services.accounts)
    app.state.limits = RateLimits(
        services.settings.rate_limit_storage,
        {
            "chat": services.settings.rate_limit_chat,
            "upload": services.settings.rate_limit_upload,
            "login_user": services.settings.rate_limit_login_user,
            "login_address": services.settings.rate_limit_login_address,
        },
    )
    app.state.heavy = HeavyWork(total=services.settings.heavy_workers)
    app.add_middleware(
        BodySizeLimit,
        max_bytes=services.settings.max_request_bytes,
        paths=body_limits(services.settings),
    )
    app.add_middleware(OriginCheck, cookie=SESSION_COOKIE, public_url=services.settings.public_url)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(UntilWarm)

    @app.exception_handler(PlannerError)
    async def planner_error(request: Request, exc: PlannerError) -> JSONResponse:
        if request.url.path.startswith("/v1/"):  # OpenAI answers every bad request with 400
            status = 400 if exc.status_code == 422 else exc.status_code
            return _openai_error(str(exc), status, getattr(exc, "headers", None))
        body: dict[str, object] = {"detail": str(exc)}
        if getattr(exc, "problems", None):
            body["errors"] = exc.problems  # type: ignore[attr-defined]
        return JSONResponse(body, status_code=exc.status_code, headers=getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        if request.url.path.startswith("/v1/"):
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc'][1:])}: {e['msg']}" for e in exc.errors()
            )
            return _openai_error(problems or "invalid request", 400)
        return JSONResponse({"detail": jsonable_encoder(_without_input(exc.errors()))}, status_code=422)

    @app.exception_handler(sqlalchemy.exc.IntegrityError)
    async def integrity_error(_: Request, exc: sqlalchemy.exc.IntegrityError) -> JSONResponse:
        # two requests changed the same thing at once; the loser is told to reload, not given a 500
        return JSONResponse(
            {"detail": "a concurrent change got there first: reload and try again"}, status_code=409
        )

    @app.exception_handler(sqlalchemy.exc.DataError)
    async def data_error(_: Request, exc: sqlalchemy.exc.DataError) -> JSONResponse:
        # the database refused a value (PostgreSQL rejects NUL characters, over-long strings)
        return JSONResponse({"detail": "invalid characters or value in the request"}, status_code=422)

    @app.exception_handler(sqlalchemy.exc.OperationalError)
    @app.exception_handler(sqlalchemy.exc.InterfaceError)
    @app.exception_handler(sqlalchemy.exc.TimeoutError)
    @app.exception_handler(OSError)
    @app.exception_handler(ChromaError)
    async def storage_failed(request: Request, exc: Exception) -> JSONResponse:
        """A stopped database, a full disk or a broken index: 503 and what it means, never a bare
        500 (anything else raised as OSError is still a 500, logged)."""
        message = storage_fault(exc)
        log.error("%s %s failed: %s", request.method, request.url.path, exc, exc_info=message is None)
        status = 503 if message else 500
        message = message or "internal error: the server log has the details"
        if request.url.path.startswith("/v1/"):
            return _openai_error(message, status)
        return JSONResponse({"detail": message}, status_code=status, headers={"Retry-After": "30"})

    app.include_router(api)
    app.include_router(openai_api)
    app.router.routes.append(Route("/mcp", endpoint=mcp, methods=["GET", "POST", "DELETE"]))
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(STATIC / "index.html")

    @app.get("/login", include_in_schema=False)
    def login_page() -> FileResponse:
        return FileResponse(STATIC / "login.html")

    return app
