"""Blind held-out eval set: realistic planner requests with expected facts computed by plain pandas.

Written without reading the assistant's code, rules or eval data. Every number comes from
`tools.demo_data.generate()` and is computed here with pandas only.

Conventions:
- a weekly row belongs to the month/quarter/year containing its Monday date;
- derived metrics are ratios of sums (cac = spend/conversions, roi = revenue/spend, ...);
- "today" is 2026-11-23: 上个月 = 2026-10, 上个季度/last quarter = 2026-Q3, 下个季度 = 2027-Q1,
  下个月 = 2026-12, 明年 = 2027, 去年同期 = the same period of 2025;
- targets are taken only from a row that matches period, metric, region and channel exactly
  ('' for none); when there is no such row, base is null. A target row is for its calendar
  period, so an additive metric's (revenue, conversions, spend…) is pro-rated to the days the
  actuals cover: 7 days per weekly row in the period (issue 12's calendar convention, applied
  after the first run); ratio targets (cac, roi…) apply as they are; likewise an additive
  metric's previous or year-earlier base is scaled to the actual's number of weeks;
- change_pct = (actual - base) / base * 100 (for target/named comparisons: the gap to the benchmark);
- ranking lists [name, value] sorted in the direction the question asks about (highest-first for
  "最高/best/most", lowest-first for "最低/lowest/cheapest");
- named comparisons have compare.period = null (the benchmark is a fixed number).

Run: cd /work/main && .venv/bin/python evals/holdout_facts.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tools.demo_data import generate  # noqa: E402

OUT = ROOT / "evals" / "data" / "tuning" / "requests_h.jsonl"

RATIOS = {  # metric: (numerator, denominator, scale)
    "cac": ("spend", "conversions", 1.0),
    "roi": ("revenue", "spend", 1.0),
    "cpc": ("spend", "clicks", 1.0),
    "cvr": ("conversions", "clicks", 100.0),
    "ctr": ("clicks", "impressions", 100.0),
    "aov": ("revenue", "conversions", 1.0),
    "repurchase_rate": ("repeat_buyers", "buyers", 100.0),
    "cpm": ("spend", "impressions", 1000.0),
}
REGIONS = ["一线城市", "新一线城市", "二线城市", "下沉市场"]
CHANNELS = ["信息流广告", "直播电商", "私域社群", "KOC种草", "线下门店"]

FACTS, TARGETS = generate()
FACTS = FACTS.copy()
FACTS["date"] = pd.to_datetime(FACTS["date"])


def bounds(label: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    if "-Q" in label:
        y, q = label.split("-Q")
        start = pd.Timestamp(int(y), 3 * int(q) - 2, 1)
        return start, start + pd.offsets.QuarterEnd(0)
    if "-" in label:
        y, m = label.split("-")
        start = pd.Timestamp(int(y), int(m), 1)
        return start, start + pd.offsets.MonthEnd(0)
    y = int(label)
    return pd.Timestamp(y, 1, 1), pd.Timestamp(y, 12, 31)


def base_sum(metric: str, period: str, region: str | None, channel: str | None) -> float:
    start, end = bounds(period)
    f = FACTS[(FACTS["date"] >= start) & (FACTS["date"] <= end) & (FACTS["metric"] == metric)]
    if region:
        f = f[f["region"] == region]
    if channel:
        f = f[f["channel"] == channel]
    assert len(f), (metric, period, region, channel)
    return float(f["value"].sum())


def value(metric: str, period: str, region: str | None = None, channel: str | None = None) -> float:
    if metric in RATIOS:
        num, den, scale = RATIOS[metric]
        v = base_sum(num, period, region, channel) / base_sum(den, period, region, channel) * scale
    else:
        v = base_sum(metric, period, region, channel)
    return round(v, 4)


def target(metric: str, period: str, region: str | None = None, channel: str | None = None):
    t = TARGETS[
        (TARGETS["period"] == period)
        & (TARGETS["metric"] == metric)
        & (TARGETS["region"] == (region or ""))
        & (TARGETS["channel"] == (channel or ""))
    ]
    if len(t) == 0:
        return None
    assert len(t) == 1
    value = float(t["target"].iloc[0])
    if metric not in RATIOS:
        start, end = bounds(period)
        weeks = FACTS.loc[(FACTS["date"] >= start) & (FACTS["date"] <= end), "date"].nunique()
        value *= weeks * 7 / ((end - start).days + 1)
    return round(value, 4)


def weeks(period: str) -> int:
    start, end = bounds(period)
    return FACTS.loc[(FACTS["date"] >= start) & (FACTS["date"] <= end), "date"].nunique()


def pct(actual, base):
    if base is None or base == 0:
        return None
    return round((actual - base) / base * 100, 4)


def prev(label: str) -> str:
    if "-Q" in label:
        y, q = map(int, label.split("-Q"))
        return f"{y - 1}-Q4" if q == 1 else f"{y}-Q{q - 1}"
    y, m = map(int, label.split("-"))
    return f"{y - 1}-12" if m == 1 else f"{y}-{m - 1:02d}"


def year_earlier(label: str) -> str:
    return str(int(label[:4]) - 1) + label[4:]


CASES: list[dict] = []


def add(lang, turns, typ, expect, note):
    e = {
        "metric": None,
        "region": None,
        "channel": None,
        "period": None,
        "compare": None,
        "amount": None,
        "answer_facts": None,
        "keywords": None,
    }
    e.update(expect)
    CASES.append(
        {"id": f"h{len(CASES) + 1:03d}", "lang": lang, "turns": turns, "type": typ, "expect": e, "note": note}
    )


def slot(metric, period, region=None, channel=None):
    return {"metric": metric, "period": period, "region": region, "channel": channel}


def status(lang, turns, metric, period, region=None, channel=None, with_target=False, typ="status"):
    a = value(metric, period, region, channel)
    note = (
        f"{metric} ({'ratio of sums' if metric in RATIOS else 'sum'}) over weeks whose Monday is in {period}"
    )
    note += f"; region={region or 'all'}, channel={channel or 'all'}"
    if with_target:
        b = target(metric, period, region, channel)
        note += (
            "; base = exact-match target row"
            if b is not None
            else ("; no exact-match target row (period, metric, region, channel) so base is null")
        )
        exp = slot(metric, period, region, channel) | {
            "compare": {"kind": "target", "period": period, "value": b},
            "answer_facts": {"actual": a, "base": b, "change_pct": pct(a, b), "ranking": None},
        }
    else:
        exp = slot(metric, period, region, channel) | {
            "answer_facts": {"actual": a, "base": None, "change_pct": None, "ranking": None}
        }
    add(lang, turns, typ, exp, note)


def named(lang, turns, metric, period, bench, region=None, channel=None):
    a = value(metric, period, region, channel)
    exp = slot(metric, period, region, channel) | {
        "compare": {"kind": "named", "period": None, "value": bench},
        "answer_facts": {"actual": a, "base": bench, "change_pct": pct(a, bench), "ranking": None},
    }
    add(
        lang,
        turns,
        "benchmark",
        exp,
        f"{metric} in {period} (region={region or 'all'}, channel={channel or 'all'}) vs the planner's "
        f"own benchmark {bench}; above={a > bench}",
    )


def change(lang, turns, metric, period, kind, region=None, channel=None):
    other = prev(period) if kind == "previous" else year_earlier(period)
    a, b = value(metric, period, region, channel), value(metric, other, region, channel)
    if metric not in RATIOS:  # the base scaled to the actual's weeks (issue 12's convention)
        b = round(b * weeks(period) / weeks(other), 4)
    exp = slot(metric, period, region, channel) | {
        "compare": {"kind": kind, "period": other, "value": b},
        "answer_facts": {"actual": a, "base": b, "change_pct": pct(a, b), "ranking": None},
    }
    add(
        lang,
        turns,
        "change",
        exp,
        f"{metric} {period} vs {other} (region={region or 'all'}, channel={channel or 'all'}); "
        "change_pct = (actual-base)/base*100; for ratio metrics a percentage-point change is actual-base",
    )


def rank(lang, turns, metric, period, by, highest_first, region=None, channel=None):
    names = REGIONS if by == "region" else CHANNELS
    vals = []
    for n in names:
        r, c = (n, channel) if by == "region" else (region, n)
        vals.append([n, value(metric, period, r, c)])
    vals.sort(key=lambda x: x[1], reverse=highest_first)
    exp = slot(metric, period, region, channel) | {
        "answer_facts": {"actual": vals[0][1], "base": None, "change_pct": None, "ranking": vals}
    }
    add(
        lang,
        turns,
        "rank",
        exp,
        f"{metric} by {by} in {period} (filter region={region or 'all'}, channel={channel or 'all'}); "
        f"sorted {'highest' if highest_first else 'lowest'} first; answer = {vals[0][0]}",
    )


def why(lang, turns, metric, period, region=None, channel=None):
    status(lang, turns, metric, period, region, channel, with_target=True, typ="why")
    CASES[-1]["note"] = (
        "why-question: expected slice/period; actual and target as in status. " + CASES[-1]["note"]
    )


def forecast(lang, turns, metric, period, region=None, channel=None):
    add(
        lang,
        turns,
        "forecast",
        slot(metric, period, region, channel),
        f"future period {period} resolved from today 2026-11-23; no expected number",
    )


def budget(lang, turns, amount, period, region=None, channel=None, split_by="channel"):
    add(
        lang,
        turns,
        "budget",
        {"period": period, "region": region, "channel": channel, "amount": amount},
        f"split {amount} 元 for {period} by {split_by}; scope region={region or 'all'}, channel={channel or 'all'}",
    )


def knowledge(lang, turns, keywords, note):
    add(lang, turns, "knowledge", {"keywords": keywords}, note)


def oos(lang, turns, note):
    add(lang, turns, "out_of_scope", {}, note + "; expected to be declined politely")


# ---------------------------------------------------------------- status
status("zh", ["9月下沉市场的获客成本是多少，达标了吗"], "cac", "2026-09", "下沉市场", with_target=True)
status("zh", ["上个季度整体投产比多少？跟目标比怎么样"], "roi", "2026-Q3", with_target=True)
status(
    "zh",
    ["三季度信息流的点击单价多少钱，目标是多少来着"],
    "cpc",
    "2026-Q3",
    channel="信息流广告",
    with_target=True,
)
status(
    "en", ["What was our overall CAC last month? Did we hit the target?"], "cac", "2026-10", with_target=True
)
status(
    "en",
    ["How much revenue did tier-1 cities bring in during Q3 2026 compared with plan?"],
    "revenue",
    "2026-Q3",
    "一线城市",
    with_target=True,
)
status("zh", ["10月份整体复购率多少"], "repurchase_rate", "2026-10")
status("zh", ["直播电商今年二季度一共花了多少钱"], "spend", "2026-Q2", channel="直播电商")
status(
    "en", ["What's the conversion rate for KOC seeding in September?"], "cvr", "2026-09", channel="KOC种草"
)
status(
    "zh",
    ["新一线城市8月的转化量完成得怎么样？目标是多少"],
    "conversions",
    "2026-08",
    "新一线城市",
    with_target=True,
)
status("zh", ["二线城市私域社群上个月的客单价是多少"], "aov", "2026-10", "二线城市", "私域社群")
status("en", ["Total marketing spend for 2025?"], "spend", "2025")
status("zh", ["线下门店今年一季度的点击率怎么样"], "ctr", "2026-Q1", channel="线下门店")

# ---------------------------------------------------------------- named benchmark
named("zh", ["三季度整体获客成本是不是已经超过120块的红线了"], "cac", "2026-Q3", 120)
named("en", ["Are we above the 65% repurchase goal for Q3 2026?"], "repurchase_rate", "2026-Q3", 65)
named("zh", ["信息流9月的点击单价是不是破2块了"], "cpc", "2026-09", 2, channel="信息流广告")
named("zh", ["下沉市场上个月的ROI有没有到5倍"], "roi", "2026-10", 5, region="下沉市场")
named(
    "en", ["Did live commerce keep CAC under 100 yuan in August?"], "cac", "2026-08", 100, channel="直播电商"
)
named("zh", ["线下门店二季度转化率有没有做到3%"], "cvr", "2026-Q2", 3, channel="线下门店")

# ---------------------------------------------------------------- change
change("zh", ["KOC种草8月的转化率比7月掉了多少"], "cvr", "2026-08", "previous", channel="KOC种草")
change("zh", ["信息流三季度的点击单价比二季度涨了多少"], "cpc", "2026-Q3", "previous", channel="信息流广告")
change(
    "en",
    ["How did revenue in lower-tier markets change in Q3 2026 vs the same quarter last year?"],
    "revenue",
    "2026-Q3",
    "year_earlier",
    region="下沉市场",
)
change("zh", ["上个月整体销售额环比变化多少"], "revenue", "2026-10", "previous")
change(
    "en",
    ["How much did KOC CAC go up from Q2 to Q3 this year?"],
    "cac",
    "2026-Q3",
    "previous",
    channel="KOC种草",
)
change(
    "zh", ["一线城市10月的获客成本跟去年同期比怎么样"], "cac", "2026-10", "year_earlier", region="一线城市"
)
change(
    "zh",
    ["直播电商今年三季度的投产比比去年同期高还是低"],
    "roi",
    "2026-Q3",
    "year_earlier",
    channel="直播电商",
)

# ---------------------------------------------------------------- rank
rank("zh", ["三季度哪个区域获客成本最高"], "cac", "2026-Q3", "region", True)
rank("en", ["Which channel had the best ROI last quarter?"], "roi", "2026-Q3", "channel", True)
rank("zh", ["上个月哪个渠道点击单价最贵"], "cpc", "2026-10", "channel", True)
rank("zh", ["9月份各区域销售额排个名"], "revenue", "2026-09", "region", True)
rank(
    "en",
    ["Which region had the lowest repurchase rate in October?"],
    "repurchase_rate",
    "2026-10",
    "region",
    False,
)
rank("zh", ["下沉市场里三季度哪个渠道转化率最低"], "cvr", "2026-Q3", "channel", False, region="下沉市场")

# ---------------------------------------------------------------- why
why("zh", ["为什么三季度获客成本超标了"], "cac", "2026-Q3")
why("zh", ["下沉市场三季度销售额为啥没完成目标"], "revenue", "2026-Q3", region="下沉市场")
why("en", ["Why is KOC conversion rate so bad in September?"], "cvr", "2026-09", channel="KOC种草")
why("zh", ["信息流上个季度投产比为什么低于目标"], "roi", "2026-Q3", channel="信息流广告")
why("en", ["Why did we miss the revenue target last month?"], "revenue", "2026-10")
why("zh", ["9月整体投产比为啥没达标，帮我分析下原因"], "roi", "2026-09")

# ---------------------------------------------------------------- forecast
forecast("zh", ["下个季度销售额大概多少"], "revenue", "2027-Q1")
forecast("zh", ["预测一下下个月下沉市场的获客成本"], "cac", "2026-12", region="下沉市场")
forecast(
    "en", ["What will Q4 2026 revenue look like for tier-1 cities?"], "revenue", "2026-Q4", region="一线城市"
)
forecast("zh", ["明年一季度直播电商的转化量能有多少"], "conversions", "2027-Q1", channel="直播电商")
forecast("en", ["Can you forecast total spend for December?"], "spend", "2026-12")

# ---------------------------------------------------------------- budget
budget("zh", ["明年一季度下沉市场 2000万 按渠道怎么分"], 20_000_000, "2027-Q1", region="下沉市场")
budget("en", ["How should we split 50 million yuan across channels for 2027?"], 50_000_000, "2027")
budget("zh", ["12月再给5000万做双十二，各区域怎么分配比较好"], 50_000_000, "2026-12", split_by="region")
budget("zh", ["明年全年预算1.5个亿，渠道上怎么配"], 150_000_000, "2027")
budget(
    "en",
    ["We have 8 million RMB for tier-2 cities next quarter, how should we allocate it by channel?"],
    8_000_000,
    "2027-Q1",
    region="二线城市",
)

# ---------------------------------------------------------------- knowledge
knowledge(
    "zh",
    ["KPI偏差到多少的时候要启动计划调整？"],
    ["偏差", "10%", "调整"],
    "deviation rule: adjust when deviation > 10%",
)
knowledge("zh", ["预算分配一般遵循什么原则"], ["预算分配", "原则"], "budget allocation playbook")
knowledge(
    "en",
    ["What should a plan adjustment report contain?"],
    ["计划调整报告", "adjustment"],
    "plan adjustment report",
)
knowledge(
    "zh",
    ["目标定得不合理怎么办，有什么方法"],
    ["数据预测", "弹性设定", "基础目标", "挑战目标"],
    "target-setting difficulties (seed 000)",
)
knowledge(
    "en",
    ["How often should we monitor and review campaign KPIs?"],
    ["每周监测", "每月评估", "weekly", "monthly"],
    "monitoring cadence: weekly monitor, monthly review",
)

# ---------------------------------------------------------------- out of scope
oos("zh", ["明天上海会下雨吗"], "weather")
oos("en", ["Which stocks should I buy this week?"], "stock tips")
oos("zh", ["推荐几只最近能涨的医药股"], "stock tips")

# ---------------------------------------------------------------- follow-ups (expect = LAST turn)
status("zh", ["9月下沉市场的获客成本是多少", "那一线城市呢？"], "cac", "2026-09", "一线城市")
status("zh", ["三季度信息流的点击单价多少", "换成8月份看看"], "cpc", "2026-08", channel="信息流广告")
status(
    "en",
    ["What was revenue in lower-tier markets in Q3 2026 vs target?", "And just for tier-1 cities?"],
    "revenue",
    "2026-Q3",
    "一线城市",
    with_target=True,
)
change(
    "zh",
    ["KOC种草8月的转化率比7月掉了多少", "那直播电商呢"],
    "cvr",
    "2026-08",
    "previous",
    channel="直播电商",
)
rank("zh", ["三季度哪个区域获客成本最高", "那投产比呢？哪个最高"], "roi", "2026-Q3", "region", True)
why(
    "en",
    ["Why did CAC miss target in Q3 2026?", "What about in the lower-tier market?"],
    "cac",
    "2026-Q3",
    region="下沉市场",
)
forecast("zh", ["下个季度销售额大概多少", "只看下沉市场呢"], "revenue", "2027-Q1", region="下沉市场")
budget(
    "zh",
    ["明年一季度下沉市场 2000万 按渠道怎么分", "预算改成3000万呢"],
    30_000_000,
    "2027-Q1",
    region="下沉市场",
)
status(
    "zh", ["上个月整体复购率多少", "换成三季度呢", "那二线城市呢"], "repurchase_rate", "2026-Q3", "二线城市"
)
rank(
    "en",
    ["Which channel had the highest CPC last month?", "Same question for September"],
    "cpc",
    "2026-09",
    "channel",
    True,
)
named("zh", ["直播电商三季度的获客成本多少", "有没有超过100块？"], "cac", "2026-Q3", 100, channel="直播电商")

for c in CASES[-11:]:
    c["note"] = "follow-up; expect is for the last turn. " + c["note"]


def write_cases(cases: list[dict], out: Path) -> None:
    """One JSON line per case; every batch script writes through this."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8") as fh:
        for c in cases:
            fh.write(json.dumps(c, ensure_ascii=False) + "\n")
    print(f"wrote {len(cases)} cases to {out}")


if __name__ == "__main__":
    write_cases(CASES, OUT)
