"""Blind held-out eval set B: 36 more planner requests (b001..b036), expected facts by plain pandas.

Written without reading the assistant's code, rules or eval data. It reuses the helpers and the
conventions of `evals/holdout_facts.py` (see that module's docstring: Monday-week convention,
ratio-of-sums metrics, today = 2026-11-23, exact-match target rows with additive targets pro-rated
to the days the weekly rows cover, ...). Importing that module fills its CASES list with the h-cases;
this script empties that list first and writes only its own cases, renumbered b001..b036.

Slices, periods and wording deliberately differ from the h-cases.

Run: cd /work/main && .venv/bin/python evals/holdout_facts_b.py
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
import evals.holdout_facts as hf  # noqa: E402
from evals.holdout_facts import budget, change, forecast, knowledge, named, oos, rank, status, why  # noqa: E402

OUT = ROOT / "evals" / "data" / "tuning" / "requests_b.jsonl"

# the helpers append to hf.CASES: drop the h-cases so only this set's cases are written
hf.CASES.clear()
CASES = hf.CASES
FOLLOW_UPS: list[int] = []  # indexes of multi-turn cases (expect is for the last turn)


def follow(fn, *args, **kwargs):
    fn(*args, **kwargs)
    FOLLOW_UPS.append(len(CASES) - 1)


# ---------------------------------------------------------------- status
status(
    "zh",
    ["二线城市上个季度营收跟目标差了多少啊"],
    "revenue",
    "2026-Q3",
    "二线城市",
    with_target=True,
)
status(
    "zh",
    ["今年到现在整体转化量完成得咋样，够不够目标的进度"],
    "conversions",
    "2026",
    with_target=True,
)
status(
    "en",
    ["How's our repurchase rate looking for Q2 this year - are we at target?"],
    "repurchase_rate",
    "2026-Q2",
    with_target=True,
)
status("zh", ["私域社群7月份一共拿了多少曝光"], "impressions", "2026-07", channel="私域社群")
status(
    "zh",
    ["直播电商二季度的ROI到目标没有？"],
    "roi",
    "2026-Q2",
    channel="直播电商",
    with_target=True,
)
status(
    "en",
    ["How many clicks did offline stores get in lower-tier markets in September 2026?"],
    "clicks",
    "2026-09",
    "下沉市场",
    "线下门店",
)
follow(
    status,
    "zh",
    ["新一线城市5月份销售额多少？目标定的多少", "那6月呢？"],
    "revenue",
    "2026-06",
    "新一线城市",
    with_target=True,
)
follow(
    status,
    "en",
    ["What was the CTR for live commerce in Q2 2026?", "What about KOC seeding?"],
    "ctr",
    "2026-Q2",
    channel="KOC种草",
)
follow(
    status,
    "zh",
    ["一线城市上个月投了多少钱", "那点击量呢", "换成二线城市看看"],
    "clicks",
    "2026-10",
    "二线城市",
)

# ---------------------------------------------------------------- named benchmark
named("zh", ["上个月整体点击率能到1.5%不？"], "ctr", "2026-10", 1.5)
named("zh", ["私域社群三季度客单价有没有过800块"], "aov", "2026-Q3", 800, channel="私域社群")
named("en", ["Did tier-2 cities get ROI above 7x in Q2 2026?"], "roi", "2026-Q2", 7, region="二线城市")
follow(
    named,
    "zh",
    ["一线城市9月复购率有没有到62%", "那新一线城市呢？"],
    "repurchase_rate",
    "2026-09",
    62,
    region="新一线城市",
)

# ---------------------------------------------------------------- change
change("zh", ["信息流上个月的花费环比涨了多少"], "spend", "2026-10", "previous", channel="信息流广告")
change(
    "en",
    ["How did conversions in new tier-1 cities in September 2026 compare with August?"],
    "conversions",
    "2026-09",
    "previous",
    region="新一线城市",
)
follow(
    change,
    "zh",
    ["线下门店今年7月的客单价跟去年7月比怎么样", "换成直播电商"],
    "aov",
    "2026-07",
    "year_earlier",
    channel="直播电商",
)
follow(
    change,
    "en",
    ["How much did feed-ad CPC rise in September 2026 vs August?", "Same for October?"],
    "cpc",
    "2026-10",
    "previous",
    channel="信息流广告",
)
change(
    "zh",
    ["私域社群三季度复购率同比去年有提升吗"],
    "repurchase_rate",
    "2026-Q3",
    "year_earlier",
    channel="私域社群",
)

# ---------------------------------------------------------------- rank
rank("zh", ["上季度各渠道客单价从高到低排一下"], "aov", "2026-Q3", "channel", True)
rank(
    "zh",
    ["一线城市里8月份哪个渠道获客成本最低"],
    "cac",
    "2026-08",
    "channel",
    False,
    region="一线城市",
)
rank(
    "en",
    ["Which region spent the most on live commerce in Q2 2026?"],
    "spend",
    "2026-Q2",
    "region",
    True,
    channel="直播电商",
)
follow(
    rank,
    "zh",
    ["10月哪个区域转化率最高", "换成投产比看看"],
    "roi",
    "2026-10",
    "region",
    True,
)
rank(
    "zh",
    ["二线城市上个月各渠道点击率从低到高排一下"],
    "ctr",
    "2026-10",
    "channel",
    False,
    region="二线城市",
)

# ---------------------------------------------------------------- why
why("zh", ["KOC种草三季度ROI咋掉成这样了，没达标原因是啥"], "roi", "2026-Q3", channel="KOC种草")
why(
    "en",
    ["Why did lower-tier markets fall short on conversions in September 2026?"],
    "conversions",
    "2026-09",
    region="下沉市场",
)
follow(why, "zh", ["8月整体获客成本为什么超了", "那10月呢？"], "cac", "2026-10")

# ---------------------------------------------------------------- forecast
forecast("zh", ["明年下沉市场销售额大概能做到多少"], "revenue", "2027", region="下沉市场")
forecast(
    "en",
    ["What's your forecast for KOC seeding conversions next quarter?"],
    "conversions",
    "2027-Q1",
    channel="KOC种草",
)
follow(
    forecast,
    "zh",
    ["下个月直播电商的投放花费预计多少", "换成信息流呢"],
    "spend",
    "2026-12",
    channel="信息流广告",
)

# ---------------------------------------------------------------- budget
budget("zh", ["下个季度一线城市给1200万，渠道上怎么分比较合理"], 12_000_000, "2027-Q1", region="一线城市")
budget(
    "en",
    ["We've got 30M RMB for live commerce next year - how should it be split across regions?"],
    30_000_000,
    "2027",
    channel="直播电商",
    split_by="region",
)
follow(
    budget,
    "zh",
    ["下个月整体再追加3000万，按渠道怎么分", "那要是只有2000万呢"],
    20_000_000,
    "2026-12",
)

# ---------------------------------------------------------------- knowledge
knowledge(
    "zh",
    ["实际跟目标差多少就得启动调整啊，有没有个硬性的线"],
    ["10%", "调整"],
    "deviation rule: an adverse deviation above 10% starts the adjustment process",
)
knowledge(
    "en",
    ["What's the difference between a base target and a stretch target when we set goals?"],
    ["基础目标", "挑战目标", "stretch"],
    "target setting: base target (very likely met) vs stretch target (motivating, extra resources)",
)

# ---------------------------------------------------------------- out of scope
oos("zh", ["帮我查下明天北京飞深圳最早的航班"], "flight lookup")
oos("en", ["Can you suggest a good recipe for dinner tonight?"], "cooking recipe")

# ---------------------------------------------------------------- ids and notes
for i in FOLLOW_UPS:
    CASES[i]["note"] = "follow-up; expect is for the last turn. " + CASES[i]["note"]
for n, c in enumerate(CASES, 1):
    c["id"] = f"b{n:03d}"

if __name__ == "__main__":
    assert len(CASES) == 36, len(CASES)
    hf.write_cases(CASES, OUT)
