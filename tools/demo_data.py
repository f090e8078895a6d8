"""A demo company: a consumer-electronics brand's weekly KPI history with planted problems.

Weekly Mondays from 2025-01-06 to 2026-10-26, four region tiers × five channels, seasonality around
618 and 双十一, and three problems a planner should find:

1. 信息流广告 cost per click rises about 40% through 2026-Q3 (the seeds' feed-CPC threat);
2. KOC种草 conversion rate collapses to half from mid-August 2026 (as coupons did in the seeds);
3. 下沉市场 stops growing in 2026 while its targets assume growth, so it lags its revenue target.

Targets for 2026 follow the seeds' KPI framework: CAC at most 120 元, repurchase rate 65%, and
revenue, conversions and ROI planned from 2025 actuals plus growth. The generator is seeded, so the
data set is the same on every machine.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

REGIONS = {"一线城市": 1.0, "新一线城市": 0.9, "二线城市": 0.75, "下沉市场": 0.85}
REGION_CPC = {"一线城市": 1.3, "新一线城市": 1.1, "二线城市": 0.95, "下沉市场": 0.75}
REGION_AOV = {"一线城市": 1.2, "新一线城市": 1.05, "二线城市": 0.95, "下沉市场": 0.8}
# weekly spend per region (元), CPM (元), CTR, CVR, AOV (元)
CHANNELS = {
    "信息流广告": (200_000, 30.0, 0.015, 0.0185, 760.0),
    "直播电商": (150_000, 22.0, 0.016, 0.0165, 690.0),
    "私域社群": (50_000, 9.0, 0.012, 0.0095, 880.0),
    "KOC种草": (80_000, 16.0, 0.013, 0.0115, 560.0),
    "线下门店": (120_000, 45.0, 0.015, 0.0260, 1180.0),
}
FEED_CPC_RISE = {7: 1.25, 8: 1.40, 9: 1.55}  # about +40% over 2026-Q3
START, END = "2025-01-06", "2026-10-26"
SEED = 20260101
CAC_TARGET = 120.0
REPURCHASE_TARGET = 65.0
# What the data cannot say: the workspace profile the demo company starts with (the 2026 plan's
# total marketing budget of 1.5亿元, pb-budget-allocation).
PROFILE = {
    "title": "演示公司 · 消费电子品牌",
    "annual_budget": 150_000_000.0,
    "currency": "元",
    "fiscal_notes": "自然年；周数据以周一为起点",
}
# The 2026 plan's rules (the seeds): 40/30/30 by category, fund channels at ROI 1:4 and favour
# them above 1:6, CAC at most 120 元, repurchase at least 65%, 1.5亿 for 2026. Only the demo
# workspace starts with them; every other workspace starts neutral (tools/policy.py).
POLICY = {
    "categories": [
        {"key": "technology", "name": "技术类", "share": 0.40},
        {"key": "content", "name": "内容类", "share": 0.30},
        {"key": "channels", "name": "渠道类", "share": 0.30},
    ],
    "roi_floor": 4.0,
    "roi_bonus": 6.0,
    "red_lines": [
        {"metric": "cac", "value": CAC_TARGET, "note": "2026 年计划：获客成本不超过 120 元"},
        {"metric": "repurchase_rate", "value": REPURCHASE_TARGET, "note": "2026 年计划：复购率不低于 65%"},
    ],
    "budgets": {"2026": 150_000_000.0},
}


def _season(d: pd.Timestamp) -> tuple[float, float]:
    """(spend multiplier, conversion-rate multiplier) for the week starting on d."""
    doy = d.day_of_year
    s618 = np.exp(-(((doy - 166) / 9.0) ** 2))  # around 15 June
    s1111 = np.exp(-(((doy - 312) / 8.0) ** 2))  # around 8 November
    cny = np.exp(-(((doy - 40) / 10.0) ** 2))
    return 1 + 0.6 * s618 + 0.9 * s1111 - 0.2 * cny, 1 + 0.12 * s618 + 0.18 * s1111


def generate_facts(seed: int = SEED, *, end: str = END) -> pd.DataFrame:
    """The weekly facts from START to `end`. Rows are drawn in date order, so a later `end` extends
    the history without changing a row of the past: the forecast eval uses the weeks after END as
    the truth the demo data did not show."""
    rng = np.random.default_rng(seed)
    rows = []
    for d in pd.date_range(START, end, freq="W-MON"):
        spend_season, cvr_season = _season(d)
        years = (d - pd.Timestamp(START)).days / 365.0
        for region, size in REGIONS.items():
            growth = 1.0 + (0.02 if region == "下沉市场" and d.year == 2026 else 0.15) * years
            if region == "下沉市场" and d.year == 2026:
                growth = 1.0 + 0.15 * (pd.Timestamp("2026-01-01") - pd.Timestamp(START)).days / 365.0
            for channel, (spend0, cpm, ctr, cvr, aov) in CHANNELS.items():
                noise = rng.lognormal(0, 0.05, size=4)
                spend = spend0 * size * spend_season * growth * noise[0]
                cpc_mult = REGION_CPC[region]
                if channel == "信息流广告" and d >= pd.Timestamp("2026-07-01"):
                    cpc_mult *= FEED_CPC_RISE.get(d.month, 1.45)
                # diminishing returns: conversions grow with spend^0.75 around the channel's base
                saturation = (spend_season * growth) ** -0.25
                cvr_now = (
                    0.88 * saturation * cvr * cvr_season * (1.05 if region == "下沉市场" else 1.0) * noise[1]
                )
                if channel == "KOC种草" and d >= pd.Timestamp("2026-08-10"):
                    cvr_now *= 0.5
                impressions = spend / (cpm * cpc_mult) * 1000
                clicks = impressions * ctr * noise[2]
                conversions = clicks * cvr_now
                revenue = conversions * aov * REGION_AOV[region] * noise[3]
                buyers = conversions * 0.92
                repeat = buyers * (0.60 + 0.02 * years + rng.normal(0, 0.01))
                for metric, value in (
                    ("spend", spend),
                    ("impressions", impressions),
                    ("clicks", clicks),
                    ("conversions", conversions),
                    ("revenue", revenue),
                    ("buyers", buyers),
                    ("repeat_buyers", repeat),
                ):
                    rows.append((d, region, channel, metric, round(float(value), 2)))
    return pd.DataFrame(rows, columns=["date", "region", "channel", "metric", "value"])


def generate_targets(facts: pd.DataFrame) -> pd.DataFrame:
    """2026 targets: CAC ≤ 120 and repurchase 65% (the seeds' framework); volume targets at 2025
    actuals plus 15% growth; ROI at the 2025 level, by quarter and by month, company-wide and per region.

    A target is for its calendar period: a volume target is 2025's daily rate over the days its
    weeks covered, times the 2026 period's calendar days (September 2025 held five weeks, September
    2026 has thirty days), so no target inherits last year's week count."""
    from tools.kpi import actual_value, covered_days
    from tools.metrics import get_metric
    from tools.periods import parse_period

    rows = []
    labels = [f"2026-Q{q}" for q in range(1, 5)] + [f"2026-{m:02d}" for m in range(1, 13)] + ["2026"]
    for label in labels:
        p = parse_period(label)
        last_year = parse_period(label.replace("2026", "2025"))
        rows.append((label, "cac", CAC_TARGET, "", ""))
        rows.append((label, "repurchase_rate", REPURCHASE_TARGET, "", ""))
        per_day = p.days / (covered_days(facts, last_year) or last_year.days)
        for metric in ("revenue", "conversions"):
            base = actual_value(facts, get_metric(metric), last_year)
            if base:
                rows.append((label, metric, round(base * per_day * 1.15, 2), "", ""))
            for region in REGIONS:
                base_r = actual_value(facts, get_metric(metric), last_year, region=region)
                if base_r and p.kind != "year":
                    rows.append((label, metric, round(base_r * per_day * 1.15, 2), region, ""))
        roi = actual_value(facts, get_metric("roi"), last_year)
        if roi:
            rows.append((label, "roi", round(roi, 3), "", ""))
        for channel in CHANNELS:
            roi_c = actual_value(facts, get_metric("roi"), last_year, channel=channel)
            if roi_c and p.kind == "quarter":
                rows.append((label, "roi", round(roi_c, 3), "", channel))
            cpc_c = actual_value(facts, get_metric("cpc"), last_year, channel=channel)
            if cpc_c and p.kind == "quarter":
                rows.append((label, "cpc", round(cpc_c, 3), "", channel))
    return pd.DataFrame(rows, columns=["period", "metric", "target", "region", "channel"])


def generate(seed: int = SEED) -> tuple[pd.DataFrame, pd.DataFrame]:
    facts = generate_facts(seed)
    return facts, generate_targets(facts)
