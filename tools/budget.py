"""Budget allocation and project scoring, by the workspace's rules and by the data.

Rules are the workspace's own (`tools.policy.Policy`): an optional budget structure (the demo
company's 2026 plan: 40% technology, 30% content, 30% channels), optional ROI floor and bonus (its
1:4 and 1:6), channel bounds, and the largest step one adjustment may move. Without a structure the
whole amount goes to the channels; without a floor no channel is held back for its ROI. Money moves
between channels each quarter when a channel's ROI misses plan by more than the deviation rule.

Data: the workspace's marketing-mix model (`tools.mmm`: adstock, saturation, demand by week)
simulates the period week by week, and the channel pool is split where the channels' marginal
returns meet, within the per-line bounds and within 1.5x each channel's largest observed week
(beyond it the curve is extrapolation). Without a fitted model the pool follows last year's shares
of the same period: what a planner would do without us, stated as such.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from pydantic import BaseModel

from tools.errors import InvalidArgument
from tools.kpi import actual_value, find_target
from tools.metrics import get_metric
from tools.mmm import EXTRAPOLATION, Range, Simulator, fit_into, marginal, optimise, summarise
from tools.periods import Period, parse_period

CATEGORY_ZH = {"technology": "技术类", "content": "内容类", "channels": "渠道类"}
DEPARTMENT_WEIGHTS = {"business": 0.40, "technology": 0.20, "finance": 0.20, "marketing": 0.20}


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
    expected_low: float | None = None  # the model's 80% range for the change
    expected_high: float | None = None
    beyond_fitted_range: bool = False  # the receiving channel would spend more than the model has seen


class Comparison(BaseModel):
    """Another split of the same money, by the same model: what ours gains over it."""

    basis: str  # last_year_shares | current_plan
    label: str  # the period whose shares it is, or the plan
    amounts: dict[str, float]
    expected_revenue: Range
    gain: Range  # ours minus this split, per draw


class BeyondHistory(BaseModel):
    """A channel whose allocation asks for more a week than its history has seen: the response
    curve there is extrapolated, so its expected return is not to be relied on."""

    channel: str
    weekly: float  # the allocation's weekly amount
    largest_week: float  # the largest weekly spend in the data
    ratio: float


class Allocation(BaseModel):
    total: float
    method: str
    categories: list[CategoryLine]
    channels: list[ChannelLine]
    expected_revenue: float | None
    expected_range: Range | None = None  # 80% range of the channels' revenue in the period
    reallocations: list[Reallocation] = []
    comparisons: list[Comparison] = []
    # channels asked to spend more a week than 1.5x their largest observed week: extrapolated
    beyond_history: list[BeyondHistory] = []


def beyond_history(sim: Simulator, amounts: np.ndarray) -> list[BeyondHistory]:
    """The channels whose weekly amount passes 1.5x their largest observed week (in the
    simulator's scope), largest ratio first."""
    weekly = np.asarray(amounts, dtype=float) / len(sim.weeks)
    out = [
        BeyondHistory(
            channel=c,
            weekly=round(float(weekly[i]), 2),
            largest_week=round(float(sim.largest[i]), 2),
            ratio=round(float(weekly[i] / sim.largest[i]), 2),
        )
        for i, c in enumerate(sim.names)
        if sim.largest[i] > 0 and weekly[i] > EXTRAPOLATION * sim.largest[i]
    ]
    return sorted(out, key=lambda b: -b.ratio)


def historical_roi(facts: pd.DataFrame) -> dict[str, float]:
    """Each channel's revenue over its spend, over the whole history."""
    rows = facts[facts["metric"].isin(["spend", "revenue"]) & (facts["channel"] != "")]
    sums = rows.groupby(["channel", "metric"])["value"].sum().unstack(fill_value=0.0)  # type: ignore[arg-type, unused-ignore]
    if "spend" not in sums or "revenue" not in sums:
        return {}
    return {str(c): float(r["revenue"] / r["spend"]) for c, r in sums.iterrows() if r["spend"] > 0}


def spend_shares(facts: pd.DataFrame, period: Period | None = None) -> tuple[dict[str, float], str]:
    """Each channel's share of spend in `period` (last year's same period, for a plan), else in the
    latest 13 weeks of the data; and the label of what it rests on."""
    spend = facts[(facts["metric"] == "spend") & (facts["channel"] != "")]
    if spend.empty:
        return {}, ""
    label = ""
    if period is not None:
        chosen = spend[(spend["date"] >= period.start) & (spend["date"] <= period.end)]
        label = period.label
    if period is None or chosen.empty or chosen["value"].sum() <= 0:
        dates = sorted(spend["date"].unique())[-13:]
        chosen = spend[spend["date"].isin(dates)]
        label = f"{pd.Timestamp(dates[0]).date()}..{pd.Timestamp(dates[-1]).date()}"
    by = chosen.groupby("channel")["value"].sum()
    whole = float(by.sum()) or 1.0
    return {str(c): float(v) / whole for c, v in by.items()}, label


def line_bounds(
    channels: list[str],
    roi: dict[str, float],
    pool: float,
    min_share: float,
    max_share: float,
    roi_floor: float | None = None,
    roi_bonus: float | None = None,
) -> list[tuple[float, float]]:
    """Per-line bounds: channels below the ROI floor (when the workspace has one) are held at the
    minimum, those above the bonus threshold may take more than the usual cap."""
    out = []
    for c in channels:
        lo = pool * min_share
        r = roi.get(c, 0.0)
        if roi_floor is not None and r < roi_floor:
            hi = lo
        else:
            hi = pool * min(1.0, max_share * (1.25 if roi_bonus is not None and r > roi_bonus else 1.0))
        out.append((lo, max(lo, hi)))
    return out


def _within_history(
    sim: Simulator, bounds: list[tuple[float, float]], pool: float
) -> list[tuple[float, float]]:
    """The bounds with each channel's cap lowered to 1.5x its largest observed week, where the
    caps can still hold the pool (else the policy's caps stand and the excess is flagged)."""
    capped = [(lo, max(lo, min(hi, float(cap)))) for (lo, hi), cap in zip(bounds, sim.caps, strict=True)]
    return capped if sum(hi for _, hi in capped) >= pool else bounds


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


def _fit_shares(
    shares: dict[str, float], channels: list[str], pool: float, bounds: list[tuple[float, float]]
) -> np.ndarray:
    """`pool` split in `shares` (even where none has any), moved inside the bounds."""
    raw = np.array([shares.get(c, 0.0) for c in channels])
    raw = raw / raw.sum() if raw.sum() > 0 else np.full(len(channels), 1 / len(channels))
    lo, hi = np.array([b[0] for b in bounds]), np.array([b[1] for b in bounds])
    return _exact_sum(fit_into(raw * pool, pool, lo, hi), pool, bounds)


def budget_allocate(
    total: float,
    *,
    sim: Simulator | None = None,
    facts: pd.DataFrame | None = None,
    last_year: Period | None = None,
    current_plan: dict[str, float] | None = None,
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
) -> Allocation:
    """Allocate `total` (元) over the budget structure's categories (if any) and the channel pool
    over channels.

    Args:
        total: the budget to allocate, in 元.
        sim: the workspace's mix model made ready for the period and scope; None: no model yet,
            the pool follows last year's shares.
        facts: KPI history with spend and revenue per channel; without it, channels are not split.
        last_year: the period whose spend shares are the baseline (last year's same period).
        current_plan: the plan's amounts per channel, when the workspace has one, to compare with.
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
    roi = historical_roi(facts) if facts is not None and not facts.empty else {}
    shares, shares_label = (
        spend_shares(facts, last_year) if facts is not None and not facts.empty else ({}, "")
    )
    channels = list(sim.names) if sim is not None else [c for c in shares if c in roi]
    head = f"rules {structure} + " if structure else "all to channels: "
    if not channels or pool <= 0:
        return Allocation(
            total=total,
            method=f"rules: {structure} by category" if structure else "no budget structure: all to channels",
            categories=categories,
            channels=[],
            expected_revenue=None,
        )
    n = len(channels)
    bounds = line_bounds(
        channels, roi, pool, min(min_share, 1 / n), max(max_share, 1 / n), roi_floor, roi_bonus
    )
    if sum(hi for _, hi in bounds) < pool:  # caps cannot absorb the pool: relax the caps evenly
        bounds = [(lo, pool) for lo, _ in bounds]
    baseline = _fit_shares(shares, channels, pool, bounds)
    if sim is None:
        return Allocation(
            total=total,
            method=head + f"last year's shares ({shares_label}): no mix model fitted yet",
            categories=categories,
            channels=[
                _line(
                    c,
                    float(a),
                    pool,
                    roi.get(c),
                    None,
                    (lo, hi),
                    f"按 {shares_label} 的投放占比（模型尚未拟合）",
                )
                for c, a, (lo, hi) in zip(channels, baseline, bounds, strict=True)
            ],
            expected_revenue=None,
        )
    bounds = _within_history(sim, bounds, pool)
    amounts = _exact_sum(optimise(sim, pool, bounds, start=baseline), pool, bounds)
    per_channel = sim.by_channel(amounts).mean(0)
    slopes = marginal(sim, amounts)
    lines = []
    for i, (c, amt, (lo, hi)) in enumerate(zip(channels, amounts, bounds, strict=True)):
        r = roi.get(c)
        if roi_floor is not None and r is not None and r < roi_floor:
            note = f"历史 ROI {r:.2f} 低于门槛 {roi_floor:g}，仅保留最低投入"
        elif roi_bonus is not None and r is not None and r > roi_bonus:
            note = f"历史 ROI {r:.2f} 高于 {roi_bonus:g}，上限上调；按边际回报分配"
        else:
            note = f"边际回报 {slopes[i]:.2f}，按边际回报分配"
        lines.append(_line(c, float(amt), pool, r, float(per_channel[i]), (lo, hi), note, float(slopes[i])))
    ours = sim.outcome(amounts)
    comparisons = [_compare(sim, ours, "last_year_shares", shares_label, channels, baseline)]
    if current_plan and any(current_plan.get(c) for c in channels):
        plan = _fit_shares(current_plan, channels, pool, [(0.0, pool)] * n)
        comparisons.append(_compare(sim, ours, "current_plan", "plan", channels, plan))
    return Allocation(
        total=total,
        method=head + "marketing-mix model (adstock, saturation, demand by week): split by marginal return",
        categories=categories,
        channels=lines,
        expected_revenue=round(float(ours.mean()), 2),
        expected_range=summarise(ours),
        reallocations=propose_reallocations(
            sim,
            dict(zip(channels, amounts, strict=True)),
            plan_roi or {},
            actual_roi={**roi, **(actual_roi or {})},
            cap=max_step,
            bounds=dict(zip(channels, bounds, strict=True)),
        ),
        comparisons=comparisons,
        beyond_history=beyond_history(sim, amounts),
    )


def _line(
    channel: str,
    amount: float,
    pool: float,
    roi: float | None,
    revenue: float | None,
    bounds: tuple[float, float],
    note: str,
    slope: float | None = None,
) -> ChannelLine:
    return ChannelLine(
        channel=channel,
        amount=amount,
        share_of_channels=round(amount / pool, 4),
        historical_roi=None if roi is None else round(roi, 3),
        expected_revenue=None if revenue is None else round(revenue, 2),
        expected_roi=round(revenue / amount, 3) if revenue is not None and amount else None,
        marginal_roi=None if slope is None else round(slope, 3),
        lower_bound=round(bounds[0], 2),
        upper_bound=round(bounds[1], 2),
        note=note,
    )


def _compare(
    sim: Simulator, ours: np.ndarray, basis: str, label: str, channels: list[str], amounts: np.ndarray
) -> Comparison:
    theirs = sim.outcome(amounts)
    return Comparison(
        basis=basis,
        label=label,
        amounts={c: round(float(a), 2) for c, a in zip(channels, amounts, strict=True)},
        expected_revenue=summarise(theirs),
        gain=summarise(ours - theirs),
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
    sim: Simulator, amounts: np.ndarray, source: int, target: int, top: float
) -> tuple[float, np.ndarray]:
    """The amount (up to `top`) to move from channel `source` to `target` that gains the most
    revenue by the model, and the gain per draw."""
    if top <= 0:
        return 0.0, np.zeros(sim.model.draws)
    grid = np.linspace(0.0, top, 21)
    plans = np.tile(amounts, (len(grid), 1))
    plans[:, source] -= grid
    plans[:, target] += grid
    outcome = sim.outcome(plans)  # plans × draws
    gains = outcome - outcome[0]
    best = int(np.argmax(gains.mean(1)))
    return float(grid[best]), gains[best]


def propose_reallocations(
    sim: Simulator,
    budget: dict[str, float],
    plan_roi: dict[str, float],
    *,
    actual_roi: dict[str, float] | None = None,
    threshold: float = 0.10,
    cap: float = MOVE_CAP,
    min_gain: float = MIN_GAIN,
    bounds: dict[str, tuple[float, float]] | None = None,
) -> list[Reallocation]:
    """When a channel's ROI misses plan by more than `threshold`, move money to the channel with
    the highest marginal return (by the model) among those not missing their own plan, sized by the
    model: where the gain is largest, at most `cap` of the source's period budget and never past
    either line's `bounds`. A move that would gain less than `min_gain` of the source's period
    revenue is reported as "no change", not proposed as noise.

    `budget` is each channel's budget (or spend) for the simulator's period."""
    names = list(sim.names)
    amounts = np.array([float(budget.get(c, 0.0)) for c in names])
    roi = actual_roi or {}

    def missing(ch: str) -> bool:
        plan, r = plan_roi.get(ch), roi.get(ch)
        return bool(plan) and r is not None and (plan - r) / plan > threshold  # type: ignore[operator, unused-ignore]

    out = []
    for ch, plan in sorted(plan_roi.items(), key=lambda kv: -budget.get(kv[0], 0.0)):
        if ch not in names or not plan or not budget.get(ch) or not missing(ch):
            continue
        i = names.index(ch)
        others = [j for j, o in enumerate(names) if o != ch and budget.get(o) is not None and not missing(o)]
        if not others:
            continue
        slopes = marginal(sim, amounts)
        j = max(others, key=lambda k: slopes[k])
        lo_i = (bounds or {}).get(ch, (0.0, np.inf))[0]
        hi_j = (bounds or {}).get(names[j], (0.0, np.inf))[1]
        top = max(min(cap * amounts[i], amounts[i] - lo_i, hi_j - amounts[j]), 0.0)
        amount, gains = size_move(sim, amounts, i, j, top)
        change = float(gains.mean())
        own = float(sim.by_channel(amounts)[:, i].mean())
        reason = f"{ch} ROI {roi[ch]:.2f} 低于计划 {plan:.2f} 超过 {threshold:.0%}"
        if amount <= 0 or change < min_gain * own:
            out.append(
                Reallocation(
                    from_channel=ch,
                    to_channel=names[j],
                    amount=0.0,
                    reason=reason + "；按模型最优调整的预期增益低于门槛，不调整",
                    expected_revenue_change=round(max(change, 0.0), 2),
                    status="no_change",
                )
            )
            continue
        spread = summarise(gains)
        beyond = (amounts[j] + amount) / len(sim.weeks) > EXTRAPOLATION * float(sim.largest[j])
        share = amount / amounts[i]
        amounts[i], amounts[j] = amounts[i] - amount, amounts[j] + amount
        out.append(
            Reallocation(
                from_channel=ch,
                to_channel=names[j],
                amount=round(amount, -2) if amount >= 1e4 else round(amount, 2),
                reason=reason,
                expected_revenue_change=round(change, 2),
                share_of_source=round(share, 4),
                expected_low=spread.low,
                expected_high=spread.high,
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
