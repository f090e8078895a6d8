"""A fresh, blind set of multi-turn planning conversations with expected facts by plain pandas.

Written without reading the assistant's code, prompts, rules or eval data: only the pandas truth
conventions of `evals/holdout_facts.py`, the demo company (`tools/demo_data.py`), the metric
registry (`tools/metrics.py`) and the knowledge documents under `knowledge/`.

Two workspaces:
- "default": the demo company (consumer electronics; truth through holdout_facts' helpers);
- "freshco": 鲜宠 FreshCo, an invented pet-food brand defined here (`company()`), four regions
  (长三角, 珠三角, 京津冀, 成渝) and five channels (天猫旗舰店, 京东自营, 抖音直播, 美团闪购,
  社区团购), which planners shorten (天猫, 京东, 抖音, 美团) or name in English (Tmall, JD,
  Douyin live, Meituan, Yangtze River Delta, Pearl River Delta, Beijing-Tianjin-Hebei,
  Chengdu-Chongqing).

freshco's planted problems:
1. 抖音直播's CAC deteriorates month after month from June 2026 (CPM up 5%/month, CVR down
   2.5%/month), so it is far past its CAC and ROI targets in 2026-Q3 and October;
2. 成渝's conversion rate drops 14% from June 2026 while its targets assume 15% growth, so its
   revenue and conversions lag target by about 20% from Q3;
3. 社区团购's average order value falls 14% in 2026 (a price war), so its ROI misses target.
Seasonality: 618 and 双十一 peaks (plus 双十二), a Spring-Festival dip, the 双十一 pre-sale ramp
at the end of October.

Conventions (as holdout_facts.py): today is 2026-11-23 (上个月 = 2026-10, 上季度 = 2026-Q3,
本季度 = 2026-Q4 so far, i.e. October's weeks); a weekly row belongs to the month/quarter
containing its Monday; ratio metrics are ratios of sums; an additive target is pro-rated to
weeks × 7 / calendar days; ratio targets apply as they are; an additive previous/year-earlier
base is scaled by weeks_actual / weeks_base; change_pct = (actual − base) / base × 100.

Turn expectations are fully resolved (a follow-up inherits the earlier metric, period and scope).
Extra conventions of this set:
- rank: ranking in the order the answer should list them; actual = the first entry's value;
  blame questions ("拖后腿", "to blame") list worst first (cost metrics highest first, revenue/ROI
  lowest first); a plain drill-down ("按渠道看呢") lists highest first;
- the 10% line: type status, metric null, compare {kind: target, period, value: null},
  ranking = [[metric key, signed deviation_pct]] of the metrics with a target row for exactly that
  scope and period whose adverse deviation exceeds 10%, sorted by |deviation| descending;
  keywords = those metrics' names (Chinese names from tools/metrics.py; short English names);
- weekly figures for the last N weeks: ranking = [[Monday, value]] in date order, actual = the
  enclosing month's value, period = that month (the last four weeks are all in 2026-10);
- a region or channel the workspace does not have: expect carries the name as said, every
  answer_facts field null, keywords ["没有"] (zh) or ["no "] (en).

Run: cd /work/main && .venv/bin/python evals/conversations_fresh.py
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
import evals.holdout_facts as hf  # noqa: E402
from tools.metrics import METRICS  # noqa: E402

OUT = ROOT / "evals" / "data" / "conversations_fresh.jsonl"
WORKSPACE = "freshco"
TODAY = "2026-11-23"

# ---------------------------------------------------------------- freshco: the company
REGIONS = ["长三角", "珠三角", "京津冀", "成渝"]
CHANNELS = ["天猫旗舰店", "京东自营", "抖音直播", "美团闪购", "社区团购"]
_REGION_SIZE = {"长三角": 1.0, "珠三角": 0.85, "京津冀": 0.8, "成渝": 0.6}
_REGION_CPM = {"长三角": 1.15, "珠三角": 1.05, "京津冀": 1.1, "成渝": 0.85}
_REGION_AOV = {"长三角": 1.1, "珠三角": 1.0, "京津冀": 1.05, "成渝": 0.9}
# weekly spend per region (元), CPM (元), CTR, CVR, AOV (元), yearly growth of spend
_CHANNEL = {
    "天猫旗舰店": (180_000, 30.0, 0.022, 0.030, 215.0, 0.12),
    "京东自营": (140_000, 34.0, 0.020, 0.034, 240.0, 0.10),
    "抖音直播": (160_000, 20.0, 0.016, 0.024, 170.0, 0.22),
    "美团闪购": (60_000, 26.0, 0.028, 0.055, 125.0, 0.45),
    "社区团购": (50_000, 14.0, 0.025, 0.045, 98.0, 0.05),
}
_START, _END, _SEED = "2025-01-06", "2026-10-26", 20261123
_CNY = {2025: pd.Timestamp("2025-01-29"), 2026: pd.Timestamp("2026-02-17")}
# 2026 plan: volume targets at 2025's daily rate plus growth (成渝 was planned to grow faster);
# CAC per channel and company at the 2025 level, ROI at the 2025 level.
_GROWTH = {"": 1.12, "长三角": 1.12, "珠三角": 1.12, "京津冀": 1.12, "成渝": 1.15}


def _season(d: pd.Timestamp) -> tuple[float, float]:
    """(spend multiplier, conversion-rate multiplier) for the week starting on d."""
    doy = d.day_of_year
    s618 = np.exp(-(((doy - 163) / 8.0) ** 2))
    s1111 = np.exp(-(((doy - 311) / 7.0) ** 2))
    s1212 = np.exp(-(((doy - 344) / 5.0) ** 2))
    cny = np.exp(-(((d - _CNY[d.year]).days / 9.0) ** 2))
    spend = 1 + 0.7 * s618 + 1.1 * s1111 + 0.3 * s1212 - 0.3 * cny
    cvr = 1 + 0.15 * s618 + 0.22 * s1111 + 0.05 * s1212 - 0.1 * cny
    return spend, cvr


def _facts() -> pd.DataFrame:
    rng = np.random.default_rng(_SEED)
    rows = []
    for d in pd.date_range(_START, _END, freq="W-MON"):
        sp, cv = _season(d)
        years = (d - pd.Timestamp(_START)).days / 365.0
        for region in REGIONS:
            for ch in CHANNELS:
                s0, cpm, ctr, cvr, aov, g = _CHANNEL[ch]
                noise = rng.lognormal(0, 0.05, size=4)
                spend = s0 * _REGION_SIZE[region] * sp * (1 + g * years) * noise[0]
                cpm_now = cpm * _REGION_CPM[region]
                cvr_now = cvr * cv * sp**-0.2 * noise[1]  # peaks convert a little worse per 元
                aov_now = aov * _REGION_AOV[region]
                if ch == "抖音直播" and d >= pd.Timestamp("2026-06-01"):
                    k = d.month - 5  # June 1 … October 5
                    cpm_now *= 1 + 0.05 * k
                    cvr_now *= 1 - 0.025 * k
                if region == "成渝" and d >= pd.Timestamp("2026-06-01"):
                    cvr_now *= 0.86
                if ch == "社区团购" and d.year == 2026:
                    aov_now *= 0.86
                impressions = spend / cpm_now * 1000
                clicks = impressions * ctr * noise[2]
                conversions = clicks * cvr_now
                revenue = conversions * aov_now * noise[3]
                buyers = conversions * 0.95
                repeat = buyers * (0.42 + 0.03 * years + rng.normal(0, 0.01))
                for metric, v in (
                    ("spend", spend),
                    ("impressions", impressions),
                    ("clicks", clicks),
                    ("conversions", conversions),
                    ("revenue", revenue),
                    ("buyers", buyers),
                    ("repeat_buyers", repeat),
                ):
                    rows.append((d, region, ch, metric, round(float(v), 2)))
    return pd.DataFrame(rows, columns=["date", "region", "channel", "metric", "value"])


def _targets(facts: pd.DataFrame) -> pd.DataFrame:
    """2026 targets for calendar periods: a volume target is 2025's daily rate over the days its
    weeks covered times the 2026 period's calendar days times growth."""
    f = facts.copy()
    f["date"] = pd.to_datetime(f["date"])

    def agg(label, metric, region="", channel=""):
        s, e = bounds(label)
        x = f[(f["date"] >= s) & (f["date"] <= e)]
        if region:
            x = x[x["region"] == region]
        if channel:
            x = x[x["channel"] == channel]
        if metric in hf.RATIOS:
            num, den, scale = hf.RATIOS[metric]
            return x.loc[x.metric == num, "value"].sum() / x.loc[x.metric == den, "value"].sum() * scale
        return x.loc[x.metric == metric, "value"].sum() / (x["date"].nunique() * 7)

    rows = []
    labels = [f"2026-Q{q}" for q in range(1, 5)] + [f"2026-{m:02d}" for m in range(1, 13)]
    for label in labels:
        last = label.replace("2026", "2025")
        s, e = bounds(label)
        days = (e - s).days + 1
        for metric in ("revenue", "conversions"):
            for region in ["", *REGIONS]:
                rows.append(
                    (label, metric, round(agg(last, metric, region) * days * _GROWTH[region], 2), region, "")
                )
        rows.append((label, "cac", round(agg(last, "cac"), 2), "", ""))
        rows.append((label, "roi", round(agg(last, "roi"), 3), "", ""))
        for ch in CHANNELS:
            rows.append((label, "cac", round(agg(last, "cac", channel=ch), 2), "", ch))
            if "-Q" in label:
                rows.append((label, "roi", round(agg(last, "roi", channel=ch), 3), "", ch))
    return pd.DataFrame(rows, columns=["period", "metric", "target", "region", "channel"])


def company() -> tuple[pd.DataFrame, pd.DataFrame]:
    """freshco's (facts, targets); deterministic (fixed seed)."""
    facts = _facts()
    return facts, _targets(facts)


# ---------------------------------------------------------------- truth helpers
bounds = hf.bounds
prev = hf.prev
year_earlier = hf.year_earlier
pct = hf.pct


class FreshTruth:
    """holdout_facts' helpers (value, target, weeks) for freshco, plus weekly figures."""

    regions, channels = REGIONS, CHANNELS

    def __init__(self) -> None:
        facts, targets = company()
        facts["date"] = pd.to_datetime(facts["date"])
        self.facts, self.targets = facts, targets

    def _slice(self, period, region=None, channel=None):
        start, end = bounds(period)
        f = self.facts[(self.facts["date"] >= start) & (self.facts["date"] <= end)]
        if region:
            f = f[f["region"] == region]
        if channel:
            f = f[f["channel"] == channel]
        return f

    def _sum(self, metric, period, region, channel):
        f = self._slice(period, region, channel)
        f = f[f["metric"] == metric]
        assert len(f), (metric, period, region, channel)
        return float(f["value"].sum())

    def raw(self, metric, period, region=None, channel=None) -> float:
        """Unrounded value: a sum, or a ratio of sums; change_pct is computed from these."""
        if metric in hf.RATIOS:
            num, den, scale = hf.RATIOS[metric]
            return self._sum(num, period, region, channel) / self._sum(den, period, region, channel) * scale
        return self._sum(metric, period, region, channel)

    def value(self, metric, period, region=None, channel=None):
        return round(self.raw(metric, period, region, channel), 4)

    def weeks(self, period):
        return self._slice(period)["date"].nunique()

    def target_rows(self, period, region=None, channel=None):
        t = self.targets
        t = t[(t["period"] == period) & (t["region"] == (region or "")) & (t["channel"] == (channel or ""))]
        return list(t["metric"])

    def target(self, metric, period, region=None, channel=None):
        t = self.targets
        t = t[
            (t["period"] == period)
            & (t["metric"] == metric)
            & (t["region"] == (region or ""))
            & (t["channel"] == (channel or ""))
        ]
        if len(t) == 0:
            return None
        assert len(t) == 1
        v = float(t["target"].iloc[0])
        if metric not in hf.RATIOS:
            start, end = bounds(period)
            v *= self.weeks(period) * 7 / ((end - start).days + 1)
        return round(v, 4)

    def weekly(self, metric, n, region=None, channel=None):
        f = self.facts
        if region:
            f = f[f["region"] == region]
        if channel:
            f = f[f["channel"] == channel]
        days = sorted(f["date"].unique())[-n:]
        out = []
        for d in days:
            w = f[f["date"] == d]
            if metric in hf.RATIOS:
                num, den, scale = hf.RATIOS[metric]
                v = w.loc[w.metric == num, "value"].sum() / w.loc[w.metric == den, "value"].sum() * scale
            else:
                v = w.loc[w.metric == metric, "value"].sum()
            out.append([pd.Timestamp(d).strftime("%Y-%m-%d"), round(float(v), 4)])
        return out


class DemoTruth(FreshTruth):
    """The demo company through holdout_facts' own helpers (value, target, weeks)."""

    regions, channels = hf.REGIONS, hf.CHANNELS

    def __init__(self) -> None:
        self.facts, self.targets = hf.FACTS, hf.TARGETS

    def _sum(self, metric, period, region, channel):
        return hf.base_sum(metric, period, region, channel)

    def value(self, metric, period, region=None, channel=None):
        return hf.value(metric, period, region, channel)

    def target(self, metric, period, region=None, channel=None):
        return hf.target(metric, period, region, channel)

    def weeks(self, period):
        return hf.weeks(period)


BOOKS = {"default": DemoTruth(), "freshco": FreshTruth()}
EN_NAMES = {
    "cac": "CAC",
    "roi": "ROI",
    "revenue": "revenue",
    "conversions": "conversions",
    "cpc": "CPC",
    "repurchase_rate": "repurchase rate",
}


# ---------------------------------------------------------------- turn builders
def _expect(**kw) -> dict:
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


def _facts_(actual=None, base=None, change_pct=None, ranking=None) -> dict:
    return {"actual": actual, "base": base, "change_pct": change_pct, "ranking": ranking}


class Conv:
    """One conversation; each method appends a turn with a fully resolved expectation."""

    def __init__(self, lang: str, workspace: str, note: str) -> None:
        self.lang, self.workspace, self.note = lang, workspace, note
        self.book = BOOKS[workspace]
        self.turns: list[dict] = []

    def _add(self, text, typ, expect):
        self.turns.append({"text": text, "type": typ, "expect": expect})
        return expect

    def status(self, text, metric, period, region=None, channel=None, target=False, typ="status"):
        b = self.book
        a = b.value(metric, period, region, channel)
        if target:
            t = b.target(metric, period, region, channel)
            assert t is not None, ("no target row", metric, period, region, channel)
            dev = pct(b.raw(metric, period, region, channel), t)
            return self._add(
                text,
                typ,
                _expect(
                    metric=metric,
                    region=region,
                    channel=channel,
                    period=period,
                    compare={"kind": "target", "period": period, "value": t},
                    answer_facts=_facts_(a, t, dev),
                ),
            )
        return self._add(
            text,
            typ,
            _expect(metric=metric, region=region, channel=channel, period=period, answer_facts=_facts_(a)),
        )

    def why(self, text, metric, period, region=None, channel=None):
        return self.status(text, metric, period, region, channel, target=True, typ="why")

    def change(self, text, metric, period, kind, region=None, channel=None, base_period=None):
        b = self.book
        other = base_period or (prev(period) if kind == "previous" else year_earlier(period))
        a, v = b.raw(metric, period, region, channel), b.raw(metric, other, region, channel)
        if metric not in hf.RATIOS:
            v = v * b.weeks(period) / b.weeks(other)
        change = pct(a, v)
        a, v = round(a, 4), round(v, 4)
        return self._add(
            text,
            "change",
            _expect(
                metric=metric,
                region=region,
                channel=channel,
                period=period,
                compare={"kind": kind, "period": other, "value": v},
                answer_facts=_facts_(a, v, change),
            ),
        )

    def rank(self, text, metric, period, by, highest_first, region=None, channel=None):
        b = self.book
        names = b.regions if by == "region" else b.channels
        vals = []
        for n in names:
            r, c = (n, channel) if by == "region" else (region, n)
            vals.append([n, b.value(metric, period, r, c)])
        vals.sort(key=lambda x: x[1], reverse=highest_first)
        self._add(
            text,
            "rank",
            _expect(
                metric=metric,
                region=region,
                channel=channel,
                period=period,
                answer_facts=_facts_(vals[0][1], ranking=vals),
            ),
        )
        return [n for n, _ in vals]

    def past_line(self, text, period, region=None, channel=None):
        b = self.book
        out = []
        for metric in b.target_rows(period, region, channel):
            a, t = b.raw(metric, period, region, channel), b.target(metric, period, region, channel)
            dev = pct(a, t)
            adverse = dev > 0 if METRICS[metric].direction == "lower" else dev < 0
            if adverse and abs(dev) > 10:
                out.append([metric, dev])
        out.sort(key=lambda x: abs(x[1]), reverse=True)
        names = [METRICS[m].zh if self.lang == "zh" else EN_NAMES[m] for m, _ in out]
        return self._add(
            text,
            "status",
            _expect(
                region=region,
                channel=channel,
                period=period,
                compare={"kind": "target", "period": period, "value": None},
                answer_facts=_facts_(ranking=out),
                keywords=names or None,
            ),
        )

    def weekly(self, text, metric, n, region=None, channel=None):
        b = self.book
        weeks = b.weekly(metric, n, region, channel)
        month = weeks[-1][0][:7]
        assert all(w[0][:7] == month for w in weeks), weeks
        return self._add(
            text,
            "status",
            _expect(
                metric=metric,
                region=region,
                channel=channel,
                period=month,
                answer_facts=_facts_(b.value(metric, month, region, channel), ranking=weeks),
            ),
        )

    def missing(self, text, metric, period, region=None, channel=None):
        b = self.book
        assert (region and region not in b.regions) or (channel and channel not in b.channels)
        return self._add(
            text,
            "status",
            _expect(
                metric=metric,
                region=region,
                channel=channel,
                period=period,
                answer_facts=_facts_(),
                keywords=["没有"] if self.lang == "zh" else ["no "],
            ),
        )

    def budget(self, text, amount, period, region=None, channel=None):
        return self._add(
            text, "budget", _expect(region=region, channel=channel, period=period, amount=float(amount))
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


# ---------------------------------------------------------------- the conversations
# f001 CAC check, month on month, blame, then the worst channel's CPC
c = conv("zh", "default", "CAC vs target, 环比, blame ranking (cost: highest first), 第一名 → its CPC")
c.status("上个月整体获客成本多少？有没有控制在目标以内", "cac", "2026-10", target=True)
c.change("环比呢", "cac", "2026-10", "previous")
worst = c.rank("哪个渠道拖了后腿", "cac", "2026-10", "channel", True)
c.status("排第一的那个渠道，点击单价是多少", "cpc", "2026-10", channel=worst[0])

# f002 Q3 revenue vs plan, drill-down, year on year for a slice, then the whole company
c = conv(
    "en",
    "default",
    "revenue vs target, drill down by region, YoY for a slice, 'whole company' drops the slice",
)
c.status("How much revenue did we book in Q3 against plan?", "revenue", "2026-Q3", target=True)
c.rank("Break that down by region for me", "revenue", "2026-Q3", "region", True)
c.change(
    "How does lower-tier compare with Q3 last year?", "revenue", "2026-Q3", "year_earlier", region="下沉市场"
)
c.change("And for the whole company?", "revenue", "2026-Q3", "year_earlier")

# f003 freshco: Douyin live CAC, why, the last four weeks, then JD the same way
c = conv(
    "zh",
    "freshco",
    "抖音直播 CAC vs target, why, last 4 weeks weekly, follow-up swaps the channel (京东 = 京东自营)",
)
c.status("上季度抖音直播的获客成本是多少？目标定的多少", "cac", "2026-Q3", channel="抖音直播", target=True)
c.why("怎么会高这么多，帮我分析下原因", "cac", "2026-Q3", channel="抖音直播")
c.weekly("最近4周每周的CAC列一下，看看还在不在涨", "cac", 4, channel="抖音直播")
c.weekly("京东呢", "cac", 4, channel="京东自营")

# f004 which KPIs are past the 10% line, drill-down, YoY for one region
c = conv("zh", "default", "10% line over the company's October targets, drill-down by region, YoY")
c.past_line("10月份有哪些指标偏差超过10%了", "2026-10")
c.rank("转化量按区域看看", "conversions", "2026-10", "region", True)
c.change("下沉市场的转化量跟去年同期比呢", "conversions", "2026-10", "year_earlier", region="下沉市场")

# f005 freshco English: Tmall ROI, against target, channel ranking, blame
c = conv("en", "freshco", "Tmall = 天猫旗舰店; ROI, then vs target, ranking, blame (ROI: lowest first)")
c.status("What was Tmall's ROI last quarter?", "roi", "2026-Q3", channel="天猫旗舰店")
c.status("Is that on target?", "roi", "2026-Q3", channel="天猫旗舰店", target=True)
c.rank("Rank all channels by ROI for the same quarter", "roi", "2026-Q3", "channel", True)
c.rank("So which channel is dragging us down?", "roi", "2026-Q3", "channel", False)

# f006 budget split and amount changes
c = conv("zh", "default", "budget split, the total raised, then the same total for one region")
c.budget("明年一季度预算3000万，按渠道怎么分比较合理", 30_000_000, "2027-Q1")
c.budget("再加500万呢", 35_000_000, "2027-Q1")
c.budget("如果这3500万只投下沉市场，渠道上怎么配", 35_000_000, "2027-Q1", region="下沉市场")

# f007 freshco: 成渝 revenue, vs target, vs August, why
c = conv("zh", "freshco", "成渝 revenue, target, named comparison with August (base scaled 4/5 weeks), why")
c.status("成渝上个月销售额多少", "revenue", "2026-10", region="成渝")
c.status("目标是多少？差了多少", "revenue", "2026-10", region="成渝", target=True)
c.change("比8月呢", "revenue", "2026-10", "previous", region="成渝", base_period="2026-08")
c.why("成渝为什么差这么多", "revenue", "2026-10", region="成渝")

# f008 knowledge then data
c = conv("en", "default", "rule question (10% line), then ROI vs target, then lowest-ROI channel that month")
c.knowledge("Quick one: at what deviation from target are we supposed to trigger a plan adjustment?", ["10%"])
c.status("OK. What was overall ROI in September versus target?", "roi", "2026-09", target=True)
c.rank("Which channel had the lowest ROI that month?", "roi", "2026-09", "channel", False)

# f009 weekly figures, a metric swap, then YoY for the month
c = conv(
    "zh", "default", "weekly spend, weekly conversions (metric swap keeps channel and weeks), monthly CAC YoY"
)
c.weekly("最近四周直播电商每周花了多少钱", "spend", 4, channel="直播电商")
c.weekly("那转化量呢", "conversions", 4, channel="直播电商")
c.change("整个10月直播电商的获客成本跟去年同期比怎么样", "cac", "2026-10", "year_earlier", channel="直播电商")

# f010 freshco: 美团 (= 美团闪购), a channel it does not have, back to 美团
c = conv("zh", "freshco", "美团 = 美团闪购; 拼多多 is not a freshco channel; 环比 back on 美团")
c.status("美团上个月转化了多少单", "conversions", "2026-10", channel="美团闪购")
c.missing("拼多多呢", "conversions", "2026-10", channel="拼多多")
c.change("好吧，那美团的环比是多少", "conversions", "2026-10", "previous", channel="美团闪购")

# f011 freshco English: region ranking, the runner-up against target, then vs Q2
c = conv(
    "en", "freshco", "ranking, 'the runner-up' points at ranking[1], vs target, then vs the previous quarter"
)
regions = c.rank("Which region brought in the most revenue in Q3?", "revenue", "2026-Q3", "region", True)
c.status("How did the runner-up do against its target?", "revenue", "2026-Q3", region=regions[1], target=True)
c.change("And compared with Q2?", "revenue", "2026-Q3", "previous", region=regions[1])

# f012 an out-of-scope aside in the middle of a thread
c = conv("zh", "default", "KOC CVR, QoQ, an out-of-scope aside, back to the thread with ROI vs target")
c.status("三季度KOC种草的转化率多少", "cvr", "2026-Q3", channel="KOC种草")
c.change("跟二季度比掉了多少", "cvr", "2026-Q3", "previous", channel="KOC种草")
c.oos("对了，顺便帮我订一张下周一去杭州的机票")
c.status("回到刚才，KOC种草三季度的投资回报率达标了吗", "roi", "2026-Q3", channel="KOC种草", target=True)

# f013 forecast, narrowed, then a reference figure
c = conv(
    "en", "default", "forecast next quarter, narrowed to a region, then this year's Q1 actual for reference"
)
c.forecast("Can you forecast revenue for next quarter?", "revenue", "2027-Q1")
c.forecast("Just for tier-1 cities", "revenue", "2027-Q1", region="一线城市")
c.status("What did tier-1 cities do in Q1 this year, for reference?", "revenue", "2026-Q1", region="一线城市")

# f014 freshco: the 10% line for two channels, then weekly CVR
c = conv("zh", "freshco", "10% line over channel-level targets (cac, roi), another channel, weekly CVR")
c.past_line("三季度抖音直播有哪些指标超过10%的偏差线了", "2026-Q3", channel="抖音直播")
c.past_line("社区团购呢", "2026-Q3", channel="社区团购")
c.weekly("抖音最近4周每周的转化率给我看一下", "cvr", 4, channel="抖音直播")

# f015 knowledge about budget rules, then a ranking
c = conv("zh", "default", "budget principles, the demo plan's ROI thresholds, then Q3 ROI by channel")
c.knowledge("我们做预算分配一般遵循哪几条原则", ["目标导向", "动态调整"])
c.knowledge("ROI门槛定的是多少", ["1:4", "1:6"])
c.rank("那三季度各渠道投资回报率排一下，看看谁没过线", "roi", "2026-Q3", "channel", True)

# f016 freshco English: budget, new total, one region (English region name)
c = conv("en", "freshco", "budget split, new total, then scoped to Yangtze River Delta = 长三角")
c.budget(
    "We've got 20 million yuan for Q1 next year. How would you split it across channels?",
    20_000_000,
    "2027-Q1",
)
c.budget("Make it 25 million", 25_000_000, "2027-Q1")
c.budget("And if all of it goes to the Yangtze River Delta?", 25_000_000, "2027-Q1", region="长三角")

# f017 slice, attainment, whole company, month on month
c = conv(
    "zh", "default", "region revenue, 达成率 (vs target), 全公司 drops the region, 环比 (Aug base scaled 4/5)"
)
c.status("二线城市9月销售额多少", "revenue", "2026-09", region="二线城市")
c.status("达成率怎么样", "revenue", "2026-09", region="二线城市", target=True)
c.status("全公司呢", "revenue", "2026-09", target=True)
c.change("环比呢", "revenue", "2026-09", "previous")

# f018 freshco: 京东 ROI, YoY, drill-down by region
c = conv("zh", "freshco", "京东 = 京东自营; monthly ROI (no monthly channel ROI target), YoY, 按区域看")
c.status("京东10月的投产比多少", "roi", "2026-10", channel="京东自营")
c.change("去年同期呢", "roi", "2026-10", "year_earlier", channel="京东自营")
c.rank("按区域看呢", "roi", "2026-10", "region", True, channel="京东自营")

# f019 feed CPC vs target, why, YoY
c = conv("en", "default", "feed ads = 信息流广告; CPC vs quarterly channel target, why, YoY")
c.status(
    "What's our CPC on feed ads in Q3 compared with target?",
    "cpc",
    "2026-Q3",
    channel="信息流广告",
    target=True,
)
c.why("Why is it so far off?", "cpc", "2026-Q3", channel="信息流广告")
c.change("How does that compare with Q3 last year?", "cpc", "2026-Q3", "year_earlier", channel="信息流广告")

# f020 freshco: weekly revenue, October vs target, a rule question
c = conv("zh", "freshco", "weekly company revenue, October vs target, then the deviation rule")
c.weekly("最近4周全公司每周的销售额给我看一下", "revenue", 4)
c.status("10月整体销售额跟目标比差多少", "revenue", "2026-10", target=True)
c.knowledge("偏差到多少就该启动计划调整？", ["10%"])

# f021 ranking, 第二名, then vs September
c = conv(
    "zh", "default", "ranking, 第二名 points at ranking[1] with a new metric, then vs the previous month"
)
regions = c.rank("上个月哪个区域获客成本最高", "cac", "2026-10", "region", True)
c.status("第二名那个区域的转化率呢", "cvr", "2026-10", region=regions[1])
c.change("跟9月比呢", "cvr", "2026-10", "previous", region=regions[1])

# f022 freshco English: English region names and one it does not have
c = conv(
    "en",
    "freshco",
    "Chengdu-Chongqing = 成渝, Hong Kong is not a freshco region, Beijing-Tianjin-Hebei = 京津冀",
)
c.status("How much did we spend in Chengdu-Chongqing last month?", "spend", "2026-10", region="成渝")
c.missing("And in Hong Kong?", "spend", "2026-10", region="Hong Kong")
c.status("OK. What about Beijing-Tianjin-Hebei?", "spend", "2026-10", region="京津冀")

# f023 short: AOV, another quarter, a region the demo company does not have
c = conv("zh", "default", "AOV, the period swapped, then 华南 (not a demo region)")
c.status("私域社群二季度客单价多少", "aov", "2026-Q2", channel="私域社群")
c.status("三季度呢", "aov", "2026-Q3", channel="私域社群")
c.missing("华南区的私域社群呢", "aov", "2026-Q3", region="华南", channel="私域社群")

# f024 English: the 10% line, blame, weekly CVR
c = conv("en", "default", "10% line for Q3, blame by channel (ROI: lowest first), weekly CVR for KOC")
c.past_line("Which KPIs are more than 10% off target for Q3?", "2026-Q3")
c.rank("Which channel is to blame for the ROI miss?", "roi", "2026-Q3", "channel", False)
c.weekly("Show me KOC seeding's conversion rate for each of the last 4 weeks", "cvr", 4, channel="KOC种草")

# f025 freshco: 天猫 spend, CAC, vs target, all channels together
c = conv(
    "zh",
    "freshco",
    "天猫 = 天猫旗舰店; metric swap, 达标了吗 (monthly channel CAC target), 全渠道 drops the channel",
)
c.status("天猫上个月花了多少钱", "spend", "2026-10", channel="天猫旗舰店")
c.status("CAC呢", "cac", "2026-10", channel="天猫旗舰店")
c.status("达标了吗", "cac", "2026-10", channel="天猫旗舰店", target=True)
c.status("全渠道合起来看呢", "cac", "2026-10", target=True)

# f026 forecast then a December budget
c = conv("zh", "default", "forecast December spend, then a December budget split by region, amount lowered")
c.forecast("帮我预测一下12月的投放花费", "spend", "2026-12")
c.budget("12月想给双十二再投2000万，按区域怎么分", 20_000_000, "2026-12")
c.budget("预算砍到1500万呢", 15_000_000, "2026-12")

# f027 freshco English: two method questions, then data
c = conv(
    "en",
    "freshco",
    "target-setting method, adjustment report contents, then the highest-CAC channel in October",
)
c.knowledge("Our targets keep ending up unrealistic. Is there a better method for setting them?", ["stretch"])
c.knowledge("And what should a plan adjustment report contain?", ["background", "recommendation"])
c.rank("Which of our channels had the highest CAC in October?", "cac", "2026-10", "channel", True)

# f028 freshco: region conversions vs target, drill-down by channel, the top one YoY
c = conv("zh", "freshco", "珠三角 conversions vs target, 按渠道看 within the region, 排第一的 YoY")
c.status("珠三角三季度转化量多少，达标没", "conversions", "2026-Q3", region="珠三角", target=True)
chs = c.rank("按渠道看呢", "conversions", "2026-Q3", "channel", True, region="珠三角")
c.change(
    "排第一的那个渠道同比怎么样", "conversions", "2026-Q3", "year_earlier", region="珠三角", channel=chs[0]
)

# f029 two quick figures and an aside
c = conv("zh", "default", "CTR, metric swap to CPM, an out-of-scope request")
c.status("线下门店上个月点击率多少", "ctr", "2026-10", channel="线下门店")
c.status("千次曝光成本呢", "cpm", "2026-10", channel="线下门店")
c.oos("帮我写一首关于秋天的小诗，发朋友圈用")

# f030 English: month on month and year on year
c = conv(
    "en",
    "default",
    "live commerce = 直播电商; conversions, vs July (base scaled 5/4 weeks), vs a year earlier",
)
c.status(
    "How many conversions did live commerce get in August?", "conversions", "2026-08", channel="直播电商"
)
c.change("Compare that with July", "conversions", "2026-08", "previous", channel="直播电商")
c.change("And with August last year?", "conversions", "2026-08", "year_earlier", channel="直播电商")

# f031 freshco: why ROI missed, AOV YoY, AOV by region
c = conv("zh", "freshco", "社区团购 ROI why, AOV YoY (the cause), AOV by region within the channel")
c.why("社区团购三季度投产比为啥一直不达标", "roi", "2026-Q3", channel="社区团购")
c.change("是不是客单价掉了？跟去年三季度比一下", "aov", "2026-Q3", "year_earlier", channel="社区团购")
c.rank("各区域的社区团购客单价排一下", "aov", "2026-Q3", "region", True, channel="社区团购")

# f032 freshco English: Douyin CAC QoQ, this quarter so far vs target, cheapest channel
c = conv(
    "en",
    "freshco",
    "Douyin live = 抖音直播; QoQ, 'this quarter so far' = 2026-Q4 (October's weeks) vs target, lowest-first",
)
c.change(
    "How has Douyin live's CAC moved? Give me Q3 vs Q2", "cac", "2026-Q3", "previous", channel="抖音直播"
)
c.status("And this quarter so far, against target?", "cac", "2026-Q4", channel="抖音直播", target=True)
c.rank("Which channel had the cheapest CAC last month?", "cac", "2026-10", "channel", False)

# f033 method question, then figures by region
c = conv(
    "zh",
    "default",
    "CAC diagnosis method, then region CAC (only company-level CAC targets exist), region swap",
)
c.knowledge("获客成本偏高的时候，一般怎么拆原因", ["CPC", "转化率"])
c.status("那下沉市场9月的获客成本是多少", "cac", "2026-09", region="下沉市场")
c.status("一线城市呢", "cac", "2026-09", region="一线城市")

# f034 English, short: two years' spend
c = conv("en", "default", "annual totals: 2025, then 2026 to date (weeks through 2026-10-26)")
c.status("What was total marketing spend in 2025?", "spend", "2025")
c.status("And this year so far?", "spend", "2026")

# f035 freshco: vs August, YoY, target
c = conv(
    "zh", "freshco", "京津冀 revenue vs August (named), 同比 (Sep 2025 had 5 weeks: base scaled 4/5), target"
)
c.change(
    "京津冀9月的销售额比8月怎么样", "revenue", "2026-09", "previous", region="京津冀", base_period="2026-08"
)
c.change("同比呢", "revenue", "2026-09", "year_earlier", region="京津冀")
c.status("目标完成了吗", "revenue", "2026-09", region="京津冀", target=True)

# f036 freshco English: why a region misses, "that region" weekly, a forecast for it
c = conv(
    "en",
    "freshco",
    "Chengdu-Chongqing = 成渝; why, 'that region' keeps the region and metric, weekly, forecast",
)
c.why("Why is Chengdu-Chongqing so far behind on conversions in Q3?", "conversions", "2026-Q3", region="成渝")
c.weekly(
    "How have that region's conversions looked week by week lately? Last 4 weeks",
    "conversions",
    4,
    region="成渝",
)
c.forecast("Can you forecast its revenue for December?", "revenue", "2026-12", region="成渝")

# f037 freshco: forecasts for 抖音, then a budget
c = conv("zh", "freshco", "抖音 = 抖音直播; forecast, period swap, then a channel split for next quarter")
c.forecast("预测一下12月抖音直播的获客成本会到多少", "cac", "2026-12", channel="抖音直播")
c.forecast("明年一季度呢", "cac", "2027-Q1", channel="抖音直播")
c.budget("那明年一季度总共1200万，在各渠道之间怎么分", 12_000_000, "2027-Q1")


# ---------------------------------------------------------------- knowledge answers (deliverable 2)
ANSWERS_OUT = ROOT / "evals" / "data" / "answers_fresh.jsonl"
# (question, doc_id, must-phrases exactly as they appear in that document)
ANSWERS = [
    ("周报里给指标标状态，一般分哪几档？分别什么意思", "pb-monitoring-cadence", ["正常", "关注", "偏离"]),
    ("获客成本超标了，按什么步骤去诊断", "pb-cac-diagnosis", ["核对口径", "拆因子", "拆结构"]),
    ("ROI门槛一般设几条线？准入线怎么定比较合理", "pb-budget-allocation", ["准入线", "追加线", "资金成本"]),
    ("今年那1.5个亿，技术、内容、渠道各占多少", "demo-plan-budget", ["40%", "30%", "技术类"]),
    ("目标老是定得不靠谱，有没有比较科学的定法", "pb-target-setting", ["数据预测", "基础目标", "挑战目标"]),
    ("计划调整报告里至少要包含哪些内容", "pb-adjustment-report", ["偏离的 KPI", "预算调整方案", "风险说明"]),
    ("KOC矩阵三层达人分别怎么合作", "pb-koc-matrix", ["内容置换", "保底+提成"]),
    ("季度挪预算的时候，项目按ROI怎么分档", "pb-quarterly-reallocation", ["1:6", "1:4", "边际 ROI"]),
    ("触达精准度85%的目标按季度怎么拆", "pb-smart-kpi", ["70%", "90%", "85%"]),
    ("私域运营抓哪几个核心要素", "pb-private-domain", ["内容-互动-转化", "会员体系", "社交裂变"]),
    ("达人种草的内容需要标注“广告”吗", "pol-ad-compliance", ["可识别性", "第十四条"]),
    ("给用户做个性化推送，合规上有什么要求", "pol-pipl", ["不针对个人特征的选项", "便捷的拒绝方式"]),
    (
        "When should a new strategy be piloted first, and how big should the pilot be?",
        "pb-pilot-rollout",
        ["一两个区域", "对照"],
    ),
    (
        "How do we score competing projects when they fight over the same budget?",
        "pb-project-scoring",
        ["目标匹配度", "风险可控性", "加权投票"],
    ),
    (
        "What kinds of alert rules should our KPI dashboard have?",
        "pb-dashboard-alerts",
        ["阈值型", "波动型", "趋势型"],
    ),
    (
        "What are the stages of the promotion planning cycle?",
        "pb-planning-cycle",
        ["市场调研", "跟踪调整", "闭环"],
    ),
    (
        "What's the 2026 plan's target for weekly active rate, repurchase rate and NPS?",
        "demo-plan-kpis",
        ["40%", "65%", "45 分以上"],
    ),
    (
        "What did the snack brand do when its online sales fell behind plan?",
        "case-snack-live-shift",
        ["10%", "线上直播", "回升"],
    ),
]


def _doc_text(doc_id: str) -> str:
    for path in (ROOT / "knowledge").rglob("*.md"):
        text = path.read_text(encoding="utf-8")
        head = text.split("---")[1] if text.startswith("---") else ""
        if f"id: {doc_id}\n" in head or path.stem == doc_id:
            return text
    raise KeyError(doc_id)


def answers() -> list[dict]:
    out = []
    for i, (question, doc_id, must) in enumerate(ANSWERS, 1):
        body = _doc_text(doc_id).split("\n---", 1)[1]  # the body, after the front matter
        missing = [m for m in must if m not in body]
        assert not missing, (doc_id, missing)
        out.append({"id": f"k{i:02d}", "question": question, "doc_id": doc_id, "must": must})
    return out


def records() -> list[dict]:
    return [
        {"id": f"f{i:03d}", "lang": c.lang, "workspace": c.workspace, "turns": c.turns, "note": c.note}
        for i, c in enumerate(CONVS, 1)
    ]


def main() -> None:
    recs = records()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with OUT.open("w", encoding="utf-8") as fh:
        for r in recs:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    turns = [t for r in recs for t in r["turns"]]
    n = len(recs)
    en = sum(r["lang"] == "en" for r in recs)
    fresh = sum(r["workspace"] == WORKSPACE for r in recs)
    print(f"wrote {n} conversations, {len(turns)} turns to {OUT}")
    print(f"english {en}/{n} ({en / n:.0%}), {WORKSPACE} {fresh}/{n} ({fresh / n:.0%})")
    print("turns per type:", dict(sorted(Counter(t["type"] for t in turns).items())))
    assert n >= 30 and len(turns) >= 90 and en * 3 >= n and fresh * 3 >= n
    assert all(2 <= len(r["turns"]) <= 5 for r in recs)

    ans = answers()
    with ANSWERS_OUT.open("w", encoding="utf-8") as fh:
        for a in ans:
            fh.write(json.dumps(a, ensure_ascii=False) + "\n")
    zh = sum(any("\u4e00" <= ch <= "\u9fff" for ch in a["question"]) for a in ans)
    print(f"wrote {len(ans)} knowledge questions ({zh} Chinese, {len(ans) - zh} English) to {ANSWERS_OUT}")


if __name__ == "__main__":
    main()
