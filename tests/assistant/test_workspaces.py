"""The workspace is the truth: a company that is not the demo company works end to end, and every
entry point (chat tool, API, CLI, dashboard) gives the same numbers because they share one use case."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from langchain_core.messages import ToolMessage
from typer.testing import CliRunner

from assistant import cli
from assistant.agent_tools import build_tools
from assistant.chat import ChatService
from assistant.presentation import fmt_num
from assistant.services import Services
from assistant.settings import Settings
from testkit.companies import Company, other_company
from tests.utils import make_user, point_cli_at, signed_in
from web.main import create_app

pytestmark = pytest.mark.storage

WS = "north"


def run_cli(*args: str, ok: bool = True):
    result = CliRunner().invoke(cli.app, list(args))
    if ok:
        assert result.exit_code == 0, result.output
    return result


def cli_json(*args: str) -> dict:
    return json.loads(run_cli(*args, "--json").stdout)


@pytest.fixture
def company() -> Company:
    return other_company()


@pytest.fixture
def north(settings: Settings, services: Services, company: Company, tmp_path: Path, monkeypatch):
    """The other company, set up as a planner would: workspace, profile and data through the CLI."""
    app = create_app(services=services)
    point_cli_at(monkeypatch, settings)
    facts, targets = company.write(tmp_path)
    run_cli("workspace", "create", WS, "--member", "admin")
    run_cli("workspace", "set", WS, "--title", "北方家居", "--annual-budget", str(company.annual_budget))
    run_cli("kpi", "import", "--workspace", WS, "--facts", facts, "--targets", targets)
    run_cli("model", "fit", "--workspace", WS)  # what the server does in the background after an import
    return app


def tool_result(services: Services, name: str, **args) -> dict:
    tools = {t.name: t for t in build_tools(services, workspace=WS)}
    msg = tools[name].invoke({"type": "tool_call", "id": "call_1", "name": name, "args": args})
    assert isinstance(msg, ToolMessage) and msg.status == "success", msg.content
    return msg.artifact["result"]


def test_the_workspace_describes_its_own_vocabulary_window_and_profile(north, company: Company) -> None:
    with signed_in(north) as client:
        info = client.get("/api/workspace", headers={"X-Workspace": WS}).json()
    assert info["regions"] == list(company.regions)  # largest first
    assert set(info["channels"]) == set(company.channels)
    assert {"cac", "roi", "revenue", "cpc", "cvr"} <= set(info["metrics"])
    assert "repurchase_rate" not in info["metrics"]  # no buyers in this company's data
    assert info["window"] | {} == info["window"] and info["window"]["latest_quarter"] == "2026-Q3"
    assert info["window"]["latest_month"] == "2026-09"
    assert info["profile"]["title"] == "北方家居"
    assert info["profile"]["annual_budget"] == company.annual_budget


def test_a_partly_covered_quarter_is_not_the_latest_quarter(services: Services) -> None:
    from assistant.usecases import workspace_context

    window = workspace_context(services, "default").window  # the demo runs to the week of 2026-10-26
    assert window is not None and window.latest_quarter.label == "2026-Q3"
    assert window.latest_month.label == "2026-10"


def test_lookup_diagnosis_forecast_and_budget_agree_across_entry_points(
    north, services: Services, company: Company
) -> None:
    headers = {"X-Workspace": WS}
    with signed_in(north) as api:
        # lookup
        via_tool = tool_result(services, "kpi_lookup", metric="cac", period="2026-Q3", region="华南")
        via_api = api.get(
            "/api/kpis/lookup",
            params={"metric": "cac", "period": "2026-Q3", "region": "华南"},
            headers=headers,
        ).json()
        via_cli = cli_json(
            "kpi", "lookup", "--metric", "cac", "--period", "2026-Q3", "--region", "华南", "-w", WS
        )
        board = api.get(
            "/api/dashboard", params={"metric": "cac", "period": "2026-Q3", "region": "华南"}, headers=headers
        ).json()
        via_board = next(c for c in board["cards"] if c["metric"] == "cac")
        assert via_tool["actual"] is not None
        assert via_tool == via_api == via_cli == via_board

        # diagnosis
        via_tool = tool_result(services, "kpi_diagnose", metric="cac", period="2026-Q3")
        via_api = api.get(
            "/api/kpis/diagnose", params={"metric": "cac", "period": "2026-Q3"}, headers=headers
        ).json()
        via_cli = cli_json("kpi", "diagnose", "--metric", "cac", "--period", "2026-Q3", "-w", WS)
        board = api.get(
            "/api/dashboard", params={"metric": "cac", "period": "2026-Q3"}, headers=headers
        ).json()
        assert via_tool["drivers"][0]["value"] == company.planted
        assert via_tool == via_api == via_cli == board["drivers"]

        # forecast
        via_tool = tool_result(services, "forecast", metric="revenue", horizon=12)
        via_api = api.post("/api/forecast", json={"metric": "revenue", "horizon": 12}, headers=headers).json()
        via_cli = cli_json("forecast", "--metric", "revenue", "--horizon", "12", "-w", WS)
        board = api.get("/api/dashboard", params={"metric": "revenue"}, headers=headers).json()
        assert via_tool == via_api == via_cli
        assert (
            via_tool["points"] == board["trend"]["forecast"] and via_tool["model"] == board["trend"]["model"]
        )

        # budget: the workspace's annual budget over its own channels, with the ROI reallocation,
        # by its mix model
        via_tool = tool_result(services, "budget_allocate")
        via_api = api.post("/api/budget/allocate", json={}, headers=headers).json()
        via_cli = cli_json("budget", "allocate", "-w", WS)
        via_board = board["budget"]
    assert via_tool == via_api == via_cli == via_board
    # a quarter's money is its part of the annual budget, not all of it
    assert via_tool["total_basis"] == "annual_budget" and 0.15 < via_tool["period_share"] < 0.35
    assert via_tool["total"] == pytest.approx(company.annual_budget * via_tool["period_share"], rel=1e-3)
    assert {c["channel"] for c in via_tool["channels"]} == set(company.channels)
    assert via_tool["period"] == "2026-Q3"
    assert any(r["from_channel"] == company.planted for r in via_tool["reallocations"])


def test_scoped_questions_agree_across_entry_points(north, services: Services, company: Company) -> None:
    """Ranking, comparisons, scoped diagnosis, period forecasts and scoped budgets: one answer."""
    headers = {"X-Workspace": WS}
    with signed_in(north) as api:
        via_tool = tool_result(services, "kpi_rank", metric="cac", by="channel", period="2026-Q3")
        via_api = api.get(
            "/api/kpis/rank", params={"metric": "cac", "by": "channel", "period": "2026-Q3"}, headers=headers
        ).json()
        via_cli = cli_json(
            "kpi", "rank", "--metric", "cac", "--by", "channel", "--period", "2026-Q3", "-w", WS
        )
        assert via_tool == via_api == via_cli
        assert [r["name"] for r in via_tool["rows"]][-1] == company.planted  # its CPC rose: costliest

        args = {"metric": "cac", "period": "2026-09", "region": "华南", "compare": "previous"}
        via_tool = tool_result(services, "kpi_lookup", **args)
        via_api = api.get("/api/kpis/lookup", params=args, headers=headers).json()
        via_cli = cli_json(
            *[
                "kpi",
                "lookup",
                "--metric",
                "cac",
                "--period",
                "2026-09",
                "--region",
                "华南",
                "--compare",
                "previous",
            ],
            "-w",
            WS,
        )
        assert via_tool == via_api == via_cli and via_tool["comparison"]["period"] == "2026-08"

        via_tool = tool_result(
            services, "kpi_diagnose", metric="cac", period="2026-Q3", channel=company.planted
        )
        via_api = api.get(
            "/api/kpis/diagnose",
            params={"metric": "cac", "period": "2026-Q3", "channel": company.planted},
            headers=headers,
        ).json()
        assert via_tool == via_api and {d["dimension"] for d in via_tool["drivers"]} == {"region"}

        via_tool = tool_result(services, "forecast", metric="revenue", period="2026-Q4", region="华东")
        via_api = api.post(
            "/api/forecast",
            json={"metric": "revenue", "period": "2026-Q4", "region": "华东"},
            headers=headers,
        ).json()
        via_cli = cli_json(
            "forecast", "--metric", "revenue", "--period", "2026-Q4", "--region", "华东", "-w", WS
        )
        assert {k: via_tool[k] for k in via_api} == via_api == via_cli
        assert via_api["period"] == "2026-Q4" and via_api["lower"] < via_api["value"] < via_api["upper"]

        body = {"total": 6_000_000, "period": "2027-Q1", "region": "华东"}
        via_tool = tool_result(services, "budget_allocate", **body)
        via_api = api.post("/api/budget/allocate", json=body, headers=headers).json()
        via_cli = cli_json(
            *["budget", "allocate", "--total", "6000000", "--period", "2027-Q1", "--region", "华东"], "-w", WS
        )
        assert via_tool == via_api == via_cli
        assert (via_api["period"], via_api["review_period"], via_api["total"]) == (
            "2027-Q1",
            "2026-Q3",
            6_000_000,
        )


def test_regional_draft_names_the_workspaces_own_regions_with_real_figures(north, company: Company) -> None:
    draft = cli_json("draft", "--kind", "regional", "-w", WS)
    table = next(s for s in draft["sections"] if s["id"] == "table")["blocks"][0]
    assert [row[0] for row in table["rows"]] == list(company.regions)
    for row in table["rows"]:
        assert "—" not in row[1:4], row  # revenue, deviation and CAC all filled
    ours = json.dumps([s for s in draft["sections"] if s["id"] in ("table", "pilot")], ensure_ascii=False)
    assert (
        "一线城市" not in ours and "下沉市场" not in ours
    )  # quoted passages may name them; our text does not
    assert draft["audit"]["unsupported"] == []


def test_chat_answers_in_the_workspaces_vocabulary(north, services: Services) -> None:
    import asyncio

    chat = ChatService(services, workspace=WS)
    result = asyncio.run(chat.ask("华南的获客成本是多少？"))
    assert result.error is None
    call = next(c for c in result.tool_calls if c["name"] == "kpi_lookup")
    assert call["args"]["region"] == "华南"
    looked = tool_result(services, "kpi_lookup", metric="cac", region="华南")
    assert looked["period"] == "2026-09"  # the latest complete month of this company's data
    assert fmt_num(looked["actual"], "元") in result.answer

    regional = asyncio.run(chat.ask("各区域的推广策略建议"))
    table = regional.answer.split("\n\n**")[0]  # the regions table, before the quoted passages
    for region in ("华北", "华东", "华南", "西部大区"):
        assert f"| {region} |" in table
    assert "一线城市" not in table and "—" not in table


def test_budget_without_an_annual_budget_asks_for_one(
    settings: Settings, services: Services, company, tmp_path
) -> None:
    app = create_app(services=services)
    make_user(services, "li", "planner", ["south"])
    with signed_in(app, "li") as api:
        headers = {"X-Workspace": "south"}
        files = {"facts": ("facts.csv", Path(company.write(tmp_path)[0]).read_bytes(), "text/csv")}
        assert api.post("/api/kpis/import", files=files, headers=headers).status_code == 201
        info = api.get("/api/workspace", headers=headers).json()
        assert info["regions"] == list(company.regions)
        refused = api.post("/api/budget/allocate", json={}, headers=headers)
        assert refused.status_code == 422 and "no annual budget" in refused.json()["detail"]
        given = api.post("/api/budget/allocate", json={"total": 5_000_000}, headers=headers).json()
        assert given["total"] == 5_000_000 and {c["channel"] for c in given["channels"]} == set(
            company.channels
        )
        board = api.get("/api/dashboard", headers=headers).json()
        assert board["budget"] is None and "annual budget" in board["budget_note"]
        assert board["regions"] == list(company.regions)


def test_only_an_admin_edits_the_profile(north, services: Services) -> None:
    make_user(services, "wang", "planner", [WS])
    with signed_in(north, "wang") as planner:
        assert planner.put(f"/api/admin/workspaces/{WS}", json={"annual_budget": 1}).status_code == 403
    with signed_in(north) as admin:
        changed = admin.put(
            f"/api/admin/workspaces/{WS}", json={"annual_budget": 60_000_000, "currency": "元"}
        )
        assert changed.status_code == 200 and changed.json()["annual_budget"] == 60_000_000
        assert admin.put(f"/api/admin/workspaces/{WS}", json={"annual_budget": -5}).status_code == 422
        assert admin.put("/api/admin/workspaces/nowhere", json={"title": "x"}).status_code == 404
        budget = admin.post(
            "/api/budget/allocate", json={"period": "2027"}, headers={"X-Workspace": WS}
        ).json()
    assert budget["total"] == 60_000_000  # the year's money is the whole annual budget


def test_unknown_region_is_a_clear_error_that_lists_the_workspaces_regions(north) -> None:
    result = run_cli("kpi", "lookup", "--metric", "cac", "--region", "一线城市", "-w", WS, ok=False)
    assert result.exit_code == 2
    assert "no region '一线城市'" in result.output and "华北" in result.output
    with signed_in(north) as api:
        r = api.get(
            "/api/kpis/lookup", params={"metric": "cac", "region": "一线城市"}, headers={"X-Workspace": WS}
        )
    assert r.status_code == 422 and "华北" in r.json()["detail"]


def test_cli_errors_are_one_line_with_exit_status_2(settings: Settings, monkeypatch) -> None:
    point_cli_at(monkeypatch, settings)
    for args in (
        ("ask", "hi", "--conversation", "nope"),
        ("kpi", "lookup", "--metric", "nosuch"),
        ("kpi", "diagnose", "--metric", "cac", "--period", "2026-Q9"),
        ("forecast", "--metric", "revenue", "--horizon", "0"),
        ("budget", "allocate", "--total", "-1"),
    ):
        result = run_cli(*args, ok=False)
        assert result.exit_code == 2, (args, result.output)
        lines = result.output.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: "), (args, result.output)
        assert "Traceback" not in result.output


def test_positional_kpi_lookup_still_works_with_a_deprecation_note(settings: Settings, monkeypatch) -> None:
    point_cli_at(monkeypatch, settings)
    old = run_cli("kpi", "lookup", "cac", "2026-Q3", "--json")
    new = run_cli("kpi", "lookup", "--metric", "cac", "--period", "2026-Q3", "--json")
    assert "deprecated" in old.stderr and json.loads(old.stdout) == json.loads(new.stdout)


def test_every_draft_for_a_non_demo_workspace_builds_with_no_blank_figures(north, services: Services) -> None:
    """A company without repurchase data or company-wide ROI targets still gets complete drafts:
    only its own metrics, a missing target said in words, every figure traced."""
    from assistant.drafts.builder import SECTIONS, build_draft

    specs = [dict(kind="section", section=s) for s in SECTIONS] + [
        dict(kind="regional"),
        dict(kind="adjustment", period="2026-09"),
    ]
    for spec in specs:
        doc = build_draft(services, lang="zh", workspace=WS, **spec)
        body = doc.markdown_body()
        assert "—" not in body, (spec, [line for line in body.splitlines() if "—" in line][:3])
        assert "| 复购率 |" not in body and doc.audit and not doc.audit.unsupported, spec
