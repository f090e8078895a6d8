"""Scripted OpenAI-compatible responses for respx: JSON completions and SSE streams."""

from __future__ import annotations

import json
from typing import Any

import httpx

BASE_URL = "http://llm.test/v1"


def completion_tool_call(name: str, args: dict[str, Any], call_id: str = "call_1") -> httpx.Response:
    return httpx.Response(
        200,
        json={
            "id": "cmpl-1",
            "object": "chat.completion",
            "created": 1,
            "model": "fake-model",
            "choices": [
                {
                    "index": 0,
                    "finish_reason": "tool_calls",
                    "message": {
                        "role": "assistant",
                        "content": None,
                        "tool_calls": [
                            {
                                "id": call_id,
                                "type": "function",
                                "function": {"name": name, "arguments": json.dumps(args, ensure_ascii=False)},
                            }
                        ],
                    },
                }
            ],
        },
    )


def completion_text(text: str) -> httpx.Response:
    return httpx.Response(
        200,
        json={
            "id": "cmpl-2",
            "object": "chat.completion",
            "created": 1,
            "model": "fake-model",
            "choices": [
                {"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": text}}
            ],
        },
    )


def _sse(chunks: list[dict[str, Any]]) -> httpx.Response:
    body = "".join(f"data: {json.dumps(c, ensure_ascii=False)}\n\n" for c in chunks) + "data: [DONE]\n\n"
    return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=body.encode())


def _chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
    return {
        "id": "c",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "fake-model",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }


def stream_tool_call(name: str, args: dict[str, Any], call_id: str = "call_s1") -> httpx.Response:
    """A streamed tool call whose arguments arrive split over several deltas."""
    raw = json.dumps(args, ensure_ascii=False)
    cut = len(raw) // 2
    return _sse(
        [
            _chunk(
                {
                    "role": "assistant",
                    "content": None,
                    "tool_calls": [
                        {
                            "index": 0,
                            "id": call_id,
                            "type": "function",
                            "function": {"name": name, "arguments": ""},
                        }
                    ],
                }
            ),
            _chunk({"tool_calls": [{"index": 0, "function": {"arguments": raw[:cut]}}]}),
            _chunk({"tool_calls": [{"index": 0, "function": {"arguments": raw[cut:]}}]}),
            _chunk({}, "tool_calls"),
        ]
    )


def stream_text(text: str, pieces: int = 4) -> httpx.Response:
    step = max(1, len(text) // pieces)
    parts = [text[i : i + step] for i in range(0, len(text), step)]
    return _sse(
        [
            _chunk({"role": "assistant", "content": ""}),
            *[_chunk({"content": p}) for p in parts],
            _chunk({}, "stop"),
        ]
    )
