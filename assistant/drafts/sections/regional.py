"""The regional strategy: each region's performance, focus and pilots."""

from __future__ import annotations

import pandas as pd

from assistant.drafts.blocks import pilot_regions
from assistant.drafts.context import Ctx
from assistant.drafts.document import Block
from tools.kpi import actual_value
from tools.metrics import get_metric
from tools.periods import parse_period
from tools.segments import region_focus


def regional(ctx: Ctx, period: str | None) -> dict[str, list[Block]]:
    q = (
        period
        if period and parse_period(period).start <= pd.Timestamp(ctx.facts["date"].max())
        else ctx.latest_quarter
    )
    brand, price = ctx.cite(ctx.queries["brand"], 1)[0], ctx.cite(ctx.queries["price"], 1)[0]
    rows, gaps = [], []
    rev_targets = {r: (ctx.lookup("revenue", q, r)) for r in ctx.ws.regions}
    total_target = sum(res.target or 0 for res, _ in rev_targets.values())
    company_aov, _ = ctx.lookup("aov", q)
    for r in ctx.ws.regions:
        res, src = rev_targets[r]
        cac, csrc = ctx.lookup("cac", q, r)
        aov, _ = ctx.lookup("aov", q, r)
        roi = {
            c: actual_value(ctx.facts, get_metric("roi"), parse_period(q), region=r, channel=c) or 0
            for c in sorted(ctx.facts["channel"].unique())
            if c
        }
        mix = sorted(roi, key=lambda c: -roi[c])[:2]
        share = (res.target or 0) / total_target * 100 if total_target else None
        focus = {
            "brand": ctx.t(f"品牌与体验 [{brand.n}]", f"brand and experience [{brand.n}]"),
            "price": ctx.t(f"价格与渠道覆盖 [{price.n}]", f"price and reach [{price.n}]"),
            "balanced": ctx.t("品牌与价格兼顾", "brand and price balanced"),
        }[region_focus(aov.actual, company_aov.actual)]
        rows.append(
            [
                r,
                ctx.fig(res.actual, "元", src),
                ctx.fig(res.deviation_pct, "", src, pct=True),
                ctx.fig(cac.actual, "元", csrc),
                focus,
                "、".join(mix),
                ctx.fig(share, "%", src, digits=1),
            ]
        )
        gaps.append((res.deviation_pct or 0, r, src))
    gaps.sort()
    pilot = ctx.cite("新策略 先在 1-2 个区域 试点 再推广", 1)[0]
    table = Block(
        type="table",
        columns=[
            ctx.t("区域", "Region"),
            ctx.t("销售额", "Revenue"),
            ctx.t("偏差", "Deviation"),
            ctx.t("获客成本", "CAC"),
            ctx.t("建议重点", "Focus"),
            ctx.t("渠道组合", "Channel mix"),
            ctx.t("预算占比", "Budget share"),
        ],
        rows=rows,
    )
    return {
        "table": [table],
        "reasoning": [
            ctx.quotes(ctx.queries["tiers"], 2),
            ctx.quotes("气候 人群 适配 南方 多雨", 1),
        ],
        "pilot": [
            Block(
                type="paragraph",
                text=ctx.t(
                    f"先在{pilot_regions(ctx, gaps)}试点一个季度，达标后推广 [{pilot.n}]。预算占比按各区域销售目标占比建议。",
                    f"Pilot for one quarter in {pilot_regions(ctx, gaps)}, then roll out [{pilot.n}]. Budget shares follow each region's share of the revenue target.",
                ),
            )
        ],
    }
