"""The LLM path: ChatOpenAI against a respx-mocked OpenAI-compatible endpoint, same agent loop."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import date

import httpx
import pytest
import respx
from langchain_openai import ChatOpenAI

from assistant.chat import ChatService
from assistant.conversations import get_conversation
from assistant.llm import _Bounded
from assistant.services import Services
from assistant.settings import Settings
from testkit.llm_fakes import BASE_URL, completion_text, completion_tool_call, stream_text, stream_tool_call


@pytest.fixture
def llm_settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={
            "llm_base_url": BASE_URL,
            "llm_model": "fake-model",
            "llm_max_retries": 0,
            "llm_timeout_s": 2.0,
        }
    )


async def test_llm_calls_search_tool_then_answers_with_citation(llm_settings: Settings) -> None:
    model = ChatOpenAI(
        model="fake-model", base_url=BASE_URL, api_key="sk-test", max_retries=0, disable_streaming=True
    )
    chat = ChatService(Services(llm_settings, chat_model=model), workspace="default")
    with respx.mock(assert_all_called=True) as mock:
        route = mock.post(f"{BASE_URL}/chat/completions").mock(
            side_effect=[
                completion_tool_call("search_knowledge", {"query": "预算分配原则", "k": 3}),
                completion_text("预算按 40/30/30 分配 [1]。"),
            ]
        )
        result = await chat.ask("预算应该怎么分？")
    assert result.error is None
    assert result.tool_calls == [{"name": "search_knowledge", "args": {"query": "预算分配原则", "k": 3}}]
    assert result.answer == "预算按 40/30/30 分配 [1]。"
    assert [c["n"] for c in result.citations] == [1]
    assert result.citations[0]["doc_id"] == "demo-plan-budget"  # the demo workspace's own plan first
    # The second request carried the tool result back to the model.
    second = json.loads(route.calls[1].request.content)
    tool_msgs = [m for m in second["messages"] if m["role"] == "tool"]
    assert tool_msgs and "[1]" in tool_msgs[0]["content"]


async def test_llm_streaming_tool_call_deltas_and_tokens(llm_settings: Settings) -> None:
    chat = ChatService(Services(llm_settings), workspace="default")
    with respx.mock(assert_all_called=True) as mock:
        mock.post(f"{BASE_URL}/chat/completions").mock(
            side_effect=[
                stream_tool_call("kpi_lookup", {"metric": "cac", "period": "2026-Q3"}),
                stream_text("2026-Q3 获客成本偏离目标。"),
            ]
        )
        events = [ev async for ev in chat.stream("2026-Q3 获客成本怎么样？")]
    kinds = [e.type for e in events]
    assert kinds[0] == "tool_start" and events[0].data["args"] == {"metric": "cac", "period": "2026-Q3"}
    tool_end = next(e for e in events if e.type == "tool_end")
    assert tool_end.data["output"]["result"]["metric"] == "cac"
    tokens = "".join(e.data["text"] for e in events if e.type == "token")
    assert tokens == "2026-Q3 获客成本偏离目标。"
    done = events[-1]
    assert done.type == "done" and done.data["engine"] == "llm" and done.data["model"] == "fake-model"


@pytest.mark.parametrize(
    ("failure", "expected"),
    [
        (httpx.Response(500, json={"error": {"message": "boom"}}), "500"),
        (httpx.ReadTimeout("slow"), "timeout"),
        (  # a provider that fails mid-stream sends an error payload in place of a chunk
            httpx.Response(
                200,
                headers={"content-type": "text/event-stream"},
                content=b'data: {"error": {"message": "model overloaded"}}\n\n',
            ),
            "model overloaded",
        ),
    ],
)
async def test_llm_failure_ends_turn_with_clear_error_and_keeps_conversation(
    llm_settings: Settings, failure: object, expected: str
) -> None:
    services = Services(llm_settings)
    chat = ChatService(services, workspace="default")
    with respx.mock() as mock:
        mock.post(f"{BASE_URL}/chat/completions").mock(side_effect=[failure])
        events = [ev async for ev in chat.stream("预算应该怎么分？")]
    errors = [e for e in events if e.type == "error"]
    assert errors and expected in errors[0].data["message"]
    assert events[-1].type == "done"
    stored = get_conversation(services, events[-1].data["conversation_id"], "default")
    assert [m["role"] for m in stored["messages"]] == ["user", "assistant"]
    assert stored["messages"][0]["content"] == "预算应该怎么分？"
    assert expected in stored["messages"][1]["error"]


async def test_a_stream_that_keeps_alive_but_sends_nothing_ends_as_a_timeout(llm_settings: Settings) -> None:
    async def stalls():
        first = {"choices": [{"index": 0, "delta": {"role": "assistant", "content": "预算"}}]}
        yield f"data: {json.dumps(first, ensure_ascii=False)}\n\n".encode()
        for _ in range(100):  # 10 s of keep-alive comments, no content
            await asyncio.sleep(0.1)
            yield b": keep-alive\n\n"

    settings = llm_settings.model_copy(update={"llm_timeout_s": 0.5})
    chat = ChatService(Services(settings), workspace="default")
    with respx.mock() as mock:
        mock.post(f"{BASE_URL}/chat/completions").mock(
            return_value=httpx.Response(200, headers={"content-type": "text/event-stream"}, content=stalls())
        )
        started = time.perf_counter()
        events = [ev async for ev in chat.stream("预算应该怎么分？")]
    assert time.perf_counter() - started < 5
    errors = [e for e in events if e.type == "error"]
    assert errors and "did not answer in time" in errors[0].data["message"]
    assert events[-1].type == "done"


async def test_rate_limited_and_failing_llm_calls_are_retried(llm_settings: Settings) -> None:
    settings = llm_settings.model_copy(update={"llm_max_retries": 2})
    chat = ChatService(Services(settings), workspace="default")
    with respx.mock() as mock:
        route = mock.post(f"{BASE_URL}/chat/completions").mock(
            side_effect=[
                httpx.Response(
                    429, headers={"retry-after-ms": "10"}, json={"error": {"message": "slow down"}}
                ),
                httpx.Response(503, headers={"retry-after-ms": "10"}, json={"error": {"message": "busy"}}),
                stream_text("答复 [1]"),
            ]
        )
        result = await chat.ask("你好")
    assert result.error is None and result.answer == "答复 [1]"
    assert route.call_count == 3


async def test_malformed_tool_call_goes_back_to_the_model_as_an_error(llm_settings: Settings) -> None:
    model = ChatOpenAI(
        model="fake-model", base_url=BASE_URL, api_key="sk-test", max_retries=0, disable_streaming=True
    )
    chat = ChatService(Services(llm_settings, chat_model=model), workspace="default")
    broken = completion_tool_call("kpi_lookup", {})
    body = json.loads(broken.content)
    body["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"] = '{"metric": "cac", "period": '
    wrong_type = completion_tool_call("kpi_lookup", {"metric": "cac", "period": {"q": 3}}, call_id="call_2")
    with respx.mock() as mock:
        route = mock.post(f"{BASE_URL}/chat/completions").mock(
            side_effect=[httpx.Response(200, json=body), wrong_type, completion_text("已更正。")]
        )
        result = await chat.ask("2026-Q3 获客成本？")
    assert result.error is None and result.answer == "已更正。"
    second = json.loads(route.calls[1].request.content)["messages"]
    assert any(m["role"] == "tool" and "not valid JSON" in m["content"] for m in second)
    third = json.loads(route.calls[2].request.content)["messages"]
    assert any(
        m["role"] == "tool" and m["tool_call_id"] == "call_2" and "period" in m["content"] for m in third
    )


async def test_unreachable_llm_gives_a_clear_message(llm_settings: Settings) -> None:
    services = Services(llm_settings)
    with respx.mock() as mock:
        mock.post(f"{BASE_URL}/chat/completions").mock(side_effect=httpx.ConnectError("refused"))
        result = await ChatService(services, workspace="default").ask("预算？")
    assert result.error and "Cannot reach the language model" in result.error
    assert [m["role"] for m in get_conversation(services, result.conversation_id, "default")["messages"]] == [
        "user",
        "assistant",
    ]


async def test_runaway_tool_loop_is_stopped_by_the_step_limit(llm_settings: Settings) -> None:
    settings = llm_settings.model_copy(update={"agent_max_steps": 2})
    model = ChatOpenAI(
        model="fake-model", base_url=BASE_URL, api_key="sk-test", max_retries=0, disable_streaming=True
    )
    chat = ChatService(Services(settings, chat_model=model), workspace="default")
    with respx.mock() as mock:
        mock.post(f"{BASE_URL}/chat/completions").mock(
            side_effect=[
                completion_tool_call("search_knowledge", {"query": "预算"}, call_id=f"c{i}")
                for i in range(10)
            ]
        )
        result = await chat.ask("预算？")
    assert result.error and "too many steps" in result.error


async def test_an_llm_answers_figures_are_audited_against_its_tools(llm_settings: Settings) -> None:
    model = ChatOpenAI(
        model="fake-model", base_url=BASE_URL, api_key="sk-test", max_retries=0, disable_streaming=True
    )
    chat = ChatService(Services(llm_settings, chat_model=model), workspace="default")
    with respx.mock() as mock:
        mock.post(f"{BASE_URL}/chat/completions").mock(
            side_effect=[
                completion_tool_call("kpi_lookup", {"metric": "cac", "period": "2026-Q3"}),
                completion_text("三季度获客成本 132.32元，比目标高 10.3%；预计下季度降到 98 元。"),
            ]
        )
        result = await chat.ask("三季度获客成本多少？")
    assert result.audit is not None
    assert [u["text"] for u in result.audit["unsupported"]] == ["98 元"]  # invented; the rest are the tool's
    assert result.audit["checked"] == 3


@pytest.mark.serial
async def test_the_silence_bound_counts_the_wait_for_the_model_not_the_time_a_chunk_takes_to_use() -> None:
    class Provider:
        def __init__(self, gaps: list[float]) -> None:
            self.gaps = gaps

        async def __aiter__(self):
            for i, gap in enumerate(self.gaps):
                await asyncio.sleep(gap)
                yield i

        async def close(self) -> None:
            pass

    got = []
    async for chunk in _Bounded(Provider([0, 0, 0]), silence_s=0.3):  # type: ignore[arg-type]
        await asyncio.sleep(0.5)  # a slow consumer: longer than the bound, each time
        got.append(chunk)
    assert got == [0, 1, 2]

    got = []
    started = time.perf_counter()
    with pytest.raises(TimeoutError):
        async for chunk in _Bounded(Provider([0, 0.1, 5]), silence_s=0.3):  # type: ignore[arg-type]
            got.append(chunk)
    assert got == [0, 1] and time.perf_counter() - started < 1
    assert asyncio.current_task().cancelling() == 0  # type: ignore[union-attr]


async def test_an_llm_reads_the_dialogue_state_of_a_follow_up(llm_settings: Settings) -> None:
    """A follow-up's prompt carries the state the rules understood: "第二名那个渠道的CPC呢" after a
    ranking names the channel the last answer ranked second, with the inherited period."""
    model = ChatOpenAI(
        model="fake-model", base_url=BASE_URL, api_key="sk-test", max_retries=0, disable_streaming=True
    )
    services = Services(llm_settings.model_copy(update={"today": date(2026, 11, 23)}), chat_model=model)
    chat = ChatService(services, workspace="default")
    rank = {"metric": "cac", "by": "channel", "period": "2026-09", "order": "desc"}
    with respx.mock(assert_all_called=True) as mock:
        route = mock.post(f"{BASE_URL}/chat/completions").mock(
            side_effect=[
                completion_tool_call("kpi_rank", rank),
                completion_text("9月获客成本最高的渠道见上表。"),
                completion_text("好的。"),
            ]
        )
        first = await chat.ask("9月哪个渠道获客成本最高？")
        await chat.ask("第二名那个渠道的CPC呢", conversation_id=first.conversation_id)
    opening = json.loads(route.calls[0].request.content)["messages"][0]["content"]
    follow = json.loads(route.calls[2].request.content)["messages"][0]["content"]
    assert "## Dialogue state" not in opening  # a first question has no state to carry
    from assistant.usecases import kpis, workspace_context

    second = kpis.rank(workspace_context(services, "default"), **rank).rows[1].name
    state = follow.split("## Dialogue state", 1)[1]
    assert "metric=cpc" in state and "period=2026-09" in state and f"channel={second}" in state
