"""Blind held-out eval set D: 40 new planner requests with expected facts computed by plain pandas.

Written without reading the assistant's code, rules or eval data, and without reading the other
held-out sets' cases. It reuses the helpers and conventions of `evals/holdout_facts.py` (see its
module docstring: Monday-week convention, ratio-of-sums metrics, today = 2026-11-23, exact-match
target rows with additive targets pro-rated to covered days, additive previous/year-earlier bases
scaled to the actual's number of weeks). Importing that module fills its CASES list with set H;
the list is cleared first so this script writes only its own cases, ids d001..d040.

Relative periods: 上个月/last month = 2026-10, 这个月 = 2026-11, 下个月 = 2026-12,
上季度/last quarter = 2026-Q3, 下个季度/next quarter = 2027-Q1, 今年 = 2026, 明年 = 2027.

Run: cd /work/main && .venv/bin/python evals/holdout_facts_d.py
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from evals.holdout_facts import (  # noqa: E402
    CASES,
    budget,
    change,
    forecast,
    knowledge,
    named,
    oos,
    rank,
    status,
    why,
    write_cases,
)

OUT = ROOT / "evals" / "data" / "tuning" / "requests_d.jsonl"

CASES.clear()  # drop set H's cases; the helpers append to this same list
FOLLOW_UPS: set[int] = set()  # indexes into CASES of multi-turn cases


def mt() -> None:
    """Mark the case just added as a follow-up (expect is for the last turn)."""
    FOLLOW_UPS.add(len(CASES) - 1)


# ---------------------------------------------------------------- status (9)
status(
    "zh",
    ["上个月一线城市GMV多少？跟目标比差多少，周会要用", "新一线的呢"],
    "revenue",
    "2026-10",
    "新一线城市",
    with_target=True,
)
mt()
status("zh", ["7月整体拉新成本多少，对比目标达标了没"], "cac", "2026-07", with_target=True)
status(
    "en",
    ["My boss asked how new tier-1 cities did on conversions in Q2 against plan — can you pull that?"],
    "conversions",
    "2026-Q2",
    "新一线城市",
    with_target=True,
)
status("zh", ["今年到目前为止整体ROI多少？年度目标是多少来着"], "roi", "2026", with_target=True)
status("zh", ["私域上季度的CPM多少", "CPC呢", "换成二季度看看"], "cpc", "2026-Q2", channel="私域社群")
mt()
status(
    "en",
    ["What's the CTR on in-feed ads in October?", "How about live commerce?"],
    "ctr",
    "2026-10",
    channel="直播电商",
)
mt()
status("zh", ["直播Q3的CPC多少，有没有超目标"], "cpc", "2026-Q3", channel="直播电商", with_target=True)
status("zh", ["一线的门店上个月一共花了多少钱"], "spend", "2026-10", "一线城市", "线下门店")
status(
    "en",
    ["quick one: total impressions for live commerce in lower-tier markets in Sept 2026?"],
    "impressions",
    "2026-09",
    "下沉市场",
    "直播电商",
)

# ---------------------------------------------------------------- named benchmark (4)
named("zh", ["信息流上个月CPM是不是超过45了", "9月呢"], "cpm", "2026-09", 45, channel="信息流广告")
mt()
named(
    "en",
    ["What was ROAS for KOC seeding in Q3 2026?", "Is that still above 4x?"],
    "roi",
    "2026-Q3",
    4,
    channel="KOC种草",
)
mt()
named("zh", ["二线城市10月的CVR有没有到1.2%"], "cvr", "2026-10", 1.2, region="二线城市")
named("zh", ["私域社群三季度客单价过900了吗？老板说要冲900"], "aov", "2026-Q3", 900, channel="私域社群")

# ---------------------------------------------------------------- change (5)
change(
    "zh",
    ["信息流10月CPC环比涨了多少", "那跟去年同期比呢"],
    "cpc",
    "2026-10",
    "year_earlier",
    channel="信息流广告",
)
mt()
change(
    "en",
    ["How did total conversions in Q3 2026 compare YoY?", "Same thing but for revenue"],
    "revenue",
    "2026-Q3",
    "year_earlier",
)
mt()
change("zh", ["私域社群9月的GMV同比怎么样"], "revenue", "2026-09", "year_earlier", channel="私域社群")
change("zh", ["新一线上季度的拉新成本环比变了多少"], "cac", "2026-Q3", "previous", region="新一线城市")
change(
    "en",
    ["Did the repurchase rate at offline stores improve in Q3 vs Q2 this year?"],
    "repurchase_rate",
    "2026-Q3",
    "previous",
    channel="线下门店",
)

# ---------------------------------------------------------------- rank (5)
rank(
    "zh",
    ["10月各渠道ROI从高到低排一下", "只看下沉市场"],
    "roi",
    "2026-10",
    "channel",
    True,
    region="下沉市场",
)
mt()
rank(
    "en",
    ["In tier-1 cities, which channel had the cheapest CAC last quarter?", "And in lower-tier markets?"],
    "cac",
    "2026-Q3",
    "channel",
    False,
    region="下沉市场",
)
mt()
rank("zh", ["直播电商里面哪个区域上个月转化率最低"], "cvr", "2026-10", "region", False, channel="直播电商")
rank("zh", ["今年二季度哪个区域花钱最多？按花费排个序"], "spend", "2026-Q2", "region", True)
rank(
    "en",
    ["For the private-domain community, which region has the lowest AOV in September?"],
    "aov",
    "2026-09",
    "region",
    False,
    channel="私域社群",
)

# ---------------------------------------------------------------- why (4)
why("zh", ["KOC种草三季度ROI为啥不达标", "那私域社群呢"], "roi", "2026-Q3", channel="私域社群")
mt()
why("zh", ["下沉10月转化量没完成目标，是哪里出了问题"], "conversions", "2026-10", region="下沉市场")
why(
    "en",
    ["What's driving the in-feed CPC overrun in Q3? Need to explain it to my boss."],
    "cpc",
    "2026-Q3",
    channel="信息流广告",
)
why("zh", ["为什么9月二线城市GMV离目标差这么多"], "revenue", "2026-09", region="二线城市")

# ---------------------------------------------------------------- forecast (4)
forecast("zh", ["明年全年GMV大概能做到多少，帮我预估一下"], "revenue", "2027")
forecast(
    "en",
    ["What CAC should we expect for KOC seeding next quarter?", "What about in-feed ads?"],
    "cac",
    "2027-Q1",
    channel="信息流广告",
)
mt()
forecast("zh", ["这个月新一线的转化量大概会有多少"], "conversions", "2026-11", region="新一线城市")
forecast("en", ["Where will in-feed CPC land in December?"], "cpc", "2026-12", channel="信息流广告")

# ---------------------------------------------------------------- budget (4)
budget(
    "zh",
    ["下个季度一线城市给了3000万，渠道上怎么分", "换成二线城市"],
    30_000_000,
    "2027-Q1",
    region="二线城市",
)
mt()
budget(
    "en",
    [
        "We've got 12 million yuan for live commerce in December, how should we split it across regions?",
        "Make it 15 million.",
    ],
    15_000_000,
    "2026-12",
    channel="直播电商",
    split_by="region",
)
mt()
budget("zh", ["明年Q2预算8000万，各区域怎么分比较合理"], 80_000_000, "2027-Q2", split_by="region")
budget(
    "zh",
    ["下个月KOC种草预算500w，按区域怎么投"],
    5_000_000,
    "2026-12",
    channel="KOC种草",
    split_by="region",
)

# ---------------------------------------------------------------- knowledge (3)
knowledge(
    "zh",
    ["KOC矩阵一般怎么分层？头部腰部尾部各自负责啥"],
    ["头部", "腰部", "尾部", "保底+提成"],
    "three-tier KOL/KOC matrix: head = awareness, waist = content co-creation, tail = seeding, base+commission",
)
knowledge(
    "en",
    ["Before rolling a new strategy out nationwide, how should we run the pilot?"],
    ["试点", "对照", "pilot", "control"],
    "pilot-then-scale: 1-2 pilot regions, control region, scale-up conditions, phased rollout",
)
knowledge(
    "zh",
    ["季度挪预算的时候ROI分档标准是什么"],
    ["1:6", "1:4", "季度"],
    "quarterly reallocation: ROI above 1:6 add budget, 1:4-1:6 keep, below 1:4 cut or fix",
)

# ---------------------------------------------------------------- out of scope (2)
oos("zh", ["下周去成都出差，帮我订个离春熙路近的酒店"], "hotel booking")
oos("en", ["Can you help me file my personal income tax return?"], "personal tax filing")

# ---------------------------------------------------------------- ids and follow-up notes
for i, c in enumerate(CASES):
    c["id"] = f"d{i + 1:03d}"
    if i in FOLLOW_UPS:
        c["note"] = "follow-up; expect is for the last turn. " + c["note"]

if __name__ == "__main__":
    assert len(CASES) == 40, len(CASES)
    write_cases(CASES, OUT)
