"""The OpenAI-compatible API: GET /v1/models and POST /v1/chat/completions, streamed or not.

The key is one of the product's API tokens; the workspace is the model's (`planner-…:<workspace>`)
or the `X-Workspace` header's. A turn runs through the same `ChatService` as /api/chat, so it is
stored, rate-limited and audited the same way and shows in the web UI's history. Errors take
OpenAI's shape (see `web.main`)."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Header, Request
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from assistant import compat
from web.deps import PrincipalDep, ServicesDep, documented_errors, get_chat_for

if TYPE_CHECKING:
    from assistant.chat import ChatService


class ErrorBody(BaseModel):
    message: str
    type: str
    param: str | None = None
    code: str | None = None


class OpenAIError(BaseModel):
    """OpenAI's error shape, which chat clients know how to show."""

    error: ErrorBody


_ERRORS = documented_errors(
    OpenAIError,
    {
        400: "invalid request (OpenAI answers every bad request with 400)",
        401: "missing or wrong API key",
        403: "no access to the workspace",
        429: "rate limit reached",
    },
)
router = APIRouter(prefix="/v1", tags=["openai-compatible"], responses=_ERRORS)


class ChatCompletionRequest(BaseModel):
    model_config = ConfigDict(extra="allow")  # temperature, top_p…: the agent sets its own

    model: str = Field(max_length=200)
    messages: list[dict[str, Any]] = Field(min_length=1, max_length=500)
    stream: bool = False
    show_tools: bool = False  # write each tool step into the answer (clients show no tool events)


@router.get("/models", summary="The assistant over each workspace the key can use, as models")
def list_models(principal: PrincipalDep, services: ServicesDep) -> dict[str, Any]:
    return {
        "object": "list",
        "data": [
            {
                "id": compat.model_id(services.model_name, ws),
                "object": "model",
                "created": 0,
                "owned_by": f"planner ({services.engine} engine)",
            }
            for ws in principal.workspaces
        ],
    }


@router.post(
    "/chat/completions",
    summary="One turn of the assistant, in OpenAI's chat completions format",
    responses={
        200: {
            "content": {"application/json": {}, "text/event-stream": {}},
            "description": "a chat.completion, or with stream=true chat.completion.chunk events ending in [DONE]",
        }
    },
)
async def chat_completions(
    body: ChatCompletionRequest,
    principal: PrincipalDep,
    services: ServicesDep,
    request: Request,
    x_workspace: Annotated[str | None, Header(max_length=64)] = None,
) -> Any:
    workspace = principal.workspace(compat.workspace_of_model(body.model) or x_workspace)
    turn = compat.client_turn(body.messages)
    request.app.state.limits.hit("chat", principal.username)
    chat = get_chat_for(request, workspace)
    conversation = await asyncio.to_thread(  # storage work stays off the event loop
        compat.conversation_for, services, workspace=workspace, user_id=principal.id, history=turn.history
    )
    model = compat.model_id(services.model_name, workspace)
    pieces = _pieces(chat, turn.question, conversation, principal.id, show_tools=body.show_tools)
    reply_id = f"chatcmpl-{uuid.uuid4().hex}"
    created = int(time.time())
    if body.stream:
        return StreamingResponse(
            _sse(pieces, reply_id, created, model),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache"},
        )
    content: list[str] = []
    reasoning: list[str] = []
    async for kind, text in pieces:
        (reasoning if kind == "reasoning" else content).append(text)
    message: dict[str, Any] = {"role": "assistant", "content": "".join(content)}
    if reasoning:
        message["reasoning_content"] = "".join(reasoning)
    return JSONResponse(
        {
            "id": reply_id,
            "object": "chat.completion",
            "created": created,
            "model": model,
            "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
        }
    )


async def _pieces(
    chat: ChatService, question: str, conversation: str | None, user_id: int, *, show_tools: bool
) -> AsyncIterator[tuple[str, str]]:
    """The turn as ("content" | "reasoning", text) pieces, the reference list last."""
    citations: list[dict[str, Any]] = []
    started = False
    async for ev in chat.stream(question, conversation_id=conversation, user_id=user_id):
        if ev.type == "token":
            started = True
            yield "content", ev.data["text"]
        elif ev.type == "thinking":
            yield "reasoning", ev.data["text"]
        elif ev.type == "tool_start" and show_tools:
            args = json.dumps(ev.data.get("args", {}), ensure_ascii=False)
            yield "content", ("\n" if started else "") + f"> 🔧 {ev.data['name']} {args}\n\n"
            started = True
        elif ev.type == "citation":
            citations.append(ev.data)
        elif ev.type == "error":
            yield "content", f"\n\n⚠️ {ev.data['message']}"
    if citations:
        yield "content", compat.with_references("", citations)


async def _sse(
    pieces: AsyncIterator[tuple[str, str]], reply_id: str, created: int, model: str
) -> AsyncIterator[str]:
    def chunk(delta: dict[str, Any], finish: str | None = None) -> str:
        body = {
            "id": reply_id,
            "object": "chat.completion.chunk",
            "created": created,
            "model": model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        }
        return f"data: {json.dumps(body, ensure_ascii=False)}\n\n"

    yield chunk({"role": "assistant", "content": ""})
    async for kind, text in pieces:
        yield chunk({"reasoning_content" if kind == "reasoning" else "content": text})
    yield chunk({}, "stop")
    yield "data: [DONE]\n\n"
