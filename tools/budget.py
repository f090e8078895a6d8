"""Budget allocation and project scoring, by the seeds' rules and by the data.

Rules (the 2026 plan): 40% technology, 30% content, 30% channels; fund projects whose expected ROI
clears 4 (1:4) and give extra weight above 6; move money between channels each quarter when a
channel's ROI misses plan by more than 10%.

Data: each channel's weekly revenue is fitted to a diminishing-returns response curve
revenue = a * spend^b (0 < b < 1, a log-log least-squares fit), and the channel pool is split to
maximise expected revenue under the total and per-line bounds (scipy's SLSQP).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from pydantic import BaseModel
from scipy.optimize import minimize

from tools.errors import InvalidArgument

DEFAULT_SPLIT = {"technology": 0.40, "content": 0.30, "channels": 0.30}
CATEGORY_ZH = {"technology": "技术类", "content": "内容类", "channels": "渠道类"}
ROI_FLOOR = 4.0
ROI_BONUS = 6.0
DEPARTMENT_WEIGHTS = {"business": 0.40, "technology": 0.20, "finance": 0.20, "marketing": 0.20}


class Curve(BaseModel):
    channel: str
    a: float
    b: float
    hist_spend: float
    hist_revenue: float

    @property
    def roi(self) -> float:
        return self.hist_revenue / self.hist_spend if self.hist_spend else 0.0

    def revenue(self, spend: float) -> float:
        return self.a * max(spend, 0.0) ** self.b

    def marginal_roi(self, spend: float) -> float:
        return self.a * self.b * max(spend, 1.0) ** (self.b - 1)


class CategoryLine(BaseModel):
    category: str
    name_zh: str
    amount: float
    share: float


class ChannelLine(BaseModel):
    channel: str
    amount: float
    share_of_channels: float
    historical_roi: float | None
    expected_revenue: float | None
    expected_roi: float | None
    marginal_roi: float | None
    lower_bound: float
    upper_bound: float
    note: str


class Reallocation(BaseModel):
    from_channel: str
    to_channel: str
    amount: float
    reason: str
    expected_revenue_change: float | None


class Allocation(BaseModel):
    total: float
    method: str
    categories: list[CategoryLine]
    channels: list[ChannelLine]
    expected_revenue: float | None
    reallocations: list[Reallocation] = []


def fit_curves(facts: pd.DataFrame, *, min_points: int = 8) -> list[Curve]:
    """Per-channel revenue = a * spend^b from weekly (or monthly) history."""
    rows = facts[facts["metric"].isin(["spend", "revenue"]) & (facts["channel"] != "")]
    wide = rows.pivot_table(
        index=["date", "channel"], columns="metric", values="value", aggfunc="sum"
    ).dropna()
    curves = []
    for channel, g in wide.groupby(level="channel"):
        g = g[(g["spend"] > 0) & (g["revenue"] > 0)]
        if len(g) < min_points:
            continue
        x, y = np.log(g["spend"].to_numpy()), np.log(g["revenue"].to_numpy())
        b = float(np.polyfit(x, y, 1)[0]) if np.ptp(x) > 1e-9 else 0.7
        b = float(np.clip(b, 0.2, 0.95))  # diminishing returns, and no degenerate flat curve
        a = float(np.exp(np.mean(y - b * x)))
        curves.append(
            Curve(
                channel=str(channel),
                a=a,
                b=b,
                hist_spend=float(g["spend"].sum()),
                hist_revenue=float(g["revenue"].sum()),
            )
        )
    return curves


def _bounds(
    curves: list[Curve], pool: float, min_share: float, max_share: float
) -> list[tuple[float, float]]:
    """Per-line bounds: channels below the ROI floor are held at the minimum, those above the
    bonus threshold may take more than the usual cap."""
    out = []
    for c in curves:
        lo = pool * min_share
        hi = pool * (
            min_share if c.roi < ROI_FLOOR else min(1.0, max_share * (1.25 if c.roi > ROI_BONUS else 1.0))
        )
        out.append((lo, max(lo, hi)))
    return out


def _exact_sum(amounts: np.ndarray, total: float, bounds: list[tuple[float, float]]) -> np.ndarray:
    """Round to fen and put the residual on lines with slack, so the sum is exact and bounds hold."""
    out = np.round(amounts, 2)
    for _ in range(3):
        residual = round(total - float(out.sum()), 2)
        if residual == 0:
            break
        for i in np.argsort(-out):
            lo, hi = bounds[i]
            room = (hi - out[i]) if residual > 0 else (out[i] - lo)
            step = float(np.sign(residual)) * min(abs(residual), max(room, 0.0))
            out[i] = round(out[i] + step, 2)
            residual = round(residual - step, 2)
            if residual == 0:
                break
    return out


def optimise_channels(
    curves: list[Curve], pool: float, *, min_share: float = 0.05, max_share: float = 0.4
) -> np.ndarray:
    """Split `pool` over channels to maximise sum of a_i * x_i^b_i within bounds."""
    n = len(curves)
    if n == 0:
        return np.array([])
    min_share = min(min_share, 1.0 / n)
    max_share = max(max_share, 1.0 / n)
    bounds = _bounds(curves, pool, min_share, max_share)
    if sum(hi for _, hi in bounds) < pool:  # caps cannot absorb the pool: relax the caps evenly
        bounds = [(lo, pool) for lo, _ in bounds]
    scale = pool / n
    x0 = np.clip(np.full(n, scale), [lo for lo, _ in bounds], [hi for _, hi in bounds])

    def neg(x: np.ndarray) -> float:
        return -sum(c.revenue(v * scale) for c, v in zip(curves, x, strict=True)) / max(pool, 1.0)

    res = minimize(
        neg,
        x0 / scale,
        method="SLSQP",
        bounds=[(lo / scale, hi / scale) for lo, hi in bounds],
        constraints=[{"type": "eq", "fun": lambda x: x.sum() * scale - pool}],
        options={"maxiter": 300, "ftol": 1e-10},
    )
    x = np.clip(res.x * scale, [lo for lo, _ in bounds], [hi for _, hi in bounds])
    return _exact_sum(x * (pool / x.sum()) if x.sum() else x0, pool, bounds)


def budget_allocate(
    total: float,
    *,
    facts: pd.DataFrame | None = None,
    split: dict[str, float] | None = None,
    min_share: float = 0.05,
    max_share: float = 0.4,
    plan_roi: dict[str, float] | None = None,
    actual_roi: dict[str, float] | None = None,
) -> Allocation:
    """Allocate `total` (元) over categories and, within the channel category, over channels.

    Args:
        total: the budget to allocate, in 元.
        facts: KPI history with spend and revenue per channel; without it, channels are not split.
        split: category shares, default 40% technology / 30% content / 30% channels.
        min_share: smallest share of the channel pool any channel keeps.
        max_share: largest share of the channel pool a channel may take (raised 25% above ROI 6).
        plan_roi: planned ROI per channel, for the >10% miss reallocation rule.
        actual_roi: the channels' ROI in the period under review (default: over the whole history).
    """
    if not total or total <= 0 or not np.isfinite(total):
        raise InvalidArgument("the budget total must be a positive amount")
    split = split or DEFAULT_SPLIT
    if abs(sum(split.values()) - 1) > 1e-6 or any(v < 0 for v in split.values()):
        raise InvalidArgument("category shares must be non-negative and sum to 1")
    names = list(split)
    cat_amounts = _exact_sum(np.array([total * split[k] for k in names]), total, [(0.0, total)] * len(names))
    categories = [
        CategoryLine(category=k, name_zh=CATEGORY_ZH.get(k, k), amount=float(a), share=split[k])
        for k, a in zip(names, cat_amounts, strict=True)
    ]
    pool = float(cat_amounts[names.index("channels")]) if "channels" in names else 0.0
    curves = fit_curves(facts) if facts is not None and not facts.empty else []
    if not curves or pool <= 0:
        return Allocation(
            total=total,
            method="rules: 40/30/30 by category",
            categories=categories,
            channels=[],
            expected_revenue=None,
        )
    amounts = optimise_channels(curves, pool, min_share=min_share, max_share=max_share)
    bounds = _bounds(curves, pool, min(min_share, 1 / len(curves)), max(max_share, 1 / len(curves)))
    lines = []
    for c, amt, (lo, hi) in zip(curves, amounts, bounds, strict=True):
        rev = c.revenue(float(amt))
        note = (
            f"历史 ROI {c.roi:.2f} 低于门槛 {ROI_FLOOR:g}，仅保留最低投入"
            if c.roi < ROI_FLOOR
            else f"历史 ROI {c.roi:.2f} 高于 {ROI_BONUS:g}，上限上调"
            if c.roi > ROI_BONUS
            else f"历史 ROI {c.roi:.2f}，按边际回报分配"
        )
        lines.append(
            ChannelLine(
                channel=c.channel,
                amount=float(amt),
                share_of_channels=round(float(amt) / pool, 4),
                historical_roi=round(c.roi, 3),
                expected_revenue=round(rev, 2),
                expected_roi=round(rev / amt, 3) if amt else None,
                marginal_roi=round(c.marginal_roi(float(amt)), 3),
                lower_bound=round(lo, 2),
                upper_bound=round(hi, 2),
                note=note,
            )
        )
    return Allocation(
        total=total,
        method="rules 40/30/30 + response-curve optimisation (revenue = a·spend^b, SLSQP)",
        categories=categories,
        channels=lines,
        expected_revenue=round(sum(line.expected_revenue or 0 for line in lines), 2),
        reallocations=propose_reallocations(
            curves,
            dict(zip([c.channel for c in curves], amounts, strict=True)),
            plan_roi or {},
            actual_roi=actual_roi,
        ),
    )


def channel_roi(
    facts: pd.DataFrame, targets: pd.DataFrame, quarter: str
) -> tuple[dict[str, float], dict[str, float]]:
    """Planned ROI per channel for a quarter (company-wide targets) and the ROI each achieved,
    the inputs of the >10% reallocation rule."""
    from tools.kpi import actual_value
    from tools.metrics import get_metric
    from tools.periods import parse_period

    q = parse_period(quarter)
    t = targets
    plan_rows = t[
        (t["metric"] == "roi") & (t["period"] == q.label) & (t["channel"] != "") & (t["region"] == "")
    ]
    plan = dict(zip(plan_rows["channel"], plan_rows["target"], strict=True))
    roi = get_metric("roi")
    actual = {c: v for c in plan if (v := actual_value(facts, roi, q, channel=c)) is not None}
    return plan, actual


def region_share(targets: pd.DataFrame, region: str) -> float | None:
    """A region's share of the quarterly revenue targets: how a company budget splits by region
    (None when the targets do not say)."""
    if targets is None or targets.empty:
        return None
    t = targets
    quarterly = t[
        (t["metric"] == "revenue") & (t["channel"] == "") & t["period"].astype(str).str.contains("-Q")
    ]
    regional = quarterly[quarterly["region"] != ""]
    total = float(regional["target"].sum())
    mine = float(regional[regional["region"] == region]["target"].sum())
    return mine / total if total and mine else None


def propose_reallocations(
    curves: list[Curve],
    budget: dict[str, float],
    plan_roi: dict[str, float],
    *,
    actual_roi: dict[str, float] | None = None,
    threshold: float = 0.10,
    move_share: float = 0.10,
) -> list[Reallocation]:
    """When a channel's ROI misses plan by more than `threshold`, move `move_share` of its budget
    to the channel with the highest marginal ROI (the snack case moved 10% of budget). The
    expected effect comes from the two channels' response curves."""
    by = {c.channel: c for c in curves}
    out = []
    for ch, plan in plan_roi.items():
        c = by.get(ch)
        if c is None or not plan:
            continue
        roi = (actual_roi or {}).get(ch, c.roi)
        if (plan - roi) / plan <= threshold:
            continue
        others = [o for o in curves if o.channel != ch]
        if not others:
            continue
        best = max(others, key=lambda o: o.marginal_roi(budget.get(o.channel, 0.0)))
        amount = round(budget.get(ch, 0.0) * move_share, 2)
        change = (
            best.revenue(budget.get(best.channel, 0.0) + amount) - best.revenue(budget.get(best.channel, 0.0))
        ) - (c.revenue(budget.get(ch, 0.0)) - c.revenue(budget.get(ch, 0.0) - amount))
        out.append(
            Reallocation(
                from_channel=ch,
                to_channel=best.channel,
                amount=amount,
                reason=f"{ch} ROI {roi:.2f} 低于计划 {plan:.2f} 超过 {threshold:.0%}",
                expected_revenue_change=round(change, 2),
            )
        )
    return out


class ProjectScore(BaseModel):
    goal_fit: float
    roi: float
    risk: float
    total: float
    passes_roi_floor: bool


def score_project(*, goal_fit: float, expected_roi: float, risk_control: float) -> ProjectScore:
    """Three-dimension score, 25 points each: goal fit and risk control as judged (0-25), ROI
    scored from the expected ROI: 0 below the floor of 4, rising to 25 at 8."""
    for name, v in (("goal_fit", goal_fit), ("risk_control", risk_control)):
        if not 0 <= v <= 25:
            raise InvalidArgument(f"{name} must be between 0 and 25")
    roi_points = (
        0.0
        if expected_roi < ROI_FLOOR
        else min(25.0, 25.0 * (expected_roi - ROI_FLOOR + 1) / (8 - ROI_FLOOR + 1))
    )
    return ProjectScore(
        goal_fit=goal_fit,
        roi=round(roi_points, 2),
        risk=risk_control,
        total=round(goal_fit + roi_points + risk_control, 2),
        passes_roi_floor=expected_roi >= ROI_FLOOR,
    )


def weighted_vote(scores: dict[str, float], weights: dict[str, float] | None = None) -> float:
    """Combine department scores with the plan's weights (business 40, tech/finance/marketing 20)."""
    weights = weights or DEPARTMENT_WEIGHTS
    missing = set(weights) - set(scores)
    if missing:
        raise InvalidArgument(f"missing scores for: {', '.join(sorted(missing))}")
    return round(sum(scores[d] * w for d, w in weights.items()) / sum(weights.values()), 2)
