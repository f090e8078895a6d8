"""A respx-scripted OpenAI-compatible model for building a demonstration cassette.

It answers each chat request with the tool calls our offline rules choose, in the OpenAI wire
format, so the recording shows the LLM path end to end. Regenerate the committed cassette with
`python -m evals.scripted_llm` (no network; respx intercepts the scripted endpoint).
"""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import respx

from assistant.engine.intents import Vocabulary, classify
from assistant.engine.planner import next_calls
from evals.cassettes import CASSETTES, recording_client, save

BASE_URL = "http://scripted-llm.local/v1"


def _demo_vocabulary() -> Vocabulary:
    from tools.demo_data import CHANNELS, REGIONS

    return Vocabulary.of(REGIONS, CHANNELS)


VOCABULARY = _demo_vocabulary()  # the cassette is recorded against the demo company


def scripted_answer(request: httpx.Request) -> httpx.Response:
    body = json.loads(request.content)
    question = next(m["content"] for m in reversed(body["messages"]) if m["role"] == "user")
    calls = next_calls(classify(question, VOCABULARY), [], step=0, vocabulary=VOCABULARY)
    message: dict = {"role": "assistant", "content": None if calls else "抱歉，这超出了我的范围。"}
    if calls:
        message["tool_calls"] = [
            {
                "id": f"call_{i}",
                "type": "function",
                "function": {"name": name, "arguments": json.dumps(args, ensure_ascii=False)},
            }
            for i, (name, args) in enumerate(calls)
        ]
    return httpx.Response(
        200,
        json={
            "id": "scripted",
            "object": "chat.completion",
            "created": 0,
            "model": body["model"],
            "choices": [{"index": 0, "finish_reason": "tool_calls" if calls else "stop", "message": message}],
        },
    )


def record_routing(path: Path) -> int:
    """Run the routing suite against the scripted model through a recording transport."""
    from langchain_openai import ChatOpenAI

    from assistant.services import Services
    from assistant.settings import get_settings
    from evals.suites import routing

    tape: list[dict] = []
    settings = get_settings().model_copy(update={"llm_base_url": BASE_URL, "llm_model": "scripted"})
    with respx.mock() as mock:
        mock.post(f"{BASE_URL}/chat/completions").mock(side_effect=scripted_answer)
        model = ChatOpenAI(
            model="scripted",
            base_url=BASE_URL,
            api_key="not-recorded",
            max_retries=0,
            disable_streaming=True,
            http_client=recording_client(tape, httpx.HTTPTransport()),
        )
        routing(Services(settings, chat_model=model))
    save(tape, path, base_url=BASE_URL, model="scripted")
    return len(tape)


if __name__ == "__main__":
    target = CASSETTES / "routing-scripted.json"
    print(f"{record_routing(target)} exchanges recorded to {target}")
