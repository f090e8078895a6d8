"""Blind held-out eval set C: 40 more planner requests (ids c001..c040), expected facts by plain pandas.

Same case format, helpers and conventions as `evals/holdout_facts.py` (see its module docstring):
Monday-week convention, ratio-of-sums metrics, today = 2026-11-23 (上个月/上月 = 2026-10,
上季度 = 2026-Q3, 这个季度/本季度 = 2026-Q4 (data so far: the four October weeks), 这个月 = 2026-11,
下个月 = 2026-12, 下个季度 = 2027-Q1, 今年 = 2026, 明年 = 2027), targets only from an exact-match
row with additive targets pro-rated to the covered days, additive previous/year-earlier bases scaled
to the actual's number of weeks. For follow-ups the expectation is for the LAST turn.

Written without reading the assistant's code, rules or the other eval data. Importing
`evals.holdout_facts` fills its CASES list with its own cases; that list is cleared first so this
script writes only its own cases.

Run: cd /work/main && .venv/bin/python evals/holdout_facts_c.py
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from evals import holdout_facts as hf  # noqa: E402
from evals.holdout_facts import (  # noqa: E402
    budget,
    change,
    forecast,
    knowledge,
    named,
    oos,
    rank,
    status,
    weeks,
    why,
)

OUT = ROOT / "evals" / "data" / "tuning" / "requests_c.jsonl"

hf.CASES.clear()  # drop the cases the import generated; the helpers append to this same list
CASES = hf.CASES
FOLLOW_UPS: set[int] = set()


def follow_up() -> None:
    """Mark the case just added as a multi-turn follow-up."""
    FOLLOW_UPS.add(len(CASES) - 1)


def note(extra: str) -> None:
    CASES[-1]["note"] += "; " + extra


# ---------------------------------------------------------------- status (8)
status("zh", ["信息流上月cpc?"], "cpc", "2026-10", channel="信息流广告")
note("no CPC target row for a month (channel CPC targets are quarterly only)")

status(
    "zh",
    ["老板问我今年到现在整体营收完成得怎么样，实际做了多少、目标是多少、差了多少？"],
    "revenue",
    "2026",
    with_target=True,
)
note(
    f"今年 = 2026 year to date: {weeks('2026')} weekly rows (through the week of 2026-10-26); "
    "the annual target is pro-rated to those weeks' days"
)

status(
    "zh",
    ["10月下沉GMV完成率怎么样", "那新一线呢"],
    "revenue",
    "2026-10",
    "新一线城市",
    with_target=True,
)
follow_up()

status(
    "en",
    ["How are we tracking on conversions in second-tier cities for September vs plan?"],
    "conversions",
    "2026-09",
    "二线城市",
    with_target=True,
)

status(
    "en",
    ["What was the CTR for in-feed ads in September?", "And for October?"],
    "ctr",
    "2026-10",
    channel="信息流广告",
)
follow_up()

status(
    "zh",
    ["上季度整体复购率多少", "9月呢", "只看私域社群"],
    "repurchase_rate",
    "2026-09",
    channel="私域社群",
)
follow_up()

status(
    "zh",
    ["这个季度到目前为止，直播的投产跟目标比怎么样？"],
    "roi",
    "2026-Q4",
    channel="直播电商",
    with_target=True,
)
note(
    "这个季度 = 2026-Q4, only the four October weeks have data so far; "
    "ratio target (quarterly channel ROI row) applies as is"
)

status("zh", ["二线城市门店Q3的客单价多少"], "aov", "2026-Q3", "二线城市", "线下门店")

# ---------------------------------------------------------------- named benchmark (4)
named("zh", ["KOC上个月的获客成本是不是已经超过200了"], "cac", "2026-10", 200, channel="KOC种草")

named(
    "zh",
    ["一线城市三季度拉新成本有没有控制在150以内", "那如果红线按180算呢？"],
    "cac",
    "2026-Q3",
    180,
    region="一线城市",
)
follow_up()

named(
    "en",
    ["Did live commerce ROAS clear 7x last month?", "What about in September?"],
    "roi",
    "2026-09",
    7,
    channel="直播电商",
)
follow_up()

named("en", ["Is our in-feed CPM above 40 yuan in Q3 2026?"], "cpm", "2026-Q3", 40, channel="信息流广告")

# ---------------------------------------------------------------- change (5)
change("zh", ["直播GMV 10月环比9月怎么样"], "revenue", "2026-10", "previous", channel="直播电商")

change(
    "zh",
    ["私域三季度复购率同比变化多少", "那客单价呢"],
    "aov",
    "2026-Q3",
    "year_earlier",
    channel="私域社群",
)
follow_up()

change(
    "en",
    ["How much did our in-feed CPC go up in Q3 2026 compared with Q3 last year?"],
    "cpc",
    "2026-Q3",
    "year_earlier",
    channel="信息流广告",
)

change(
    "zh",
    ["新一线上个月的消耗跟去年同期比多了多少"],
    "spend",
    "2026-10",
    "year_earlier",
    region="新一线城市",
)

change(
    "en",
    [
        "How did the conversion rate in lower-tier markets change in Q3 2026 vs Q2?",
        "Same question for tier-1 cities",
    ],
    "cvr",
    "2026-Q3",
    "previous",
    region="一线城市",
)
follow_up()

# ---------------------------------------------------------------- rank (5)
rank("zh", ["上个月哪个渠道获客成本最低"], "cac", "2026-10", "channel", False)

rank("zh", ["直播电商里三季度哪个区域ROI最差"], "roi", "2026-Q3", "region", False, channel="直播电商")

rank(
    "en",
    ["Which channel had the highest ROAS last month?", "Only looking at second-tier cities?"],
    "roi",
    "2026-10",
    "channel",
    True,
    region="二线城市",
)
follow_up()

rank("en", ["Rank the regions by spend for Q3 2026, biggest first."], "spend", "2026-Q3", "region", True)

rank("zh", ["9月各渠道点击率谁最低", "转化率呢"], "cvr", "2026-09", "channel", False)
follow_up()

# ---------------------------------------------------------------- why (4)
why("zh", ["KOC种草三季度的投产比怎么跟目标差这么多？"], "roi", "2026-Q3", channel="KOC种草")

why(
    "zh",
    ["为什么下沉10月销售额没完成", "那9月呢，原因一样吗"],
    "revenue",
    "2026-09",
    region="下沉市场",
)
follow_up()

why("en", ["Why is in-feed CPC so far over plan last quarter?"], "cpc", "2026-Q3", channel="信息流广告")

why("zh", ["上个月整体拉新成本超了，帮我看看是哪里出了问题"], "cac", "2026-10")

# ---------------------------------------------------------------- forecast (4)
forecast("zh", ["帮我预测下个月整体GMV", "换成获客成本呢"], "cac", "2026-12")
follow_up()

forecast(
    "en",
    ["What's your forecast for live commerce conversions next quarter?"],
    "conversions",
    "2027-Q1",
    channel="直播电商",
)

forecast("zh", ["这个月一线城市的投放大概会花多少"], "spend", "2026-11", region="一线城市")
note("这个月 = 2026-11; data stops at the week of 2026-10-26, so November is a forecast")

forecast("zh", ["明年私域的营收能做到多少，给个预估"], "revenue", "2027", channel="私域社群")

# ---------------------------------------------------------------- budget (4)
budget(
    "zh",
    ["明年Q2一线城市3000万，按渠道怎么分", "新一线也是3000万呢"],
    30_000_000,
    "2027-Q2",
    region="新一线城市",
)
follow_up()

budget(
    "en",
    [
        "We have 12 million RMB for live commerce in December, how should we split it across regions?",
        "Actually make it Q1 next year instead",
    ],
    12_000_000,
    "2027-Q1",
    channel="直播电商",
    split_by="region",
)
follow_up()

budget("zh", ["双十二还有2500万预算，按区域怎么投比较合理"], 25_000_000, "2026-12", split_by="region")
note("双十二 = December 2026")

budget("zh", ["明年整体营销预算2个亿，各区域怎么分配"], 200_000_000, "2027", split_by="region")

# ---------------------------------------------------------------- knowledge (4)
knowledge(
    "zh",
    ["实际跟计划差多少就得调方案？有没有个标准"],
    ["偏差", "10%", "调整"],
    "deviation rule: start a plan adjustment when actual deviates from plan by more than 10%",
)
knowledge(
    "en",
    ["What's the recommended cadence for monitoring campaign data and reviewing results?"],
    ["weekly", "monthly"],
    "monitoring cadence: monitor weekly, review/evaluate monthly (quarterly full review optional)",
)
knowledge(
    "zh",
    ["定年度目标的时候，基础目标和挑战目标一般怎么定？"],
    ["基础目标", "挑战目标"],
    "target setting: data forecast, then a base target plus a stretch target (elastic setting)",
)
knowledge(
    "en",
    ["What's the budget split rule in our annual plan, i.e. what share goes where?"],
    ["40", "30", "technolog", "content", "channel"],
    "budget structure 40/30/30: technology 40%, content 30%, channels 30% (of the 1.5亿 2026 budget)",
)

# ---------------------------------------------------------------- out of scope (2)
oos("zh", ["帮我订一张下周二去深圳的机票"], "flight booking")
oos("en", ["Can you recommend a good sushi place near the office for our team dinner?"], "restaurant tip")

# ---------------------------------------------------------------- ids and follow-up notes
for i, c in enumerate(CASES):
    c["id"] = f"c{i + 1:03d}"
    if i in FOLLOW_UPS:
        c["note"] = "follow-up; expect is for the last turn. " + c["note"]

if __name__ == "__main__":
    assert len(CASES) == 40, len(CASES)
    assert all(c["id"].startswith("c") for c in CASES)
    hf.write_cases(CASES, OUT)
