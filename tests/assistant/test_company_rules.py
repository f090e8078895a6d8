"""The company's own rules: a workspace's policy (budget structure, bounds, ROI floors, red lines)
is its own, the demo company's stays in the demo workspace, and drafts keep their workspace."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest

from assistant.settings import ROOT, Settings
from testkit.companies import beverage_company
from tests.utils import make_user, signed_in
from web.main import create_app

WS = {"X-Workspace": "drinks"}
FORTY_30_30 = [
    {"key": "technology", "name": "技术类", "share": 0.4},
    {"key": "content", "name": "内容类", "share": 0.3},
    {"key": "channels", "name": "渠道类", "share": 0.3},
]


@pytest.fixture
def drinks(settings: Settings):
    """A beverage company's workspace with its year of data, on a clock a week after it."""
    app = create_app(settings.model_copy(update={"today": date(2026, 1, 5)}))
    services = app.state.services
    services.accounts.create_workspace("drinks")
    company = beverage_company()
    services.kpis.import_frames(company.facts, company.targets, workspace="drinks", source="2025.csv")
    with signed_in(app, headers=WS) as client:
        yield client, company


def _ask(client, question: str) -> dict:
    events = [
        json.loads(line[5:])
        for line in client.post("/api/chat", json={"message": question}).text.splitlines()
        if line.startswith("data:")
    ]
    done = events[-1]
    assert "answer" in done, events[-3:]
    return done


def _budget_result(client, question: str) -> tuple[dict, str]:
    """The answer, and the allocation its budget tool call gives (the same use case, via the API)."""
    done = _ask(client, question)
    stored = client.get(f"/api/conversations/{done['conversation_id']}").json()["messages"][-1]
    args = next(c["args"] for c in stored["tool_calls"] if c["name"] == "budget_allocate")
    assert args == {"total": 30_000_000, "period": "2027-Q1", "region": "华东"}
    return client.post("/api/budget/allocate", json=args).json(), done["answer"]


def test_without_a_budget_structure_the_whole_amount_goes_to_the_channels(drinks) -> None:
    client, company = drinks

    result, answer = _budget_result(client, "明年一季度华东3000万按渠道怎么分")

    assert result["categories"] == [] and result["structure"] is None
    assert sum(c["amount"] for c in result["channels"]) == pytest.approx(30_000_000, abs=0.05)
    assert {c["channel"] for c in result["channels"]} == set(company.channels)
    assert all(0.05 - 1e-9 <= c["share_of_channels"] <= 0.40 + 1e-9 for c in result["channels"])
    assert "未设置预算结构" in answer and "技术类" not in answer.split("参考做法")[0]
    assert "低于门槛" not in answer  # no ROI floor of the demo company's


def test_a_budget_structure_set_in_settings_is_applied_and_said(drinks) -> None:
    client, _ = drinks
    res = client.put(
        "/api/admin/workspaces/drinks",
        json={"policy": {"categories": FORTY_30_30, "max_share": 0.5}},
    )
    assert res.status_code == 200, res.text

    result, answer = _budget_result(client, "明年一季度华东3000万按渠道怎么分")

    shares = {c["category"]: c["amount"] for c in result["categories"]}
    assert shares == {"technology": 12_000_000, "content": 9_000_000, "channels": 9_000_000}
    assert sum(c["amount"] for c in result["channels"]) == pytest.approx(9_000_000, abs=0.05)
    assert result["max_share"] == 0.5 and "按工作区的预算结构 40/30/30" in answer


def test_a_structure_that_does_not_add_up_is_refused(drinks) -> None:
    client, _ = drinks
    bad = [{**c, "share": 0.5} for c in FORTY_30_30]
    res = client.put("/api/admin/workspaces/drinks", json={"policy": {"categories": bad}})
    assert res.status_code == 422 and "150%" in res.text


def test_the_demo_workspace_keeps_the_seeds_rules(settings: Settings) -> None:
    app = create_app(settings)
    with signed_in(app) as client:
        result = client.post("/api/budget/allocate", json={"period": "2027-Q1"}).json()
        policy = client.get("/api/workspace").json()["profile"]["policy"]
    assert [c["share"] for c in result["categories"]] == [0.4, 0.3, 0.3]
    assert result["roi_floor"] == 4.0 and result["roi_bonus"] == 6.0
    assert policy["budgets"] == {"2026": 150_000_000.0}
    assert {(r["metric"], r["value"]) for r in policy["red_lines"]} == {
        ("cac", 120.0),
        ("repurchase_rate", 65.0),
    }


def test_a_red_line_shows_on_the_card_in_the_answer_and_in_the_adjustment_report(drinks) -> None:
    client, _ = drinks
    line = {"metric": "cpc", "channel": "抖音", "value": 1.2}
    assert (
        client.put("/api/admin/workspaces/drinks", json={"policy": {"red_lines": [line]}}).status_code == 200
    )
    cpc = client.get(
        "/api/kpis/lookup", params={"metric": "cpc", "channel": "抖音", "period": "2025-12"}
    ).json()
    assert cpc["actual"] > 1.2  # the beverage company's Douyin clicks cost about 1.22

    card = next(
        c
        for c in client.get("/api/dashboard", params={"period": "2025-12"}).json()["cards"]
        if c["metric"] == "cpc"
    )
    answer = _ask(client, "抖音CPC超红线了吗")["answer"]
    report = client.post("/api/drafts", json={"kind": "adjustment", "period": "2025-12"}).json()["markdown"]

    assert card["channel"] == "抖音" and card["target"] == 1.2 and card["target_basis"] == "red_line"
    assert card["status"] == "off_target"  # a red line has no tolerance
    assert "已超出红线" in answer and "1.20元" in answer
    results, risks = report.split("## ")[2], report.split("## ")[-2]
    assert "抖音 单次点击成本 ≤ 1.20元" in report and "已超出红线" in results
    assert "抖音 单次点击成本已超出工作区红线" in report
    assert "红线" in risks


def test_a_red_line_must_be_a_ratio(drinks) -> None:
    client, _ = drinks
    res = client.put(
        "/api/admin/workspaces/drinks", json={"policy": {"red_lines": [{"metric": "revenue", "value": 1}]}}
    )
    assert res.status_code == 422 and "ratio" in res.text


def test_revising_a_draft_uses_the_drafts_own_workspace(drinks) -> None:
    client, company = drinks
    draft = client.post("/api/drafts", json={"kind": "regional"}).json()
    section = next(s for s in draft["sections"] if s["id"] == "table")
    revised = client.post(
        f"/api/drafts/{draft['id']}/sections/{section['id']}/revise",
        json={"base_version": draft["version"], "instructions": "突出华东"},
    )
    assert revised.status_code == 200, revised.text
    body = revised.json()
    table = next(s for s in body.get("document", body)["sections"] if s["id"] == "table")
    text = json.dumps(table, ensure_ascii=False)  # the regenerated section: this workspace's regions
    assert all(r in text for r in company.regions) and "突出华东" in text
    assert not any(demo in text for demo in ("一线城市", "下沉市场", "新一线城市"))


def test_a_regional_draft_names_only_its_own_regions_and_has_no_placeholders(drinks) -> None:
    client, company = drinks
    draft = client.post("/api/drafts", json={"kind": "regional"}).json()
    own_text = "\n".join(
        s["markdown"] if "markdown" in s else json.dumps(s, ensure_ascii=False)
        for s in draft["sections"]
        if s["id"] in ("table", "pilot")
    )
    assert "—" not in draft["markdown"]
    assert not any(demo in own_text for demo in ("一线城市", "下沉市场", "二线城市"))
    assert sum(r in own_text for r in company.regions) >= 2


def test_no_workspace_silently_falls_back_to_the_demo_one() -> None:
    """Every function that works on a workspace is told which: no `workspace="default"` default
    anywhere in the application or its templates (the one constant names the demo workspace)."""
    pattern = re.compile(r"""workspace[^=\n]{0,40}=\s*["']default["']|["']default["']\s*(?:,|\))""")
    found = []
    for folder in ("assistant", "web", "prompts"):
        for path in (ROOT / folder).rglob("*"):
            if path.suffix not in (".py", ".yaml", ".j2") or "migrations" in path.parts:
                continue
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if pattern.search(line) and "DEMO_WORKSPACE =" not in line:
                    found.append(f"{Path(path).relative_to(ROOT)}:{n}: {line.strip()}")
    assert found == []


def test_a_planner_of_another_workspace_sees_its_own_policy_only(drinks) -> None:
    client, _ = drinks
    make_user(client.app.state.services, "lee", "planner", ["drinks"])
    with signed_in(client.app, "lee", headers=WS) as lee:
        mine = lee.get("/api/workspace").json()["profile"]["policy"]
        refused = lee.put("/api/admin/workspaces/drinks", json={"policy": {"roi_floor": 2}})
    assert mine["categories"] == [] and mine["roi_floor"] is None
    assert refused.status_code == 403


INTERNAL_LABEL = re.compile(r"seed|种子资料|种子文档|种子材料", re.IGNORECASE)


def test_no_shipped_document_names_an_internal_source() -> None:
    found = [
        f"{p.relative_to(ROOT)}:{n}"
        for p in (ROOT / "knowledge").rglob("*.md")
        for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
        if INTERNAL_LABEL.search(line)
    ]
    assert found == []


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_no_answer_or_draft_names_an_internal_source(settings: Settings, lang: str) -> None:
    if settings.database_url:
        pytest.skip("the text does not depend on the database")
    app = create_app(settings)
    questions = {
        "zh": [
            "区域分层策略怎么做",
            "预算分配应该遵循哪些原则？",
            "数据安全有什么要求",
            "GDPR 对跨境营销有什么影响",
        ],
        "en": [
            "How should regional strategies be tiered?",
            "What are the budget allocation rules?",
            "What does GDPR mean for us?",
        ],
    }[lang]
    with signed_in(app) as client:
        texts = [_ask(client, q)["answer"] for q in questions]
        for kind in ("regional", "adjustment"):
            texts.append(client.post("/api/drafts", json={"kind": kind, "lang": lang}).json()["markdown"])
    hits = [t[max(0, m.start() - 40) : m.end() + 40] for t in texts for m in INTERNAL_LABEL.finditer(t)]
    assert hits == []


def test_red_lines_are_found_in_a_planners_document_clause_by_clause() -> None:
    from tools.rules import find_red_lines

    text = (
        "2027 年起抖音 CPC 不超过 1.15 元，获客成本红线 22 元。华东区以夏季冰饮为主打。"
        "复购率不低于 60%。华东区 ROI 不低于 3。获客成本不低于 10 元的说法不算红线。"
    )
    found = [
        (c.line.metric, c.line.region, c.line.channel, c.line.value)
        for c in find_red_lines(text, regions=("华东", "华南"), channels=("抖音", "天猫"))
    ]
    assert found == [
        ("cpc", "", "抖音", 1.15),
        ("cac", "", "", 22.0),
        ("repurchase_rate", "", "", 60.0),
        ("roi", "华东", "", 3.0),
    ]


def test_a_workspaces_own_document_is_searched_first_there_and_nowhere_else(drinks) -> None:
    client, _ = drinks
    plan = "# 2027 年饮料推广计划\n\n## 预算分配原则\n\n本公司 2027 年预算分配原则：夏季冰饮优先，线下商超铺货占渠道预算四成。\n"
    res = client.post("/api/knowledge/documents", files={"file": ("2027计划.md", plan.encode())})
    assert res.status_code == 201, res.text
    mine = client.get("/api/search", params={"q": "预算分配原则", "k": 5}).json()
    demo = client.get("/api/search", params={"q": "预算分配原则", "k": 5}, headers={"X-Workspace": "default"})
    assert mine[0]["title"] == "2027 年饮料推广计划"
    assert all(p["title"] != "2027 年饮料推广计划" for p in demo.json())
    rules = client.get("/api/knowledge/documents/2027计划.md/rules").json()
    assert rules == []  # no red line stated: nothing to adopt


def test_an_allocation_stays_within_history_and_one_that_cannot_is_flagged_in_the_answer(
    settings: Settings,
) -> None:
    """The split keeps every channel within 1.5x its largest week so far; a budget too large for
    that names each channel past it, with both figures, in the plan and in the offline answer."""
    from assistant.usecases import mixmodel
    from evals.budget_worlds import make_world

    world = make_world(1)
    app = create_app(settings.model_copy(update={"today": date(2026, 10, 5)}))
    services = app.state.services
    services.accounts.create_workspace("world")
    services.kpis.import_frames(world.facts, None, workspace="world", source="world.csv")
    assert mixmodel.fit_workspace(services, "world").state == "ready"
    spend = world.facts[world.facts["metric"] == "spend"]
    largest = spend.groupby(["channel", "date"])["value"].sum().groupby(level="channel").max()
    with signed_in(app, headers={"X-Workspace": "world"}) as client:
        usual = client.post(
            "/api/budget/allocate", json={"total": world.budget(), "period": world.next_quarter}
        )
        huge = 4 * world.budget()
        plan = client.post("/api/budget/allocate", json={"total": huge, "period": world.next_quarter}).json()
        answer = _ask(client, f"{world.next_quarter}的{huge / 1e4:.0f}万预算按渠道怎么分")["answer"]
    usual = usual.json()
    assert usual["model"]["state"] == "ready" and usual["beyond_history"] == []
    assert all(c["amount"] / 13 <= 1.5 * largest[c["channel"]] + 1 for c in usual["channels"])
    flagged = {b["channel"]: b for b in plan["beyond_history"]}
    assert flagged and all(b["ratio"] > 1.5 for b in flagged.values())
    first = max(flagged.values(), key=lambda b: b["ratio"])["channel"]
    assert "超出历史范围" in answer and first in answer.split("超出历史范围")[1][:20]
