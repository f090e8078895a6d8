"""Risks read from the data and the plan, each with the signal that triggers it and a mitigation.

The rules: a KPI near the deviation line (past half of it, or worse for three periods running); a
channel holding a large share of spend while its unit cost rises; a receiving channel pushed past
the spend range its response curve was fitted on; a forecast interval that crosses the target.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel

from tools.metrics import METRICS

if TYPE_CHECKING:
    from tools.budget import Reallocation

RiskKind = Literal[
    "near_threshold",
    "trending",
    "concentration",
    "capacity",
    "forecast_crosses_target",
    "red_line_crossed",
    "near_red_line",
]


class Risk(BaseModel):
    kind: RiskKind
    subject: str  # the metric or channel
    evidence: dict[str, float | str | None]  # the figures behind it, as the tools gave them


def kpi_risks(lookups: list[dict[str, Any]], threshold_pct: float) -> list[Risk]:
    """KPIs on watch (past half of the deviation line) or, for ratio metrics, deteriorating three
    periods running."""
    out = []
    for r in lookups:
        dev = r.get("deviation_pct")
        if r.get("status") == "watch" and dev is not None:
            out.append(
                Risk(
                    kind="near_threshold",
                    subject=r["metric"],
                    evidence={"deviation_pct": dev, "threshold_pct": threshold_pct},
                )
            )
        values = [t["value"] for t in r.get("trend", []) if t.get("value") is not None][-4:]
        # additive monthly totals move with the number of weeks in a month: only ratios trend
        if len(values) == 4 and r.get("status") != "off_target" and METRICS[r["metric"]].derived:
            worse = [b > a for a, b in itertools.pairwise(values)]
            if r.get("direction") != "lower":
                worse = [not w for w in worse]
            if all(worse):
                out.append(
                    Risk(
                        kind="trending",
                        subject=r["metric"],
                        evidence={"from": values[0], "to": values[-1], "periods": 3},
                    )
                )
    return out


def red_line_risks(lookups: list[dict[str, Any]], threshold_pct: float) -> list[Risk]:
    """The workspace's red lines: each one crossed, and each one within half the deviation line
    of being crossed. `lookups` are lookups judged against a red line (target_basis "red_line")."""
    out = []
    for r in lookups:
        dev = r.get("deviation_pct")
        if r.get("target_basis") != "red_line" or dev is None:
            continue
        adverse = dev if r.get("direction") == "lower" else -dev
        scope = " ".join(x for x in (r.get("region"), r.get("channel")) if x)
        evidence = {"scope": scope, "actual": r["actual"], "line": r["target"], "deviation_pct": dev}
        if adverse > 0:
            out.append(Risk(kind="red_line_crossed", subject=r["metric"], evidence=evidence))
        elif adverse > -threshold_pct / 2:
            out.append(Risk(kind="near_red_line", subject=r["metric"], evidence=evidence))
    return out


CPC_RISE_LINE = 10.0  # % a channel's CPC must rise for its cost to count as rising


def cpc_rising(change_pct: float | None, rise_line: float = CPC_RISE_LINE) -> bool:
    return change_pct is not None and change_pct > rise_line


def concentration_risks(
    spend: dict[str, float],
    cpc_change_pct: dict[str, float | None],
    *,
    share_line: float = 0.3,
    rise_line: float = CPC_RISE_LINE,
) -> list[Risk]:
    """A channel with at least `share_line` of the spend whose CPC rose more than `rise_line` %."""
    total = sum(spend.values()) or 1.0
    out = []
    for channel, amount in sorted(spend.items(), key=lambda kv: -kv[1]):
        rise = cpc_change_pct.get(channel)
        if amount / total >= share_line and cpc_rising(rise, rise_line):
            assert rise is not None  # cpc_rising is False for None
            out.append(
                Risk(
                    kind="concentration",
                    subject=channel,
                    evidence={"share_pct": round(amount / total * 100, 1), "cpc_change_pct": round(rise, 1)},
                )
            )
    return out


def capacity_risks(moves: list[Reallocation]) -> list[Risk]:
    return [
        Risk(kind="capacity", subject=m.to_channel, evidence={"amount": m.amount})
        for m in moves
        if getattr(m, "beyond_fitted_range", False)
    ]


def forecast_risks(
    metric: str, lower: float, upper: float, target: float | None, direction: str
) -> list[Risk]:
    """The forecast's interval reaches the wrong side of the target: the target may be missed."""
    if target is None:
        return []
    crosses = lower < target if direction != "lower" else upper > target
    if not crosses:
        return []
    return [
        Risk(
            kind="forecast_crosses_target",
            subject=metric,
            evidence={"lower": lower, "upper": upper, "target": target},
        )
    ]
