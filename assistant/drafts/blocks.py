"""Blocks several drafts share: KPI tables, budget tables, reallocations, problem analyses, the chart.

Tables are laid out here with headings from `prompts/drafts/labels.yaml`; sentences come from
`prompts/drafts/<lang>/blocks.md.j2`, given the facts objects below.
"""

from __future__ import annotations

from dataclasses import dataclass

from assistant.drafts.context import Ctx
from assistant.drafts.document import Block
from assistant.drafts.numbers import NumberSource
from assistant.usecases import diagnosis, forecasts
from tools.budget import Allocation, Reallocation
from tools.kpi import KpiResult, actual_value, covered_days, find_target
from tools.metrics import get_metric
from tools.periods import Period, parse_period
from tools.risks import cpc_rising
from tools.segments import pilot_regions


@dataclass(frozen=True)
class Move:
    """One reallocation as a report states it: sized against the source's spend, with its effect."""

    source: str
    target: str
    amount: float
    gain: float | None
    low: float | None
    high: float | None
    share_of_source: float | None
    source_spend: float | None
    period: str | None
    effective_from: str | None
    beyond_range: bool
    threshold_pct: float
    cap_pct: float
    src: NumberSource
    cpc_change_pct: float | None = None  # the source's CPC rise, when it is rising (tools/risks.py)
    cpc_basis: str | None = None
    cpc_src: NumberSource | None = None


def kpi_table(ctx: Ctx, metrics: tuple[str, ...], period: str, region: str | None = None) -> list[Block]:
    """The KPIs against their targets, and a note under the table for each target nobody entered
    (the sum of the regions' targets, say)."""
    rows, summed = [], []
    for m in (m for m in metrics if m in ctx.ws.metrics):  # the workspace's own metrics only
        r, src = ctx.lookup(m, period, region)
        unit = r.unit
        if r.target_basis:
            summed.append((r.metric_name, r.target_basis))
        rows.append(
            [
                r.metric_name,
                r.period,
                ctx.fig(r.actual, unit, src) if r.actual is not None else ctx.label("no_data"),
                ctx.fig(r.target, unit, src) if r.target is not None else ctx.label("not_set"),
                ctx.fig(r.deviation_pct, "", src, pct=True)
                if r.deviation_pct is not None
                else ctx.label("not_applicable"),
                ctx.status(r.status),
            ]
        )
    cols = [ctx.label(k) for k in ("kpi", "period", "actual", "target", "deviation", "status")]
    table = Block(type="table", columns=cols, rows=rows)
    if not summed:
        return [table]
    note = ctx.say("blocks", "summed_targets", summed=summed)
    return [table, Block(type="paragraph", text=note)]


def red_line_table(ctx: Ctx, lines: list[tuple[KpiResult, NumberSource]]) -> list[Block]:
    """The workspace's red lines in the period: each line, the actual, crossed or not."""
    if not lines:
        return []
    rows = []
    for r, src in lines:
        scope = " ".join(x for x in (r.region, r.channel) if x) or ctx.label("company")
        sign = "≤" if r.direction == "lower" else "≥"
        rows.append(
            [
                f"{scope} {r.metric_name} {sign} {ctx.fig(r.target, r.unit, src)}",
                ctx.fig(r.actual, r.unit, src),
                ctx.label("crossed") if r.status == "off_target" else ctx.label("within"),
            ]
        )
    cols = [ctx.label(k) for k in ("red_line", "actual", "status")]
    return [Block(type="table", columns=cols, rows=rows)]


def allocation_blocks(ctx: Ctx, a: Allocation, src: NumberSource) -> list[Block]:
    cats = Block(
        type="table",
        columns=[ctx.label(k) for k in ("category", "amount", "share")],
        rows=[
            [
                c.name_zh if ctx.lang == "zh" else c.category,
                ctx.fig(c.amount, "元", src),
                ctx.fig(c.share * 100, "%", src, digits=0),
            ]
            for c in a.categories
        ],
    )
    chans = Block(
        type="table",
        columns=[ctx.label(k) for k in ("channel", "amount", "historical_roi", "expected_roi")],
        rows=[
            [
                c.channel,
                ctx.fig(c.amount, "元", src),
                ctx.fig(c.historical_roi, "倍", src),
                ctx.fig(c.expected_roi, "倍", src),
            ]
            for c in a.channels
        ],
    )
    return [b for b, shown in ((cats, a.categories), (chans, a.channels)) if shown]


def realloc_lines(
    ctx: Ctx,
    moves: list[Reallocation],
    src: NumberSource,
    *,
    spend: dict[str, float] | None = None,
    period: str | None = None,
    effective_from: str | None = None,
    cpc: tuple[dict[str, float | None], str, NumberSource] | None = None,
) -> Block:
    """Each move with its size against the source's budget, its expected effect and range, the
    owner and the date; a move too small to matter is stated as "no change"."""
    lines = []
    for r in moves:
        move = Move(
            source=r.from_channel,
            target=r.to_channel,
            amount=r.amount,
            gain=r.expected_revenue_change,
            low=r.expected_low,
            high=r.expected_high,
            share_of_source=r.share_of_source,
            source_spend=(spend or {}).get(r.from_channel) if r.share_of_source is not None else None,
            period=period,
            effective_from=effective_from,
            beyond_range=r.beyond_fitted_range,
            threshold_pct=ctx.threshold_pct,
            cap_pct=ctx.ws.policy.max_step * 100,
            src=src,
            cpc_change_pct=cpc[0].get(r.from_channel)
            if cpc and cpc_rising(cpc[0].get(r.from_channel))
            else None,
            cpc_basis=cpc[1] if cpc else None,
            cpc_src=cpc[2] if cpc else None,
        )
        lines.append(ctx.say("blocks", "no_change" if r.status == "no_change" else "move", m=move))
    if not lines:
        lines.append(ctx.say("blocks", "keep", threshold_pct=ctx.threshold_pct, src=src))
    return Block(type="paragraph", text="\n".join(lines))


def problems(ctx: Ctx, metric: str, period: str) -> list[Block]:
    d = diagnosis.diagnose(ctx.ws, metric=metric, period=period, lang=ctx.lang, top=3)
    src = ctx.src("kpi_diagnose", metric=metric, period=period)
    head = ctx.say("blocks", "problem", d=d, src=src)
    rows = [
        [
            ctx.label(x.dimension),
            x.value,
            ctx.fig(x.share_of_gap * 100, "%", src, digits=0),
            ctx.fig(x.actual, d.unit, src),
            ctx.fig(x.expected, d.unit, src),
        ]
        for x in d.drivers
    ]
    table = Block(
        type="table",
        columns=[ctx.label(k) for k in ("dimension", "segment", "share_of_gap", "actual", "expected")],
        rows=rows,
    )
    return [Block(type="paragraph", text=head), table]


def chart_block(ctx: Ctx, metric: str, period: str) -> Block:
    """Monthly actual vs target for the year up to the latest complete month, then each of the next
    two months' forecast (whole months, on the same weeks as their targets)."""
    p = parse_period(period)
    window = ctx.ws.require_data()
    last = max(p, window.latest_month, key=lambda x: x.start)
    months = [parse_period(f"{p.start.year}-{m:02d}") for m in range(1, last.start.month + 1)]
    m = get_metric(metric)
    actual = [actual_value(ctx.facts, m, mp) for mp in months]
    target = [find_target(ctx.targets, m, mp, days=covered_days(ctx.facts, mp)) for mp in months]
    ahead: list[tuple[Period, float, float | None]] = []
    nxt = last.next()
    while len(ahead) < 2:
        if nxt.end > window.covered_until:
            f = forecasts.forecast_period(ctx.ws, metric=metric, period=nxt.label)
            weeks = f.steps_actual + f.steps_forecast
            ahead.append((nxt, f.value, find_target(ctx.targets, m, nxt, days=weeks * 7)))
        nxt = nxt.next()
    return Block(
        type="chart",
        chart={
            "title": ctx.say("blocks", "chart_title", metric_key=metric),
            "note": ctx.label("chart_note"),  # where the text-only rendering says the chart is
            "metric": metric,
            "x": [mp.label for mp in months] + [q.label for q, _, _ in ahead],
            "actual": [None if v is None else round(v, 4) for v in actual] + [None] * len(ahead),
            "target": [None if v is None else round(v, 4) for v in target + [t for _, _, t in ahead]],
            "forecast": [None] * len(months) + [round(float(v), 4) for _, v, _ in ahead],
        },
    )


def pilots(ctx: Ctx, gaps: dict[str, tuple[float | None, NumberSource]]) -> str:
    """The regions to pilot in (tools/segments.py), each with its deviation."""
    named = [
        ctx.say("blocks", "pilot_region", region=r, deviation=gaps[r][0], src=gaps[r][1])
        for r in pilot_regions({r: dev for r, (dev, _) in gaps.items()})
    ]
    return ctx.label("list_and").join(named) if named else ctx.say("blocks", "no_region")
