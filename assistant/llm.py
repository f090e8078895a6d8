"""The LLM engine: one OpenAI-compatible chat model, with each provider's quirks handled here.

| provider | what differs |
|---|---|
| openai | the reference: `max_completion_tokens` |
| deepseek | thinking mode returns `reasoning_content`, and the API answers 400 unless it is sent back with that assistant message inside a tool-call loop (langchain issue 37713): `DeepSeekChat` keeps it |
| qwen (DashScope compatible mode), vllm, ollama, generic | `max_tokens`; a reasoning field in the deltas (`reasoning_content` or `reasoning`) is kept as thinking; Qwen3 served without a reasoning parser writes `<think>…</think>` into the content, which `ThinkSplitter` takes out of the answer |

The provider is `PLANNER_LLM_PROVIDER`, or read from the base URL.

Every provider streams through `_JsonChunks`: the official client still sends the request
(retries, errors, auth), but each streamed chunk stays the JSON the server sent instead of
becoming a `ChatCompletionChunk` that LangChain turns straight back into a dict, and a stream
that stops sending content for `llm_timeout_s` (keep-alive comments do not count) ends the turn
as a timeout.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Sequence
from typing import Any

from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.messages import AIMessage
from langchain_core.outputs import ChatGenerationChunk
from langchain_core.runnables import Runnable
from langchain_deepseek import ChatDeepSeek
from langchain_openai import ChatOpenAI
from langchain_openai.chat_models.base import BaseChatOpenAI
from openai import AsyncStream
from pydantic import PrivateAttr

from assistant.settings import Settings

_HOSTS = (
    ("api.openai.com", "openai"),
    ("deepseek", "deepseek"),
    ("dashscope", "qwen"),
    ("aliyuncs", "qwen"),
    (":11434", "ollama"),
    ("ollama", "ollama"),
    ("vllm", "vllm"),
)


def detect_provider(base_url: str | None) -> str:
    """openai, deepseek, qwen, ollama, vllm or generic, from the base URL."""
    if not base_url:
        return "openai"
    url = base_url.lower()
    return next((name for host, name in _HOSTS if host in url), "generic")


def provider_of(settings: Settings) -> str:
    return (
        detect_provider(settings.llm_base_url) if settings.llm_provider == "auto" else settings.llm_provider
    )


class _ToolsBoundOnce(BaseChatModel):
    """LangChain's agent binds its tools to the model at every model call, and binding converts
    each tool's schema to JSON again (seven tools: about 1 ms a call, for the same answer). The
    same tools with the same options get the binding made the first time; a workspace's new data
    builds new tools, and so a new binding."""

    _bindings: dict[tuple[tuple[int, ...], str], tuple[tuple[Any, ...], Runnable]] = PrivateAttr(
        default_factory=dict
    )

    def bind_tools(self, tools: Sequence[Any], **kwargs: Any) -> Runnable:
        key = (tuple(map(id, tools)), json.dumps(kwargs, sort_keys=True, default=repr))
        kept = self._bindings.get(key)
        if kept is not None and all(a is b for a, b in zip(kept[0], tools, strict=True)):
            return kept[1]
        bound = super().bind_tools(tools, **kwargs)
        if len(self._bindings) >= 8:  # tool lists of replaced data sets
            self._bindings.clear()
        self._bindings[key] = (tuple(tools), bound)  # the tools are kept, so their ids stay theirs
        return bound


class OpenAIChat(_ToolsBoundOnce, ChatOpenAI):
    """OpenAI itself."""


class CompatChat(_ToolsBoundOnce, ChatOpenAI):
    """An OpenAI-compatible server that is not OpenAI: `max_tokens` (not every server reads
    `max_completion_tokens`), and a reasoning field in the stream kept as thinking."""

    def _get_request_payload(
        self, input_: LanguageModelInput, *, stop: list[str] | None = None, **kwargs: Any
    ) -> dict:
        payload = super()._get_request_payload(input_, stop=stop, **kwargs)
        if "max_completion_tokens" in payload:
            payload["max_tokens"] = payload.pop("max_completion_tokens")
        return payload

    def _convert_chunk_to_generation_chunk(
        self, chunk: dict, default_chunk_class: type, base_generation_info: dict | None
    ) -> ChatGenerationChunk | None:
        for choice in chunk.get("choices") or []:
            for call in (choice.get("delta") or {}).get("tool_calls") or []:
                # Ollama sends each tool call whole and without an index; LangChain drops a call
                # with no index key, and merges none whose index is None
                call.setdefault("index", None)
        out = super()._convert_chunk_to_generation_chunk(chunk, default_chunk_class, base_generation_info)
        choices = chunk.get("choices") or []
        delta = (choices[0].get("delta") or {}) if choices else {}
        thinking = delta.get("reasoning_content") or delta.get("reasoning")
        if out is not None and thinking:
            out.message.additional_kwargs["reasoning_content"] = thinking
        return out


class DeepSeekChat(_ToolsBoundOnce, ChatDeepSeek):
    """DeepSeek with its thinking mode: each assistant message's `reasoning_content` (kept by
    ChatDeepSeek when it arrives) goes back with it in the next request of the tool-call loop."""

    def _get_request_payload(
        self, input_: LanguageModelInput, *, stop: list[str] | None = None, **kwargs: Any
    ) -> dict:
        payload = super()._get_request_payload(input_, stop=stop, **kwargs)
        messages = self._convert_input(input_).to_messages()
        for message, sent in zip(messages, payload["messages"], strict=False):
            reasoning = isinstance(message, AIMessage) and message.additional_kwargs.get("reasoning_content")
            if reasoning and sent.get("role") == "assistant":
                sent["reasoning_content"] = reasoning
        return payload


# `chat.completions.create`'s arguments that are request options, not the JSON body
_OPTIONS = {
    "extra_headers": "headers",
    "extra_query": "params",
    "extra_body": "extra_json",
    "timeout": "timeout",
}


class _JsonChunks:
    """`chat.completions` of the official async client, with streamed chunks left as dicts.

    Building each chunk as the SDK's model and dumping it again took 0.13 of the 0.21 ms a token
    costs a turn (measured in-process with a zero-latency fake LLM). LangChain reads dicts as
    they are, and `AsyncStream` with `cast_to=object` keeps the SDK's own SSE decoding and its
    error handling (an `error` payload mid-stream raises `APIError`). The request goes through
    the client's `post` (its documented way to send a custom request: auth, retries, errors):
    `create` first walks the whole payload against the SDK's parameter types, about 0.7 ms a
    request for a payload LangChain has already built as plain JSON."""

    def __init__(self, completions: Any, client: Any, silence_s: float) -> None:
        self._completions = completions
        self._client = client
        self._silence_s = silence_s

    def __getattr__(self, name: str) -> Any:
        return getattr(self._completions, name)

    async def create(self, **payload: Any) -> Any:
        if not payload.get("stream"):
            return await self._completions.create(**payload)
        options = {key: v for arg, key in _OPTIONS.items() if (v := payload.pop(arg, None)) is not None}
        stream = await self._client.post(
            "/chat/completions",
            body=payload,
            options=options,
            cast_to=object,
            stream=True,
            stream_cls=AsyncStream[object],
        )
        return _Bounded(stream, self._silence_s)


class _Bounded:
    """A stream whose every chunk must come within `silence_s` of the one before: httpx's read
    timeout is reset by the keep-alive comments a queued provider sends, and LangChain's own
    bound (`stream_chunk_timeout`) wraps each chunk in `asyncio.wait_for`, a task per chunk.

    `asyncio.timeout` around each chunk would still arm and cancel a timer per token (a tenth of
    what a streamed token cost a live server, measured with py-spy under bench/load.py). Instead
    one watchdog timer per stream notes when the wait for the next chunk began and fires at most
    once per `silence_s`: only a wait that long cancels the read, and the time the consumer takes
    with a chunk never counts."""

    def __init__(self, stream: AsyncStream, silence_s: float) -> None:
        self._stream = stream
        self._silence_s = silence_s

    async def __aenter__(self) -> _Bounded:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._stream.close()

    async def __aiter__(self) -> AsyncIterator[Any]:
        loop = asyncio.get_running_loop()
        task = asyncio.current_task()
        assert task is not None
        waiting_since: float | None = None
        expired = False
        watchdog: asyncio.TimerHandle  # set below, and again by each watch()

        def watch() -> None:
            nonlocal watchdog, expired
            now = loop.time()
            if waiting_since is not None and now - waiting_since >= self._silence_s:
                expired = True
                task.cancel()  # lands on the read below: the task is suspended there
            else:
                watchdog = loop.call_at((waiting_since or now) + self._silence_s, watch)

        watchdog = loop.call_at(loop.time() + self._silence_s, watch)
        chunks = aiter(self._stream)
        try:
            while True:
                waiting_since = loop.time()
                try:
                    chunk = await anext(chunks)
                except StopAsyncIteration:
                    return
                except asyncio.CancelledError:
                    if expired and task.uncancel() == 0:  # ours alone, as `asyncio.timeout` does
                        raise TimeoutError(f"no output from the model for {self._silence_s:g} s") from None
                    raise
                waiting_since = None
                yield chunk
        finally:
            watchdog.cancel()


def build_llm(settings: Settings) -> BaseChatModel:
    model = _provider_model(settings)
    model.async_client = _JsonChunks(model.async_client, model.root_async_client, settings.llm_timeout_s)
    return model


def _provider_model(settings: Settings) -> BaseChatOpenAI:
    provider = provider_of(settings)
    options: dict[str, Any] = dict(
        model=settings.llm_model,
        api_key=settings.llm_api_key.get_secret_value() if settings.llm_api_key else "not-needed",
        timeout=settings.llm_timeout_s,
        max_retries=settings.llm_max_retries,
        max_tokens=settings.llm_max_tokens,
        streaming=True,
        stream_chunk_timeout=None,  # `_Bounded` keeps the bound, for less
    )
    if provider == "deepseek":
        # ChatDeepSeek populates `api_base` by name too; mypy knows only its alias, base_url
        return DeepSeekChat(api_base=settings.llm_base_url or "https://api.deepseek.com", **options)  # type: ignore[call-arg]
    cls = OpenAIChat if provider == "openai" else CompatChat
    return cls(base_url=settings.llm_base_url, stream_usage=False, **options)
