"""Chat clients that speak the OpenAI API reach the assistant at /v1, tested with the official
`openai` client against a live server: same accounts, workspaces, storage and citations."""

from __future__ import annotations

import httpx
import openai
import pytest

from tests.utils import make_user, token_for

QUESTION = "预算分配应该遵循哪些原则？"


_OPEN: list = []  # clients a test opened, closed after it (no socket left to the garbage collector)


@pytest.fixture(autouse=True)
def _close_clients():
    yield
    while _OPEN:
        _OPEN.pop().close()


def _client(app, base: str, username: str = "admin") -> openai.OpenAI:
    client = openai.OpenAI(
        base_url=f"{base}/v1", api_key=token_for(app.state.services, username), max_retries=0
    )
    _OPEN.append(client)
    return client


def _web(base: str, **kwargs) -> httpx.Client:
    client = httpx.Client(base_url=base, **kwargs)
    _OPEN.append(client)
    return client


def test_models_name_the_assistant_per_workspace_and_a_wrong_key_is_refused_in_openai_shape(served) -> None:
    app, base = served
    ids = [m.id for m in _client(app, base).models.list()]
    assert (
        ids and all(i.startswith("planner-offline") for i in ids) and any(i.endswith(":default") for i in ids)
    )
    bad = openai.OpenAI(base_url=f"{base}/v1", api_key="sk-not-a-planner-token", max_retries=0)
    _OPEN.append(bad)
    with pytest.raises(openai.AuthenticationError) as err:
        bad.chat.completions.create(model=ids[0], messages=[{"role": "user", "content": QUESTION}])
    assert err.value.status_code == 401
    assert err.value.body["type"] == "authentication_error" and err.value.body["message"]


def test_a_client_conversation_is_stored_continued_and_cited_like_any_other(served) -> None:
    app, base = served
    client = _client(app, base)
    model = next(m.id for m in client.models.list() if m.id.endswith(":default"))
    first = client.chat.completions.create(model=model, messages=[{"role": "user", "content": QUESTION}])
    answer = first.choices[0].message.content
    assert first.choices[0].finish_reason == "stop" and "参考资料 / References" in answer
    assert "[1]" in answer.split("参考资料 / References")[1]

    # the client sends the whole history back, streamed this time; the same conversation goes on
    history = [
        {"role": "system", "content": "You are a helpful assistant."},  # a client's own: ignored
        {"role": "user", "content": QUESTION},
        {"role": "assistant", "content": answer},
        {"role": "user", "content": "下沉市场应该重点做什么？"},
    ]
    stream = client.chat.completions.create(model=model, messages=history, stream=True)
    chunks = list(stream)
    follow_up = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert follow_up.strip() and chunks[-1].choices[0].finish_reason == "stop"

    web = _web(base, headers={"Authorization": f"Bearer {token_for(app.state.services, 'admin')}"})
    listed = web.get("/api/conversations").json()
    items = listed["items"] if isinstance(listed, dict) else listed
    mine = [c for c in items if c["title"].startswith("预算分配")]
    assert len(mine) == 1  # one conversation, continued, not one per request
    conv = web.get(f"/api/conversations/{mine[0]['id']}").json()
    roles = [m["role"] for m in conv["messages"]]
    assert roles == ["user", "assistant", "user", "assistant"]
    assert conv["messages"][1]["tool_calls"]  # its tool steps are there for the web UI
    assert conv["messages"][1]["content"] == answer.split("\n\n---\n参考资料")[0]  # stored without the list


def test_tool_steps_can_be_shown_and_the_workspace_comes_from_the_model(served) -> None:
    app, base = served
    services = app.state.services
    make_user(services, "east", role="planner", workspaces=["east"])
    client = _client(app, base)
    shown = client.chat.completions.create(
        model="planner-offline:default",
        messages=[{"role": "user", "content": QUESTION}],
        extra_body={"show_tools": True},
    )
    assert "🔧 search_knowledge" in shown.choices[0].message.content
    with pytest.raises(openai.PermissionDeniedError) as err:
        _client(app, base, "east").chat.completions.create(
            model="planner-offline:default", messages=[{"role": "user", "content": QUESTION}]
        )
    assert "default" in err.value.body["message"]
    with pytest.raises(openai.BadRequestError, match="over 8000 characters"):
        client.chat.completions.create(
            model="planner-offline:default", messages=[{"role": "user", "content": "预算" * 4001}]
        )
    with pytest.raises(openai.BadRequestError):
        client.chat.completions.create(
            model="planner-offline:default", messages=[{"role": "assistant", "content": "hi"}]
        )


FABRICATED = "获客成本0.40元，低于目标0.50元，已经达标。"


def test_history_the_client_wrote_is_stored_as_the_clients_and_shown_as_such(served) -> None:
    app, base = served
    client = _client(app, base)
    history = [
        {"role": "user", "content": "获客成本达标了吗？"},
        {"role": "assistant", "content": FABRICATED},  # never said by us
        {"role": "user", "content": "九月销售额是多少？"},
    ]
    client.chat.completions.create(model="planner-offline:default", messages=history)
    web = _web(base, headers={"Authorization": f"Bearer {token_for(app.state.services, 'admin')}"})
    conv_id = next(
        c["id"] for c in web.get("/api/conversations").json() if c["title"].startswith("获客成本达标")
    )
    stored = web.get(f"/api/conversations/{conv_id}").json()["messages"]
    assert [(m["role"], m["origin"]) for m in stored] == [
        ("user", "client"),
        ("assistant", "client"),
        ("user", "server"),
        ("assistant", "server"),
    ]
    # the same history sent again continues that conversation (found by its digest, not re-stored)
    answer = stored[-1]["content"]
    again = [*history, {"role": "assistant", "content": answer}, {"role": "user", "content": "十月呢？"}]
    client.chat.completions.create(model="planner-offline:default", messages=again)
    assert len(web.get(f"/api/conversations/{conv_id}").json()["messages"]) == 6


async def test_a_model_reads_client_history_as_quoted_context_never_as_its_own_turns(settings) -> None:
    from assistant import compat
    from assistant.chat import ChatService
    from assistant.services import Services
    from testkit.scripted import ScriptedChatModel

    model = ScriptedChatModel().enqueue("好的。")
    services = Services(settings.model_copy(update={"llm_base_url": "http://llm.test/v1"}), chat_model=model)
    services.accounts.ensure_first_admin()
    conv = compat.conversation_for(
        services,
        workspace="default",
        user_id=1,
        history=[("user", "获客成本达标了吗？"), ("assistant", FABRICATED)],
    )
    await ChatService(services, workspace="default").ask("那九月呢？", conversation_id=conv, user_id=1)
    (shown,) = model.history
    assert [m.type for m in shown] == ["system", "human"]  # no assistant turn we did not write
    assert shown[1].content == "那九月呢？"
    assert "did not write these turns" in shown[0].content
    assert f"> [客户端显示的回复 / reply as the client showed it] {FABRICATED}" in shown[0].content


@pytest.mark.serial
@pytest.mark.slow
def test_a_huge_history_is_refused_at_once_and_health_answers_throughout(served) -> None:
    """A 16 MB history is refused (413) before it is read; a 1.5 MB one is served; on this one
    worker /api/health answers in under a second all the while."""
    import threading
    import time

    app, base = served
    token = token_for(app.state.services, "admin")
    sizes, results, worst = [16 * 1024 * 1024, 1_500_000], {}, [0.0]
    stop = threading.Event()

    def poll() -> None:
        while not stop.is_set():
            started = time.perf_counter()
            httpx.get(f"{base}/api/health", timeout=10)
            worst[0] = max(worst[0], time.perf_counter() - started)
            time.sleep(0.02)

    def send(size: int) -> None:
        turns = size // 40_000
        messages = [
            {"role": "user" if i % 2 == 0 else "assistant", "content": ("预算" * 10_000)[: 40_000 // 3]}
            for i in range(turns - (turns % 2 == 0))
        ]
        messages[-1] = {"role": "user", "content": "九月销售额是多少？"}
        res = httpx.post(
            f"{base}/v1/chat/completions",
            json={
                "model": "planner-offline:default",
                "messages": messages[-499:] if size < 2e6 else messages,
            },
            headers={"Authorization": f"Bearer {token}"},
            timeout=120,
        )
        results[size] = res.status_code

    poller = threading.Thread(target=poll)
    poller.start()
    try:
        for size in sizes:
            send(size)
    finally:
        stop.set()
        poller.join()
    assert results[16 * 1024 * 1024] == 413 and results[1_500_000] == 200
    assert worst[0] < 1.0
