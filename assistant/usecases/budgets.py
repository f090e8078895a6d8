"""Budget allocation for a workspace: its own channels, its annual budget, its ROI plan."""

from __future__ import annotations

from typing import Literal

import pandas as pd
from pydantic import BaseModel, Field

from assistant.usecases.context import WorkspaceContext
from tools.budget import (
    Allocation,
    BeyondHistory,
    Reallocation,
    beyond_history,
    budget_allocate,
    channel_roi,
    fit_curves,
    period_share,
    propose_reallocations,
    region_share,
)
from tools.errors import InvalidArgument
from tools.kpi import actual_value, covered_days
from tools.metrics import get_metric
from tools.periods import parse_period, quarter_of
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
    # channels asked to spend more a week than twice their largest observed week: extrapolated
    beyond_history: list[BeyondHistory] = Field(default_factory=list)


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
    """
    policy = ctx.policy
    min_share = policy.min_share if min_share is None else min_share
    max_share = policy.max_share if max_share is None else max_share
    ctx.check_scope(region=region, channel=channel)
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
        )
    plan_roi, actual_roi = channel_roi(ctx.facts, ctx.targets, quarter.label)
    facts = ctx.facts[ctx.facts["region"] == region] if region else ctx.facts
    allocation = budget_allocate(
        float(total),
        weeks=asked.days / 7,
        facts=facts,
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
        beyond_history=beyond_history(
            facts, {c.channel: c.amount for c in allocation.channels}, weeks=asked.days / 7
        ),
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
    moves = propose_reallocations(
        fit_curves(ctx.facts),
        spend,
        plan_roi,
        actual_roi=actual_roi,
        threshold=ctx.threshold,
        weeks=weeks,
        cap=ctx.policy.max_step,
    )
    return Adjustment(
        period=p.label,
        review_period=quarter.label,
        weeks=round(weeks, 2),
        spend={k: round(v, 2) for k, v in spend.items()},
        moves=moves,
        effective_from=(p.end + pd.Timedelta(days=1)).date().isoformat(),
    )
