"""Chat clients that speak the OpenAI API reach the assistant at /v1, tested with the official
`openai` client against a live server: same accounts, workspaces, storage and citations."""

from __future__ import annotations

import httpx
import openai
import pytest

from tests.utils import make_user, token_for

QUESTION = "预算分配应该遵循哪些原则？"


def _client(app, base: str, username: str = "admin") -> openai.OpenAI:
    return openai.OpenAI(
        base_url=f"{base}/v1", api_key=token_for(app.state.services, username), max_retries=0
    )


def test_models_name_the_assistant_per_workspace_and_a_wrong_key_is_refused_in_openai_shape(served) -> None:
    app, base = served
    ids = [m.id for m in _client(app, base).models.list()]
    assert (
        ids and all(i.startswith("planner-offline") for i in ids) and any(i.endswith(":default") for i in ids)
    )
    bad = openai.OpenAI(base_url=f"{base}/v1", api_key="sk-not-a-planner-token", max_retries=0)
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

    web = httpx.Client(
        base_url=base, headers={"Authorization": f"Bearer {token_for(app.state.services, 'admin')}"}
    )
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
