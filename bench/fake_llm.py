"""A fake OpenAI-compatible chat server for load tests: streams a fixed answer at a set token rate.

Run: python bench/fake_llm.py --port 9100 --tokens 40 --rate 50
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, StreamingResponse
from starlette.routing import Route

WORD = "预算"


def _chunk(delta: dict, finish: str | None = None) -> str:
    body = {
        "id": "fake",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": "fake",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }
    return f"data: {json.dumps(body, ensure_ascii=False)}\n\n"


def build(tokens: int, rate: float) -> Starlette:
    async def completions(request: Request):
        payload = await request.json()
        if not payload.get("stream"):
            return JSONResponse(
                {
                    "id": "fake",
                    "object": "chat.completion",
                    "created": 0,
                    "model": "fake",
                    "choices": [
                        {
                            "index": 0,
                            "finish_reason": "stop",
                            "message": {"role": "assistant", "content": WORD * tokens},
                        }
                    ],
                }
            )

        async def stream():
            yield _chunk({"role": "assistant", "content": ""})
            for _ in range(tokens):
                yield _chunk({"content": WORD})
                await asyncio.sleep(1 / rate)
            yield _chunk({}, "stop")
            yield "data: [DONE]\n\n"

        return StreamingResponse(stream(), media_type="text/event-stream")

    return Starlette(routes=[Route("/v1/chat/completions", completions, methods=["POST"])])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=9100)
    ap.add_argument("--tokens", type=int, default=40)
    ap.add_argument("--rate", type=float, default=50.0, help="tokens per second per stream")
    a = ap.parse_args()
    uvicorn.run(build(a.tokens, a.rate), host="127.0.0.1", port=a.port, log_level="warning")


if __name__ == "__main__":
    main()
