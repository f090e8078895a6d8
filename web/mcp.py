"""/mcp: the MCP server (`assistant.mcp_server`) over the streamable HTTP transport."""

from __future__ import annotations

import asyncio
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


class McpEndpoint:
    """Stateless, so any uvicorn worker answers any request. The SDK's session manager may run
    only once, so each app lifespan (a server start, a test client) gets a new one. The server is
    built (and the MCP SDK and the agent's tools imported) when it first runs, in a thread."""

    def __init__(self, build: Callable[[], Server], authenticate: Callable[[str], object]) -> None:
        self.build = build
        self.server: Server | None = None
        self.authenticate = authenticate
        self.manager: StreamableHTTPSessionManager | None = None

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        from mcp.server.streamable_http_manager import StreamableHTTPSessionManager

        if self.server is None:
            self.server = await asyncio.to_thread(self.build)
        self.manager = StreamableHTTPSessionManager(app=self.server, stateless=True, json_response=True)
        async with self.manager.run():
            yield
        self.manager = None

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
        if self.manager is None:
            await JSONResponse({"detail": "the MCP endpoint is starting"}, status_code=503)(
                scope, receive, send
            )
            return
        await self.manager.asgi_app(scope, receive, send)
