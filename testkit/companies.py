"""A company that is not the demo company, for tests that the workspace, not a constant, defines
the vocabulary: other regions, other channels, its own planted problem, its own budget."""

from __future__ import annotations

from dataclasses import dataclass

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
