"""A company's own data, imported as its planners keep it: re-imports update instead of adding,
every import can be reverted exactly, wide sheets with Chinese headers and units are read, bad
files are refused with each problem named, and targets entered per region add up."""

from __future__ import annotations

import io
import json
from datetime import date

import pandas as pd
import pytest

from assistant.services import Services
from assistant.settings import Settings
from testkit.companies import beverage_company
from tests.utils import signed_in
from web.main import create_app

pytestmark = pytest.mark.storage

WS = {"X-Workspace": "drinks"}
LAST_WEEK = pd.Timestamp("2025-12-29")


@pytest.fixture
def drinks(settings: Settings):
    """A beverage company's workspace with its year imported through the API."""
    company = beverage_company()
    app = create_app(settings)
    app.state.services.accounts.create_workspace("drinks")
    with signed_in(app, headers=WS) as client:
        year = _csv(company.wide())
        res = client.post("/api/kpis/import", files={"file": ("2025.csv", year, "text/csv")})
        assert res.status_code == 201, res.text
        targets = _csv(company.targets)
        assert client.post("/api/kpis/import", files={"targets": ("t.csv", targets)}).status_code == 201
        yield client, company


def _csv(df: pd.DataFrame, encoding: str = "utf-8") -> bytes:
    return df.to_csv(index=False).encode(encoding)


def _truth_totals(facts: pd.DataFrame) -> pd.Series:
    f = facts.assign(month=facts["date"].dt.strftime("%Y-%m"))
    return f.groupby(["region", "month", "metric"])["value"].sum()


def _stored_totals(services: Services) -> pd.Series:
    return _truth_totals(services.kpis.load("drinks").facts)


def _lookups(client) -> list[str]:
    """What a planner reads: lookups across scopes and periods, as the API returns them."""
    out = []
    for params in (
        {"metric": "revenue", "period": "2025-12"},
        {"metric": "revenue", "period": "2025-Q4", "region": "华东"},
        {"metric": "cac", "period": "2025-12", "channel": "抖音"},
        {"metric": "roi", "period": "2025"},
    ):
        out.append(client.get("/api/kpis/lookup", params=params).text)
    return out


@pytest.mark.parametrize("layout", ["long", "wide"])
def test_reimporting_a_week_replaces_it_and_every_total_is_the_new_values(drinks, layout: str) -> None:
    client, company = drinks
    services: Services = client.app.state.services
    rows_before = len(services.kpis.load("drinks").facts)
    week = company.facts[company.facts["date"] == LAST_WEEK].copy()
    week["value"] = (week["value"] * 1.3).round(2)  # late figures arrive
    body = _csv(company.wide(week) if layout == "wide" else week.assign(date=week["date"].dt.date))

    res = client.post("/api/kpis/import", files={"file": ("week.csv", body, "text/csv")})

    assert res.status_code == 201, res.text
    assert res.json()["changes"]["facts"] == {"added": 0, "updated": len(week), "removed": 0, "unchanged": 0}
    assert (
        "2025-12-29" in res.json()["message"]["zh"]
        and f"更新 {len(week):,} 行" in res.json()["message"]["zh"]
    )
    truth = pd.concat([company.facts[company.facts["date"] != LAST_WEEK], week])
    stored = _stored_totals(services)
    pd.testing.assert_series_equal(stored, _truth_totals(truth), check_exact=False, rtol=1e-12)
    assert len(services.kpis.load("drinks").facts) == rows_before  # nothing added twice


def test_replacing_the_weeks_a_file_covers_removes_what_it_no_longer_holds(drinks) -> None:
    client, company = drinks
    services: Services = client.app.state.services
    week = company.facts[company.facts["date"] == LAST_WEEK]
    dropped = week[(week["region"] == "西南") & (week["channel"] == "美团闪购")]
    kept = week.drop(dropped.index)
    other_weeks = len(services.kpis.load("drinks").facts) - len(week)

    res = client.post(
        "/api/kpis/import",
        files={"file": ("week.csv", _csv(company.wide(kept)), "text/csv")},
        data={"mode": "replace_periods"},
    )

    assert res.status_code == 201, res.text
    assert res.json()["changes"]["facts"]["removed"] == len(dropped)
    facts = services.kpis.load("drinks").facts
    assert len(facts) == other_weeks + len(kept)  # other weeks untouched
    left = facts[
        (facts["date"] == LAST_WEEK) & (facts["region"] == "西南") & (facts["channel"] == "美团闪购")
    ]
    assert left.empty


def test_reverting_an_import_restores_the_previous_lookups_exactly(drinks) -> None:
    client, company = drinks
    before = _lookups(client)
    week = company.facts[company.facts["date"] == LAST_WEEK]
    changed = week.assign(value=week["value"] * 2).iloc[:-7]
    res = client.post(
        "/api/kpis/import",
        files={"file": ("week.csv", _csv(company.wide(changed)), "text/csv")},
        data={"mode": "replace_periods"},
    )
    new = res.json()["dataset_version"]
    assert _lookups(client) != before

    history = client.get("/api/kpis/imports").json()["imports"]
    assert history[0]["id"] == new and history[0]["revertible"]
    reverted = client.post(f"/api/kpis/imports/{new}/revert")

    assert reverted.status_code == 200, reverted.text
    assert _lookups(client) == before  # byte for byte
    again = client.post(f"/api/kpis/imports/{new}/revert")
    assert again.status_code == 409 and "already reverted" in again.json()["detail"]


def test_an_import_cannot_be_reverted_under_a_later_one_that_changed_its_rows(drinks) -> None:
    client, company = drinks
    week = company.facts[company.facts["date"] == LAST_WEEK]
    first = client.post(
        "/api/kpis/import", files={"file": ("a.csv", _csv(company.wide(week.assign(value=1.0))))}
    )
    second = client.post(
        "/api/kpis/import", files={"file": ("b.csv", _csv(company.wide(week.assign(value=2.0))))}
    )
    a, b = first.json()["dataset_version"], second.json()["dataset_version"]

    refused = client.post(f"/api/kpis/imports/{a}/revert")

    assert refused.status_code == 409 and f"#{b}" in refused.json()["detail"]
    assert client.post(f"/api/kpis/imports/{b}/revert").status_code == 200
    assert client.post(f"/api/kpis/imports/{a}/revert").status_code == 200
    facts = client.app.state.services.kpis.load("drinks").facts
    pd.testing.assert_series_equal(
        _truth_totals(facts), _truth_totals(company.facts), check_exact=False, rtol=1e-12
    )


def test_a_gbk_wide_sheet_with_chinese_headers_week_labels_and_units_imports(settings: Settings) -> None:
    app = create_app(settings)
    app.state.services.accounts.create_workspace("drinks")
    sheet = (
        "周,区域,渠道,消耗（万元）,展现,点击,转化,GMV(万),备注\n"
        '2026-W37,华东,抖音,1.5,"120,000",2400,120,￥6.2万,新品\n'
        "2026-W37,华南,抖音,0.8,80000,1600,,3.1,\n"
    ).encode("gbk")
    with signed_in(app, headers=WS) as client:
        preview = client.post("/api/kpis/preview", files={"file": ("周报.csv", sheet, "text/csv")}).json()
        res = client.post("/api/kpis/import", files={"file": ("周报.csv", sheet, "text/csv")})
    assert preview["ok"] and preview["read_as"] == "gb18030"
    layout = preview["sheets"][0]["layout"]
    assert layout["shape"] == "wide" and layout["unknown"] == ["备注"]
    fields = {c["header"]: c["field"] for c in layout["columns"]}
    assert fields["消耗（万元）"] == "spend" and fields["GMV(万)"] == "revenue" and fields["周"] == "date"
    assert preview["plan"]["dates"]["new"] == ["2026-09-07"]
    assert res.status_code == 201, res.text
    facts = app.state.services.kpis.load("drinks").facts.set_index(["region", "metric"])["value"]
    assert facts[("华东", "spend")] == 15_000 and facts[("华东", "revenue")] == 62_000
    assert (
        facts[("华东", "impressions")] == 120_000 and ("华南", "conversions") not in facts.index
    )  # blank cell


def test_a_workbook_with_facts_and_targets_sheets_and_the_template_import(settings: Settings) -> None:
    app = create_app(settings)
    app.state.services.accounts.create_workspace("drinks")
    book = io.BytesIO()
    with pd.ExcelWriter(book) as writer:
        pd.DataFrame(
            {
                "日期": ["2026-11-23"] * 2,
                "区域": ["华东", "华北"],
                "渠道": ["天猫", "天猫"],
                "花费": [100, 200],
                "销售额": [900, 1500],
            }
        ).to_excel(writer, sheet_name="周数据", index=False)
        pd.DataFrame(
            {"期间": ["2026年11月", "2026年第四季度"], "区域": ["华东", ""], "销售额目标（万元）": [1, 50]}
        ).to_excel(writer, sheet_name="目标", index=False)
        pd.DataFrame({"说明": ["这一页是备注"]}).to_excel(writer, sheet_name="说明", index=False)
    with signed_in(app, headers=WS) as client:
        res = client.post("/api/kpis/import", files={"file": ("plan.xlsx", book.getvalue())})
        template = client.get("/api/kpis/template.xlsx")
        from_template = client.post(
            "/api/kpis/import", files={"file": ("kpi-template.xlsx", template.content)}
        )
    assert res.status_code == 201, res.text
    assert res.json()["changes"]["facts"]["added"] == 4 and res.json()["changes"]["targets"]["added"] == 2
    targets = app.state.services.kpis.load("drinks").targets.set_index(["period", "region"])["target"]
    assert targets[("2026-11", "华东")] == 10_000 and targets[("2026-Q4", "")] == 500_000
    assert template.status_code == 200 and template.headers["content-type"].startswith(
        "application/vnd.openxml"
    )
    assert set(pd.read_excel(io.BytesIO(template.content), sheet_name=None, engine="calamine")) == {
        "事实数据",
        "目标",
        "说明",
    }
    assert from_template.status_code == 201, from_template.text
    assert (
        from_template.json()["changes"]["facts"]["added"] > 0
        and from_template.json()["changes"]["targets"]["added"] == 1
    )


@pytest.mark.parametrize(
    ("name", "body", "code", "where"),
    [
        ("wrong.csv", "名称,数量\n苹果,3\n".encode(), "missing_column", None),
        ("garbage.csv", b"\x00\x01\x02garbage\xff\xfe", None, None),
        (
            "dates.csv",
            "日期,区域,渠道,花费\n2026-11-23,华东,天猫,100\n2026-13-40,华东,天猫,100\n".encode(),
            "bad_date",
            (3, "日期"),
        ),
        (
            "number.csv",
            "日期,区域,渠道,花费,点击\n2026-11-23,华东,天猫,100,很多\n".encode(),
            "bad_number",
            (2, "点击"),
        ),
        (
            "twice.csv",
            "日期,区域,渠道,花费\n2026-11-23,华东,天猫,100\n2026-11-23,华东,天猫,120\n".encode(),
            "duplicate",
            (3, "日期"),
        ),
        (
            "space.csv",
            "日期,区域,渠道,花费\n2026-11-23,华 东,天猫,100\n".encode(),
            "near_region",
            (2, "区域"),
        ),
    ],
)
def test_a_wrong_file_is_refused_with_each_problem_named(
    drinks, name: str, body: bytes, code: str | None, where: tuple[int, str] | None
) -> None:
    client, _ = drinks
    services: Services = client.app.state.services
    version = services.kpis.version("drinks")

    preview = client.post("/api/kpis/preview", files={"file": (name, body, "text/csv")})
    res = client.post("/api/kpis/import", files={"file": (name, body, "text/csv")})

    assert res.status_code == 422 and services.kpis.version("drinks") == version
    if preview.status_code == 200:
        found = preview.json()
        assert not found["ok"] and found["problems"] and found["plan"] is None
        codes = {(p["code"], p["row"], p["column"]) for p in found["problems"]}
        assert code in {c for c, _, _ in codes}
        if where:
            assert (code, *where) in codes
    else:  # not a table at all
        assert preview.status_code == 422 and code is None


def test_targets_entered_per_region_add_up_for_the_company_everywhere(drinks) -> None:
    client, company = drinks
    december = company.targets[company.targets["period"] == "2025-12"]["target"].sum()
    q4 = company.targets[company.targets["period"].isin(["2025-10", "2025-11", "2025-12"])]["target"].sum()

    month = client.get("/api/kpis/lookup", params={"metric": "revenue", "period": "2025-12"}).json()
    quarter = client.get("/api/kpis/lookup", params={"metric": "revenue", "period": "2025-Q4"}).json()
    listed = client.get(
        "/api/kpis/targets", params={"period": "2025-Q4", "metric": "revenue", "region": ""}
    ).json()
    card = client.get("/api/dashboard", params={"metric": "revenue", "period": "2025-12"}).json()

    # December's weeks cover 5 × 7 = 35 days against a 31-day month target
    assert month["target"] == pytest.approx(december * month["days"] / 31, rel=1e-9)
    assert month["target_basis"] == "regions" and month["status"] != "no_target"
    assert quarter["target"] == pytest.approx(q4 * quarter["days"] / 92, rel=1e-9)
    assert {(r["period"], r["basis"]) for r in listed["targets"]} >= {("2025-Q4", "regions")}
    revenue_card = next(c for c in card["cards"] if c["metric"] == "revenue")
    assert revenue_card["target"] == month["target"] and revenue_card["target_basis"] == "regions"


def test_a_target_edited_by_hand_is_audited_and_can_be_reverted(drinks) -> None:
    client, _ = drinks
    before = client.get(
        "/api/kpis/lookup", params={"metric": "revenue", "period": "2025-12", "region": "华东"}
    ).json()
    res = client.put(
        "/api/kpis/targets",
        json={"set": [{"period": "2025-12", "metric": "revenue", "region": "华东", "target": 1e7}]},
    )
    assert res.status_code == 200, res.text
    after = client.get(
        "/api/kpis/lookup", params={"metric": "revenue", "period": "2025-12", "region": "华东"}
    ).json()
    assert after["target"] == pytest.approx(1e7 * after["days"] / 31)
    history = client.get("/api/kpis/imports").json()["imports"]
    assert history[0]["kind"] == "edit" and history[0]["username"] == "admin"
    assert client.post(f"/api/kpis/imports/{res.json()['dataset_version']}/revert").status_code == 200
    again = client.get(
        "/api/kpis/lookup", params={"metric": "revenue", "period": "2025-12", "region": "华东"}
    ).json()
    assert again["target"] == before["target"]
    unknown = client.put(
        "/api/kpis/targets",
        json={"set": [{"period": "2025-12", "metric": "revenue", "region": "火星", "target": 1}]},
    )
    assert unknown.status_code == 422 and "火星" in unknown.json()["detail"]


def test_the_adjustment_report_and_the_budget_use_the_summed_company_target(drinks) -> None:
    client, company = drinks
    assert client.put("/api/admin/workspaces/drinks", json={"annual_budget": 30_000_000}).status_code == 200
    q4 = company.targets[company.targets["period"].isin(["2025-10", "2025-11", "2025-12"])]["target"].sum()

    budget = client.post("/api/budget/allocate", json={"period": "2025-Q4"}).json()
    draft = client.post("/api/drafts", json={"kind": "adjustment", "period": "2025-12"})

    # the quarter's part of the year is its share of the year's (summed) revenue targets
    assert budget["period_share_basis"] == "2025"
    assert budget["total"] == pytest.approx(30_000_000 * q4 / company.targets["target"].sum(), rel=1e-6)
    assert draft.status_code == 201, draft.text
    markdown = draft.json()["markdown"]
    assert "目标为各区域目标之和" in markdown
    revenue_row = next(line for line in markdown.splitlines() if line.startswith("| 销售额"))
    assert "未设目标" not in revenue_row and "无目标" not in revenue_row


async def test_a_month_past_the_data_is_answered_with_the_latest_complete_month_and_says_why(
    settings: Settings,
) -> None:
    from assistant.chat import ChatService
    from assistant.usecases import kpis, workspace_context

    # the demo data ends with the week of 2026-10-26; the clock is two months on
    services = Services(settings.model_copy(update={"today": date(2027, 1, 5)}))
    chat = ChatService(services, workspace="default")

    last_month = await chat.ask("上个月的销售额完成得怎么样")
    before = await chat.ask("2024年3月的销售额")
    english = await chat.ask("How did revenue do last month?")

    want = kpis.lookup(workspace_context(services, "default"), metric="revenue", period="2026-10")
    assert "数据截至 2026-W44" in last_month.answer and "2026-12 还没有数据" in last_month.answer
    assert (
        "最近的完整月份 2026-10" in last_month.answer and f"{want.actual / 1e4:,.1f}万元" in last_month.answer
    )
    assert "部分期间" not in last_month.answer and "0 周" not in last_month.answer
    assert "数据从 2025-01-06 开始" in before.answer and "—" not in before.answer
    assert "has no data yet" in english.answer and "latest complete month, 2026-10" in english.answer


def test_a_lookup_past_the_data_carries_its_coverage(settings: Settings) -> None:
    from assistant.usecases import kpis, workspace_context

    ctx = workspace_context(Services(settings.model_copy(update={"today": date(2026, 12, 20)})), "default")
    this_month = kpis.lookup(ctx, metric="revenue", period="2026-12")
    earlier = kpis.lookup(ctx, metric="revenue", period="2024-03")
    inside = kpis.lookup(ctx, metric="revenue", period="2026-09")

    assert this_month.coverage is not None and this_month.coverage.kind == "after_data"
    assert this_month.coverage.future and this_month.period == "2026-10"
    assert earlier.coverage is not None and earlier.coverage.kind == "before_data" and earlier.actual is None
    assert inside.coverage is None and inside.period == "2026-09"


def test_the_cli_imports_a_wide_sheet_lists_reverts_and_edits_targets(
    settings: Settings, tmp_path, monkeypatch
) -> None:
    from typer.testing import CliRunner

    from assistant import cli
    from tests.utils import point_cli_at

    point_cli_at(monkeypatch, settings)
    Services(settings).accounts.create_workspace("drinks")
    company = beverage_company()
    year, week = tmp_path / "2025.csv", tmp_path / "week.csv"
    year.write_bytes(_csv(company.wide(), "gbk"))
    last = company.facts[company.facts["date"] == LAST_WEEK]
    week.write_bytes(_csv(company.wide(last.assign(value=last["value"] + 1))))
    run = lambda *args: CliRunner().invoke(cli.app, [*args, "--workspace", "drinks"])  # noqa: E731
    try:
        first = run("kpi", "import", str(year), "--json")
        dry = run("kpi", "import", str(week), "--dry-run")
        second = run("kpi", "import", str(week), "--json")
        listed = run("kpi", "imports", "--json")
        reverted = run("kpi", "revert", str(json.loads(second.output)["dataset_version"]))
        edited = run("kpi", "targets", "--period", "2025-12", "--metric", "revenue", "--set", "5000000")
        targets = run("kpi", "targets", "--period", "2025-12", "--metric", "revenue", "--json")
    finally:
        cli.get_settings.cache_clear()
    assert first.exit_code == 0, first.output
    assert json.loads(first.output)["changes"]["facts"]["added"] == len(company.facts)
    assert dry.exit_code == 0 and f"{len(last):,} rows updated" in dry.output
    assert json.loads(second.output)["changes"]["facts"]["updated"] == len(last)
    assert [r["kind"] for r in json.loads(listed.output)][:2] == ["import", "import"]
    assert reverted.exit_code == 0 and "reverted #" in reverted.output
    assert edited.exit_code == 0, edited.output
    company_row = next(r for r in json.loads(targets.output) if not r["region"] and not r["channel"])
    assert company_row["target"] == 5_000_000 and company_row["basis"] == ""
    facts = Services(settings).kpis.load("drinks").facts
    assert len(facts) == len(company.facts) and facts["value"].sum() == pytest.approx(
        company.facts["value"].sum()
    )
