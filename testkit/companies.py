"""A company that is not the demo company, for tests that the workspace, not a constant, defines
the vocabulary: other regions, other channels, its own planted problem, its own budget."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from tools.kpi import actual_value
from tools.metrics import get_metric
from tools.periods import parse_period
from tools.scenarios import generate_scenario

REGIONS = ("华北", "华东", "华南", "西部大区")
CHANNELS = ("搜索广告", "短视频", "电商平台", "经销商")
ANNUAL_BUDGET = 80_000_000.0


@dataclass(frozen=True)
class Company:
    facts: pd.DataFrame
    targets: pd.DataFrame
    planted: str  # the channel whose clicks got dearer in 2026-Q3: the CAC diagnosis must name it
    regions: tuple[str, ...] = REGIONS
    channels: tuple[str, ...] = CHANNELS
    annual_budget: float = ANNUAL_BUDGET

    def write(self, folder) -> tuple[str, str]:
        """CSV files as a planner would upload them."""
        facts, targets = folder / "facts.csv", folder / "targets.csv"
        self.facts.assign(date=self.facts["date"].dt.strftime("%Y-%m-%d")).to_csv(facts, index=False)
        self.targets.to_csv(targets, index=False)
        return str(facts), str(targets)


def other_company(seed: int = 11) -> Company:
    """Two quarters of weekly data (2026-Q2, 2026-Q3); 2026-Q3 targets planned from 2026-Q2: CAC
    flat, revenue +5% company-wide and per region, each channel's ROI at its Q2 level."""
    s = generate_scenario(
        seed, metric="cac", cause="channel", effect="rate", regions=REGIONS, channels=CHANNELS
    )
    facts, q2 = s.facts, parse_period("2026-Q2")
    rows = []
    for label in ("2026-Q3", "2026-07", "2026-08", "2026-09"):
        rows.append((label, "cac", round(actual_value(facts, get_metric("cac"), q2), 3), "", ""))
    rows.append(
        ("2026-Q3", "revenue", round(actual_value(facts, get_metric("revenue"), q2) * 1.05, 2), "", "")
    )
    for r in REGIONS:
        rev = actual_value(facts, get_metric("revenue"), q2, region=r)
        rows.append(("2026-Q3", "revenue", round(rev * 1.05, 2), r, ""))
    for c in CHANNELS:
        rows.append(
            ("2026-Q3", "roi", round(actual_value(facts, get_metric("roi"), q2, channel=c), 3), "", c)
        )
    targets = pd.DataFrame(rows, columns=["period", "metric", "target", "region", "channel"])
    return Company(facts=facts, targets=targets, planted=s.value)


BEVERAGE_REGIONS = ("华东", "华南", "华北", "西南")
BEVERAGE_CHANNELS = ("抖音", "天猫", "线下商超", "美团闪购")


@dataclass(frozen=True)
class Beverage:
    """A beverage company's own year: weekly wide rows (its own sheet), regional monthly revenue
    targets and no company target, a summer peak and a 双十一 bump."""

    facts: pd.DataFrame  # long, as the store keeps it
    targets: pd.DataFrame  # regional monthly revenue targets only
    regions: tuple[str, ...] = BEVERAGE_REGIONS
    channels: tuple[str, ...] = BEVERAGE_CHANNELS

    def wide(self, facts: pd.DataFrame | None = None) -> pd.DataFrame:
        """The planner's own sheet: one row per week × region × channel, Chinese headers, 元."""
        f = self.facts if facts is None else facts
        wide = f.pivot_table(
            index=["date", "region", "channel"], columns="metric", values="value", aggfunc="first"
        ).reset_index()
        names = {
            "date": "日期",
            "region": "区域",
            "channel": "渠道",
            "spend": "花费",
            "impressions": "曝光",
            "clicks": "点击",
            "conversions": "成交单数",
            "revenue": "销售额",
            "buyers": "购买人数",
        }
        wide = wide.rename(columns=names)[list(names.values())]
        wide["日期"] = wide["日期"].dt.strftime("%Y/%-m/%-d")
        return wide


def beverage_company(seed: int = 7, *, start: str = "2025-01-06", end: str = "2025-12-29") -> Beverage:
    rng = np.random.default_rng(seed)
    rows = []
    size = dict(zip(BEVERAGE_REGIONS, (1.0, 0.8, 0.7, 0.5), strict=True))
    base = dict(zip(BEVERAGE_CHANNELS, (60_000, 45_000, 30_000, 20_000), strict=True))
    for d in pd.date_range(start, end, freq="W-MON"):
        summer = 1 + 0.8 * np.exp(-(((d.day_of_year - 200) / 30.0) ** 2))
        double11 = 1 + 0.6 * np.exp(-(((d.day_of_year - 312) / 7.0) ** 2))
        for r in BEVERAGE_REGIONS:
            for c in BEVERAGE_CHANNELS:
                e = rng.lognormal(0, 0.06, 4)
                spend = base[c] * size[r] * summer * double11 * e[0]
                impressions = spend / 25.0 * 1000 * e[1]
                clicks = impressions * 0.02 * e[2]
                conversions = clicks * 0.05 * e[3]
                revenue = conversions * 38.0 * rng.lognormal(0, 0.04)
                for m, v in (
                    ("spend", spend),
                    ("impressions", impressions),
                    ("clicks", clicks),
                    ("conversions", conversions),
                    ("revenue", revenue),
                    ("buyers", conversions * 0.9),
                ):
                    rows.append((d, r, c, m, round(float(v), 2)))
    facts = pd.DataFrame(rows, columns=["date", "region", "channel", "metric", "value"])
    # each region's monthly revenue target: what it sold, per calendar day, plus a stretch
    revenue = facts[facts["metric"] == "revenue"].assign(month=facts["date"].dt.to_period("M"))
    sold = revenue.groupby(["month", "region"])["value"].sum()
    weeks = revenue.groupby("month")["date"].nunique()
    targets = [
        (
            str(p),
            "revenue",
            round(float(v / (weeks[p] * 7) * p.days_in_month * rng.uniform(1.0, 1.15)), 2),
            r,
            "",
        )
        for (p, r), v in sold.items()
    ]
    return Beverage(
        facts=facts,
        targets=pd.DataFrame(targets, columns=["period", "metric", "target", "region", "channel"]),
    )
