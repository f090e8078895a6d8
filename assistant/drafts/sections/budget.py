"""The resources and budget section: the period's money, by category, channel and month.

The amount is the plan period's part of the annual budget (or the amount given, or a region's
share), allocated by the budget use case; the sentences are `prompts/drafts/<lang>/budget.md.j2`.
"""

from __future__ import annotations

from dataclasses import dataclass

from assistant.drafts.blocks import allocation_blocks, realloc_lines
from assistant.drafts.context import Ctx
from assistant.drafts.document import Block
from assistant.drafts.numbers import NumberSource
from assistant.drafts.sections.plan import PEAK
from assistant.usecases import budgets
from assistant.usecases.budgets import BudgetPlan


@dataclass(frozen=True)
class BudgetFacts:
    """Where the money comes from: the amount, the period it is for, and the shares behind it."""

    period: str
    total: float
    region: str | None
    annual: float | None
    region_share: float | None
    period_share: float | None
    period_share_basis: str | None
    months_basis: str | None
    peak: str | None
    peak_festival: str | None
    src: NumberSource
    share_src: NumberSource
    n: int  # the budgeting principle's citation
    structure: str | None  # the workspace's budget structure ("40/30/30"), None when it has none


def _budget_facts(ctx: Ctx, a: BudgetPlan, region: str | None, src: NumberSource) -> BudgetFacts:
    peak = max(a.by_month, key=lambda m: m.share) if a.by_month_basis and a.by_month else None
    peak = peak if peak and peak.share >= PEAK and peak.festival else None
    return BudgetFacts(
        period=a.period,
        total=a.total,
        region=region,
        annual=a.annual_budget,
        region_share=a.region_share if a.total_basis == "region_share" else None,
        period_share=a.period_share if a.total_basis != "given" else None,
        period_share_basis=a.period_share_basis,
        months_basis=a.by_month_basis,
        peak=peak.month if peak else None,
        peak_festival=peak.festival if peak else None,
        src=src,
        share_src=ctx.src(
            "kpi_targets", metric="revenue", region=region, period=a.period, basis="share of revenue targets"
        ),
        n=ctx.cite(ctx.queries["principle"], 1)[0].n,
        structure=a.structure,
    )


def budget(ctx: Ctx, region: str | None, period: str | None, amount: float | None) -> dict[str, list[Block]]:
    a = budgets.allocate(ctx.ws, total=amount, region=region, period=period)  # money for the plan period
    src = ctx.src("budget_allocate", total=a.total, region=region, period=a.period, basis=a.total_basis)
    facts = _budget_facts(ctx, a, region, src)
    allocation = [
        Block(type="paragraph", text=ctx.say("budget", "intro", b=facts)),
        *allocation_blocks(ctx, a, src),
    ]
    if a.by_month:
        allocation += [
            Block(type="paragraph", text=ctx.say("budget", "months", b=facts)),
            Block(
                type="table",
                columns=[ctx.label(k) for k in ("month", "amount", "share")],
                rows=[
                    [
                        m.month
                        + (
                            f"（{m.festival}）"
                            if m.festival and ctx.lang == "zh"
                            else f" ({m.festival})"
                            if m.festival
                            else ""
                        ),
                        ctx.fig(m.amount, "元", src),
                        ctx.fig(m.share * 100, "%", src, digits=1),
                    ]
                    for m in a.by_month
                ],
            ),
        ]
    rule = ctx.cite(ctx.queries["roi_rule"], 1)[0]
    return {
        "needs": [ctx.quotes(ctx.queries["needs"], 2)],
        "allocation": allocation,
        "roi": [
            Block(
                type="paragraph",
                text=ctx.say(
                    "budget",
                    "roi",
                    n=rule.n,
                    floor=a.roi_floor,
                    src=ctx.src("workspace", setting="roi_floor"),
                ),
            ),
            realloc_lines(ctx, a.reallocations, src),
        ],
    }
