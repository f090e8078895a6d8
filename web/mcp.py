"""/mcp: the MCP server (`assistant.mcp_server`) over the streamable HTTP transport."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import Receive, Scope, Send

from assistant.accounts import AuthError

if TYPE_CHECKING:
    from mcp.server.lowlevel import Server
    from mcp.server.streamable_http_manager import StreamableHTTPSessionManager

log = logging.getLogger(__name__)


class McpEndpoint:
    """Stateless, so any uvicorn worker answers any request. The server starts on a worker's first
    /mcp request: the MCP SDK and the agent's tools cost a worker about 40 MB, which one that never
    serves MCP does not pay. The SDK's session manager may run only once, so each app lifespan (a
    server start, a test client) gets a new one."""

    def __init__(self, build: Callable[[], Server], authenticate: Callable[[str], object]) -> None:
        self.build = build
        self.server: Server | None = None
        self.authenticate = authenticate
        self.manager: StreamableHTTPSessionManager | None = None
        self._stop: asyncio.Event | None = None
        self._starting: asyncio.Task[None] | None = None
        self._running: asyncio.Task[None] | None = None

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """The app's lifespan: what the first request starts stops with it. (Test clients may
        run lifespans of one app side by side: each stops only what it started.)"""
        stop = asyncio.Event()
        self._stop, self._starting, self._running = stop, None, None
        try:
            yield
        finally:
            stop.set()
            if self._stop is stop:
                if self._running is not None:
                    await self._running
                self._stop, self._starting, self._running, self.manager = None, None, None, None

    async def _start(self) -> None:
        from mcp.server.streamable_http_manager import StreamableHTTPSessionManager

        if self.server is None:
            self.server = await asyncio.to_thread(self.build)
        manager = StreamableHTTPSessionManager(app=self.server, stateless=True, json_response=True)
        started: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        stop = self._stop
        assert stop is not None

        async def run() -> None:
            try:
                async with manager.run():
                    self.manager = manager
                    started.set_result(None)
                    await stop.wait()
            except Exception as e:
                if started.done():
                    log.exception("the MCP endpoint stopped with an error")
                else:
                    started.set_exception(e)  # the request that started it logs it

        self._running = asyncio.create_task(run())
        await started

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":  # refuse a missing or wrong key before the protocol starts
            header = Headers(scope=scope).get("authorization", "")
            try:
                self.authenticate(header[7:].strip() if header.lower().startswith("bearer ") else "")
            except AuthError as e:
                response = JSONResponse(
                    {"detail": str(e)}, status_code=401, headers={"WWW-Authenticate": "Bearer"}
                )
                await response(scope, receive, send)
                return
        if self.manager is None and self._stop is not None:
            if self._starting is None:
                self._starting = asyncio.create_task(self._start())
            try:
                await asyncio.shield(self._starting)
            except Exception:
                log.exception("the MCP endpoint did not start")
        if self.manager is None:
            await JSONResponse({"detail": "the MCP endpoint is not running"}, status_code=503)(
                scope, receive, send
            )
            return
        await self.manager.asgi_app(scope, receive, send)
