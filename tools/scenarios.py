"""Generated KPI scenarios with one planted cause, for testing and evaluating the diagnosis.

Two quarters of weekly facts over any regions × channels (the demo company's by default); the current quarter repeats the
reference quarter with noise, except for the planted cause in one region, one channel or one
region × channel cell:

- a *rate* effect: the segment gets worse at the metric itself (CAC: its clicks cost 60% more;
  ROI: its order value drops; revenue/conversions: its conversions drop);
- a *mix* effect (ratio metrics only): a segment whose ratio is already worse than average takes a
  much larger share of spend, so the total worsens although no segment's own ratio changed.

The target is the reference quarter's value, so the whole gap is the planted cause plus noise.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from tools import demo_data
from tools.errors import InvalidArgument

Cause = Literal["region", "channel", "region×channel"]
Effect = Literal["rate", "mix"]


@dataclass(frozen=True)
class Scenario:
    facts: pd.DataFrame
    targets: pd.DataFrame
    metric: str
    period: str
    cause: Cause
    effect: Effect
    value: str  # the planted segment, as kpi_diagnose names it


def generate_scenario(
    seed: int,
    *,
    metric: str = "cac",
    cause: Cause = "channel",
    effect: Effect = "rate",
    noise: float = 0.03,
    regions: tuple[str, ...] = tuple(demo_data.REGIONS),
    channels: tuple[str, ...] = tuple(demo_data.CHANNELS),
) -> Scenario:
    if effect == "mix" and metric not in ("cac", "roi", "cpc"):
        raise InvalidArgument("a mix effect needs a ratio metric")
    rng = np.random.default_rng(seed)
    region = regions[rng.integers(len(regions))]
    channel = channels[rng.integers(len(channels))]

    def planted(r: str, c: str) -> bool:
        return {
            "region": r == region,
            "channel": c == channel,
            "region×channel": r == region and c == channel,
        }[cause]

    base = {
        (r, c): dict(
            spend=rng.uniform(5e4, 2e5),
            cpc=rng.uniform(0.8, 3.0),
            cvr=rng.uniform(0.01, 0.04),
            aov=rng.uniform(300, 1200),
        )
        for r in regions
        for c in channels
    }
    if effect == "mix":  # the planted segment is clearly dearer than average to begin with
        mean = {k: float(np.mean([b[k] for b in base.values()])) for k in ("cpc", "cvr", "aov")}
        for key, b in base.items():
            if planted(*key):
                b.update(cpc=2.0 * mean["cpc"], cvr=0.7 * mean["cvr"], aov=0.6 * mean["aov"])
    rows = []
    weeks = list(pd.date_range("2026-04-06", "2026-09-28", freq="W-MON"))
    for d in weeks:
        current = d >= pd.Timestamp("2026-07-01")
        for (r, c), b in base.items():
            spend, cpc, cvr, aov = b["spend"], b["cpc"], b["cvr"], b["aov"]
            if current and planted(r, c):
                if effect == "rate":
                    if metric in ("cac", "cpc"):
                        cpc *= 1.6
                    elif metric == "roi":
                        aov *= 0.6
                    else:
                        cvr *= 0.6
                else:
                    spend *= 3.0
            e = rng.lognormal(0, noise, 4)
            clicks = spend * e[0] / cpc
            conversions = clicks * cvr * e[1]
            revenue = conversions * aov * e[2]
            for name, v in (
                ("spend", spend * e[0]),
                ("clicks", clicks),
                ("impressions", clicks * 60 * e[3]),
                ("conversions", conversions),
                ("revenue", revenue),
            ):
                rows.append((d, r, c, name, float(v)))
    facts = pd.DataFrame(rows, columns=["date", "region", "channel", "metric", "value"])
    from tools.kpi import actual_value, covered_days
    from tools.metrics import get_metric
    from tools.periods import parse_period

    m, q2, q3 = get_metric(metric), parse_period("2026-Q2"), parse_period("2026-Q3")
    target = actual_value(facts, m, q2)
    assert target is not None  # every week of Q2 has generated rows
    if not m.derived:  # a calendar-quarter target: Q2's daily rate over Q3's 92 days
        target = target / (covered_days(facts, q2) or q2.days) * q3.days
    targets = pd.DataFrame(
        [("2026-Q3", metric, target, "", "")], columns=["period", "metric", "target", "region", "channel"]
    )
    value = {"region": region, "channel": channel, "region×channel": f"{region}×{channel}"}[cause]
    return Scenario(
        facts=facts, targets=targets, metric=metric, period="2026-Q3", cause=cause, effect=effect, value=value
    )


def scenario_grid(n_seeds: int = 3) -> list[Scenario]:
    """The standard set: every cause × effect × metric that makes sense, several seeds each."""
    out: list[Scenario] = []
    for seed in range(n_seeds):
        for cause in ("region", "channel", "region×channel"):
            for metric in ("cac", "roi", "revenue", "conversions"):
                out.append(
                    generate_scenario(1000 + seed * 31 + len(out), metric=metric, cause=cause, effect="rate")
                )
            for metric in ("cac", "roi"):
                out.append(
                    generate_scenario(2000 + seed * 31 + len(out), metric=metric, cause=cause, effect="mix")
                )
    return out
