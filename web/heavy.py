"""Heavy work (parsing, validating, importing and indexing uploads) off the event loop.

Each job runs in a worker thread, at most `total` at a time across the server and one at a time
per user (a second upload from the same user while the first is processed gets 429), so one large
file never stalls chat streams, health checks or other users' requests.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import anyio
import anyio.to_thread

from tools.errors import Busy

T = TypeVar("T")


class HeavyWork:
    def __init__(self, total: int = 2) -> None:
        self.limiter = anyio.CapacityLimiter(total)
        self.busy: set[str] = set()

    async def run(self, user: str, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        if user in self.busy:
            raise Busy("your previous upload is still being processed; try again when it finishes")
        self.busy.add(user)
        try:
            return await anyio.to_thread.run_sync(
                functools.partial(fn, *args, **kwargs), limiter=self.limiter
            )
        finally:
            self.busy.discard(user)
