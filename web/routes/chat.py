"""POST /api/chat: one turn, streamed as Server-Sent Events."""

from __future__ import annotations

import json

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
        async for ev in chat.stream(body.message, conversation_id=body.conversation_id, user_id=principal.id):
            yield {"event": ev.type, "data": json.dumps(ev.data, ensure_ascii=False, default=str)}

    return EventSourceResponse(events(), ping=15)
