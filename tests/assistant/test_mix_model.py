"""The workspace's mix model as planners meet it: fitted once per state of the facts (in the
background after an import), and what-ifs asked in Chinese or English, on the demo company and on
a company with its own channels, through the chat (both engines), the API and the CLI."""

from __future__ import annotations

import json
import time
from datetime import date

import pytest
import respx
from langchain_openai import ChatOpenAI
from pydantic import ValidationError
from typer.testing import CliRunner

from assistant import cli
from assistant.chat import ChatService
from assistant.presentation import fmt_num
from assistant.services import Services
from assistant.settings import Settings
from assistant.usecases import budgets, mixmodel, workspace_context
from evals.budget_worlds_blind import make_world
from testkit.llm_fakes import BASE_URL, completion_text, completion_tool_call
from tests.utils import point_cli_at, signed_in
from web.main import create_app

WS = "drinks"
WORLD = make_world(
    204
)  # 5 channels (天猫旗舰店, 搜索广告, 社群团购, 抖音直播, 信息流), 4 regions, to 2026-09-28


@pytest.fixture
def drinks(settings: Settings) -> Services:
    """A company with its own channels and regions, its facts imported and its model fitted."""
    services = Services(settings.model_copy(update={"today": date(2026, 10, 5)}))
    services.accounts.create_workspace(WS)
    services.kpis.import_frames(WORLD.facts, None, workspace=WS, source="drinks.csv")
    assert mixmodel.fit_workspace(services, WS).state == "ready"
    return services


@pytest.mark.storage
def test_a_fit_is_claimed_once_per_state_of_the_facts_and_a_lapsed_lease_is_taken_over(
    services: Services,
) -> None:
    store = services.mixes
    first = store.claim("w", "digest-a", 1)
    assert first is not None and store.claim("w", "digest-a", 1) is None  # running elsewhere
    assert store.status("w", "digest-a").state == "running"
    from sqlalchemy import update

    from assistant.db import MixFit

    with services.sessions() as s:  # the worker died: its lease lapses
        s.execute(update(MixFit).where(MixFit.id == first).values(lease_until=MixFit.started_at))
        s.commit()
    assert store.claim("w", "digest-a", 1) == first  # taken over, once
    store.fail(first, "no weekly spend")
    assert store.status("w", "digest-a").state == "failed"
    assert store.status("w", "digest-b").state == "none"


def _ask(services: Services, workspace: str, *questions: str) -> list:
    chat, conversation, out = ChatService(services, workspace=workspace), None, []
    import asyncio

    for q in questions:
        result = asyncio.run(chat.ask(q, conversation_id=conversation))
        conversation = result.conversation_id
        out.append(result)
    return out


def _scenario(result) -> dict:
    (call,) = [c for c in result.tool_calls if c["name"] == "budget_scenario"]
    return call["args"]


def test_what_ifs_in_chinese_and_english_on_a_company_with_its_own_channels(drinks: Services) -> None:
    allocation, *zh = _ask(
        drinks,
        WS,
        "四季度2000万预算按渠道怎么分？",  # a follow-up what-if keeps its own size, not this amount
        "如果把抖音直播预算砍掉20%，对销售额影响多大？",
        "把天猫旗舰店的100万挪到搜索广告呢？",
        "Q4再加500万能多卖多少？",
    )
    en = _ask(
        drinks,
        WS,
        "What if we cut the 抖音直播 budget by 20%? What's the impact on revenue?",
        "What about moving 1 million from 天猫旗舰店 to 搜索广告?",
        "How much more could we sell if we add 5 million in Q4?",
    )
    for lang, (cut, move, add) in (("zh", zh), ("en", en)):
        inherited = {"period": "2026-Q4"} if lang == "zh" else {}  # the allocation's period, kept
        assert _scenario(cut) == {"action": "cut", "channel": "抖音直播", "share": 0.2, **inherited}, lang
        assert _scenario(move) == {
            "action": "move",
            "channel": "天猫旗舰店",
            "to_channel": "搜索广告",
            "amount": 1e6,
            **inherited,
        }
        assert _scenario(add) == {"action": "add", "amount": 5e6, "period": "2026-Q4"}
    assert "边际回报" in allocation.answer and "对比去年同期" in allocation.answer
    ctx = workspace_context(drinks, WS)
    expected = budgets.scenario(ctx, [budgets.Change(action="cut", channel="抖音直播", share=0.2)])
    change = expected.revenue_change
    assert change.high < 0  # less money, less revenue
    assert fmt_num(change.mean, "元") in zh[0].answer and "抖音直播" in zh[0].answer
    assert fmt_num(change.mean, "元", lang="en") in en[0].answer
    assert "80%" in zh[0].answer and "营销组合模型" in zh[0].answer and "演示" not in zh[0].answer


def test_the_issue_questions_on_the_demo_company(services: Services) -> None:
    cut, move, add = _ask(
        services,
        "default",
        "如果把信息流预算砍掉20%，对销售额影响多大？",
        "把KOC的100万挪到直播电商呢？",
        "Q1再加500万能多卖多少？",
    )
    assert _scenario(cut) == {"action": "cut", "channel": "信息流广告", "share": 0.2}
    assert _scenario(move) == {
        "action": "move",
        "channel": "KOC种草",
        "to_channel": "直播电商",
        "amount": 1e6,
    }
    assert _scenario(add) == {"action": "add", "amount": 5e6, "period": "2027-Q1"}  # the coming Q1
    assert "预计销售额变化" in add.answer and "新增预算按边际回报分配" in add.answer


def test_a_what_if_the_model_cannot_make_is_a_clear_error(drinks: Services) -> None:
    with pytest.raises(ValidationError, match="name a different channel"):
        budgets.Change(action="move", channel="抖音直播", amount=1e6)
    with pytest.raises(ValidationError, match="give an amount or a share"):
        budgets.Change(action="cut", channel="抖音直播")
    ctx = workspace_context(drinks, WS)
    with pytest.raises(Exception, match="has no channel '直播电商'"):
        budgets.scenario(ctx, [budgets.Change(action="cut", channel="直播电商", share=0.2)])


def test_the_api_and_the_cli_give_the_same_what_if(drinks: Services, settings: Settings, monkeypatch) -> None:
    app = create_app(services=drinks)
    point_cli_at(monkeypatch, settings)
    body = {"changes": [{"action": "move", "channel": "天猫旗舰店", "to_channel": "搜索广告", "share": 0.1}]}
    with signed_in(app, headers={"X-Workspace": WS}) as client:
        via_api = client.post("/api/budget/scenario", json=body)
        bad = client.post(
            "/api/budget/scenario", json={"changes": [{"action": "cut", "channel": "抖音直播"}]}
        )
        status = client.get("/api/model/status").json()
    assert via_api.status_code == 200, via_api.text
    assert bad.status_code == 422 and "give an amount or a share" in bad.text
    assert status["state"] == "ready" and status["fit_mape"] is not None
    result = CliRunner().invoke(
        cli.app,
        [
            "budget",
            "scenario",
            "--action",
            "move",
            "--channel",
            "天猫旗舰店",
            "--to",
            "搜索广告",
            "--share",
            "0.1",
            "-w",
            WS,
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    via_cli = json.loads(result.stdout)
    assert via_cli["revenue_change"] == via_api.json()["revenue_change"]
    moved = {line["channel"]: line["change"] for line in via_cli["lines"] if line["change"]}
    assert moved["天猫旗舰店"] == -moved["搜索广告"] < 0


def test_the_llm_engine_calls_the_what_if_tool_and_reads_its_result(drinks: Services) -> None:
    model = ChatOpenAI(
        model="fake", base_url=BASE_URL, api_key="sk-test", max_retries=0, disable_streaming=True
    )
    llm = Services(drinks.settings.model_copy(update={"llm_base_url": BASE_URL}), chat_model=model)
    args = {"action": "cut", "channel": "抖音直播", "share": 0.2}
    with respx.mock(assert_all_called=True) as mock:
        route = mock.post(f"{BASE_URL}/chat/completions").mock(
            side_effect=[completion_tool_call("budget_scenario", args), completion_text("销售额会下降。")]
        )
        (result,) = _ask(llm, WS, "如果把抖音直播预算砍掉20%会怎样？")
    assert result.error is None and result.tool_calls[0]["name"] == "budget_scenario"
    tool = next(m for m in json.loads(route.calls[1].request.content)["messages"] if m["role"] == "tool")
    assert '"revenue_change"' in tool["content"] and '"base_basis"' in tool["content"]


def test_an_import_starts_a_background_fit_and_budgets_say_so_until_it_is_ready(settings: Settings) -> None:
    """The server fits in its own process after an import; meanwhile a budget answer says it uses
    last year's shares, and once the fit is ready the answer rests on it."""
    app = create_app(settings.model_copy(update={"mix_background": True, "today": date(2026, 10, 5)}))
    services = app.state.services
    services.accounts.create_workspace(WS)
    csv = WORLD.facts.assign(date=WORLD.facts["date"].dt.strftime("%Y-%m-%d")).to_csv(index=False)
    with signed_in(app, headers={"X-Workspace": WS}) as client:
        res = client.post("/api/kpis/import", files={"facts": ("drinks.csv", csv.encode(), "text/csv")})
        assert res.status_code == 201, res.text
        before = client.post("/api/budget/allocate", json={"total": 2e7, "period": "2026-Q4"}).json()
        deadline, state = time.monotonic() + 180, None
        while time.monotonic() < deadline:
            state = client.get("/api/model/status").json()
            if state["state"] in ("ready", "failed"):
                break
            time.sleep(0.5)
        after = client.post("/api/budget/allocate", json={"total": 2e7, "period": "2026-Q4"}).json()
    assert state and state["state"] == "ready", state
    assert before["model"]["state"] in ("none", "ready")  # a fast machine may have finished already
    if before["model"]["state"] == "none":
        assert "last year's shares" in before["method"] and before["expected_range"] is None
    assert after["model"]["state"] == "ready" and after["expected_range"]["low"] < after["expected_revenue"]
