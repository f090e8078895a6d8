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
from tools.risks import Risk, capacity_risks, concentration_risks, forecast_risks, kpi_risks


def find(ctx: Any, looked: list, adj: Any, period: str) -> list[tuple[Risk, Any]]:
    """The report's risks with the provenance of their figures."""
    threshold = ctx.ws.threshold * 100
    found = [
        (r, ctx.src("kpi_lookup", metric=r.subject, period=period))
        for r in kpi_risks([x.model_dump() for x, _ in looked], threshold)
    ]
    cpc = {}  # against the same period a year earlier (no seasonality), else the period before
    basis = "year_earlier"
    for channel in adj.spend:
        change = kpis.lookup(ctx.ws, metric="cpc", period=period, channel=channel, compare=basis).comparison
        if change is None or change.change_pct is None:
            basis = "previous"
            change = kpis.lookup(
                ctx.ws, metric="cpc", period=period, channel=channel, compare=basis
            ).comparison
        cpc[channel] = change.change_pct if change else None
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
    target = find_target(
        ctx.targets, get_metric("revenue"), nxt, days=f.steps_forecast * 7 + f.steps_actual * 7
    )
    fsrc = ctx.src("forecast", metric="revenue", period=nxt.label)
    found += [(r, fsrc) for r in forecast_risks("revenue", f.lower, f.upper, target, "higher")]
    for r, _ in found:
        if r.kind == "forecast_crosses_target":
            r.evidence["period"] = nxt.label
    return found


def block(ctx: Any, risks: list[tuple[Risk, Any]]) -> Block:
    """Each risk as: what, the figures, the trigger to watch, the mitigation; then the playbook."""
    cite = ctx.cite("风险登记表 触发信号 预案 止损", 1)
    ref = f" [{cite[0].n}]" if cite else ""
    lines = []
    for r, src in risks:
        e = r.evidence
        name = (
            get_metric(r.subject).name(ctx.lang)
            if r.kind in ("near_threshold", "trending", "forecast_crosses_target")
            else r.subject
        )
        if r.kind == "near_threshold":
            lines.append(
                ctx.t(
                    f"- **{name}接近偏差线**：偏差 {ctx.fig(e['deviation_pct'], '%', src, digits=1)}，阈值 {ctx.fig(e['threshold_pct'], '%', src, digits=0)}。触发信号：下一次周报偏差超过阈值。应对：提前排查原因，准备调整方案。",
                    f"- **{name} is near the deviation line**: {ctx.fig(e['deviation_pct'], '%', src, digits=1)} against a {ctx.fig(e['threshold_pct'], '%', src, digits=0)} threshold. Trigger: the next weekly report past the line. Mitigation: look for the cause now and prepare the adjustment.",
                )
            )
        elif r.kind == "trending":
            lines.append(
                ctx.t(
                    f"- **{name}连续 3 期变差**：从 {ctx.fig(e['from'], get_metric(r.subject).unit, src)} 到 {ctx.fig(e['to'], get_metric(r.subject).unit, src)}。触发信号：再变差一期。应对：周监测中单列跟踪，拆解到渠道。",
                    f"- **{name} has worsened three periods running**: from {ctx.fig(e['from'], get_metric(r.subject).unit, src)} to {ctx.fig(e['to'], get_metric(r.subject).unit, src)}. Trigger: one more worse period. Mitigation: track it on its own line in the weekly review, broken down by channel.",
                )
            )
        elif r.kind == "concentration":
            lines.append(
                ctx.t(
                    f"- **花费集中在成本上升的{r.subject}**：占本期花费 {ctx.fig(e['share_pct'], '%', src, digits=1)}，点击单价{'同比' if e.get('basis') == 'year_earlier' else '环比'} {ctx.fig(e['cpc_change_pct'], '%', src, digits=1)}。触发信号：点击单价继续上涨或获客成本超线。应对：按建议调出预算，并设止损线。",
                    f"- **Spend concentrated in {r.subject}, whose costs are rising**: {ctx.fig(e['share_pct'], '%', src, digits=1)} of the period's spend, CPC {ctx.fig(e['cpc_change_pct'], '%', src, digits=1)} on {'a year earlier' if e.get('basis') == 'year_earlier' else 'the previous period'}. Trigger: CPC keeps rising or CAC crosses its line. Mitigation: move budget as recommended and set a stop-loss line.",
                )
            )
        elif r.kind == "capacity":
            lines.append(
                ctx.t(
                    f"- **{r.subject}承接能力未经验证**：调入 {ctx.fig(e['amount'], '元', src)} 后周花费超出其历史区间。触发信号：调入后两周 ROI 低于调出渠道。应对：先试点，分两步调入。",
                    f"- **{r.subject}'s capacity is untested**: after receiving {ctx.fig(e['amount'], '元', src)} its weekly spend exceeds its history. Trigger: its ROI falls below the source channel's within two weeks. Mitigation: pilot first and move the money in two steps.",
                )
            )
        else:
            lines.append(
                ctx.t(
                    f"- **{e['period']} 销售额可能不达标**：预测区间 {ctx.fig(e['lower'], '元', src)} ~ {ctx.fig(e['upper'], '元', src)}，目标 {ctx.fig(e['target'], '元', src)}。触发信号：月中实际低于预测中位数。应对：提前准备追加投放或促销预案。",
                    f"- **{e['period']} revenue may miss its target**: forecast interval {ctx.fig(e['lower'], '元', src)} to {ctx.fig(e['upper'], '元', src)} against a target of {ctx.fig(e['target'], '元', src)}. Trigger: mid-month actuals below the forecast median. Mitigation: prepare extra spend or a promotion in advance.",
                )
            )
    if not lines:
        lines.append(
            ctx.t(
                "- 数据中没有发现接近阈值、集中度或承接能力方面的风险。",
                "- The data shows no KPI near its line, no concentration and no capacity risk.",
            )
        )
    lines.append(
        ctx.t(
            f"\n每项风险按风险登记表跟踪：触发信号、责任人、预防措施和止损线{ref}。",
            f"\nTrack each risk in the risk register: trigger, owner, prevention and stop-loss line{ref}.",
        )
    )
    return Block(type="paragraph", text="\n".join(lines))
