"""The plan sections: goals, market, strategy, budget, monitoring, responsibilities.

Each section gathers typed facts from the use cases and the domain, lays out its tables, and has
its sentences written by `prompts/drafts/<lang>/plan.md.j2`.
"""

from __future__ import annotations

from dataclasses import dataclass

from assistant.drafts.blocks import kpi_table, pilots, problems
from assistant.drafts.context import Ctx
from assistant.drafts.document import Block
from assistant.drafts.numbers import NumberSource
from assistant.usecases import diagnosis, forecasts
from tools.kpi import actual_value, find_target
from tools.metrics import get_metric
from tools.periods import Period, parse_period, quarter_of
from tools.seasons import month_shares

PEAK = 1.15 / 3  # a month 15% above an even split of its quarter is a peak to plan around


@dataclass(frozen=True)
class Peak:
    """The plan quarter's seasonal peak, read from the same quarter a year earlier."""

    quarter: str
    reference: str
    month: int
    festival: str | None
    share_pct: float
    src: NumberSource


@dataclass(frozen=True)
class Goals:
    period: str  # the plan quarter
    weeks: int  # the weekly rows it sums (rows count in the quarter of their Monday)
    days: int  # its calendar days
    model: str
    base: float
    stretch: float
    stretch_pct: float
    src: NumberSource
    cac: float | None
    repurchase: float | None
    targets_src: NumberSource
    peak: Peak | None


def plan_quarter(ctx: Ctx, period: str | None) -> Period:
    """The quarter a plan is for: the one asked (or holding the month asked), else the first after
    the data."""
    if period:
        asked = parse_period(period)
        return asked if asked.kind == "quarter" else quarter_of(asked.start)
    return quarter_of(ctx.ws.require_data().covered_until).next()


def seasonal_peak(ctx: Ctx, quarter: Period, region: str | None) -> Peak | None:
    """The month that carried the quarter a year earlier, on calendar-day shares; None for an even
    quarter or without that year's data."""
    shares = month_shares(ctx.facts, quarter.year_earlier(), region=region)
    if not shares:
        return None
    top = max(shares, key=lambda s: s.share)
    if top.share < PEAK:
        return None
    src = ctx.src(
        "kpi_lookup",
        metric="revenue",
        period=quarter.year_earlier().label,
        region=region,
        basis="month shares",
    )
    return Peak(
        quarter=quarter.label,
        reference=quarter.year_earlier().label,
        month=int(top.month[-2:]),
        festival=top.festival,
        share_pct=top.share * 100,
        src=src,
    )


def _company_target(ctx: Ctx, metric: str, quarter: Period) -> float | None:
    """The company target for the plan quarter, else for the latest complete quarter (a plan
    quarter has no targets yet when the plan is what sets them)."""
    if metric not in ctx.ws.metrics:
        return None
    m = get_metric(metric)
    found = find_target(ctx.targets, m, quarter)
    return found if found is not None else find_target(ctx.targets, m, parse_period(ctx.latest_quarter))


def goals(ctx: Ctx, region: str | None, period: str | None) -> dict[str, list[Block]]:
    quarter = plan_quarter(ctx, period)
    f = forecasts.forecast_period(ctx.ws, metric="revenue", period=quarter.label, region=region)
    g = Goals(
        period=quarter.label,
        weeks=f.steps_actual + f.steps_forecast,
        days=quarter.days,
        model=f.model,
        base=f.base_target,
        stretch=f.stretch_target,
        stretch_pct=f.stretch_quantile * 100,
        src=ctx.src("forecast_period", metric="revenue", period=quarter.label, region=region),
        cac=_company_target(ctx, "cac", quarter),
        repurchase=_company_target(ctx, "repurchase_rate", quarter),
        targets_src=ctx.src("kpi_targets", metrics="cac,repurchase_rate"),
        peak=seasonal_peak(ctx, quarter, region),
    )
    lines = [ctx.say("plan", "revenue_goal", g=g)]
    if g.cac is not None:
        lines.append(ctx.say("plan", "cac_goal", g=g))
    if g.repurchase is not None:
        lines.append(ctx.say("plan", "repurchase_goal", g=g))
    if g.peak:
        lines.append(ctx.say("plan", "seasonality", p=g.peak))
    lines.append(ctx.say("plan", "smart", n=ctx.cite(ctx.queries["smart"], 2)[0].n))
    rows: list[list[str]] = []
    q = quarter_of(ctx.ws.require_data().covered_until)  # milestones from the quarter now under way
    while len(rows) < 4:
        if q.end > ctx.ws.require_data().covered_until:
            m = forecasts.forecast_period(ctx.ws, metric="revenue", period=q.label, region=region)
            src = ctx.src("forecast_period", metric="revenue", period=q.label, region=region)
            rows.append([q.label, ctx.fig(m.base_target, "元", src), ctx.fig(m.stretch_target, "元", src)])
        q = q.next()
    milestones = Block(
        type="table",
        columns=[ctx.label("quarter"), ctx.label("base_target"), ctx.label("stretch_target")],
        rows=rows,
    )
    return {
        "baseline": kpi_table(ctx, ("revenue", "cac", "roi", "repurchase_rate"), ctx.latest_quarter, region),
        "smart_kpis": [Block(type="paragraph", text="\n".join(lines))],
        "milestones": [milestones],
    }


def market(ctx: Ctx, region: str | None, period: str | None) -> dict[str, list[Block]]:
    q = ctx.latest_quarter
    rows = []
    for r in ctx.ws.regions:
        res, src = ctx.lookup("revenue", q, r)
        rows.append(
            [
                r,
                ctx.fig(res.actual, "元", src),
                ctx.fig(res.target, "元", src) if res.target is not None else ctx.label("not_set"),
                ctx.fig(res.deviation_pct, "", src, pct=True)
                if res.deviation_pct is not None
                else ctx.label("not_applicable"),
                ctx.status(res.status),
            ]
        )
    roi = {c: actual_value(ctx.facts, get_metric("roi"), parse_period(q), channel=c) for c in ctx.ws.channels}
    best = max(roi, key=lambda c: roi[c] or 0) if roi else None
    weak = "cac" if "cac" in ctx.ws.metrics else "revenue"
    diag = diagnosis.diagnose(ctx.ws, metric=weak, period=q, lang=ctx.lang)
    swot = [
        ctx.say(
            "plan",
            "swot_strength",
            channel=best,
            roi=roi[best],
            src=ctx.src("kpi_lookup", metric="roi", period=q, channel=best),
        )
        if best and roi[best] is not None
        else ctx.label("no_data"),
        ctx.say(
            "plan",
            "swot_weakness",
            metric_key=weak,
            deviation=diag.deviation_pct,
            src=ctx.src("kpi_diagnose", metric=weak, period=q),
        )
        if diag.deviation_pct is not None
        else ctx.label("no_data"),
        ctx.point(ctx.queries["opportunity"]),
        ctx.point(ctx.queries["threat"]),
    ]
    regions = Block(
        type="table",
        columns=[ctx.label(k) for k in ("region", "revenue", "target", "deviation", "status")],
        rows=rows,
    )
    return {
        "trends": [ctx.quotes(ctx.queries["trends"], 2)],
        "swot": [Block(type="table", columns=["S", "W", "O", "T"], rows=[swot])],
        "competitors": [ctx.quotes(ctx.queries["competitors"], 1)],
        "regions": [regions] if rows else [],
    }


def strategy(ctx: Ctx, region: str | None, period: str | None) -> dict[str, list[Block]]:
    q = ctx.latest_quarter
    gaps = {}
    for r in ctx.ws.regions:
        res, src = ctx.lookup("revenue", q, r)
        gaps[r] = (res.deviation_pct, src)
    pilot = ctx.cite(ctx.queries["pilot"], 1)[0]
    return {
        "problems": problems(ctx, "cac" if "cac" in ctx.ws.metrics else "revenue", q),
        "initiatives": [ctx.quotes(ctx.queries["targeting"], 1), ctx.quotes(ctx.queries["loyalty"], 2)],
        "pilots": [
            Block(type="paragraph", text=ctx.say("plan", "pilots", regions=pilots(ctx, gaps), n=pilot.n))
        ],
    }


def monitoring(ctx: Ctx, region: str | None, period: str | None) -> dict[str, list[Block]]:
    return {
        "dashboard": kpi_table(
            ctx, ("cac", "roi", "revenue", "conversions", "repurchase_rate"), ctx.latest_month, region
        ),
        "cadence": [ctx.quotes(ctx.queries["cadence"], 2)],
        "report": [ctx.quotes(ctx.queries["report"], 1)],
    }


def responsibilities(ctx: Ctx, region: str | None, period: str | None) -> dict[str, list[Block]]:
    lang = ctx.lang
    owners = Block(
        type="table",
        columns=[ctx.label("role"), ctx.label("responsibility")],
        rows=[[r[lang], r[f"duty_{lang}"]] for r in ctx.outline["roles"]],
    )
    q = plan_quarter(ctx, period)
    rows = []
    for step in ctx.outline["steps"]:
        rows.append([q.label, step[lang]])
        q = q.next()
    return {
        "owners": [owners, ctx.quotes(ctx.queries["liaison"], 1)],
        "timeline": [Block(type="table", columns=[ctx.label("quarter"), ctx.label("milestone")], rows=rows)],
    }
