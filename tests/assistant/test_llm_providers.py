"""The LLM path as real providers exercise it: what the model is told, what it remembers across
turns, and each provider's wire format (`evals/cassettes/providers/`: exchanges written from the
providers' API documentation, not recordings of live APIs)."""

from __future__ import annotations

import json
from contextvars import copy_context

import httpx
import pandas as pd
import pytest
import respx
from langsmith import tracing_context
from langsmith._internal import _aiter
from pydantic import SecretStr

from assistant.chat import ChatService, _inline_when_untraced
from assistant.conversations import get_conversation
from assistant.kb.tokens import count_tokens
from assistant.llm import build_llm, detect_provider
from assistant.services import Services
from assistant.settings import Settings
from assistant.thinking import ThinkSplitter, strip_think
from assistant.usecases import workspace_context
from evals.cassettes import provider_cassette
from testkit.llm_fakes import BASE_URL, stream_text, stream_tool_call


@pytest.fixture
def llm_settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={
            "llm_base_url": BASE_URL,
            "llm_model": "fake-model",
            "llm_max_retries": 0,
            "llm_timeout_s": 5.0,
            "today": settings.today_date().fromisoformat("2026-11-23"),
        }
    )


def _sent(route: respx.Route, i: int) -> dict:
    return json.loads(route.calls[i].request.content)


def _provider(settings: Settings, name: str) -> tuple[dict, list[httpx.Response], Settings]:
    tape, responses = provider_cassette(name)
    key = SecretStr("sk-test-secret-123456")
    return tape, responses, settings.model_copy(update=tape["settings"] | {"llm_api_key": key})


async def test_the_first_and_a_follow_up_request_carry_the_workspace_the_tools_and_the_memory(
    llm_settings: Settings,
) -> None:
    chat = ChatService(Services(llm_settings), workspace="default")
    with respx.mock(assert_all_called=True) as mock:
        route = mock.post(f"{BASE_URL}/chat/completions").mock(
            side_effect=[
                stream_tool_call("search_knowledge", {"query": "预算分配原则", "k": 3}),
                stream_text("预算按 40/30/30 分配 [1]。"),
                httpx.Response(500, json={"error": {"message": "upstream overloaded"}}),
                stream_tool_call("kpi_lookup", {"metric": "cac", "period": "2026-10"}, call_id="call_s2"),
                stream_text("2026-10 获客成本偏离目标。"),
                stream_tool_call("search_knowledge", {"query": "获客成本 优化", "k": 2}, call_id="call_s3"),
                stream_text("先优化信息流 [4]。"),
            ]
        )
        first = await chat.ask("预算分配遵循什么原则？")
        failed = await chat.ask("上个月获客成本呢？", conversation_id=first.conversation_id)
        follow = await chat.ask("上个月获客成本呢？", conversation_id=first.conversation_id)
        third = await chat.ask("怎么优化？", conversation_id=first.conversation_id)
    assert (
        first.error is None
        and failed.error
        and "upstream overloaded" in failed.error
        and follow.error is None
    )

    # 1. the system prompt: today, the data window and what relative periods mean, the vocabulary
    request = _sent(route, 0)
    system = request["messages"][0]
    assert system["role"] == "system"
    ws = workspace_context(chat.services, "default")
    for fact in (
        "Today is 2026-11-23",
        "last month 2026-10",
        "next quarter 2027-Q1",
        f"Latest complete month: {ws.window.latest_month.label}",
        *ws.regions,
        *ws.channels,
        "cac: 获客成本",
        "create_draft",
        "more than 10%",
    ):
        assert fact in system["content"], fact
    assert count_tokens(system["content"]) < 1500  # its budget
    assert request["max_tokens"] == llm_settings.llm_max_tokens  # a bounded answer

    # 2. typed tool schemas: enums of the workspace's own values, described arguments, bounds
    tools = {t["function"]["name"]: t["function"] for t in request["tools"]}
    lookup = tools["kpi_lookup"]["parameters"]["properties"]
    assert lookup["metric"]["enum"] == list(ws.metrics) and lookup["metric"]["description"]
    assert lookup["region"]["anyOf"][0]["enum"] == list(ws.regions)
    assert "pattern" in lookup["period"]["anyOf"][0]
    assert tools["search_knowledge"]["parameters"]["properties"]["k"]["maximum"] == 10
    assert tools["forecast"]["parameters"]["properties"]["horizon"]["anyOf"][0]["maximum"] == 104
    assert set(tools["create_draft"]["parameters"]["properties"]["section"]["anyOf"][0]["enum"]) >= {
        "budget",
        "goals",
    }

    # 3. the follow-up: roles alternate although the last turn failed, the earlier turn's tool call
    # comes back as a compact record, and the new question is last
    follow_up = _sent(route, 3)["messages"]
    roles = [m["role"] for m in follow_up]
    assert roles == ["system", "user", "assistant", "tool", "assistant", "user"]
    assert follow_up[2]["tool_calls"][0]["function"]["name"] == "search_knowledge"
    assert (
        follow_up[3]["content"].startswith("[1] ") and len(follow_up[3]["content"]) < 600
    )  # titles, not passages
    assert (
        follow_up[4]["content"] == "预算按 40/30/30 分配 [1]。"
        and follow_up[5]["content"] == "上个月获客成本呢？"
    )

    # citations run on across the conversation: the third turn's passages start after the first's
    assert [c["n"] for c in third.citations] == [4]
    stored = get_conversation(chat.services, first.conversation_id, "default")["messages"]
    assert [m["role"] for m in stored] == ["user", "assistant"] * 4
    assert stored[1]["citations"][0]["n"] == 1 and stored[-1]["citations"][0]["n"] == 4


async def test_text_written_before_a_tool_call_is_kept_with_the_answer(llm_settings: Settings) -> None:
    from testkit.llm_fakes import _chunk, _sse

    chat = ChatService(Services(llm_settings), workspace="default")
    raw = json.dumps({"metric": "cac", "period": "2026-10"})
    with respx.mock(assert_all_called=True) as mock:
        mock.post(f"{BASE_URL}/chat/completions").mock(
            side_effect=[
                _sse(
                    [
                        _chunk({"role": "assistant", "content": "我先查一下 10 月的数据。"}),
                        _chunk(
                            {
                                "tool_calls": [
                                    {
                                        "index": 0,
                                        "id": "c1",
                                        "type": "function",
                                        "function": {"name": "kpi_lookup", "arguments": raw},
                                    }
                                ]
                            }
                        ),
                        _chunk({}, "tool_calls"),
                    ]
                ),
                stream_text("10 月获客成本偏离目标。"),
            ]
        )
        result = await chat.ask("10月获客成本")
    assert result.answer == "我先查一下 10 月的数据。\n\n10 月获客成本偏离目标。"
    stored = get_conversation(chat.services, result.conversation_id, "default")["messages"][-1]
    assert stored["content"] == result.answer


async def test_a_long_conversation_is_trimmed_to_the_context_budget(llm_settings: Settings) -> None:
    settings = llm_settings.model_copy(update={"llm_context_tokens": 6000, "llm_max_tokens": 256})
    chat = ChatService(Services(settings), workspace="default")
    long_answer = "预算按目标导向分配。" * 120  # about 1,400 tokens
    conversation = None
    with respx.mock() as mock:
        route = mock.post(f"{BASE_URL}/chat/completions").mock(
            side_effect=lambda request: stream_text(long_answer)
        )
        for i in range(5):
            result = await chat.ask(f"第 {i} 个问题", conversation_id=conversation)
            conversation = result.conversation_id
    last = _sent(route, 4)
    sent_tokens = sum(count_tokens(m["content"] or "") for m in last["messages"]) + count_tokens(
        json.dumps(last["tools"], ensure_ascii=False)
    )
    assert sent_tokens <= settings.llm_context_tokens - settings.llm_max_tokens
    users = [m["content"] for m in last["messages"] if m["role"] == "user"]
    assert users[-1] == "第 4 个问题" and "第 0 个问题" not in users  # the oldest turns went first
    assert [m["role"] for m in last["messages"]][1] == "user"  # still starts on a question


@pytest.mark.parametrize(
    ("url", "provider"),
    [
        ("https://api.deepseek.com", "deepseek"),
        ("https://dashscope.aliyuncs.com/compatible-mode/v1", "qwen"),
        ("http://localhost:11434/v1", "ollama"),
        ("https://api.openai.com/v1", "openai"),
        ("http://10.0.0.5:8000/v1", "generic"),
    ],
)
def test_the_provider_is_read_from_the_base_url(url: str, provider: str) -> None:
    assert detect_provider(url) == provider


async def test_a_models_extra_body_reaches_the_server_as_the_sdk_sends_it(
    llm_settings: Settings,
) -> None:
    model = build_llm(llm_settings)
    model.extra_body = {"top_k": 20, "chat_template_kwargs": {"enable_thinking": False}}  # vLLM's
    with respx.mock() as mock:
        route = mock.post(f"{BASE_URL}/chat/completions").mock(return_value=stream_text("好的"))
        answer = await model.ainvoke("你好")
    assert answer.content == "好的"
    sent = _sent(route, 0)
    assert sent["top_k"] == 20 and sent["chat_template_kwargs"] == {"enable_thinking": False}
    assert "extra_body" not in sent and sent["stream"] is True
    assert sent["messages"] == [{"role": "user", "content": "你好"}]
    assert route.calls[0].request.headers["Authorization"].startswith("Bearer ")


def test_think_blocks_split_across_chunks_never_reach_the_answer() -> None:
    splitter = ThinkSplitter()
    pieces = [
        p for text in ("答<thi", "nk>想一想</th", "ink>案") for p in splitter.feed(text)
    ] + splitter.flush()
    assert "".join(t for k, t in pieces if k == "answer") == "答案"
    assert "".join(t for k, t in pieces if k == "thinking") == "想一想"
    assert strip_think("想一想</think>\n答案") == "答案"  # the opening tag was in the prompt


async def test_deepseek_thinking_is_sent_back_within_the_tool_loop(settings: Settings) -> None:
    tape, responses, s = _provider(settings, "deepseek-thinking-tool-call")
    chat = ChatService(Services(s), workspace="default")
    events = []
    with respx.mock(assert_all_called=True) as mock:
        route = mock.post("https://api.deepseek.com/chat/completions").mock(side_effect=responses)
        async for ev in chat.stream(tape["question"]):
            events.append(ev)
    done = events[-1].data
    assert done["error"] is None and done["answer"].startswith("2026-09 获客成本 139.18元")
    second = _sent(route, 1)["messages"]
    asked = next(m for m in second if m["role"] == "assistant" and m.get("tool_calls"))
    assert asked["reasoning_content"] == "用户问的是 2026-09 的获客成本，需要调用 kpi_lookup。"
    thinking = "".join(e.data["text"] for e in events if e.type == "thinking")
    assert "需要调用 kpi_lookup" in thinking and "需要调用" not in done["answer"]
    assert done["audit"]["unsupported"] == []  # its figures come from kpi_lookup
    stored = get_conversation(chat.services, done["conversation_id"], "default")["messages"][-1]
    assert stored["audit"] == done["audit"] and stored["content"] == done["answer"]


async def test_qwen_think_text_is_shown_apart_and_not_stored(settings: Settings) -> None:
    tape, responses, s = _provider(settings, "qwen3-think-in-content")
    chat = ChatService(Services(s), workspace="default")
    events = []
    with respx.mock(assert_all_called=True) as mock:
        mock.post("http://gpu-box:8000/v1/chat/completions").mock(side_effect=responses)
        async for ev in chat.stream(tape["question"]):
            events.append(ev)
    answer = events[-1].data["answer"]
    assert answer == "预算按目标导向、ROI 优先、动态调整三条原则分配。"
    assert "<think>" not in "".join(e.data["text"] for e in events if e.type == "token")
    assert "用户问预算原则" in "".join(e.data["text"] for e in events if e.type == "thinking")
    stored = get_conversation(chat.services, events[-1].data["conversation_id"], "default")["messages"][-1]
    assert stored["content"] == answer


async def test_ollama_parallel_tool_calls_without_an_index_both_run(settings: Settings) -> None:
    tape, responses, s = _provider(settings, "ollama-parallel-no-index")
    chat = ChatService(Services(s), workspace="default")
    with respx.mock(assert_all_called=True) as mock:
        route = mock.post("http://localhost:11434/v1/chat/completions").mock(side_effect=responses)
        result = await chat.ask(tape["question"])
    assert result.error is None
    assert [c["args"]["region"] for c in result.tool_calls] == ["一线城市", "下沉市场"]
    tool_results = [m for m in _sent(route, 1)["messages"] if m["role"] == "tool"]
    assert len(tool_results) == 2 and all('"actual"' in m["content"] for m in tool_results)
    assert "max_tokens" in _sent(route, 0) and "max_completion_tokens" not in _sent(route, 0)


async def test_vllm_hermes_tool_call_deltas_are_assembled(settings: Settings) -> None:
    tape, responses, s = _provider(settings, "vllm-hermes-tool-call")
    chat = ChatService(Services(s), workspace="default")
    with respx.mock(assert_all_called=True) as mock:
        mock.post("http://gpu-box:8000/v1/chat/completions").mock(side_effect=responses)
        result = await chat.ask(tape["question"])
    assert result.error is None
    assert result.tool_calls == [{"name": "forecast", "args": {"metric": "revenue", "period": "2027-Q1"}}]


async def test_a_providers_error_body_is_shown_without_secrets(settings: Settings) -> None:
    tape, responses, s = _provider(settings, "qwen-400-with-body")
    chat = ChatService(Services(s.model_copy(update={"llm_max_retries": 0})), workspace="default")
    with respx.mock(assert_all_called=True) as mock:
        mock.post("https://dashscope.aliyuncs.com/compatible-mode/v1/chat/completions").mock(
            side_effect=responses
        )
        result = await chat.ask(tape["question"])
    assert (
        result.error
        and "(400)" in result.error
        and "Range of input length should be [1, 30720]" in result.error
    )
    assert "sk-test-secret" not in result.error
    stored = get_conversation(chat.services, result.conversation_id, "default")["messages"]
    assert stored[-1]["error"] == result.error  # the question and the error are kept


async def test_a_stream_dropped_before_any_output_is_retried_once(settings: Settings) -> None:
    tape, responses, s = _provider(settings, "stream-dropped-then-ok")
    chat = ChatService(Services(s.model_copy(update={"llm_max_retries": 0})), workspace="default")
    with respx.mock(assert_all_called=True) as mock:
        route = mock.post("http://llm.test/v1/chat/completions").mock(side_effect=responses)
        result = await chat.ask(tape["question"])
    assert result.error is None and result.answer == "按目标导向、ROI 优先分配。"
    assert route.call_count == 2


async def test_after_an_import_the_model_is_sent_the_new_datas_tools(llm_settings: Settings) -> None:
    chat = ChatService(Services(llm_settings), workspace="default")
    with respx.mock() as mock:
        route = mock.post(f"{BASE_URL}/chat/completions").mock(side_effect=lambda _r: stream_text("好的。"))
        await chat.ask("预算怎么分？")
        await chat.ask("预算怎么分？")
        facts = pd.DataFrame(
            [
                {"date": "2026-09-07", "region": "滇西片区", "channel": "校园地推", "metric": m, "value": v}
                for m, v in (("spend", 5e5), ("conversions", 400), ("clicks", 3e4))
            ]
        )
        chat.services.kpis.import_frames(facts, None, source="yunnan.csv", workspace="default")
        await chat.ask("预算怎么分？")

    def regions(n: int) -> list[str]:
        tools = {t["function"]["name"]: t["function"] for t in _sent(route, n)["tools"]}
        return tools["kpi_lookup"]["parameters"]["properties"]["region"]["anyOf"][0]["enum"]

    assert regions(0) == regions(1) and "滇西片区" not in regions(1)
    assert regions(2) == [*regions(1), "滇西片区"]


async def test_untraced_the_agents_run_bookkeeping_stays_on_the_event_loop(llm_settings: Settings) -> None:
    hops: list[object] = []
    real = _aiter._default_aio_to_thread

    async def counted(ctx, func, /, *args, **kwargs):
        hops.append(func)
        return await real(ctx, func, *args, **kwargs)

    chat = ChatService(Services(llm_settings), workspace="default")
    with respx.mock() as mock, pytest.MonkeyPatch.context() as patch:
        patch.setattr(_aiter, "_default_aio_to_thread", counted)
        mock.post(f"{BASE_URL}/chat/completions").mock(side_effect=lambda _r: stream_text("好的。"))
        assert (await chat.ask("预算怎么分？")).error is None
        assert hops == []
        with tracing_context(enabled=True, client=None):  # traced: LangSmith's own threads again
            await _inline_when_untraced(counted, copy_context(), len, "abc")
        assert hops == [len]
