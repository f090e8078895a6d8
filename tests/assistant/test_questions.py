"""Answering the question asked: scope, period, comparison and follow-ups, for any company.

The use cases are checked against plain pandas on the demo company and on a company that is not
the demo company; the offline engine is checked on what it understands and on what it answers.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import frontmatter
import pandas as pd
import pytest

from assistant.chat import ChatService
from assistant.engine.intents import Vocabulary, dialogue
from assistant.engine.understand import Clock, find_periods
from assistant.services import Services
from assistant.settings import Settings
from assistant.usecases import budgets, diagnosis, forecasts, kpis
from assistant.usecases.context import from_frames
from testkit.companies import other_company
from tools import demo_data
from tools.errors import InvalidArgument
from tools.kpi import kpi_lookup

ROOT = Path(__file__).resolve().parents[2]
TODAY = date(2026, 11, 23)
DEMO = Vocabulary.of(demo_data.REGIONS, demo_data.CHANNELS, covered_until=date(2026, 11, 1), today=TODAY)


@pytest.fixture(scope="module")
def other():
    company = other_company()
    facts = company.facts.assign(date=pd.to_datetime(company.facts["date"]))
    return company, from_frames(facts, company.targets, name="north")


def _ratio(facts: pd.DataFrame, num: str, den: str, **where: str) -> float:
    f = facts
    for k, v in where.items():
        f = f[f[k] == v]
    return float(f[f["metric"] == num]["value"].sum() / f[f["metric"] == den]["value"].sum())


# -- the calendar ---------------------------------------------------------------------------------
def _weekly(start: str, end: str, value: float = 100.0) -> pd.DataFrame:
    days = pd.date_range(start, end, freq="W-MON")
    return pd.DataFrame({"date": days, "region": "", "channel": "", "metric": "revenue", "value": value})


def test_a_four_week_month_is_compared_with_a_five_week_month_on_the_same_days() -> None:
    # August 2026 has five Mondays, September four: the same weekly revenue all along
    facts = _weekly("2026-08-01", "2026-09-30")
    per_day = 100.0 / 7
    targets = pd.DataFrame(
        [("2026-09", "revenue", per_day * 30, "", ""), ("2026-08", "revenue", per_day * 31, "", "")],
        columns=["period", "metric", "target", "region", "channel"],
    )
    sep = kpi_lookup(facts, targets, metric="revenue", period="2026-09")
    assert (sep.actual, sep.days, sep.calendar_days) == (400.0, 28, 30)
    assert sep.target == pytest.approx(400.0) and sep.deviation_pct == pytest.approx(0.0)
    assert sep.comparison.raw_value == pytest.approx(per_day * 30)  # the calendar-month target, kept
    versus_august = kpi_lookup(facts, targets, metric="revenue", period="2026-09", compare="previous")
    c = versus_august.comparison
    assert (c.period, c.raw_value, c.days) == ("2026-08", 500.0, 35)
    assert c.value == pytest.approx(400.0) and c.change_pct == pytest.approx(0.0)  # not -20%


def test_a_period_the_data_only_reaches_part_way_is_labelled_partial() -> None:
    facts = _weekly("2026-07-01", "2026-10-12")
    assert kpi_lookup(facts, None, metric="revenue", period="2026-10").partial
    assert not kpi_lookup(facts, None, metric="revenue", period="2026-09").partial


def test_demo_targets_no_longer_inherit_last_years_week_count(services: Services) -> None:
    from assistant.usecases import workspace_context

    r = kpis.lookup(workspace_context(services, "default"), metric="revenue", period="2026-09")
    assert r.days == 28 and -25 < r.deviation_pct < -10  # was -34.7% when September 2025's 5 weeks set it


# -- lookups, comparisons and rankings -----------------------------------------------------------
def test_lookup_of_a_slice_against_each_kind_of_base(other) -> None:
    company, ctx = other
    region, channel = company.regions[0], company.channels[0]
    q3 = ctx.facts[ctx.facts["date"].between("2026-07-01", "2026-09-30")]
    q2 = ctx.facts[ctx.facts["date"].between("2026-04-01", "2026-06-30")]
    r = kpis.lookup(ctx, metric="cac", period="2026-Q3", region=region, channel=channel, compare="previous")
    assert r.actual == pytest.approx(
        _ratio(q3, "spend", "conversions", region=region, channel=channel), rel=1e-4
    )
    want_base = _ratio(q2, "spend", "conversions", region=region, channel=channel)
    assert r.comparison.value == pytest.approx(want_base, rel=1e-4)
    assert r.comparison.change_pct == pytest.approx((r.actual - want_base) / want_base * 100, abs=1e-3)
    named = kpis.lookup(ctx, metric="cac", period="2026-Q3", compare=120.0).comparison
    assert (named.kind, named.value) == ("named", 120.0)
    with pytest.raises(InvalidArgument, match="regions are"):
        kpis.lookup(ctx, metric="cac", period="2026-Q3", region="下沉市场")


def test_ranking_lists_every_channel_with_its_value_best_first(other) -> None:
    company, ctx = other
    ranking = kpis.rank(ctx, metric="cac", by="channel", period="2026-Q3")
    q3 = ctx.facts[ctx.facts["date"].between("2026-07-01", "2026-09-30")]
    want = sorted(
        ((c, _ratio(q3, "spend", "conversions", channel=c)) for c in company.channels), key=lambda x: x[1]
    )
    assert ranking.order == "asc"  # CAC: lower is better
    assert [(r.name, round(r.actual, 2)) for r in ranking.rows] == [(c, round(v, 2)) for c, v in want]
    assert company.planted in [r.name for r in ranking.rows[-2:]]  # the planted CPC rise costs it
    highest_revenue = kpis.rank(ctx, metric="revenue", by="region", period="2026-Q3", order="desc")
    assert [r.name for r in highest_revenue.rows] == list(company.regions)  # largest first
    assert all(r.target is not None for r in highest_revenue.rows)  # per-region revenue targets


def test_diagnosis_inside_a_channel_drills_down_by_region(other) -> None:
    company, ctx = other
    d = diagnosis.diagnose(ctx, metric="cac", period="2026-Q3", channel=company.planted)
    assert d.channel == company.planted and d.drivers
    assert {x.dimension for x in d.drivers} == {"region"}
    assert {"cpc", "cvr"} <= set(d.components)  # CAC = CPC / CVR for the slice
    demo = diagnosis.diagnose(_demo_ctx(), metric="revenue", period="2026-Q3", region="下沉市场")
    assert {x.dimension for x in demo.drivers} == {"channel"}


def _demo_ctx():
    facts, targets = demo_data.generate()
    return from_frames(facts.assign(date=pd.to_datetime(facts["date"])), targets, name="demo")


def test_forecast_summarised_over_the_period_asked(other) -> None:
    _, ctx = other
    total = forecasts.forecast_period(ctx, metric="revenue", period="2026-Q4")
    assert (total.period, total.aggregate, total.steps_forecast, total.steps_actual) == (
        "2026-Q4",
        "sum",
        13,
        0,
    )
    assert total.lower < total.value < total.upper
    weekly = ctx.facts[ctx.facts["metric"] == "revenue"].groupby("date")["value"].sum()
    assert 0.5 * weekly.mean() * 13 < total.value < 2 * weekly.mean() * 13
    cac = forecasts.forecast_period(ctx, metric="cac", period="2026-12")
    assert cac.aggregate == "mean" and cac.stretch_target <= cac.base_target  # lower is better
    with pytest.raises(InvalidArgument, match="already in the data"):
        forecasts.forecast_period(ctx, metric="revenue", period="2026-Q2")


def test_budget_for_an_amount_period_and_scope(other) -> None:
    company, ctx = other
    region = company.regions[1]
    plan = budgets.allocate(ctx, total=6_000_000, period="2027-Q1", region=region)
    assert (plan.period, plan.review_period, plan.region, plan.total) == (
        "2027-Q1",
        "2026-Q3",
        region,
        6_000_000,
    )
    # a workspace without a budget structure puts the whole amount on its channels
    assert plan.categories == [] and plan.structure is None
    assert sum(c.amount for c in plan.channels) == pytest.approx(6_000_000, abs=0.05)
    split = budgets.allocate(ctx, total=3_000_000, period="2027", channel=company.channels[0])
    assert [r["region"] for r in split.by_region] and split.channel == company.channels[0]
    assert sum(r["amount"] for r in split.by_region) == pytest.approx(3_000_000, abs=1)


# -- understanding ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "periods"),
    [
        ("上个月", ["2026-10"]),
        ("下个季度", ["2027-Q1"]),
        ("明年一季度", ["2027-Q1"]),
        ("今年二季度", ["2026-Q2"]),
        ("9月份", ["2026-09"]),
        ("门店Q3", ["2026-Q3"]),
        ("明年Q2", ["2027-Q2"]),
        ("last month vs this quarter", ["2026-10", "2026-Q4"]),
        ("Q3 2025", ["2025-Q3"]),
        ("September", ["2026-09"]),
        ("双十二", ["2026-12"]),
        ("明年一季度下沉市场 2000万", ["2027-Q1"]),  # 2000万 is an amount, not a year
    ],
)
def test_relative_and_absolute_periods_resolve_against_today(text: str, periods: list[str]) -> None:
    assert [label for _, label in find_periods(text, Clock(TODAY))] == periods


@pytest.mark.parametrize(
    ("turns", "slots"),
    [
        (
            ["信息流的点击单价三季度涨到多少了？"],
            dict(kind="status", metric="cpc", channel="信息流广告", period="2026-Q3"),
        ),
        (["三季度整体获客成本是不是已经超过120块的红线了"], dict(kind="status", metric="cac", compare=120.0)),
        (["Are we above the 65% repurchase goal?"], dict(metric="repurchase_rate", compare=65.0)),
        (["KOC种草8月的转化率比7月掉了多少"], dict(period="2026-08", compare="previous", channel="KOC种草")),
        (["直播电商三季度投产比跟去年同期比"], dict(compare="year_earlier", metric="roi")),
        (["下沉市场里哪个渠道转化率最低"], dict(kind="rank", by="channel", order="asc", region="下沉市场")),
        (
            ["明年一季度下沉市场 2000万 按渠道怎么分"],
            dict(kind="budget", amount=20_000_000, period="2027-Q1"),
        ),
        (["下个季度销售额大概多少"], dict(kind="forecast", metric="revenue", period="2027-Q1")),
        (
            ["9月下沉市场的获客成本是多少", "那一线城市呢？"],
            dict(region="一线城市", period="2026-09", metric="cac"),
        ),
        (["三季度信息流的点击单价多少", "换成8月份看看"], dict(channel="信息流广告", period="2026-08")),
        (
            ["What was revenue in lower-tier markets in Q3?", "And just for tier-1 cities?"],
            dict(region="一线城市"),
        ),
        (["直播电商三季度的获客成本多少", "有没有超过100块？"], dict(compare=100.0, channel="直播电商")),
        (
            ["明年一季度下沉市场 2000万 按渠道怎么分", "预算改成3000万呢"],
            dict(kind="budget", amount=30_000_000),
        ),
    ],
)
def test_slots_and_follow_ups(turns: list[str], slots: dict) -> None:
    intent = dialogue(turns, DEMO, TODAY)
    assert {k: getattr(intent, k) for k in slots} == slots


def test_the_vocabulary_is_the_workspaces_own() -> None:
    north = Vocabulary.of(
        ["华北", "华东"], ["搜索广告", "短视频"], covered_until=date(2026, 10, 4), today=TODAY
    )
    intent = dialogue(["华东上个月短视频的点击单价", "那华北呢"], north, TODAY)
    assert (intent.region, intent.channel, intent.period) == ("华北", "短视频", "2026-10")
    assert dialogue(["下沉市场的CPC"], north, TODAY).region is None  # not this company's name


# -- answers ----------------------------------------------------------------------------------------
async def test_the_headline_states_the_asked_figure_for_the_asked_slice(settings: Settings) -> None:
    services = Services(settings.model_copy(update={"today": TODAY}))
    chat = ChatService(services, workspace="default")
    first = await chat.ask("9月下沉市场的获客成本是多少，达标了吗")
    assert first.tool_calls == [
        {"name": "kpi_lookup", "args": {"metric": "cac", "period": "2026-09", "region": "下沉市场"}}
    ]
    from assistant.usecases import workspace_context

    want = kpis.lookup(
        workspace_context(services, "default"), metric="cac", period="2026-09", region="下沉市场"
    )
    headline = first.answer.splitlines()[0]
    assert "2026-09" in headline and "下沉市场" in headline and f"{want.actual:,.2f}元" in headline
    follow = await chat.ask("那一线城市呢？", conversation_id=first.conversation_id)
    assert follow.tool_calls[0]["args"]["region"] == "一线城市"
    english = await chat.ask("Which channel had the best ROI last quarter?")
    assert english.tool_calls[0]["name"] == "kpi_rank"
    assert english.answer.startswith("**2026-Q3: the channel with the highest return on investment")


async def test_english_knowledge_answers_come_from_key_points_and_cite_the_chinese_passage(
    services: Services,
) -> None:
    result = await ChatService(services, workspace="default").ask(
        "What should a plan adjustment report contain?"
    )
    body = result.answer.split("**Sources**")[0]
    assert result.citations and all(f"[{c['n']}]" in result.answer for c in result.citations)
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in body)  # English prose, Chinese passages cited
    cited_points = {p for c in result.citations for p in _key_points(c["doc_id"], c["heading"])}
    assert any(line.rsplit(" [", 1)[0] in cited_points for line in body.splitlines() if line.strip())


def _key_points(doc_id: str, heading: str) -> list[str]:
    for path in (ROOT / "knowledge").rglob("*.md"):
        post = frontmatter.load(path)
        if post.metadata.get("id") == doc_id:
            return post.metadata.get("key_points_en", {}).get(heading, [])
    return []


def test_every_knowledge_section_has_english_key_points() -> None:
    import re

    missing = []
    for path in sorted((ROOT / "knowledge").rglob("*.md")):
        if path.name == "README.md":
            continue
        post = frontmatter.load(path)
        points = post.metadata.get("key_points_en", {})
        for m in re.finditer(r"^#{2,3}\s+(.+?)\s*$", post.content, re.M):
            if len(points.get(m.group(1), [])) < 2:
                missing.append(f"{path.name}: {m.group(1)}")
    assert missing == []
