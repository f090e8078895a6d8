"""Cross-site request forgery: a state-changing request carried by the session cookie must come
from a page of this server.

Browsers send `Origin` (or at least `Referer`) with cross-site POSTs, including plain form posts
from another port on the same host or a sibling subdomain, which SameSite=Lax lets through. Such a
request is refused with 403 unless its origin is this server's (the Host it was sent to, or
`public_url`). Requests with a bearer token are exempt: a page elsewhere cannot make the browser
attach one. Requests with neither header come from scripts, not from a browser page.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

SAFE = {"GET", "HEAD", "OPTIONS"}


class OriginCheck:
    def __init__(self, app: ASGIApp, cookie: str, public_url: str | None = None) -> None:
        self.app = app
        self.cookie = cookie.encode()
        self.public = urlsplit(public_url).netloc.lower() if public_url else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in SAFE:
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers", []))
        bearer = headers.get(b"authorization", b"").lower().startswith(b"bearer ")
        with_cookie = self.cookie in headers.get(b"cookie", b"")
        source = headers.get(b"origin") or headers.get(b"referer")
        if with_cookie and not bearer and source and not self._own(source.decode("latin-1"), headers):
            await JSONResponse(
                {
                    "detail": "cross-site request refused: send it from this server's pages or with an API token"
                },
                status_code=403,
            )(scope, receive, send)
            return
        await self.app(scope, receive, send)

    def _own(self, source: str, headers: dict[bytes, bytes]) -> bool:
        netloc = urlsplit(source).netloc.lower()
        host = headers.get(b"host", b"").decode("latin-1").lower()
        return bool(netloc) and netloc in {host, self.public}
