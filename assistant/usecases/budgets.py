"""Budget allocation for a workspace: its own channels, its annual budget, its ROI plan."""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, Field, model_validator

from assistant.usecases.context import WorkspaceContext
from tools.budget import (
    Allocation,
    Reallocation,
    budget_allocate,
    channel_roi,
    historical_roi,
    line_bounds,
    period_share,
    propose_reallocations,
    region_share,
)
from tools.errors import DataError, InvalidArgument
from tools.kpi import actual_value, covered_days
from tools.metrics import get_metric
from tools.mmm import MixModel, Range, Simulator, optimise, plan_weeks, summarise
from tools.periods import Period, parse_period, quarter_of
from tools.seasons import MonthAmount, month_shares, split_by_month


class BudgetPlan(Allocation):
    """An allocation and what it rests on: where the total came from and which quarter's ROI
    decided the reallocations."""

    period: str  # the period the money is for
    review_period: str  # the quarter whose actual ROI against plan decided the reallocations
    region: str | None = None
    channel: str | None = None
    by_region: list[dict[str, float | str]] = Field(default_factory=list)  # per region, when split by region
    currency: str = "元"
    total_basis: str  # given | annual_budget | region_share
    annual_budget: float | None = None
    region_share: float | None = None
    period_share: float | None = None  # of the annual budget, for a period shorter than a year
    period_share_basis: str | None = None  # the year whose revenue targets gave it; None: calendar days
    # a quarter's money by month, in the same quarter's calendar-day shares a year earlier
    by_month: list[MonthAmount] = Field(default_factory=list)
    by_month_basis: str | None = None  # the quarter whose shares it follows; None for an even split
    # the workspace's rules this allocation applied (tools.policy.Policy): structure None means
    # no budget structure (the whole amount to the channels), a floor None means none
    structure: str | None = None  # "40/30/30"
    roi_floor: float | None = None
    roi_bonus: float | None = None
    min_share: float = 0.05
    max_share: float = 0.4
    model: ModelBasis


class ModelBasis(BaseModel):
    """Which fitted model an answer rests on, so it can say so."""

    state: str  # ready | stale (fitted on older facts) | none (not fitted yet: last year's shares)
    data_version: int | None = None
    fitted_at: str | None = None
    fit_mape: float | None = None
    weeks: int | None = None  # of the period the model simulated
    first_week: str | None = None


def model_basis(ctx: WorkspaceContext, sim: Simulator | None = None) -> ModelBasis:
    mix = ctx.mix
    return ModelBasis(
        state=ctx.mix_state,
        data_version=mix.data_version if mix else None,
        fitted_at=mix.revenue.fitted_at if mix else None,
        fit_mape=mix.revenue.fit_mape if mix else None,
        weeks=len(sim.weeks) if sim else None,
        first_week=sim.weeks[0].date().isoformat() if sim else None,
    )


def period_weeks(model: MixModel, period: Period) -> pd.DatetimeIndex:
    """The weeks a period's money is simulated over: those after the data's end (a quarter that has
    begun keeps its remaining weeks), or all of a period the data has already passed."""
    after = model.end + pd.Timedelta(weeks=1)
    if period.end >= after:
        return plan_weeks(max(period.start, after), period.end)
    return plan_weeks(period.start, period.end)


def simulator(
    ctx: WorkspaceContext,
    period: Period,
    *,
    region: str | None = None,
    channels: list[str] | None = None,
    metric: str = "revenue",
) -> Simulator | None:
    """The workspace's model made ready for a period and scope, or None without a fitted model."""
    if ctx.mix is None:
        return None
    model = ctx.mix.revenue if metric == "revenue" else ctx.mix.conversions
    if model is None:
        return None
    known = set(model.names)
    if channels and (unknown := [c for c in channels if c not in known]):
        raise InvalidArgument(
            f"the mix model has no channel {'、'.join(unknown)}: it knows {'、'.join(model.names)}"
        )
    if region and not any(c.region == region for c in model.cells):
        return None  # a region the model was not fitted on (newer data): no model answer for it
    return Simulator(
        model, period_weeks(model, period), region=region, channels=channels, events=tuple(ctx.policy.events)
    )


def allocate(
    ctx: WorkspaceContext,
    *,
    total: float | None = None,
    period: str | None = None,
    region: str | None = None,
    channel: str | None = None,
    by: Literal["channel", "region"] = "channel",
    min_share: float | None = None,
    max_share: float | None = None,
    channels: list[str] | None = None,
) -> BudgetPlan:
    """Split a budget by the workspace's budget structure (if it has one; the demo company's is
    40/30/30), the channel pool by the workspace's response curves within its bounds and ROI
    floors, and propose reallocations for channels whose ROI missed plan in `period` by more than
    the rule.

    Args:
        total: the amount; default the workspace's annual budget, for a quarter or month its share
            of the year's revenue targets (else of the year's days), for a region its share of the
            quarterly revenue targets.
        period: the period the money is for (2027-Q1, 2026-12, 2027); default the latest complete
            quarter. Reallocations are judged on the latest complete quarter of data up to it.
        region: allocate over this region's channel history only.
        channel: a budget for one channel: split across the regions by the channel's revenue in
            the review quarter (the 40/30/30 and channel rules do not apply inside one channel).
        by: also split the total across the workspace's regions (by their share of the revenue
            targets, else of the latest quarter's revenue).
        min_share: smallest share of the channel pool a channel keeps; default the workspace's.
        max_share: largest share of the channel pool a channel may take; default the workspace's.
        channels: split among these channels only (the others keep what they have).
    """
    policy = ctx.policy
    min_share = policy.min_share if min_share is None else min_share
    max_share = policy.max_share if max_share is None else max_share
    ctx.check_scope(region=region, channel=channel)
    for c in channels or []:
        ctx.check_scope(channel=c)
    window = ctx.require_data()
    asked = ctx.period(period, "quarter")
    quarter = asked if asked.kind == "quarter" else quarter_of(asked.start)
    if quarter.end > window.covered_until:  # money for a future period: review the latest actuals
        quarter = window.latest_quarter
    annual = ctx.profile.budget_for(policy.fiscal_year(asked.start.year, asked.start.month))
    share = None
    if channel and total is None:
        raise InvalidArgument(
            f"give the amount to allocate for {channel} (the annual budget is the company's)"
        )
    if total is not None:
        basis = "given"
    elif annual is None:
        raise InvalidArgument(
            f"workspace {ctx.name!r} has no annual budget for {asked.start.year} set: give the amount to "
            f"allocate, or set it on the settings page (planner workspace set {ctx.name} --annual-budget …)"
        )
    elif region and (share := region_share(ctx.targets, region)) is not None:
        total, basis = annual * share, "region_share"
    else:
        total, basis = annual, "annual_budget"
    part, part_basis = (1.0, None) if basis == "given" else period_share(ctx.targets, asked)
    total = round(float(total) * part, 2)  # a quarter gets its share of the year's money, not all of it
    if channel:
        return BudgetPlan(
            total=float(total),
            method=f"{channel}: split across regions by its revenue in {quarter.label}",
            categories=[],
            channels=[],
            expected_revenue=None,
            period=asked.label,
            review_period=quarter.label,
            region=region or None,
            channel=channel,
            by_region=_by_region(ctx, float(total), quarter.label, channel=channel),
            currency=ctx.currency,
            total_basis=basis,
            annual_budget=annual,
            model=model_basis(ctx),
        )
    plan_roi, actual_roi = channel_roi(ctx.facts, ctx.targets, quarter.label)
    facts = ctx.facts[ctx.facts["region"] == region] if region else ctx.facts
    sim = simulator(ctx, asked, region=region, channels=channels)
    allocation = budget_allocate(
        float(total),
        sim=sim,
        facts=facts if not channels else facts[facts["channel"].isin(channels)],
        last_year=asked.year_earlier(),
        current_plan=_spend_plan(ctx, asked, region),
        plan_roi=plan_roi,
        actual_roi=actual_roi,
        split=policy.split(),
        names=policy.names(),
        channel_category=policy.channel_category,
        min_share=min_share,
        max_share=max_share,
        roi_floor=policy.roi_floor,
        roi_bonus=policy.roi_bonus,
        max_step=policy.max_step,
    )
    split = _by_region(ctx, float(total), quarter.label) if by == "region" and not region else []
    months, basis_q = [], None
    if asked.kind == "quarter":
        shares = month_shares(ctx.facts, asked.year_earlier(), region=region)
        months = split_by_month(float(total), asked, shares)
        basis_q = asked.year_earlier().label if shares else None
    return BudgetPlan(
        **allocation.model_dump(),
        period=asked.label,
        review_period=quarter.label,
        by_region=split,
        region=region or None,
        currency=ctx.currency,
        total_basis=basis,
        annual_budget=annual,
        region_share=None if share is None else round(share, 4),
        period_share=None if part == 1.0 else round(part, 4),
        period_share_basis=part_basis,
        by_month=months,
        by_month_basis=basis_q,
        structure="/".join(f"{c.share * 100:g}" for c in policy.categories) or None,
        roi_floor=policy.roi_floor,
        roi_bonus=policy.roi_bonus,
        min_share=min_share,
        max_share=max_share,
        model=model_basis(ctx, sim),
    )


def region_shares(
    ctx: WorkspaceContext, quarter: str, channel: str | None = None
) -> tuple[dict[str, float], str]:
    """Each region's share of a budget, and what it rests on: "targets" (its share of the revenue
    targets) or, for one channel or without regional targets, the quarter whose revenue split it."""
    shares = {r: None if channel else region_share(ctx.targets, r) for r in ctx.regions}
    if all(v is not None for v in shares.values()):
        return {r: float(v or 0.0) for r, v in shares.items()}, "targets"
    revenue = get_metric("revenue")
    p = parse_period(quarter)
    values = {r: actual_value(ctx.facts, revenue, p, region=r, channel=channel) or 0.0 for r in ctx.regions}
    whole = sum(values.values()) or 1.0
    return {r: v / whole for r, v in values.items()}, p.label


def _by_region(
    ctx: WorkspaceContext, total: float, quarter: str, channel: str | None = None
) -> list[dict[str, float | str]]:
    shares, _ = region_shares(ctx, quarter, channel)
    return [
        {"region": r, "share": round(v, 4), "amount": round(total * v, 2)}
        for r, v in sorted(shares.items(), key=lambda kv: -kv[1])
    ]


class Adjustment(BaseModel):
    """The reallocations the deviation rule calls for in one period, sized on that period's spend."""

    period: str
    review_period: str  # the quarter whose planned channel ROI is the yardstick
    weeks: float
    spend: dict[str, float]  # each channel's spend in the period
    moves: list[Reallocation]
    effective_from: str  # the first day after the period: when the moves take effect
    model: ModelBasis


def adjustments(ctx: WorkspaceContext, *, period: str) -> Adjustment:
    """Which money to move after `period` (a month or quarter of actuals): channels whose ROI in the
    period's quarter missed plan by more than the rule give up to 20% of their period spend to the
    channel with the best marginal return, sized on the response curves; moves that would not
    matter are reported as "no change"."""
    p = ctx.period(period, "month")
    quarter = quarter_of(p.start)
    spend_metric = get_metric("spend")
    spend = {c: v for c in ctx.channels if (v := actual_value(ctx.facts, spend_metric, p, channel=c))}
    if not spend:
        raise InvalidArgument(f"no spend recorded for {p.label}: an adjustment needs the period's spend")
    weeks = (covered_days(ctx.facts, p) or p.days) / 7
    plan_roi, actual_roi = channel_roi(ctx.facts, ctx.targets, quarter.label)
    after = p.end + pd.Timedelta(days=1)
    nxt = parse_period(f"{after.year}-{after.month:02d}") if p.kind == "month" else quarter_of(after)
    sim = simulator(ctx, nxt)
    moves = (
        propose_reallocations(
            sim,
            {
                c: v / weeks * len(sim.weeks) for c, v in spend.items()
            },  # the period's run rate, over the next period
            plan_roi,
            actual_roi={**historical_roi(ctx.facts), **actual_roi},
            threshold=ctx.threshold,
            cap=ctx.policy.max_step,
            bounds=_policy_bounds(ctx, sim, sum(spend.values()) / weeks * len(sim.weeks)),
        )
        if sim is not None
        else []
    )
    return Adjustment(
        period=p.label,
        review_period=quarter.label,
        weeks=round(weeks, 2),
        spend={k: round(v, 2) for k, v in spend.items()},
        moves=moves,
        effective_from=(p.end + pd.Timedelta(days=1)).date().isoformat(),
        model=model_basis(ctx, sim),
    )


def _policy_bounds(ctx: WorkspaceContext, sim: Simulator, pool: float) -> dict[str, tuple[float, float]]:
    """The allocation's own bounds on each channel for a pool (the workspace's shares and ROI
    rules): a move never breaks them."""
    names, policy = list(sim.names), ctx.policy
    n = len(names)
    bounds = line_bounds(
        names,
        historical_roi(ctx.facts),
        pool,
        min(policy.min_share, 1 / n),
        max(policy.max_share, 1 / n),
        policy.roi_floor,
        policy.roi_bonus,
    )
    return dict(zip(names, bounds, strict=True))


def _spend_plan(ctx: WorkspaceContext, period: Period, region: str | None) -> dict[str, float]:
    """The workspace's planned spend per channel for the period, where its targets have one."""
    t = ctx.targets
    if t is None or t.empty:
        return {}
    rows = t[(t["metric"] == "spend") & (t["period"] == period.label) & (t["channel"] != "")]
    rows = rows[rows["region"] == (region or "")]
    return {str(c): float(v) for c, v in zip(rows["channel"], rows["target"], strict=True)}


# -- what-ifs ------------------------------------------------------------------------------------


class Change(BaseModel):
    """One change to a period's budget: cut or raise a channel, move money between two, add an
    amount (placed by marginal return unless a channel is named), or set the period's total (the
    plan's mix kept)."""

    action: Literal["cut", "raise", "move", "add", "set_total"]
    channel: str | None = Field(default=None, max_length=64)  # cut, raise, add: the channel; move: the source
    to_channel: str | None = Field(default=None, max_length=64)  # move: where it goes
    amount: float | None = Field(default=None, gt=0, le=1e13)  # in the workspace's currency
    share: float | None = Field(default=None, gt=0, le=1)  # of the channel's base (of the total for add)

    @model_validator(mode="after")
    def _complete(self) -> Change:
        if self.action in ("cut", "raise", "move") and not self.channel:
            raise ValueError(f"{self.action}: name the channel")
        if self.action == "move" and (not self.to_channel or self.to_channel == self.channel):
            raise ValueError("move: name a different channel the money goes to")
        if self.action == "set_total" and self.amount is None:
            raise ValueError("set_total: give the new total as the amount")
        if self.amount is None and self.share is None:
            raise ValueError(f"{self.action}: give an amount or a share")
        return self

    def size(self, base: float) -> float:
        """The amount: as given, or the share of `base`."""
        return float(self.amount) if self.amount is not None else float(self.share or 0.0) * base


class ScenarioLine(BaseModel):
    channel: str
    base: float
    new: float
    change: float


class Scenario(BaseModel):
    """A what-if: the period's base budget by channel, the changed one, and what the model expects
    the change to do (80% ranges from the model's draws)."""

    period: str
    region: str | None = None
    currency: str = "元"
    base_basis: str  # plan (the targets' spend) | last_year (the same weeks a year earlier) | run_rate
    base_label: str
    weeks: int
    changes: list[Change]
    lines: list[ScenarioLine]
    base_total: float
    new_total: float
    changed_base: float  # the base spend of what the changes touch
    revenue_base: Range
    revenue_new: Range
    revenue_change: Range
    conversions_change: Range | None = None  # where the data has conversions
    roi_base: float | None = None
    roi_new: float | None = None
    beyond: list[str] = Field(default_factory=list)  # channels taken outside the spend the model has seen
    placed_by_model: bool = False  # added money went where the marginal return is highest
    model: ModelBasis


def next_period(ctx: WorkspaceContext) -> Period:
    """The quarter a what-if is about by default: the one the week after the data's end is in."""
    window = ctx.require_data()
    return quarter_of(window.covered_until + pd.Timedelta(days=1))


def base_budget(
    ctx: WorkspaceContext, sim: Simulator, period: Period, region: str | None
) -> tuple[dict[str, float], str, str]:
    """The budget a what-if changes, per channel over the simulated weeks: the plan's spend where
    the targets have it, else the same weeks' spend a year earlier, else the latest run rate."""
    plan = _spend_plan(ctx, period, region)
    names = list(sim.names)
    if plan and all(c in plan for c in names):
        scale = len(sim.weeks) / max(len(plan_weeks(period.start, period.end)), 1)
        return {c: plan[c] * scale for c in names}, "plan", period.label
    spend = get_metric("spend")
    earlier = period.year_earlier()
    days = covered_days(ctx.facts, earlier)
    if days:
        last = {c: actual_value(ctx.facts, spend, earlier, region=region, channel=c) or 0.0 for c in names}
        if sum(last.values()) > 0:
            weekly = {c: v / (days / 7) for c, v in last.items()}
            return {c: weekly[c] * len(sim.weeks) for c in names}, "last_year", earlier.label
    weeks = sim.model.weeks
    return (
        {c: float(v) * len(sim.weeks) for c, v in zip(names, sim.recent_weekly, strict=True)},
        "run_rate",
        f"{weeks[-min(13, len(weeks))]}..{weeks[-1]}",
    )


def scenario(
    ctx: WorkspaceContext,
    changes: list[Change],
    *,
    period: str | None = None,
    region: str | None = None,
) -> Scenario:
    """What the changes would do to the period's revenue (and conversions, ROI), by the model."""
    if not changes:
        raise InvalidArgument("give at least one change (cut, raise, move, add or set_total)")
    ctx.check_scope(region=region)
    for ch in changes:
        for name in (ch.channel, ch.to_channel):
            if name:
                ctx.check_scope(channel=name)
    asked = parse_period(period) if period else next_period(ctx)
    sim = simulator(ctx, asked, region=region)
    if sim is None:
        raise DataError(
            f"workspace {ctx.name!r} has no fitted mix model yet"
            + (" (it is being fitted: try again in a minute)" if not ctx.facts.empty else "")
            + "; a what-if needs one"
        )
    base, basis, label = base_budget(ctx, sim, asked, region)
    names = list(sim.names)
    for name in {c for ch in changes for c in (ch.channel, ch.to_channel) if c} - set(names):
        raise InvalidArgument(f"the model has no spend for {name} in {asked.label}")
    new, placed = dict(base), False
    for ch in changes:
        if ch.action in ("cut", "move"):
            source = str(ch.channel)  # a cut or a move always names one (Change checks)
            x = min(ch.size(new[source]), new[source])
            new[source] -= x
            if ch.to_channel:
                new[ch.to_channel] += x
        elif ch.channel:  # raise, or add to a named channel
            new[ch.channel] += ch.size(new[ch.channel])
        elif ch.action == "add":
            new, placed = _place(sim, new, ch.size(sum(new.values()))), True
        else:  # set_total: the plan's mix kept
            whole = sum(new.values()) or 1.0
            new = {c: v * ch.size(whole) / whole for c, v in new.items()}
    before = np.array([base[c] for c in names])
    after = np.array([new[c] for c in names])
    outcome = sim.outcome(np.vstack([before, after]))
    conv_sim = simulator(ctx, asked, region=region, metric="conversions")
    conversions = None
    if conv_sim is not None and list(conv_sim.names) == names:
        got = conv_sim.outcome(np.vstack([before, after]))
        conversions = summarise(got[1] - got[0])
    return Scenario(
        period=asked.label,
        region=region,
        currency=ctx.currency,
        base_basis=basis,
        base_label=label,
        weeks=len(sim.weeks),
        changes=changes,
        lines=[
            ScenarioLine(
                channel=c, base=round(base[c], 2), new=round(new[c], 2), change=round(new[c] - base[c], 2)
            )
            for c in names
        ],
        base_total=round(float(before.sum()), 2),
        new_total=round(float(after.sum()), 2),
        changed_base=round(sum(base[c] for c in names if abs(new[c] - base[c]) > 0.5), 2),
        revenue_base=summarise(outcome[0]),
        revenue_new=summarise(outcome[1]),
        revenue_change=summarise(outcome[1] - outcome[0]),
        conversions_change=conversions,
        roi_base=round(float(outcome[0].mean()) / before.sum(), 3) if before.sum() else None,
        roi_new=round(float(outcome[1].mean()) / after.sum(), 3) if after.sum() else None,
        beyond=[names[i] for i in sim.beyond(after)],
        placed_by_model=placed,
        model=model_basis(ctx, sim),
    )


def _place(sim: Simulator, amounts: dict[str, float], extra: float) -> dict[str, float]:
    """Add `extra` where it earns most: each channel keeps what it has and may take more, within
    1.5x its largest observed week while the caps can hold it."""
    names = list(sim.names)
    now = np.array([amounts[c] for c in names])
    hi = np.minimum(now + extra, np.maximum(sim.caps, now))
    if hi.sum() < now.sum() + extra:
        hi = now + extra
    x = optimise(sim, float(now.sum() + extra), list(zip(now, hi, strict=True)))
    return dict(zip(names, (float(v) for v in x), strict=True))
