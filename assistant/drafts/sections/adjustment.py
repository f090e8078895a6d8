"""The plan adjustment report: results on a consistent calendar, drivers, sized moves, risks."""

from __future__ import annotations

from assistant.drafts import risks
from assistant.drafts.blocks import chart_block, kpi_table, problems, realloc_lines, red_line_table
from assistant.drafts.context import Ctx
from assistant.drafts.document import Block
from assistant.usecases import budgets


def adjustment(ctx: Ctx, period: str | None) -> dict[str, list[Block]]:
    p = period or ctx.latest_month
    rule = ctx.cite(ctx.queries["cadence"], 1)[0]
    metrics = tuple(
        m for m in ("cac", "roi", "revenue", "conversions", "repurchase_rate") if m in ctx.ws.metrics
    )
    looked = [ctx.lookup(m, p) for m in metrics]
    lines = [ctx.lookup(x.metric, p, x.region or None, x.channel or None) for x in ctx.ws.policy.red_lines]
    lines = [(r, s) for r, s in lines if r.target_basis == "red_line" and r.actual is not None]
    off = sorted(
        [(r, s) for r, s in looked if r.status == "off_target"], key=lambda x: -abs(x[0].deviation_pct or 0)
    )
    analysis: list[Block] = []
    for r, _ in off[:3]:
        analysis += problems(ctx, r.metric, p)
    if not analysis:
        analysis = [Block(type="paragraph", text=ctx.say("adjustment", "nothing_off"))]
    # the money to move is the period's own channel spend, sized on the response curves
    adj = budgets.adjustments(ctx.ws, period=p)
    bsrc = ctx.src("budget_adjustments", period=adj.period, review_period=adj.review_period)
    cpc, basis = risks.cpc_changes(ctx, p, list(adj.spend))
    chart = chart_block(ctx, off[0][0].metric if off else "cac", p)
    risk = risks.block(ctx, risks.find(ctx, looked, adj, p, red_lines=lines))
    return {
        "background": [
            Block(
                type="paragraph",
                text=ctx.say(
                    "adjustment",
                    "background",
                    period=p,
                    threshold_pct=ctx.threshold_pct,
                    n=rule.n,
                    src=ctx.src("workspace", setting="threshold"),
                ),
            )
        ],
        "results": [*kpi_table(ctx, metrics, p), *red_line_table(ctx, lines), chart],
        "analysis": analysis,
        "recommendations": [
            realloc_lines(
                ctx,
                adj.moves,
                bsrc,
                spend=adj.spend,
                period=adj.period,
                effective_from=adj.effective_from,
                cpc=(cpc, basis, ctx.src("kpi_lookup", metric="cpc", period=p, compare=basis)),
            )
        ],
        "risks": [risk],
    }
