"""Final blind conversation set: multi-turn planning sessions with every expected number from plain pandas.

Written without reading the assistant's code, prompts or existing eval data. Two workspaces:

- ``default``: the demo company of ``tools.demo_data`` (facts and targets taken through
  ``evals/holdout_facts.py``, whose bounds/ratio/period helpers are reused here);
- ``finalco``: 驰跑运动, an invented sportswear brand built by :func:`company` below (fixed seed).

Conventions (the same as ``evals/holdout_facts.py``):

- "today" is 2026-11-23: 上个月/last month = 2026-10, 上季度/last quarter = 2026-Q3, 本季度 = 2026-Q4
  (partial), 下个月 = 2026-12, 下季度/next quarter = 2027-Q1; the data ends with the week of 2026-10-26;
- a weekly row belongs to the month/quarter containing its Monday;
- ratio metrics are ratios of sums (cac = spend/conversions, roi = revenue/spend, cpc = spend/clicks,
  cvr = conversions/clicks*100, ctr = clicks/impressions*100, aov = revenue/conversions,
  cpm = spend/impressions*1000, repurchase_rate = repeat_buyers/buyers*100);
- a target comes only from the row matching (period, metric, region, channel) exactly ('' = none);
  an additive target is pro-rated: target * (weeks in the period * 7) / calendar days of the period;
  ratio targets apply as they are;
- an additive previous/year-earlier base is scaled to the actual's weeks: base * weeks_actual / weeks_base;
- change_pct = (actual - base) / base * 100 from unrounded values; numbers are rounded to 4 decimals;
- rank turns list [name, value] in the order the answer should give them ("blame" questions list the
  worst first: highest first for a cost metric, lowest first for revenue/roi/conversions);
- "which KPIs are past the 10% line" turns: every metric with an exact-match target for that scope and
  period whose adverse deviation (actual - target) / target * 100 exceeds 10% in absolute value,
  listed as [metric, signed deviation_pct], sorted by |deviation| descending;
- "last N weeks" turns: ranking = [[Monday, value], ...] in date order for the data's last N weeks;
  actual = the value of the month that contains them, period = that month;
- a region/channel that does not exist in the workspace: expect names it as the user said it,
  answer_facts all null, keywords ["没有"] (zh) or ["no "] (en).

Run: cd /work/main && .venv/bin/python evals/conversations_final.py
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from evals import holdout_facts as hf  # noqa: E402

OUT = ROOT / "evals" / "data" / "conversations_final.jsonl"
WORKSPACE = "finalco"

# ------------------------------------------------------------------------------------ finalco
# 驰跑运动 (Chipao Sports): a sportswear brand. Region: size, CPC level, AOV level.
FC_REGIONS = {
    "东南沿海": (1.30, 1.25, 1.15),
    "华中大区": (1.00, 1.00, 1.00),
    "东北大区": (0.70, 0.90, 0.95),
    "西北大区": (0.55, 0.80, 0.90),
}
# channel: weekly spend per region (元), CPM (元), CTR, CVR, AOV (元)
FC_CHANNELS = {
    "品牌官网商城": (60_000, 26.0, 0.012, 0.030, 520.0),
    "拼多多百亿补贴": (140_000, 14.0, 0.020, 0.022, 265.0),
    "B站UP主合作": (90_000, 20.0, 0.018, 0.013, 430.0),
    "微信视频号": (110_000, 18.0, 0.016, 0.017, 385.0),
    "奥莱折扣店": (70_000, 42.0, 0.010, 0.045, 610.0),
}
FC_START, FC_END = "2025-01-06", "2026-10-26"
FC_SEED = 20261123
FC_TARGET_GROWTH = 1.12  # 2026 volume targets: 2025 same-period daily rate +12%


def _fc_season(d: pd.Timestamp) -> tuple[float, float]:
    """(spend multiplier, conversion-rate multiplier): 618, 双十一, the spring running season, CNY dip."""
    doy = d.day_of_year
    s618 = np.exp(-(((doy - 166) / 9.0) ** 2))
    s1111 = np.exp(-(((doy - 312) / 9.0) ** 2))
    spring = np.exp(-(((doy - 95) / 18.0) ** 2))
    cny = np.exp(-(((doy - 35) / 10.0) ** 2))
    return 1 + 0.55 * s618 + 0.85 * s1111 + 0.15 * spring - 0.25 * cny, 1 + 0.10 * s618 + 0.16 * s1111


def _fc_facts() -> pd.DataFrame:
    """Weekly facts. Planted: 西北大区 shrinks from March 2026 (a distributor dropped out) while its
    targets assume growth; B站UP主合作's conversion rate decays month by month from May 2026 (creator
    fatigue), so its CAC climbs past target; 拼多多百亿补贴's AOV is about 7% lower in 2026 (deeper
    subsidies), which shaves its ROI."""
    rng = np.random.default_rng(FC_SEED)
    rows = []
    start = pd.Timestamp(FC_START)
    for d in pd.date_range(FC_START, FC_END, freq="W-MON"):
        spend_season, cvr_season = _fc_season(d)
        years = (d - start).days / 365.0
        for region, (size, cpc_level, aov_level) in FC_REGIONS.items():
            growth = 1 + 0.20 * years
            if region == "西北大区" and d >= pd.Timestamp("2026-03-01"):
                months = (d.year - 2026) * 12 + d.month - 3
                growth = (1 + 0.20 * (pd.Timestamp("2026-03-01") - start).days / 365.0) * (1 - 0.035 * months)
            for channel, (spend0, cpm, ctr, cvr, aov) in FC_CHANNELS.items():
                noise = rng.lognormal(0, 0.05, size=4)
                spend = spend0 * size * spend_season * growth * noise[0]
                saturation = (spend_season * growth) ** -0.12
                cvr_now = 0.9 * saturation * cvr * cvr_season * noise[1]
                if channel == "B站UP主合作" and d >= pd.Timestamp("2026-05-01"):
                    cvr_now *= max(0.55, 1 - 0.075 * ((d.month - 5) + d.day / 31))
                aov_now = aov * aov_level * (0.93 if channel == "拼多多百亿补贴" and d.year == 2026 else 1.0)
                impressions = spend / (cpm * cpc_level) * 1000
                clicks = impressions * ctr * noise[2]
                conversions = clicks * cvr_now
                revenue = conversions * aov_now * noise[3]
                buyers = conversions * 0.95
                repeat = buyers * (0.38 + 0.015 * years + rng.normal(0, 0.01))
                for metric, v in (
                    ("spend", spend),
                    ("impressions", impressions),
                    ("clicks", clicks),
                    ("conversions", conversions),
                    ("revenue", revenue),
                    ("buyers", buyers),
                    ("repeat_buyers", repeat),
                ):
                    rows.append((d.strftime("%Y-%m-%d"), region, channel, metric, round(float(v), 2)))
    return pd.DataFrame(rows, columns=["date", "region", "channel", "metric", "value"])


def _fc_targets(facts: pd.DataFrame) -> pd.DataFrame:
    """2026 targets by quarter and month. Revenue and conversions: 2025's same-period daily rate (over
    the days its weeks covered) times the 2026 period's calendar days, +12%; company-wide and per
    region for months and quarters, per channel for quarters. CAC: hold 2025's same-period level;
    ROI: 2025's same-period level; company-wide for months and quarters, per channel for quarters."""
    f = facts.copy()
    f["date"] = pd.to_datetime(f["date"])
    rows = []
    labels = [f"2026-Q{q}" for q in range(1, 5)] + [f"2026-{m:02d}" for m in range(1, 13)]
    for label in labels:
        start, end = hf.bounds(label)
        days = (end - start).days + 1
        ly_start, ly_end = hf.bounds(label.replace("2026", "2025"))
        last_year = f[(f["date"] >= ly_start) & (f["date"] <= ly_end)]
        scopes = [(None, None)] + [(r, None) for r in FC_REGIONS]
        if "-Q" in label:
            scopes += [(None, c) for c in FC_CHANNELS]
        for region, channel in scopes:
            x = last_year
            if region:
                x = x[x["region"] == region]
            if channel:
                x = x[x["channel"] == channel]
            per_day = days / (x["date"].nunique() * 7)

            def tot(m: str, x: pd.DataFrame = x) -> float:
                return float(x.loc[x["metric"] == m, "value"].sum())

            for metric in ("revenue", "conversions"):
                rows.append(
                    (
                        label,
                        metric,
                        round(tot(metric) * per_day * FC_TARGET_GROWTH, 2),
                        region or "",
                        channel or "",
                    )
                )
            if region is None:
                rows.append((label, "cac", round(tot("spend") / tot("conversions"), 2), "", channel or ""))
                rows.append((label, "roi", round(tot("revenue") / tot("spend"), 2), "", channel or ""))
    return pd.DataFrame(rows, columns=["period", "metric", "target", "region", "channel"])


def company() -> tuple[pd.DataFrame, pd.DataFrame]:
    """finalco's (facts, targets); deterministic."""
    facts = _fc_facts()
    return facts, _fc_targets(facts)


# ------------------------------------------------------------------------------------ truth
RATIOS = hf.RATIOS
LOWER_IS_BETTER = {"cac", "cpc", "cpm", "spend"}
NAMES = {  # metric: (zh, en) as a planner would read them in an answer
    "revenue": ("销售额", "revenue"),
    "conversions": ("转化量", "conversions"),
    "cac": ("获客成本", "CAC"),
    "roi": ("投资回报率", "ROI"),
    "repurchase_rate": ("复购率", "repurchase rate"),
    "cpc": ("单次点击成本", "CPC"),
}


class Truth:
    """Plain-pandas truth for one workspace (unrounded internally, rounded to 4 decimals in expect)."""

    def __init__(self, facts: pd.DataFrame, targets: pd.DataFrame, regions, channels):
        self.facts = facts.copy()
        self.facts["date"] = pd.to_datetime(self.facts["date"])
        self.targets = targets
        self.regions = list(regions)
        self.channels = list(channels)

    def _slice(self, period, region=None, channel=None):
        start, end = hf.bounds(period)
        f = self.facts[(self.facts["date"] >= start) & (self.facts["date"] <= end)]
        if region:
            f = f[f["region"] == region]
        if channel:
            f = f[f["channel"] == channel]
        return f

    def _sum(self, f, metric):
        x = f[f["metric"] == metric]
        assert len(x), metric
        return float(x["value"].sum())

    def _val(self, f, metric):
        if metric in RATIOS:
            num, den, scale = RATIOS[metric]
            return self._sum(f, num) / self._sum(f, den) * scale
        return self._sum(f, metric)

    def value(self, metric, period, region=None, channel=None):
        assert region is None or region in self.regions, region
        assert channel is None or channel in self.channels, channel
        return self._val(self._slice(period, region, channel), metric)

    def weeks(self, period):
        return self._slice(period)["date"].nunique()

    def target(self, metric, period, region=None, channel=None):
        t = self.targets[
            (self.targets["period"] == period)
            & (self.targets["metric"] == metric)
            & (self.targets["region"] == (region or ""))
            & (self.targets["channel"] == (channel or ""))
        ]
        if len(t) == 0:
            return None
        assert len(t) == 1
        v = float(t["target"].iloc[0])
        if metric not in RATIOS:
            start, end = hf.bounds(period)
            v *= self.weeks(period) * 7 / ((end - start).days + 1)
        return v

    def last_mondays(self, n):
        return sorted(self.facts["date"].unique())[-n:]

    def weekly(self, metric, n, region=None, channel=None):
        out = []
        for d in self.last_mondays(n):
            f = self.facts[self.facts["date"] == d]
            if region:
                f = f[f["region"] == region]
            if channel:
                f = f[f["channel"] == channel]
            out.append([pd.Timestamp(d).strftime("%Y-%m-%d"), self._val(f, metric)])
        return out


DEFAULT = Truth(hf.FACTS, hf.TARGETS, hf.REGIONS, hf.CHANNELS)
FINAL = Truth(*company(), FC_REGIONS, FC_CHANNELS)
TRUTH = {"default": DEFAULT, WORKSPACE: FINAL}


def r4(x):
    return None if x is None else round(float(x), 4)


def pct(actual, base):
    if base is None or base == 0:
        return None
    return (actual - base) / base * 100


def prev(label):
    return hf.prev(label)


def year_earlier(label):
    return hf.year_earlier(label)


# ------------------------------------------------------------------------------------ turns
def _expect(**kw):
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
    e.update(kw)
    return e


def _facts(actual=None, base=None, change=None, ranking=None):
    return {"actual": r4(actual), "base": r4(base), "change_pct": r4(change), "ranking": ranking}


class Conv:
    def __init__(self, lang, workspace, note):
        self.lang, self.ws, self.note = lang, workspace, note
        self.t = TRUTH[workspace]
        self.turns: list[dict] = []
        self.last_ranking: list | None = None

    def _add(self, text, typ, expect):
        self.turns.append({"text": text, "type": typ, "expect": expect})
        return self

    # a KPI figure, optionally against its target
    def status(self, text, metric, period, region=None, channel=None, target=False, typ="status"):
        a = self.t.value(metric, period, region, channel)
        if target:
            b = self.t.target(metric, period, region, channel)
            assert b is not None, (metric, period, region, channel)
            return self._add(
                text,
                typ,
                _expect(
                    metric=metric,
                    region=region,
                    channel=channel,
                    period=period,
                    compare={"kind": "target", "period": period, "value": r4(b)},
                    answer_facts=_facts(a, b, pct(a, b)),
                ),
            )
        return self._add(
            text,
            typ,
            _expect(metric=metric, region=region, channel=channel, period=period, answer_facts=_facts(a)),
        )

    def why(self, text, metric, period, region=None, channel=None):
        assert self.t.target(metric, period, region, channel) is not None
        return self.status(text, metric, period, region, channel, target=True, typ="why")

    # against the previous period, a named earlier period, or the same period a year earlier
    def change(self, text, metric, period, kind, region=None, channel=None, base_period=None):
        other = base_period or (prev(period) if kind == "previous" else year_earlier(period))
        a = self.t.value(metric, period, region, channel)
        b = self.t.value(metric, other, region, channel)
        if metric not in RATIOS:
            b = b * self.t.weeks(period) / self.t.weeks(other)
        return self._add(
            text,
            "change",
            _expect(
                metric=metric,
                region=region,
                channel=channel,
                period=period,
                compare={"kind": kind, "period": other, "value": r4(b)},
                answer_facts=_facts(a, b, pct(a, b)),
            ),
        )

    def rank(self, text, metric, period, by, highest_first, region=None, channel=None):
        names = self.t.regions if by == "region" else self.t.channels
        vals = []
        for n in names:
            r, c = (n, channel) if by == "region" else (region, n)
            vals.append([n, self.t.value(metric, period, r, c)])
        vals.sort(key=lambda x: x[1], reverse=highest_first)
        self.last_ranking = vals
        ranking = [[n, r4(v)] for n, v in vals]
        return self._add(
            text,
            "rank",
            _expect(
                metric=metric,
                region=region,
                channel=channel,
                period=period,
                answer_facts=_facts(vals[0][1], ranking=ranking),
            ),
        )

    def ranked(self, i):
        """The name at position i (0-based) of the last ranking, as the user points at it."""
        return self.last_ranking[i][0]

    # which KPIs are past the 10% line
    def off_target(self, text, period, region=None, channel=None):
        t = self.t.targets
        rows = t[
            (t["period"] == period) & (t["region"] == (region or "")) & (t["channel"] == (channel or ""))
        ]
        flagged = []
        for metric in dict.fromkeys(rows["metric"]):
            a = self.t.value(metric, period, region, channel)
            b = self.t.target(metric, period, region, channel)
            dev = pct(a, b)
            adverse = dev > 0 if metric in LOWER_IS_BETTER else dev < 0
            if adverse and abs(dev) > 10:
                flagged.append([metric, dev])
        flagged.sort(key=lambda x: abs(x[1]), reverse=True)
        assert flagged, (period, region, channel)
        names = [NAMES[m][0 if self.lang == "zh" else 1] for m, _ in flagged]
        return self._add(
            text,
            "status",
            _expect(
                region=region,
                channel=channel,
                period=period,
                compare={"kind": "target", "period": period, "value": None},
                answer_facts=_facts(ranking=[[m, r4(d)] for m, d in flagged]),
                keywords=names,
            ),
        )

    def weekly(self, text, metric, n, region=None, channel=None):
        vals = self.t.weekly(metric, n, region, channel)
        months = {d[:7] for d, _ in vals}
        assert len(months) == 1, months
        month = months.pop()
        return self._add(
            text,
            "status",
            _expect(
                metric=metric,
                region=region,
                channel=channel,
                period=month,
                answer_facts=_facts(
                    self.t.value(metric, month, region, channel), ranking=[[d, r4(v)] for d, v in vals]
                ),
            ),
        )

    def missing(self, text, metric, period, region=None, channel=None):
        assert region is None or region not in self.t.regions
        assert channel is None or channel not in self.t.channels
        return self._add(
            text,
            "status",
            _expect(
                metric=metric,
                region=region,
                channel=channel,
                period=period,
                answer_facts=_facts(),
                keywords=["没有"] if self.lang == "zh" else ["no "],
            ),
        )

    def budget(self, text, amount, period, region=None, channel=None):
        return self._add(
            text, "budget", _expect(region=region, channel=channel, period=period, amount=amount)
        )

    def forecast(self, text, metric, period, region=None, channel=None):
        return self._add(
            text, "forecast", _expect(metric=metric, region=region, channel=channel, period=period)
        )

    def knowledge(self, text, keywords):
        return self._add(text, "knowledge", _expect(keywords=keywords))

    def oos(self, text):
        return self._add(text, "out_of_scope", _expect())


CONVS: list[Conv] = []


def conv(lang, workspace, note) -> Conv:
    c = Conv(lang, workspace, note)
    CONVS.append(c)
    return c


D, FC = "default", WORKSPACE

# =================================================================== default workspace (demo company)
c = conv("zh", D, "slice with target -> drop the metric -> whole company -> rank channels -> yoy")
c.status("上个月下沉市场销售额完成得咋样？目标是多少", "revenue", "2026-10", region="下沉市场", target=True)
c.status("转化量呢", "conversions", "2026-10", region="下沉市场", target=True)
c.status("那全公司的呢", "conversions", "2026-10", target=True)
c.rank("按渠道看，上个月哪个渠道转化最少", "conversions", "2026-10", "channel", False)
c.change("全公司转化量跟去年10月比差了多少", "conversions", "2026-10", "year_earlier")

c = conv("zh", D, "yoy, then a follow-up naming another base period, then rank")
c.change("信息流三季度的CPC跟去年同期比涨了多少", "cpc", "2026-Q3", "year_earlier", channel="信息流广告")
c.change("那跟二季度比呢", "cpc", "2026-Q3", "previous", channel="信息流广告")
c.rank("三季度各渠道的点击单价从贵到便宜排一下", "cpc", "2026-Q3", "channel", True)

c = conv("zh", D, "rank, then point at the second one, then month-on-month for it")
c.rank("三季度各区域获客成本从高到低排一下", "cac", "2026-Q3", "region", True)
second = c.ranked(1)
c.status("排第二的那个，9月份获客成本多少", "cac", "2026-09", region=second)
c.change("比8月高还是低？", "cac", "2026-09", "previous", region=second)

c = conv("en", D, "why ROI missed -> blame by channel -> that channel's own target")
c.why("Why is our overall ROI below target for last quarter?", "roi", "2026-Q3")
c.rank("Which channel dragged it down the most?", "roi", "2026-Q3", "channel", False)
worst = c.ranked(0)
c.status(
    "What was that channel's ROI target for Q3, and how far off is it?",
    "roi",
    "2026-Q3",
    channel=worst,
    target=True,
)

c = conv("zh", D, "which KPIs are past the 10% line (company, Q3), then one of them, then drill down")
c.off_target("三季度整体看，哪些KPI偏差已经超过10%了", "2026-Q3")
c.status("获客成本具体是多少，目标多少", "cac", "2026-Q3", target=True)
c.rank("拆到渠道看，哪个渠道获客成本最高", "cac", "2026-Q3", "channel", True)
c.status("KOC种草三季度的转化率多少", "cvr", "2026-Q3", channel="KOC种草")

c = conv("zh", D, "weekly figures for the last 4 weeks, then another metric weekly")
c.weekly("最近四周信息流广告每周花了多少钱，列一下", "spend", 4, channel="信息流广告")
c.weekly("点击单价也按周给我看看", "cpc", 4, channel="信息流广告")
c.status("整个10月信息流的点击单价是多少", "cpc", "2026-10", channel="信息流广告")

c = conv("zh", D, "budget split and follow-up amount changes, then a regional sub-budget")
c.budget("12月想追加3000万做年终冲刺，按渠道怎么分比较好", 30_000_000, "2026-12")
c.budget("财务说最多给2000万，那怎么分", 20_000_000, "2026-12")
c.budget("一线城市单独拿800万出来，渠道上怎么配", 8_000_000, "2026-12", region="一线城市")

c = conv("zh", D, "a region that does not exist in the demo company, then a real one")
c.missing("华南区上个月获客成本多少", "cac", "2026-10", region="华南")
c.status("哦那看一线城市吧，上个月获客成本多少", "cac", "2026-10", region="一线城市")
c.change("比9月降了吗", "cac", "2026-10", "previous", region="一线城市")

c = conv("en", D, "forecast, then narrow the forecast to a channel")
c.forecast("What's the revenue outlook for next quarter?", "revenue", "2027-Q1")
c.forecast("And for live commerce on its own?", "revenue", "2027-Q1", channel="直播电商")
c.status("For reference, what did live commerce do in Q3 2026?", "revenue", "2026-Q3", channel="直播电商")

c = conv("zh", D, "knowledge: the adjustment report")
c.knowledge("写计划调整报告的时候，那张核心图要画哪几条线", ["实际", "预测"])
c.knowledge("报告里至少得有哪些内容？", ["原因诊断", "风险说明"])

c = conv("en", D, "status, month-on-month, then year-on-year for the same slice")
c.status("What was CAC for KOC seeding in October?", "cac", "2026-10", channel="KOC种草")
c.change("How does that compare with September?", "cac", "2026-10", "previous", channel="KOC种草")
c.change("And versus October last year?", "cac", "2026-10", "year_earlier", channel="KOC种草")

c = conv("zh", D, "repurchase vs the 65% line, a region, then a forecast")
c.status("10月复购率多少？65%的线守住没", "repurchase_rate", "2026-10", target=True)
c.status("二线城市单看是多少", "repurchase_rate", "2026-10", region="二线城市")
c.forecast("下个月整体复购率大概能到多少", "repurchase_rate", "2026-12")

c = conv("zh", D, "an out-of-scope aside in the middle of a session")
c.status("直播电商二季度ROI多少", "roi", "2026-Q2", channel="直播电商")
c.oos("对了，帮我订一张明天上午去深圳的机票")
c.status("回到刚才，三季度呢？达标了没", "roi", "2026-Q3", channel="直播电商", target=True)

c = conv("en", D, "rank regions, drill into the top one by channel, then one cell")
c.rank("Rank the regions by revenue for Q3.", "revenue", "2026-Q3", "region", True)
top = c.ranked(0)
c.rank(
    "In the top region, which channel brought in the most?", "revenue", "2026-Q3", "channel", True, region=top
)
top_ch = c.ranked(0)
c.status("What's the AOV for that channel there?", "aov", "2026-Q3", region=top, channel=top_ch)

c = conv("zh", D, "knowledge: quarterly reallocation")
c.knowledge("季度挪预算的时候，按ROI分几档怎么处理", ["1:6", "1:4"])
c.knowledge("为什么说要按边际ROI算账，不看平均ROI", ["边际"])

c = conv("zh", D, "KOC conversion collapse: month-on-month, then rank regions inside the channel")
c.change("KOC种草9月的转化率比8月掉了多少", "cvr", "2026-09", "previous", channel="KOC种草")
c.rank("9月KOC种草在各区域的转化率排个名，最差的放前面", "cvr", "2026-09", "region", False, channel="KOC种草")
c.change("跟去年9月比呢，整体KOC", "cvr", "2026-09", "year_earlier", channel="KOC种草")

c = conv("en", D, "why a region missed, blame inside it, then the 10% check for that region")
c.why("Why are lower-tier markets behind on revenue in Q3 2026?", "revenue", "2026-Q3", region="下沉市场")
c.rank("Which channel there has the weakest ROI?", "roi", "2026-Q3", "channel", False, region="下沉市场")
c.off_target("Anything in lower-tier markets more than 10% off target for Q3?", "2026-Q3", region="下沉市场")

c = conv("zh", D, "offline store efficiency metrics and a yoy follow-up")
c.status("线下门店上个月千次曝光成本多少", "cpm", "2026-10", channel="线下门店")
c.status("点击率呢", "ctr", "2026-10", channel="线下门店")
c.change("跟去年10月比呢", "ctr", "2026-10", "year_earlier", channel="线下门店")

c = conv("en", D, "budget split, amount cut, then the plan's ROI threshold from the documents")
c.budget(
    "We've got 50 million RMB for Q1 next year. How would you split it across channels?",
    50_000_000,
    "2027-Q1",
)
c.budget("Finance just cut it to 42 million. Redo the split?", 42_000_000, "2027-Q1")
c.knowledge("What ROI does a project need to make the priority list under our 2026 plan?", ["1:4"])

c = conv("zh", D, "a channel that does not exist in the demo company, then a real one with a change")
c.missing("天猫旗舰店三季度销售额多少", "revenue", "2026-Q3", channel="天猫旗舰店")
c.change("行吧，那直播电商三季度销售额比二季度多还是少", "revenue", "2026-Q3", "previous", channel="直播电商")

c = conv("en", D, "feed ads efficiency: CTR, CPM, then CPC against the quarterly target")
c.status("What was the CTR on in-feed ads in Q3?", "ctr", "2026-Q3", channel="信息流广告")
c.status("And CPM?", "cpm", "2026-Q3", channel="信息流广告")
c.status("Is CPC above the Q3 target?", "cpc", "2026-Q3", channel="信息流广告", target=True)
c.off_target("Which KPIs for in-feed ads are more than 10% off in Q3?", "2026-Q3", channel="信息流广告")

c = conv("zh", D, "plain status questions, no tricks")
c.status("私域社群9月的销售额多少", "revenue", "2026-09", channel="私域社群")
c.status("客单价呢", "aov", "2026-09", channel="私域社群")
c.status("新一线城市9月的销售额，目标完成了没", "revenue", "2026-09", region="新一线城市", target=True)

# =================================================================== finalco (驰跑运动, sportswear)
c = conv("zh", FC, "why a region missed -> blame by channel inside it -> yoy for the region")
c.why("西北三季度销售额为啥差这么多", "revenue", "2026-Q3", region="西北大区")
c.rank("是哪个渠道拖的后腿", "revenue", "2026-Q3", "channel", False, region="西北大区")
c.change("西北整体跟去年同期比掉了多少", "revenue", "2026-Q3", "year_earlier", region="西北大区")

c = conv("en", FC, "Bilibili CAC vs target, vs previous quarter, then the last 4 weeks")
c.status(
    "What's our Bilibili CAC for last quarter vs target?",
    "cac",
    "2026-Q3",
    channel="B站UP主合作",
    target=True,
)
c.change("How does that compare with Q2?", "cac", "2026-Q3", "previous", channel="B站UP主合作")
c.weekly("Show me the weekly CAC for the last 4 weeks.", "cac", 4, channel="B站UP主合作")

c = conv("zh", FC, "which KPIs are past the 10% line last month, one of them, then blame by region")
c.off_target("上个月哪几个指标偏离超过10%了", "2026-10")
c.status("销售额差了多少钱", "revenue", "2026-10", target=True)
c.rank("按大区拆一下，哪个区拖累最大", "revenue", "2026-10", "region", False)

c = conv("zh", FC, "colloquial channel name (PDD), month then quarter vs target, then yoy AOV")
c.status("PDD百亿补贴9月的ROI多少", "roi", "2026-09", channel="拼多多百亿补贴")
c.status("Q3整个季度呢，达标没", "roi", "2026-Q3", channel="拼多多百亿补贴", target=True)
c.change("客单价是不是比去年同期低了", "aov", "2026-Q3", "year_earlier", channel="拼多多百亿补贴")

c = conv("en", FC, "rank channels by ROI, point at the second one, then another period for it")
c.rank("Which channel gave us the best ROI in Q3?", "roi", "2026-Q3", "channel", True)
second = c.ranked(1)
c.status("What about the second one — how much did we spend there in Q3?", "spend", "2026-Q3", channel=second)
c.status("And in October?", "spend", "2026-10", channel=second)

c = conv("zh", FC, "a channel that does not exist in finalco, then a real one, then month-on-month")
c.missing("抖音那边上个月投了多少钱", "spend", "2026-10", channel="抖音")
c.status("那视频号呢", "spend", "2026-10", channel="微信视频号")
c.change("比9月多还是少", "spend", "2026-10", "previous", channel="微信视频号")

c = conv("zh", FC, "budget split, bigger amount, then a regional sub-budget")
c.budget("双十二准备加推，给2400万，按渠道怎么分", 24_000_000, "2026-12")
c.budget("老板说可以加到3000万", 30_000_000, "2026-12")
c.budget("东北单独拿500万，渠道怎么配", 5_000_000, "2026-12", region="东北大区")

c = conv("en", FC, "English region name, a second metric, then the whole company")
c.status(
    "How did the Northeast do on revenue in October against plan?",
    "revenue",
    "2026-10",
    region="东北大区",
    target=True,
)
c.status("And conversions?", "conversions", "2026-10", region="东北大区", target=True)
c.status("Now the whole company.", "conversions", "2026-10", target=True)

c = conv("zh", FC, "weekly revenue, then a forecast, then narrow the forecast to a region")
c.weekly("最近三周全公司每周销售额给我列一下", "revenue", 3)
c.forecast("照这个势头，11月能做到多少", "revenue", "2026-11")
c.forecast("华中呢", "revenue", "2026-11", region="华中大区")

c = conv("en", FC, "a region that does not exist in finalco, then a real one in English, then yoy")
c.missing("What did South China (华南) bring in last month?", "revenue", "2026-10", region="华南")
c.status("OK, then the Southeast Coast.", "revenue", "2026-10", region="东南沿海")
c.change(
    "How's that versus the same month last year?", "revenue", "2026-10", "year_earlier", region="东南沿海"
)

c = conv("zh", FC, "Bilibili conversion decay, quarter-on-quarter, then a method question")
c.status("B站UP主那块三季度转化率多少", "cvr", "2026-Q3", channel="B站UP主合作")
c.change("比二季度降了多少", "cvr", "2026-Q3", "previous", channel="B站UP主合作")
c.change("跟一季度比呢", "cvr", "2026-Q3", "previous", channel="B站UP主合作", base_period="2026-Q1")
c.knowledge("这种转化率往下掉、获客成本超标的情况，一般怎么拆原因", ["CPC", "转化率"])

c = conv("en", FC, "outlets yoy, an out-of-scope aside, then back to the numbers")
c.change(
    "How did outlet store revenue in Q3 compare with the same quarter last year?",
    "revenue",
    "2026-Q3",
    "year_earlier",
    channel="奥莱折扣店",
)
c.oos("By the way, can you write me a short poem about running shoes for our team chat?")
c.status("Back to numbers — what was the outlets' AOV in Q3?", "aov", "2026-Q3", channel="奥莱折扣店")

c = conv("zh", FC, "rank regions by CAC, same within one channel (colloquial), then that channel overall")
c.rank("10月各大区的获客成本排一下，从高到低", "cac", "2026-10", "region", True)
c.rank("只看官网呢", "cac", "2026-10", "region", True, channel="品牌官网商城")
c.status("官网整体10月CAC多少", "cac", "2026-10", channel="品牌官网商城")

c = conv("en", FC, "10% check for one channel, then the playbook's next steps")
c.off_target("For Bilibili in Q3, which KPIs are off by more than 10%?", "2026-Q3", channel="B站UP主合作")
c.knowledge(
    "What does our playbook say to do once a KPI is past the 10% line?", ["verify", "adjustment report"]
)

c = conv("zh", FC, "plain questions with colloquial names: 沿海, 奥莱, then company vs target")
c.status("沿海那边三季度卖了多少", "revenue", "2026-Q3", region="东南沿海")
c.status("奥莱三季度花了多少钱", "spend", "2026-Q3", channel="奥莱折扣店")
c.status("全公司三季度的获客成本达标了吗", "cac", "2026-Q3", target=True)
c.change("比二季度怎么样", "cac", "2026-Q3", "previous")

c = conv("zh", FC, "why a channel's CAC is off, blame by region inside it, then next-quarter budget")
c.why("B站三季度获客成本为什么超标这么多", "cac", "2026-Q3", channel="B站UP主合作")
c.rank("哪个区的B站获客成本最高", "cac", "2026-Q3", "region", True, channel="B站UP主合作")
c.budget("明年一季度渠道预算一共1500万，怎么分？B站要不要砍", 15_000_000, "2027-Q1")

c = conv("en", FC, "why company ROI missed last month -> blame by channel -> month-on-month for that channel")
c.why("Why did we miss the ROI target in October?", "roi", "2026-10")
c.rank("Which channel is the biggest drag on ROI?", "roi", "2026-10", "channel", False)
worst = c.ranked(0)
c.change("How has that channel's ROI moved since September?", "roi", "2026-10", "previous", channel=worst)


def build() -> list[dict]:
    out = []
    for i, c in enumerate(CONVS, 1):
        assert 2 <= len(c.turns) <= 5, (i, len(c.turns))
        out.append({"id": f"g{i:03d}", "lang": c.lang, "workspace": c.ws, "turns": c.turns, "note": c.note})
    return out


def main() -> None:
    cases = build()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with OUT.open("w", encoding="utf-8") as fh:
        for case in cases:
            fh.write(json.dumps(case, ensure_ascii=False) + "\n")
    turns = [t for c in cases for t in c["turns"]]
    print(f"wrote {len(cases)} conversations, {len(turns)} turns to {OUT}")
    print("lang:", dict(Counter(c["lang"] for c in cases)))
    print("workspace:", dict(Counter(c["workspace"] for c in cases)))
    print("types:", dict(Counter(t["type"] for t in turns)))


if __name__ == "__main__":
    main()
