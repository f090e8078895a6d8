"""Budget allocation for a workspace: its own channels, its annual budget, its ROI plan."""

from __future__ import annotations

from assistant.usecases.context import WorkspaceContext
from tools.budget import Allocation, budget_allocate, channel_roi, region_share
from tools.errors import InvalidArgument
from tools.periods import quarter_of


class BudgetPlan(Allocation):
    """An allocation and what it rests on: where the total came from and which quarter's ROI
    decided the reallocations."""

    period: str
    region: str | None = None
    currency: str = "元"
    total_basis: str  # given | annual_budget | region_share
    annual_budget: float | None = None
    region_share: float | None = None


def allocate(
    ctx: WorkspaceContext,
    *,
    total: float | None = None,
    period: str | None = None,
    region: str | None = None,
    min_share: float = 0.05,
    max_share: float = 0.4,
) -> BudgetPlan:
    """Split a budget 40/30/30 by category, the channel pool by the workspace's response curves,
    and propose reallocations for channels whose ROI missed plan in `period` by more than the rule.

    Args:
        total: the amount; default the workspace's annual budget (for a region: its share of it,
            by the region's share of the quarterly revenue targets).
        period: the quarter whose planned ROI is checked; default the latest complete quarter.
        region: allocate over this region's channel history only.
        min_share: smallest share of the channel pool a channel keeps.
        max_share: largest share of the channel pool a channel may take.
    """
    ctx.check_scope(region=region)
    quarter = ctx.period(period, "quarter")
    if quarter.kind != "quarter":  # a month or week is reviewed against its quarter's ROI plan
        quarter = quarter_of(quarter.start)
    annual = ctx.profile.annual_budget
    share = None
    if total is not None:
        basis = "given"
    elif annual is None:
        raise InvalidArgument(
            f"workspace {ctx.name!r} has no annual budget set: give the amount to allocate, or set it "
            f"(planner workspace set {ctx.name} --annual-budget …)"
        )
    elif region and (share := region_share(ctx.targets, region)) is not None:
        total, basis = annual * share, "region_share"
    else:
        total, basis = annual, "annual_budget"
    plan_roi, actual_roi = channel_roi(ctx.facts, ctx.targets, quarter.label)
    facts = ctx.facts[ctx.facts["region"] == region] if region else ctx.facts
    allocation = budget_allocate(
        float(total),
        facts=facts,
        plan_roi=plan_roi,
        actual_roi=actual_roi,
        min_share=min_share,
        max_share=max_share,
    )
    return BudgetPlan(
        **allocation.model_dump(),
        period=quarter.label,
        region=region or None,
        currency=ctx.currency,
        total_basis=basis,
        annual_budget=annual,
        region_share=None if share is None else round(share, 4),
    )
