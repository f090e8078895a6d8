"""A planning conversation, not a question at a time (issue 33): what a follow-up inherits and
changes, what it points at, the workspace's own names as planners say them, a scope that does not
exist, every KPI against the line, week-by-week figures and rule questions — on the demo company
and on companies that are not the demo company. Figures are checked against the use cases."""

from __future__ import annotations

import re
from datetime import date

import pandas as pd
import pytest

from assistant.chat import ChatService
from assistant.engine.intents import Vocabulary, dialogue
from assistant.engine.understand import Shown
from assistant.services import Services
from assistant.settings import Settings
from assistant.usecases import kpis, workspace_context
from testkit.companies import other_company
from tools import demo_data
from tools.metrics import METRICS

TODAY = date(2026, 11, 23)
DEMO = Vocabulary.of(demo_data.REGIONS, demo_data.CHANNELS, covered_until=date(2026, 11, 1), today=TODAY)
# a beverage company that sells by region, through channels it names its own way
DRINKS = Vocabulary.of(
    ["华东", "华南", "华北", "西南"],
    ["抖音直播", "小红书种草", "即时零售", "便利店"],
    covered_until=date(2026, 11, 1),
    today=TODAY,
)


def _state(turns: list[str], vocabulary: Vocabulary = DEMO, shown: list[Shown] | None = None):
    return dialogue(turns, vocabulary, TODAY, shown=shown)


# -- follow-ups that leave things out ---------------------------------------------------------------
@pytest.mark.parametrize(
    ("vocabulary", "turns", "slots"),
    [
        (
            DEMO,
            ["一线城市上个月销售额多少", "和目标比差多少"],
            dict(kind="status", metric="revenue", region="一线城市", period="2026-10"),
        ),
        (
            DRINKS,
            ["华东上个月销售额多少", "为什么没完成"],
            dict(kind="diagnose", metric="revenue", region="华东", period="2026-10"),
        ),
        (
            DRINKS,
            ["西南三季度转化量多少", "按渠道看呢"],
            dict(kind="rank", metric="conversions", by="channel", region="西南", period="2026-Q3"),
        ),
        (
            DEMO,
            ["上个季度整体销售额完成得怎么样？", "哪个区域销售额最低？"],
            dict(kind="rank", period="2026-Q3", order="asc"),
        ),
        (
            DEMO,
            ["What's live commerce CAC in October?", "And for the whole company?"],
            dict(metric="cac", channel=None, region=None, period="2026-10"),
        ),
        (
            DRINKS,
            ["华南的即时零售9月CPC多少", "And year on year?"],
            dict(metric="cpc", region="华南", channel="即时零售", compare="year_earlier"),
        ),
    ],
)
def test_a_follow_up_keeps_what_it_leaves_out(vocabulary, turns, slots) -> None:
    intent = _state(turns, vocabulary)
    assert {k: getattr(intent, k) for k in slots} == slots


@pytest.mark.parametrize(
    ("vocabulary", "turns", "period", "compare"),
    [
        (
            DEMO,
            ["What was feed ads CPC in Q3 2026?", "How does that compare with Q2?"],
            "2026-Q3",
            "previous",
        ),
        (DEMO, ["9月获客成本多少", "比8月涨了多少"], "2026-09", "previous"),
        (DRINKS, ["小红书种草10月转化率多少", "比上个月呢", "去年10月呢"], "2026-10", "year_earlier"),
        (DRINKS, ["华东10月CPC多少", "三季度呢"], "2026-Q3", None),  # not a comparison: a new period
    ],
)
def test_a_period_named_in_a_comparison_is_the_base_not_the_new_period(
    vocabulary, turns, period, compare
) -> None:
    intent = _state(turns, vocabulary)
    assert (intent.period, intent.compare if intent.compare != "target" else None) == (period, compare)


def test_a_follow_up_points_at_what_the_last_answer_ranked() -> None:
    ranked = Shown("channel", ("KOC种草", "信息流广告", "线下门店"))
    intent = _state(
        ["9月获客成本多少", "具体是哪个渠道拖了后腿？", "第二名那个渠道的CPC呢"], shown=[Shown(), ranked]
    )
    assert (intent.kind, intent.metric, intent.channel, intent.period) == (
        "status",
        "cpc",
        "信息流广告",
        "2026-09",
    )
    regions = Shown("region", ("华东", "华南", "华北", "西南"))
    english = _state(
        ["Rank regions by revenue in Q3 2026.", "What about the second one, how did it change vs Q2?"],
        DRINKS,
        [regions],
    )
    assert (english.region, english.period, english.compare) == ("华南", "2026-Q3", "previous")
    # an aside out of scope does not break the thread
    aside = _state(
        [
            "Which region is lowest on repurchase rate?",
            "Will it rain tomorrow?",
            "OK: that region's CVR last month?",
        ],
        shown=[Shown("region", ("新一线城市", "二线城市")), Shown()],
    )
    assert (aside.region, aside.metric) == ("新一线城市", "cvr")


def test_an_earlier_ranking_is_read_back_from_its_record() -> None:
    record = '{"metric":"cac","metric_name":"获客成本","by":"channel","rows":[{"name":"KOC种草","actual":244.0},{"name":"信息流广告"'
    assert Shown.of([{"name": "kpi_rank", "error": record}]) == Shown("channel", ("KOC种草", "信息流广告"))


@pytest.mark.parametrize(
    ("vocabulary", "turns", "order"),
    [
        (DEMO, ["9月获客成本多少", "是哪个渠道拖了后腿？"], "desc"),
        (DRINKS, ["三季度ROI多少", "Which channel is mostly to blame?"], "asc"),
    ],
)
def test_blame_ranks_from_the_worst(vocabulary, turns, order) -> None:
    from assistant.engine.planner import next_calls

    intent = _state(turns, vocabulary)
    assert intent.kind == "rank" and intent.by == "channel"
    [(name, args)] = next_calls(intent, [], step=0, vocabulary=vocabulary)
    assert (name, args["order"]) == ("kpi_rank", order)


@pytest.mark.parametrize(
    ("vocabulary", "turns", "amount"),
    [
        (DEMO, ["明年一季度下沉市场800万预算，按渠道怎么分", "再加200万，做到1000万呢"], 10_000_000),
        (DRINKS, ["12月给抖音那边800万，按区域怎么分", "再加200万"], 10_000_000),
    ],
)
def test_a_budget_follow_up_changes_the_total(vocabulary, turns, amount) -> None:
    intent = _state(turns, vocabulary)
    assert (intent.kind, intent.amount) == ("budget", amount)


# -- the workspace's own names -------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "region", "channel"),
    [
        ("抖音那边三季度ROI多少", None, "抖音直播"),
        ("小红书呢", None, "小红书种草"),
        ("How much revenue did instant retail in East China bring in?", "华东", "即时零售"),
        ("Convenience stores in the southwest: how many conversions?", "西南", "便利店"),
        ("Xiaohongshu CVR last month", None, "小红书种草"),
    ],
)
def test_the_workspaces_names_as_planners_say_them(text, region, channel) -> None:
    intent = _state([text], DRINKS)
    assert (intent.region, intent.channel) == (region, channel)


def test_a_shared_start_names_no_one() -> None:
    vocabulary = Vocabulary.of([], ["抖音直播", "抖音商城"])
    assert _state(["抖音的ROI"], vocabulary).channel is None
    assert _state(["抖音商城的ROI"], vocabulary).channel == "抖音商城"


@pytest.mark.parametrize(
    ("vocabulary", "text", "absent"),
    [
        (DEMO, "华东上个月销售额多少？", "华东"),
        (DRINKS, "一线城市上个月销售额多少", "一线城市"),
        (DRINKS, "搜索广告三季度花了多少", "搜索广告"),
    ],
)
def test_a_scope_the_workspace_does_not_have_is_not_the_whole_company(vocabulary, text, absent) -> None:
    intent = _state([text], vocabulary)
    assert (intent.kind, intent.extra["absent"]) == ("missing", absent)
    then = _state([text, "哦，那华南呢" if vocabulary is DRINKS else "那一线城市呢"], vocabulary)
    assert then.kind == "status" and then.metric == intent.metric and "absent" not in then.extra


@pytest.mark.parametrize(
    ("vocabulary", "text"),
    [
        (DEMO, "偏差超过10%按规矩要做什么？"),
        (DRINKS, "抖音直播CPC红线是多少？超了怎么办？"),
        (DEMO, "What does our plan say about the CPC red line?"),
        (DRINKS, "如果想换个新玩法，一般怎么小规模先测？"),
    ],
)
def test_a_question_about_rules_goes_to_the_knowledge_base_even_with_a_figure_in_it(vocabulary, text) -> None:
    assert _state(["9月获客成本多少", text], vocabulary).kind == "knowledge"


# -- answers, through the agent loop -------------------------------------------------------------------------
def _numbers(text: str) -> str:
    return re.sub(r"\s", "", text)


async def test_a_conversation_on_the_demo_company(settings: Settings) -> None:
    services = Services(settings.model_copy(update={"today": TODAY}))
    chat = ChatService(services, workspace="default")
    ctx = workspace_context(services, "default")
    first = await chat.ask("9月获客成本多少，达标了吗")
    blame = await chat.ask("具体是哪个渠道拖了后腿？", conversation_id=first.conversation_id)
    ranking = kpis.rank(ctx, metric="cac", by="channel", period="2026-09", order="desc")
    assert blame.tool_calls[0]["name"] == "kpi_rank"
    assert ranking.rows[0].name in blame.answer.splitlines()[0]
    second = await chat.ask("第二名那个渠道的CPC呢", conversation_id=first.conversation_id)
    want = kpis.lookup(ctx, metric="cpc", period="2026-09", channel=ranking.rows[1].name)
    assert second.tool_calls[0]["args"] == {
        "metric": "cpc",
        "period": "2026-09",
        "channel": ranking.rows[1].name,
    }
    assert f"{want.actual:,.2f}元" in second.answer.splitlines()[0]
    change = await chat.ask("比8月涨了多少", conversation_id=first.conversation_id)
    assert change.tool_calls[0]["args"]["compare"] == "previous" and "2026-08" in change.answer


async def test_every_kpi_past_the_line_on_a_company_of_its_own(settings: Settings) -> None:
    services = Services(settings.model_copy(update={"today": date(2026, 10, 12)}))
    company = other_company()
    services.accounts.create_workspace("north")
    services.kpis.import_frames(company.facts, company.targets, workspace="north", source="north.csv")
    chat = ChatService(services, workspace="north")
    ctx = workspace_context(services, "north")
    answer = (await chat.ask("上季度有哪些KPI偏离目标超过10%？")).answer
    targeted = sorted(set(company.targets["metric"]) & set(ctx.metrics))
    results = [kpis.lookup(ctx, metric=m, period="2026-Q3") for m in targeted]
    past = sorted((r for r in results if r.status == "off_target"), key=lambda r: -abs(r.deviation_pct or 0))
    headline = answer.splitlines()[0]
    assert f"{len(past)} 项 KPI 偏离目标超过 10%" in headline
    positions = [headline.find(METRICS[r.metric].zh) for r in past]
    assert all(p >= 0 for p in positions) and positions == sorted(positions)
    for r in results:  # every metric with a target is in the table, with its deviation
        assert r.deviation_pct is None or f"{r.deviation_pct:+.1f}%" in answer
    # and its parts: each region or channel past the line, named with its deviation
    parts = [
        (row.name, row.deviation_pct)
        for m in targeted
        for by in ("region", "channel")
        for row in kpis.rank(ctx, metric=m, by=by, period="2026-Q3").rows
        if row.status == "off_target"
    ]
    assert parts  # at least the planted channel: its clicks got dearer, its ROI fell
    line = next(x for x in answer.splitlines() if x.startswith("**其中各区域、渠道偏离超过"))
    for name, deviation in sorted(parts, key=lambda p: -abs(p[1]))[:8]:
        assert f"{name} " in line and f"{deviation:+.1f}%" in line


async def test_week_by_week_figures_and_a_region_that_does_not_exist(settings: Settings) -> None:
    services = Services(settings.model_copy(update={"today": date(2026, 10, 12)}))
    company = other_company()
    services.accounts.create_workspace("north")
    services.kpis.import_frames(company.facts, company.targets, workspace="north", source="north.csv")
    chat = ChatService(services, workspace="north")
    ctx = workspace_context(services, "north")
    weekly = await chat.ask("最近4周每周短视频的CPC是多少")
    weeks = [c["args"]["period"] for c in weekly.tool_calls if "-W" in c["args"]["period"]]
    assert weeks == ["2026-W37", "2026-W38", "2026-W39", "2026-W40"]  # the data's last four weeks
    for label, monday in zip(weeks, pd.date_range("2026-09-07", periods=4, freq="7D"), strict=True):
        r = kpis.lookup(ctx, metric="cpc", period=label, channel="短视频")
        assert f"| {monday.date()}（{label}） | {r.actual:,.2f}元" in weekly.answer
    missing = await chat.ask("一线城市上个月销售额多少")
    assert missing.tool_calls == []
    assert "没有「一线城市」这个区域" in missing.answer and "华北、华东、华南、西部大区" in missing.answer
    english = await chat.ask(
        "What was revenue in East China last month?", conversation_id=missing.conversation_id
    )
    assert english.tool_calls[0]["args"]["region"] == "华东"


async def test_a_false_premise_is_corrected_first_and_no_gap_is_explained(settings: Settings) -> None:
    services = Services(settings.model_copy(update={"today": TODAY}))
    ctx = workspace_context(services, "default")
    met = kpis.lookup(ctx, metric="revenue", period="2026-05", region="二线城市")
    assert met.status == "on_track" and met.deviation_pct >= 0  # the demo's May: tier-2 cities beat target
    answer = (await ChatService(services, workspace="default").ask("为什么二线城市5月销售额没达标？")).answer
    assert answer.startswith("**2026-05 · 二线城市 · 销售额其实达标了**")
    assert f"{met.deviation_pct:+.1f}%" in answer.splitlines()[0]
    assert "解释偏差份额" not in answer and "驱动因素" not in answer  # no drivers of a gap that is not there


async def test_two_metrics_and_two_slices_in_one_answer(settings: Settings) -> None:
    services = Services(settings.model_copy(update={"today": TODAY}))
    ctx = workspace_context(services, "default")
    chat = ChatService(services, workspace="default")
    both = await chat.ask("一线城市10月CAC和ROI分别是多少")
    assert [c["args"]["metric"] for c in both.tool_calls] == ["cac", "roi"]
    versus = await chat.ask("和公司整体比高还是低", conversation_id=both.conversation_id)
    scopes = {(c["args"]["metric"], c["args"].get("region")) for c in versus.tool_calls}
    assert scopes == {("cac", "一线城市"), ("roi", "一线城市"), ("cac", None), ("roi", None)}
    tier1 = kpis.lookup(ctx, metric="cac", period="2026-10", region="一线城市").actual
    company = kpis.lookup(ctx, metric="cac", period="2026-10").actual
    assert f"**高** {(tier1 / company - 1) * 100:.1f}%" in versus.answer


def test_a_second_slice_to_compare_with_on_a_company_of_its_own() -> None:
    intent = _state(["华东的即时零售上个月CPC多少", "和华南的便利店比呢"], DRINKS)
    assert (intent.region, intent.channel, intent.extra["with"]) == ("华南", "便利店", "华东|即时零售")


def test_a_ranking_by_completion_of_the_target_on_a_company_of_its_own() -> None:
    from assistant.usecases.context import from_frames

    company = other_company()
    ctx = from_frames(company.facts.assign(date=pd.to_datetime(company.facts["date"])), company.targets)
    ranking = kpis.rank(ctx, metric="revenue", by="region", period="2026-Q3", order="asc", sort="completion")
    want = {}
    for r in company.regions:  # plain pandas: the quarter's revenue against the target pro-rated to its weeks
        f = company.facts[(company.facts["metric"] == "revenue") & (company.facts["region"] == r)]
        q3 = f[(f["date"] >= "2026-07-01") & (f["date"] <= "2026-09-30")]
        target = company.targets.query("period == '2026-Q3' and metric == 'revenue' and region == @r")[
            "target"
        ].item()
        want[r] = q3["value"].sum() / (target * q3["date"].nunique() * 7 / 92) * 100
    assert [row.name for row in ranking.rows] == sorted(want, key=want.get)
    assert all(abs(row.completion_pct - want[row.name]) < 0.01 for row in ranking.rows)
    intent = _state(["三季度哪个区域目标完成率最低？"], Vocabulary.of(company.regions, company.channels))
    assert (intent.kind, intent.metric, intent.extra["sort"], intent.order) == (
        "rank",
        "revenue",
        "completion",
        "asc",
    )


async def test_the_workspaces_own_words_for_its_names_are_settings(settings: Settings) -> None:
    from tools.policy import Policy

    services = Services(settings.model_copy(update={"today": TODAY}))
    chat = ChatService(services, workspace="default")
    before = await chat.ask("dy上个月的获客成本")
    assert "channel" not in before.tool_calls[0]["args"]  # nobody said dy means live commerce
    services.profiles.update("default", {"policy": Policy(aliases={"直播电商": ["dy", "抖音那边"]})})
    after = await chat.ask("dy上个月的获客成本")
    assert after.tool_calls[0]["args"] == {"metric": "cac", "period": "2026-10", "channel": "直播电商"}
    with pytest.raises(ValueError, match="aliases"):
        Policy(aliases={"直播电商": [""]})


def test_a_planner_sees_and_sets_the_words_for_the_workspaces_names(settings: Settings) -> None:
    from tests.utils import signed_in
    from web.main import create_app

    app = create_app(settings)
    with signed_in(app) as client:
        derived = client.get("/api/workspace/names").json()
        assert "直播" in derived["channels"]["直播电商"] and derived["aliases"] == {}
        assert client.put("/api/workspace/aliases", json={"直播电商": ["dy", " dy ", "抖音那边"]}).json() == {
            "直播电商": ["dy", "抖音那边"]
        }
        unknown = client.put("/api/workspace/aliases", json={"华东": ["east"]})
        assert unknown.status_code == 422 and "no region or channel" in unknown.text
        assert "dy" in client.get("/api/workspace/names").json()["channels"]["直播电商"]
    assert app.state.services.profiles.get("default").policy.aliases == {"直播电商": ["dy", "抖音那边"]}
    assert "aliases_set" in [a["action"] for a in app.state.services.accounts.audit_log(limit=3)]


PETS = Vocabulary.of(
    ["长三角", "珠三角", "京津冀", "成渝"],
    ["天猫旗舰店", "京东自营", "抖音直播", "美团闪购", "社区团购"],
    covered_until=date(2026, 11, 1),
    today=TODAY,
)


@pytest.mark.parametrize(
    ("vocabulary", "turns", "slots"),
    [
        # a period named as the base of a comparison keeps the conversation's period
        (
            PETS,
            ["社区团购三季度ROI为什么没达标", "是不是客单价掉了？跟去年三季度比一下"],
            dict(kind="status", metric="aov", period="2026-Q3", compare="year_earlier", channel="社区团购"),
        ),
        (
            DEMO,
            ["Rank regions by revenue in Q3 2026.", "How does lower-tier compare with Q3 last year?"],
            dict(kind="status", region="下沉市场", period="2026-Q3", compare="year_earlier"),
        ),
        # after a ranking, one of the ranked is a figure, not another ranking
        (
            DEMO,
            ["10月各区域转化量排名", "下沉市场的转化量跟去年同期比呢"],
            dict(kind="status", region="下沉市场", compare="year_earlier"),
        ),
        # week by week carries on to the next slice
        (PETS, ["最近4周每周抖音直播的CAC", "京东呢"], dict(kind="status", channel="京东自营", metric="cac")),
        # the trade's English names for economic regions
        (
            PETS,
            ["How much did we spend in Chengdu-Chongqing last month?", "What about Beijing-Tianjin-Hebei?"],
            dict(region="京津冀", metric="spend", period="2026-10"),
        ),
        (
            DEMO,
            ["12月想给双十二再投2000万，按区域怎么分"],
            dict(kind="budget", amount=20_000_000, by="region"),
        ),
        (
            DEMO,
            ["12月想给双十二再投2000万，按区域怎么分", "预算砍到1500万呢"],
            dict(kind="budget", amount=15_000_000),
        ),
    ],
)
def test_more_follow_ups_on_two_companies(vocabulary, turns, slots) -> None:
    intent = _state(turns, vocabulary)
    assert {k: getattr(intent, k) for k in slots} == slots
    if len(turns) > 1 and "京东" in turns[-1]:
        assert intent.extra["weeks"] == "4"


async def test_a_period_named_beside_the_asked_one_is_shown_side_by_side(settings: Settings) -> None:
    services = Services(settings.model_copy(update={"today": TODAY}))
    chat = ChatService(services, workspace="default")
    ctx = workspace_context(services, "default")
    first = await chat.ask("下沉市场10月销售额多少")
    then = await chat.ask("比8月呢", conversation_id=first.conversation_id)
    assert [c["args"]["period"] for c in then.tool_calls] == ["2026-10", "2026-08"]
    oct_, aug = (
        kpis.lookup(ctx, metric="revenue", period=p, region="下沉市场").actual for p in ("2026-10", "2026-08")
    )
    assert f"{abs(oct_ / aug - 1) * 100:.1f}%" in then.answer and "2026-08" in then.answer


def test_a_name_answers_to_a_word_at_its_end_or_a_latin_start_but_not_to_a_generic_word() -> None:
    sports = Vocabulary.of(["东南沿海", "华中大区"], ["品牌官网商城", "B站UP主合作", "微信视频号"])
    assert _state(["沿海那边三季度卖了多少"], sports).region == "东南沿海"
    assert _state(["那视频号呢"], sports).channel == "微信视频号"
    assert _state(["B站三季度转化率多少"], sports).channel == "B站UP主合作"
    assert _state(["What's our Bilibili CAC for last quarter?"], sports).channel == "B站UP主合作"
    assert _state(["品牌声量三季度怎么样"], sports).channel is None  # 品牌 is every planner's word


def test_which_kpis_with_its_own_period_is_a_new_question_about_the_company() -> None:
    intent = _state(["信息流9月CPC多少", "10月份有哪些KPI偏离目标超过10%了？"])
    assert (intent.extra["every"], intent.channel, intent.period) == ("kpi", None, "2026-10")
    follow = _state(["上个月有哪些KPI偏离目标超过10%", "华南呢"], DRINKS)
    assert (follow.extra["every"], follow.region) == ("kpi", "华南")
