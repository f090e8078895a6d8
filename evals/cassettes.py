"""Cassettes: an LLM run's HTTP exchanges, recorded once and replayed in CI through respx.

`record` wraps the chat model's HTTP transport and keeps every /chat/completions exchange (the
request body and the response), without headers, so no key is ever written. `replay` serves those
responses back through respx, matched by the request body, so a suite scores a real model's
behaviour with no key and no network.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import respx

CASSETTES = Path(__file__).parent / "cassettes"


def _key(body: bytes) -> str:
    """Match on what the model was asked, not on incidental fields (nor on the system prompt,
    which carries today's date)."""
    data = json.loads(body)
    essential = {
        "model": data.get("model"),
        "messages": [m for m in data.get("messages", []) if m.get("role") != "system"],
        "tools": [t.get("function", {}).get("name") for t in data.get("tools", [])],
    }
    return hashlib.sha256(json.dumps(essential, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def _compact_request(body: bytes) -> dict[str, Any]:
    """The request as recorded: the tools by name (their schemas are the same in every exchange)."""
    data = json.loads(body)
    data["tools"] = [t.get("function", {}).get("name") for t in data.get("tools", [])]
    return data


class RecordingTransport(httpx.BaseTransport):
    def __init__(self, inner: httpx.BaseTransport, tape: list[dict[str, Any]]) -> None:
        self.inner, self.tape = inner, tape

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        body = response.read()
        if request.url.path.endswith("/chat/completions"):
            self.tape.append(
                {
                    "key": _key(request.content),
                    "request": _compact_request(request.content),
                    "status": response.status_code,
                    "response": json.loads(body),
                }
            )
        return httpx.Response(
            response.status_code, headers={"content-type": "application/json"}, content=body
        )


def recording_client(tape: list[dict[str, Any]], inner: httpx.BaseTransport | None = None) -> httpx.Client:
    return httpx.Client(transport=RecordingTransport(inner or httpx.HTTPTransport(), tape))


def save(tape: list[dict[str, Any]], path: Path, *, base_url: str, model: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {"version": 1, "base_url": base_url, "model": model, "exchanges": tape}
    path.write_text(json.dumps(payload, ensure_ascii=False, indent=1), encoding="utf-8")


def meta(path: Path) -> tuple[str, str]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return data["base_url"], data["model"]


@contextmanager
def replay(path: Path) -> Iterator[respx.MockRouter]:
    """Serve a cassette's responses for requests to its endpoint's /chat/completions."""
    data = json.loads(path.read_text(encoding="utf-8"))
    base_url, exchanges = data["base_url"], data["exchanges"]
    by_key: dict[str, list[dict[str, Any]]] = {}
    for e in exchanges:
        by_key.setdefault(e["key"], []).append(e)

    def answer(request: httpx.Request) -> httpx.Response:
        queue = by_key.get(_key(request.content))
        if not queue:
            return httpx.Response(
                599,
                json={"error": {"message": "no recorded exchange for this request: re-record the cassette"}},
            )
        e = queue.pop(0) if len(queue) > 1 else queue[0]
        return httpx.Response(e["status"], json=e["response"])

    with respx.mock(assert_all_called=False) as mock:
        mock.post(f"{base_url.rstrip('/')}/chat/completions").mock(side_effect=answer)
        yield mock


# -- provider wire formats --------------------------------------------------------------------
PROVIDERS = CASSETTES / "providers"


class _Dropped(httpx.AsyncByteStream):
    """A response body that sends a few bytes and then loses the connection."""

    def __init__(self, first: list[str]) -> None:
        self.first = first

    async def __aiter__(self):  # type: ignore[override]
        for line in self.first:
            yield (line + "\n\n").encode()
        raise httpx.RemoteProtocolError("peer closed connection without sending complete message body")

    async def aclose(self) -> None:
        return None


def provider_cassette(name: str) -> tuple[dict[str, Any], list[httpx.Response]]:
    """A provider's exchange in its own wire format (`evals/cassettes/providers/<name>.json`): the
    settings that point at it and the responses, served in order through respx. Written from the
    provider's API documentation (each file's `source` says which), not recorded from a live API."""
    tape = json.loads((PROVIDERS / f"{name}.json").read_text(encoding="utf-8"))
    responses = []
    for r in tape["responses"]:
        if "sse" in r:
            body = (
                "".join(f"data: {json.dumps(c, ensure_ascii=False)}\n\n" for c in r["sse"])
                + "data: [DONE]\n\n"
            )
            responses.append(
                httpx.Response(
                    r["status"], headers={"content-type": "text/event-stream"}, content=body.encode()
                )
            )
        elif "drop_after" in r:
            responses.append(
                httpx.Response(
                    r["status"],
                    headers={"content-type": "text/event-stream"},
                    stream=_Dropped(r["drop_after"]),
                )
            )
        else:
            responses.append(httpx.Response(r["status"], json=r["json"]))
    return tape, responses
