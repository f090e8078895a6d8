"""Budget allocation and project scoring, by the workspace's rules and by the data.

Rules are the workspace's own (`tools.policy.Policy`): an optional budget structure (the demo
company's 2026 plan: 40% technology, 30% content, 30% channels), optional ROI floor and bonus (its
1:4 and 1:6), channel bounds, and the largest step one adjustment may move. Without a structure the
whole amount goes to the channels; without a floor no channel is held back for its ROI. Money moves
between channels each quarter when a channel's ROI misses plan by more than the deviation rule.

Data: each channel's weekly revenue is fitted to a diminishing-returns response curve
revenue = a * spend^b (0 < b < 1, a log-log least-squares fit), and the channel pool is split to
maximise expected revenue under the total and per-line bounds (scipy's SLSQP).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from pydantic import BaseModel

from tools.errors import InvalidArgument
from tools.kpi import actual_value, find_target
from tools.metrics import get_metric
from tools.periods import Period, parse_period

CATEGORY_ZH = {"technology": "技术类", "content": "内容类", "channels": "渠道类"}
DEPARTMENT_WEIGHTS = {"business": 0.40, "technology": 0.20, "finance": 0.20, "marketing": 0.20}


class Curve(BaseModel):
    """A channel's weekly response curve, revenue = a * spend^b, and the range it was fitted on."""

    channel: str
    a: float
    b: float
    hist_spend: float
    hist_revenue: float
    max_weekly_spend: float = 0.0
    sigma: float = 0.0  # residual spread of log revenue: the curve's own uncertainty

    @property
    def roi(self) -> float:
        return self.hist_revenue / self.hist_spend if self.hist_spend else 0.0

    def revenue(self, spend: float, weeks: float = 1.0) -> float:
        """Revenue from `spend` spread evenly over `weeks` weeks."""
        revenue: float = weeks * self.a * (max(spend, 0.0) / weeks) ** self.b  # float ** float is typed Any
        return revenue

    def marginal_roi(self, spend: float, weeks: float = 1.0) -> float:
        marginal: float = self.a * self.b * max(spend / weeks, 1.0) ** (self.b - 1)
        return marginal


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
    status: str = "move"  # move | no_change (the best move gains less than the threshold)
    share_of_source: float | None = None  # the amount as a share of the source's period budget
    expected_low: float | None = None  # an 80% range for the change, from the curves' residual spread
    expected_high: float | None = None
    beyond_fitted_range: bool = False  # the receiving channel would spend more than it ever has


class Allocation(BaseModel):
    total: float
    method: str
    categories: list[CategoryLine]
    channels: list[ChannelLine]
    expected_revenue: float | None
    reallocations: list[Reallocation] = []


class BeyondHistory(BaseModel):
    """A channel whose allocation asks for more a week than its history has ever seen: the
    response curve there is extrapolated, so its expected return is not to be relied on."""

    channel: str
    weekly: float  # the allocation's weekly amount
    largest_week: float  # the largest weekly spend in the data
    ratio: float


EXTRAPOLATION_LIMIT = 2.0  # a week above twice the largest observed week is flagged


def beyond_history(
    facts: pd.DataFrame, amounts: dict[str, float], *, weeks: float, limit: float = EXTRAPOLATION_LIMIT
) -> list[BeyondHistory]:
    """The channels whose weekly amount (`amounts` over `weeks`) passes `limit` times their largest
    observed week of spend (summed over the regions in `facts`), largest ratio first."""
    spend = facts[(facts["metric"] == "spend") & (facts["channel"] != "")]
    if spend.empty or weeks <= 0:
        return []
    largest = spend.groupby(["channel", "date"])["value"].sum().groupby(level="channel").max()
    out = []
    for channel, amount in amounts.items():
        top = float(largest.get(channel, 0.0))
        weekly = float(amount) / weeks
        if top > 0 and weekly > limit * top:
            out.append(
                BeyondHistory(
                    channel=channel,
                    weekly=round(weekly, 2),
                    largest_week=round(top, 2),
                    ratio=round(weekly / top, 2),
                )
            )
    return sorted(out, key=lambda b: -b.ratio)


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
                max_weekly_spend=float(g["spend"].max()),
                sigma=float(np.std(y - (np.log(a) + b * x))),
            )
        )
    return curves


def _bounds(
    curves: list[Curve],
    pool: float,
    min_share: float,
    max_share: float,
    roi_floor: float | None = None,
    roi_bonus: float | None = None,
) -> list[tuple[float, float]]:
    """Per-line bounds: channels below the ROI floor (when the workspace has one) are held at the
    minimum, those above the bonus threshold may take more than the usual cap."""
    out = []
    for c in curves:
        lo = pool * min_share
        if roi_floor is not None and c.roi < roi_floor:
            hi = lo
        else:
            hi = pool * min(1.0, max_share * (1.25 if roi_bonus is not None and c.roi > roi_bonus else 1.0))
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
            room = (
                np.floor(((hi - out[i]) if residual > 0 else (out[i] - lo)) * 100 + 1e-6) / 100
            )  # whole fen
            step = float(np.sign(residual)) * min(abs(residual), max(float(room), 0.0))
            out[i] = round(out[i] + step, 2)
            residual = round(residual - step, 2)
            if residual == 0:
                break
    return out


def optimise_channels(
    curves: list[Curve],
    pool: float,
    *,
    min_share: float = 0.05,
    max_share: float = 0.4,
    weeks: float = 13.0,
    roi_floor: float | None = None,
    roi_bonus: float | None = None,
) -> np.ndarray:
    """Split `pool`, spent over `weeks` weeks, over channels to maximise the sum of their revenue
    curves within bounds."""
    n = len(curves)
    if n == 0:
        return np.array([])
    min_share = min(min_share, 1.0 / n)
    max_share = max(max_share, 1.0 / n)
    bounds = _bounds(curves, pool, min_share, max_share, roi_floor, roi_bonus)
    if sum(hi for _, hi in bounds) < pool:  # caps cannot absorb the pool: relax the caps evenly
        bounds = [(lo, pool) for lo, _ in bounds]
    scale = pool / n
    x0 = np.clip(np.full(n, scale), [lo for lo, _ in bounds], [hi for _, hi in bounds])

    def neg(x: np.ndarray) -> float:
        return -sum(c.revenue(v * scale, weeks) for c, v in zip(curves, x, strict=True)) / max(pool, 1.0)

    from scipy.optimize import minimize  # here: importing scipy.optimize costs 0.5 s of a cold start

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
    names: dict[str, str] | None = None,
    channel_category: str = "channels",
    min_share: float = 0.05,
    max_share: float = 0.4,
    roi_floor: float | None = None,
    roi_bonus: float | None = None,
    max_step: float = 0.20,
    plan_roi: dict[str, float] | None = None,
    actual_roi: dict[str, float] | None = None,
    weeks: float = 13.0,
) -> Allocation:
    """Allocate `total` (元) over the budget structure's categories (if any) and the channel pool
    over channels.

    Args:
        total: the budget to allocate, in 元.
        facts: KPI history with spend and revenue per channel; without it, channels are not split.
        split: category shares (the demo plan's 40% technology / 30% content / 30% channels);
            None: no structure, the whole amount is the channel pool.
        names: the categories' names as the workspace writes them.
        channel_category: the category whose money the channels split.
        min_share: smallest share of the channel pool any channel keeps.
        max_share: largest share of the channel pool a channel may take (25% more above the bonus).
        roi_floor: channels whose ROI is below it keep the minimum only; None: no floor.
        roi_bonus: channels whose ROI is above it may take 25% more than the cap; None: no bonus.
        max_step: the largest share of a channel's budget one reallocation moves.
        plan_roi: planned ROI per channel, for the >10% miss reallocation rule.
        actual_roi: the channels' ROI in the period under review (default: over the whole history).
        weeks: how many weeks the budget is spent over (the curves are weekly: 13 for a quarter).
    """
    if not total or total <= 0 or not np.isfinite(total):
        raise InvalidArgument("the budget total must be a positive amount")
    if split and (abs(sum(split.values()) - 1) > 1e-6 or any(v < 0 for v in split.values())):
        raise InvalidArgument("category shares must be non-negative and sum to 1")
    categories: list[CategoryLine] = []
    pool = round(float(total), 2)  # in fen, as every amount
    if split:
        keys = list(split)
        amounts = _exact_sum(np.array([total * split[k] for k in keys]), total, [(0.0, total)] * len(keys))
        label = names or CATEGORY_ZH
        categories = [
            CategoryLine(category=k, name_zh=label.get(k, k), amount=float(a), share=split[k])
            for k, a in zip(keys, amounts, strict=True)
        ]
        pool = float(amounts[keys.index(channel_category)]) if channel_category in keys else 0.0
    structure = "/".join(f"{v * 100:g}" for v in split.values()) if split else None
    curves = fit_curves(facts) if facts is not None and not facts.empty else []
    if not curves or pool <= 0:
        return Allocation(
            total=total,
            method=f"rules: {structure} by category" if structure else "no budget structure: all to channels",
            categories=categories,
            channels=[],
            expected_revenue=None,
        )
    floor = dict(roi_floor=roi_floor, roi_bonus=roi_bonus)
    amounts = optimise_channels(curves, pool, min_share=min_share, max_share=max_share, weeks=weeks, **floor)
    bounds = _bounds(curves, pool, min(min_share, 1 / len(curves)), max(max_share, 1 / len(curves)), **floor)
    lines = []
    for c, amt, (lo, hi) in zip(curves, amounts, bounds, strict=True):
        rev = c.revenue(float(amt), weeks)
        if roi_floor is not None and c.roi < roi_floor:
            note = f"历史 ROI {c.roi:.2f} 低于门槛 {roi_floor:g}，仅保留最低投入"
        elif roi_bonus is not None and c.roi > roi_bonus:
            note = f"历史 ROI {c.roi:.2f} 高于 {roi_bonus:g}，上限上调"
        else:
            note = f"历史 ROI {c.roi:.2f}，按边际回报分配"
        lines.append(
            ChannelLine(
                channel=c.channel,
                amount=float(amt),
                share_of_channels=round(float(amt) / pool, 4),
                historical_roi=round(c.roi, 3),
                expected_revenue=round(rev, 2),
                expected_roi=round(rev / amt, 3) if amt else None,
                marginal_roi=round(c.marginal_roi(float(amt), weeks), 3),
                lower_bound=round(lo, 2),
                upper_bound=round(hi, 2),
                note=note,
            )
        )
    curve_method = "response-curve optimisation (revenue = a·spend^b, SLSQP)"
    return Allocation(
        total=total,
        method=f"rules {structure} + {curve_method}" if structure else f"all to channels: {curve_method}",
        categories=categories,
        channels=lines,
        expected_revenue=round(sum(line.expected_revenue or 0 for line in lines), 2),
        reallocations=propose_reallocations(
            curves,
            dict(zip([c.channel for c in curves], amounts, strict=True)),
            plan_roi or {},
            actual_roi=actual_roi,
            weeks=weeks,
            cap=max_step,
        ),
    )


def channel_roi(
    facts: pd.DataFrame, targets: pd.DataFrame, quarter: str
) -> tuple[dict[str, float], dict[str, float]]:
    """Planned ROI per channel for a quarter (company-wide targets) and the ROI each achieved,
    the inputs of the >10% reallocation rule."""
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


def period_share(targets: pd.DataFrame | None, period: Period) -> tuple[float, str | None]:
    """The part of a year's budget a shorter period gets, and the year whose targets say so.

    The period's share of its year's company revenue target (Q4 with 双十一 gets more than a
    quarter of the year), read from the year before for a year without targets yet; else its share
    of the year's calendar days (basis None)."""
    if period.kind == "year":
        return 1.0, None
    revenue = get_metric("revenue")
    for p in (period, period.year_earlier()):
        year = parse_period(str(p.start.year))
        whole = find_target(targets, revenue, year)
        if whole is None:  # no row for the year: its four quarters
            quarters = [
                find_target(targets, revenue, parse_period(f"{year.label}-Q{i}")) for i in (1, 2, 3, 4)
            ]
            known = [q for q in quarters if q is not None]
            whole = sum(known) if len(known) == len(quarters) else None
        part = find_target(targets, revenue, p)
        if whole and part:
            return part / whole, year.label
    return period.days / parse_period(str(period.start.year)).days, None


MOVE_CAP = (
    0.20  # the default step (tools.policy.Policy.max_step): at most 20% of a channel's period budget per move
)
MIN_GAIN = 0.005  # a move must gain at least 0.5% of the source channel's period revenue


def size_move(
    source: Curve,
    target: Curve,
    source_spend: float,
    target_spend: float,
    *,
    weeks: float,
    cap: float = MOVE_CAP,
) -> tuple[float, float]:
    """The amount to move from `source` to `target` (spent over `weeks`) that gains the most revenue
    on their response curves: where their marginal returns meet, or the policy cap. Returns
    (amount, expected revenue change)."""
    from scipy.optimize import minimize_scalar

    def gain(x: float) -> float:
        return (target.revenue(target_spend + x, weeks) - target.revenue(target_spend, weeks)) - (
            source.revenue(source_spend, weeks) - source.revenue(source_spend - x, weeks)
        )

    top = cap * source_spend
    if top <= 0:
        return 0.0, 0.0
    best = minimize_scalar(
        lambda x: -gain(x), bounds=(0.0, top), method="bounded", options={"xatol": top * 1e-4}
    )
    x = float(best.x) if gain(float(best.x)) > gain(top) else top
    return x, gain(x)


def propose_reallocations(
    curves: list[Curve],
    budget: dict[str, float],
    plan_roi: dict[str, float],
    *,
    actual_roi: dict[str, float] | None = None,
    threshold: float = 0.10,
    weeks: float = 13.0,
    cap: float = MOVE_CAP,
    min_gain: float = MIN_GAIN,
) -> list[Reallocation]:
    """When a channel's ROI misses plan by more than `threshold`, move money to the channel with
    the highest marginal return among those not missing their own plan, sized on both channels' curves (until their marginal returns
    meet, at most `cap` of the source's period budget). A move that would gain less than
    `min_gain` of the source's period revenue is reported as "no change", not proposed as noise.

    `budget` is each channel's budget (or spend) for the period, spent over `weeks` weeks.
    """
    by = {c.channel: c for c in curves}
    budget = dict(budget)  # moves are applied in turn: a second move sees the first

    def missing(ch: str) -> bool:
        plan, c = plan_roi.get(ch), by.get(ch)
        roi = (actual_roi or {}).get(ch, c.roi if c else None)
        return bool(plan) and roi is not None and (plan - roi) / plan > threshold  # type: ignore[operator]

    out = []
    for ch, plan in sorted(plan_roi.items(), key=lambda kv: -budget.get(kv[0], 0.0)):
        c = by.get(ch)
        if c is None or not plan or not budget.get(ch) or not missing(ch):
            continue
        roi = (actual_roi or {}).get(ch, c.roi)
        # money goes to a channel that is meeting its plan, never to another one being cut
        others = [o for o in curves if o.channel != ch and o.channel in budget and not missing(o.channel)]
        if not others:
            continue
        spend = budget[ch]
        best = max(others, key=lambda o: o.marginal_roi(budget[o.channel], weeks))
        amount, change = size_move(c, best, spend, budget[best.channel], weeks=weeks, cap=cap)
        received = best.revenue(budget[best.channel] + amount, weeks) - best.revenue(
            budget[best.channel], weeks
        )
        lost = c.revenue(spend, weeks) - c.revenue(spend - amount, weeks)
        spread = 1.2816 * (best.sigma * abs(received) + c.sigma * abs(lost))
        reason = f"{ch} ROI {roi:.2f} 低于计划 {plan:.2f} 超过 {threshold:.0%}"
        if change < min_gain * c.revenue(spend, weeks):
            out.append(
                Reallocation(
                    from_channel=ch,
                    to_channel=best.channel,
                    amount=0.0,
                    reason=reason + "；最优调整的预期增益低于门槛，不调整",
                    expected_revenue_change=round(change, 2),
                    status="no_change",
                )
            )
            continue
        beyond = (budget[best.channel] + amount) / weeks > best.max_weekly_spend * 1.05
        budget[ch], budget[best.channel] = spend - amount, budget[best.channel] + amount
        out.append(
            Reallocation(
                from_channel=ch,
                to_channel=best.channel,
                amount=round(amount, -2) if amount >= 1e4 else round(amount, 2),
                reason=reason,
                expected_revenue_change=round(change, 2),
                share_of_source=round(amount / spend, 4),
                expected_low=round(change - spread, 2),
                expected_high=round(change + spread, 2),
                beyond_fitted_range=beyond,
            )
        )
    return out


class ProjectScore(BaseModel):
    goal_fit: float
    roi: float
    risk: float
    total: float
    passes_roi_floor: bool


def score_project(
    *, goal_fit: float, expected_roi: float, risk_control: float, roi_floor: float = 4.0
) -> ProjectScore:
    """Three-dimension score, 25 points each: goal fit and risk control as judged (0-25), ROI
    scored from the expected ROI: 0 below the floor (the scoring playbook's 1:4), rising to 25 at 8."""
    for name, v in (("goal_fit", goal_fit), ("risk_control", risk_control)):
        if not 0 <= v <= 25:
            raise InvalidArgument(f"{name} must be between 0 and 25")
    roi_points = (
        0.0
        if expected_roi < roi_floor
        else min(25.0, 25.0 * (expected_roi - roi_floor + 1) / (8 - roi_floor + 1))
    )
    return ProjectScore(
        goal_fit=goal_fit,
        roi=round(roi_points, 2),
        risk=risk_control,
        total=round(goal_fit + roi_points + risk_control, 2),
        passes_roi_floor=expected_roi >= roi_floor,
    )


def weighted_vote(scores: dict[str, float], weights: dict[str, float] | None = None) -> float:
    """Combine department scores with the plan's weights (business 40, tech/finance/marketing 20)."""
    weights = weights or DEPARTMENT_WEIGHTS
    missing = set(weights) - set(scores)
    if missing:
        raise InvalidArgument(f"missing scores for: {', '.join(sorted(missing))}")
    return round(sum(scores[d] * w for d, w in weights.items()) / sum(weights.values()), 2)
