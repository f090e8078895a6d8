"""The regional strategy: each region's performance, focus, channel mix, budget share and pilots.

Every region's row comes from the workspace's own data: its revenue against target, its CAC, its
AOV against the company's (tools/segments.py decides brand vs price), its two best channels by
ROI, and its share of the budget (of the revenue targets, else of the quarter's revenue).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from assistant.drafts.blocks import pilots
from assistant.drafts.context import Ctx
from assistant.drafts.document import Block
from assistant.drafts.numbers import NumberSource
from assistant.usecases import budgets
from tools.kpi import actual_value
from tools.metrics import get_metric
from tools.periods import parse_period
from tools.segments import Focus, region_focus


@dataclass(frozen=True)
class RegionFacts:
    region: str
    revenue: float | None
    deviation_pct: float | None
    cac: float | None
    focus: Focus
    mix: list[str]  # its two best channels by ROI
    budget_share: float
    src: NumberSource
    cac_src: NumberSource


def region_facts(ctx: Ctx, quarter: str) -> tuple[list[RegionFacts], str]:
    """Each region's facts for the quarter, and what the budget shares rest on."""
    shares, basis = budgets.region_shares(ctx.ws, quarter)
    company_aov, _ = ctx.lookup("aov", quarter)
    out = []
    for r in ctx.ws.regions:
        res, src = ctx.lookup("revenue", quarter, r)
        cac, csrc = ctx.lookup("cac", quarter, r)
        aov, _ = ctx.lookup("aov", quarter, r)
        roi = {
            c: actual_value(ctx.facts, get_metric("roi"), parse_period(quarter), region=r, channel=c) or 0
            for c in ctx.ws.channels
        }
        out.append(
            RegionFacts(
                region=r,
                revenue=res.actual,
                deviation_pct=res.deviation_pct,
                cac=cac.actual,
                focus=region_focus(aov.actual, company_aov.actual),
                mix=sorted(roi, key=lambda c: -roi[c])[:2],
                budget_share=shares[r] * 100,
                src=src,
                cac_src=csrc,
            )
        )
    return out, basis


def regional(ctx: Ctx, period: str | None) -> dict[str, list[Block]]:
    q = (
        period
        if period and parse_period(period).start <= pd.Timestamp(ctx.facts["date"].max())
        else ctx.latest_quarter
    )
    regions, basis = region_facts(ctx, q)
    share_src = ctx.src("region_shares", period=q, basis=basis)
    brand, price = ctx.cite(ctx.queries["brand"], 1)[0], ctx.cite(ctx.queries["price"], 1)[0]
    focus = {
        "brand": ctx.say("regional", "focus_brand", n=brand.n),
        "price": ctx.say("regional", "focus_price", n=price.n),
        "balanced": ctx.say("regional", "focus_balanced"),
    }
    rows = [
        [
            f.region,
            ctx.fig(f.revenue, "元", f.src) if f.revenue is not None else ctx.label("no_data"),
            ctx.fig(f.deviation_pct, "", f.src, pct=True)
            if f.deviation_pct is not None
            else ctx.label("not_applicable"),
            ctx.fig(f.cac, "元", f.cac_src) if f.cac is not None else ctx.label("no_data"),
            focus[f.focus],
            ctx.label("list_sep").join(f.mix),
            ctx.fig(f.budget_share, "%", share_src, digits=1),
        ]
        for f in regions
    ]
    table = Block(
        type="table",
        columns=[
            ctx.label(k)
            for k in ("region", "revenue", "deviation", "cac", "focus", "channel_mix", "budget_share")
        ],
        rows=rows,
    )
    pilot = ctx.cite(ctx.queries["pilot"], 1)[0]
    where = pilots(ctx, {f.region: (f.deviation_pct, f.src) for f in regions})
    return {
        "table": [table],
        "reasoning": [ctx.quotes(ctx.queries["tiers"], 2), ctx.quotes(ctx.queries["climate"], 1)],
        "pilot": [
            Block(
                type="paragraph",
                text=ctx.say("regional", "pilot", regions=where, n=pilot.n, share_basis=basis),
            )
        ],
    }
