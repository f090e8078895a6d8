"""The risks section of an adjustment report: risks read from the data (tools/risks.py), each with
its trigger signal and mitigation, and the playbook that says how to run a risk register."""

from __future__ import annotations

from typing import Any

from assistant.drafts.document import Block
from assistant.usecases import forecasts, kpis
from tools.errors import PlannerError
from tools.kpi import find_target
from tools.metrics import get_metric
from tools.periods import parse_period
from tools.risks import (
    Risk,
    capacity_risks,
    concentration_risks,
    forecast_risks,
    kpi_risks,
    red_line_risks,
)


def cpc_changes(ctx: Any, period: str, channels: list[str]) -> tuple[dict[str, float | None], str]:
    """Each channel's CPC change against the same period a year earlier (free of seasonality), else
    against the period before; and which basis that was."""
    if "cpc" not in ctx.ws.metrics:
        return {}, "year_earlier"
    for basis in ("year_earlier", "previous"):
        out = {}
        for channel in channels:
            c = kpis.lookup(ctx.ws, metric="cpc", period=period, channel=channel, compare=basis).comparison
            out[channel] = c.change_pct if c else None
        if any(v is not None for v in out.values()):
            return out, basis
    return out, basis


def find(
    ctx: Any, looked: list, adj: Any, period: str, *, red_lines: list | None = None
) -> list[tuple[Risk, Any]]:
    """The report's risks with the provenance of their figures; `red_lines` are lookups judged
    against the workspace's red lines."""
    threshold = ctx.ws.threshold * 100
    found = [
        (r, ctx.src("kpi_lookup", metric=r.subject, period=period))
        for r in kpi_risks([x.model_dump() for x, _ in looked], threshold)
    ]
    for x, src in red_lines or []:
        found += [(r, src) for r in red_line_risks([x.model_dump()], threshold)]
    cpc, basis = cpc_changes(ctx, period, list(adj.spend))
    src = ctx.src("kpi_lookup", metric="cpc", period=period, compare=basis)
    for r in concentration_risks(adj.spend, cpc):
        r.evidence["basis"] = basis
        found.append((r, src))
    found += [(r, ctx.src("budget_adjustments", period=adj.period)) for r in capacity_risks(adj.moves)]
    window = ctx.ws.require_data()
    nxt = parse_period(period).next()
    while nxt.end <= window.covered_until:
        nxt = nxt.next()
    try:
        f = forecasts.forecast_period(ctx.ws, metric="revenue", period=nxt.label)
    except PlannerError:
        return found
    days = (f.steps_forecast + f.steps_actual) * 7  # the weeks the forecast sums: the target on those days
    target = find_target(ctx.targets, get_metric("revenue"), nxt, days=days)
    fsrc = ctx.src("forecast", metric="revenue", period=nxt.label)
    found += [(r, fsrc) for r in forecast_risks("revenue", f.lower, f.upper, target, "higher")]
    for r, _ in found:
        if r.kind == "forecast_crosses_target":
            r.evidence |= {
                "period": nxt.label,
                "days": days,
                "calendar_days": nxt.days,
                "full_target": find_target(ctx.targets, get_metric("revenue"), nxt),
            }
    return found


def block(ctx: Any, risks: list[tuple[Risk, Any]]) -> Block:
    """Each risk as: what, the figures, the trigger to watch, the mitigation; then the playbook."""
    cite = ctx.cite(ctx.queries["register"], 1)
    lines = [
        ctx.say("risks", r.kind, r=r, src=src, unit=get_metric(r.subject).unit)
        if r.kind in ("trending", "red_line_crossed", "near_red_line")
        else ctx.say("risks", r.kind, r=r, src=src)
        for r, src in risks
    ] or [ctx.say("risks", "none_found")]
    lines.append("\n" + ctx.say("risks", "register", ref=f" [{cite[0].n}]" if cite else ""))
    return Block(type="paragraph", text="\n".join(lines))
