"""POST /api/chat: one turn, streamed as Server-Sent Events."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field
from sse_starlette import EventSourceResponse

from web.deps import ChatDep, PrincipalDep

router = APIRouter(tags=["chat"])


class ChatRequest(BaseModel):
    message: str = Field(min_length=1, max_length=8000)
    conversation_id: str | None = Field(default=None, max_length=64)


@router.post(
    "/chat",
    response_class=EventSourceResponse,
    responses={
        200: {
            "content": {"text/event-stream": {}},
            "description": "token, thinking, tool_start, tool_end, citation, audit, done and error events",
        }
    },
    summary="Send a message; the answer streams back as SSE events: token, thinking, tool_start, tool_end, citation, audit, done, error",
)
async def post_chat(
    body: ChatRequest, chat: ChatDep, principal: PrincipalDep, request: Request
) -> EventSourceResponse:
    request.app.state.limits.hit("chat", principal.username)
    # Raise a missing conversation as a 404 before the stream starts.
    chat.check_conversation(body.conversation_id, user_id=principal.id)

    async def events():
        turn = chat.stream(body.message, conversation_id=body.conversation_id, user_id=principal.id)
        async for ev in merged_text(turn):
            yield {"event": ev.type, "data": json.dumps(ev.data, ensure_ascii=False, default=str)}

    return EventSourceResponse(events(), ping=15)


_TEXT = ("token", "thinking")
_END = object()


async def merged_text(events: AsyncIterator[Any]) -> AsyncIterator[Any]:
    """A turn's events, with the text of token (or thinking) events already waiting to be sent
    merged into one. Each event sent costs about what a token costs the rest of the turn (SSE
    framing, the middleware, a socket write), so a server that falls behind a fast stream sends
    fewer, longer events instead of falling further behind; one that keeps up sends every token
    as it comes. The turn runs in its own task so that its events queue up meanwhile; a client
    that leaves cancels it, as before."""
    queue: asyncio.Queue[Any] = asyncio.Queue()

    async def produce() -> None:
        try:
            async for ev in events:
                queue.put_nowait(ev)
        finally:
            queue.put_nowait(_END)

    producer = asyncio.create_task(produce())
    try:
        ev = await queue.get()
        while ev is not _END:
            taken = None  # the event after this one, when merging took it from the queue
            if ev.type in _TEXT:
                texts = [ev.data["text"]]
                while taken is None and not queue.empty():
                    taken = queue.get_nowait()
                    if taken is not _END and taken.type == ev.type:
                        texts.append(taken.data["text"])
                        taken = None
                if len(texts) > 1:
                    ev = dataclasses.replace(ev, data={**ev.data, "text": "".join(texts)})
            yield ev
            ev = taken if taken is not None else await queue.get()
        await producer  # the turn's own error, if it raised one
    finally:
        producer.cancel()
