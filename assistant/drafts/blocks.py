"""Blocks several drafts share: KPI tables, budget tables, reallocations, problem analyses, the chart."""

from __future__ import annotations

from assistant.drafts.context import Ctx
from assistant.drafts.document import Block
from assistant.drafts.numbers import NumberSource
from assistant.usecases import diagnosis, forecasts
from tools.budget import MOVE_CAP, Allocation
from tools.kpi import actual_value
from tools.metrics import METRICS, get_metric
from tools.periods import parse_period


def kpi_table(ctx: Ctx, metrics: tuple[str, ...], period: str, region: str | None = None) -> Block:
    rows = []
    for m in (m for m in metrics if m in ctx.ws.metrics):  # the workspace's own metrics only
        r, src = ctx.lookup(m, period, region)
        unit = r.unit
        rows.append(
            [
                r.metric_name,
                r.period,
                ctx.fig(r.actual, unit, src) if r.actual is not None else ctx.t("无数据", "no data"),
                ctx.fig(r.target, unit, src) if r.target is not None else ctx.t("未设目标", "not set"),
                ctx.fig(r.deviation_pct, "", src, pct=True)
                if r.deviation_pct is not None
                else ctx.t("不适用", "n/a"),
                ctx.status(r.status),
            ]
        )
    cols = [
        ctx.t("指标", "KPI"),
        ctx.t("期间", "Period"),
        ctx.t("实际", "Actual"),
        ctx.t("目标", "Target"),
        ctx.t("偏差", "Deviation"),
        ctx.t("状态", "Status"),
    ]
    return Block(type="table", columns=cols, rows=rows)


def allocation_blocks(ctx: Ctx, a: Allocation, src: NumberSource) -> list[Block]:
    cats = Block(
        type="table",
        columns=[ctx.t("类别", "Category"), ctx.t("金额", "Amount"), ctx.t("占比", "Share")],
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
        columns=[
            ctx.t("渠道", "Channel"),
            ctx.t("金额", "Amount"),
            ctx.t("历史 ROI", "Historical ROI"),
            ctx.t("预期 ROI", "Expected ROI"),
        ],
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
    return [cats, chans] if a.channels else [cats]


def realloc_lines(
    ctx: Ctx,
    moves: list,
    src: NumberSource,
    *,
    spend: dict[str, float] | None = None,
    period: str | None = None,
    effective_from: str | None = None,
) -> Block:
    """Each move with its size against the source's budget, its expected effect and range, the
    owner and the date; a move too small to matter is stated as "no change"."""
    lines = []
    for r in moves:
        if r.status == "no_change":
            lines.append(
                ctx.t(
                    f"- {r.from_channel} ROI 低于计划超过 10%，但移往{r.to_channel}的最优调整预期只增加 {ctx.fig(r.expected_revenue_change, '元', src)}，低于门槛：**不调整**，继续监测。",
                    f"- {r.from_channel}'s ROI misses plan by more than 10%, but the best move to {r.to_channel} would add only {ctx.fig(r.expected_revenue_change, '元', src)}, below the threshold: **no change**; keep monitoring.",
                )
            )
            continue
        base = (spend or {}).get(r.from_channel)
        size = (
            ctx.t(
                f"，占{r.from_channel} {period} 花费 {ctx.fig(base, '元', src)} 的 {ctx.fig(r.share_of_source * 100, '%', src, digits=0)}",
                f", {ctx.fig(r.share_of_source * 100, '%', src, digits=0)} of {r.from_channel}'s {period} spend of {ctx.fig(base, '元', src)}",
            )
            if base and r.share_of_source is not None
            else ""
        )
        band = (
            ctx.t(
                f"（{ctx.fig(80, '%', src, digits=0)} 区间 {ctx.fig(r.expected_low, '元', src)} ~ {ctx.fig(r.expected_high, '元', src)}，按两个渠道的响应曲线估算）",
                f" ({ctx.fig(80, '%', src, digits=0)} range {ctx.fig(r.expected_low, '元', src)} to {ctx.fig(r.expected_high, '元', src)}, from both channels' response curves)",
            )
            if r.expected_low is not None
            else ""
        )
        when = (
            ctx.t(
                f"负责人：{r.from_channel}与{r.to_channel}的投放负责人；{effective_from} 起生效。",
                f"Owners: the {r.from_channel} and {r.to_channel} leads; effective {effective_from}.",
            )
            if effective_from
            else ""
        )
        caution = (
            ctx.t(
                f"注意：{r.to_channel}的周花费将超出其历史区间，先小范围试点验证承接能力。",
                f"Caution: {r.to_channel}'s weekly spend would exceed anything in its history; pilot it first.",
            )
            if r.beyond_fitted_range
            else ""
        )
        lines.append(
            ctx.t(
                f"- **从{r.from_channel}调出 {ctx.fig(r.amount, '元', src)} 到{r.to_channel}**{size}。依据：{r.from_channel} ROI 低于计划超过 10%；按响应曲线调到两渠道边际回报接近（单次上限 {ctx.fig(MOVE_CAP * 100, '%', src, digits=0)}）。预期销售额变化 {ctx.fig(r.expected_revenue_change, '元', src)}{band}。{when}{caution}",
                f"- **Move {ctx.fig(r.amount, '元', src)} from {r.from_channel} to {r.to_channel}**{size}. Why: {r.from_channel}'s ROI misses plan by more than 10%; sized on the response curves until the marginal returns meet (at most {ctx.fig(MOVE_CAP * 100, '%', src, digits=0)} per adjustment). Expected revenue change {ctx.fig(r.expected_revenue_change, '元', src)}{band}. {when} {caution}".rstrip(),
            )
        )
    if not lines:
        lines.append(
            ctx.t(
                "- 本期没有渠道 ROI 低于计划 10% 以上，维持当前分配。",
                "- No channel's ROI misses plan by more than 10% this period: keep the allocation.",
            )
        )
    return Block(type="paragraph", text="\n".join(lines))


def problems(ctx: Ctx, metric: str, period: str) -> list[Block]:
    d = diagnosis.diagnose(ctx.ws, metric=metric, period=period, lang=ctx.lang, top=3)
    src = ctx.src("kpi_diagnose", metric=metric, period=period)
    head = ctx.t(
        f"{d.period} {d.metric_name}实际 {ctx.fig(d.actual, d.unit, src)}，目标 {ctx.fig(d.target, d.unit, src)}，偏差 {ctx.fig(d.deviation_pct, '', src, pct=True)}（{ctx.status(d.status)}）。",
        f"{d.period} {METRICS[metric].en}: actual {ctx.fig(d.actual, d.unit, src)}, target {ctx.fig(d.target, d.unit, src)}, deviation {ctx.fig(d.deviation_pct, '', src, pct=True)} ({ctx.status(d.status)}).",
    )
    rows = [
        [
            x.dimension
            if ctx.lang == "en"
            else {"region": "区域", "channel": "渠道", "region×channel": "区域×渠道"}[x.dimension],
            x.value,
            ctx.fig(x.share_of_gap * 100, "%", src, digits=0),
            ctx.fig(x.actual, d.unit, src),
            ctx.fig(x.expected, d.unit, src),
        ]
        for x in d.drivers
    ]
    table = Block(
        type="table",
        columns=[
            ctx.t("维度", "Dimension"),
            ctx.t("对象", "Segment"),
            ctx.t("解释偏差份额", "Share of gap"),
            ctx.t("实际", "Actual"),
            ctx.t("预期", "Expected"),
        ],
        rows=rows,
    )
    return [Block(type="paragraph", text=head), table]


def chart_block(ctx: Ctx, metric: str, period: str) -> Block:
    """Monthly actual vs target for the year up to the latest complete month, then each of the next
    two months' forecast (whole months, on the same weeks as their targets)."""
    from tools.kpi import covered_days, find_target

    p = parse_period(period)
    window = ctx.ws.require_data()
    last = max(p, window.latest_month, key=lambda x: x.start)
    months = [parse_period(f"{p.start.year}-{m:02d}") for m in range(1, last.start.month + 1)]
    m = get_metric(metric)
    actual = [actual_value(ctx.facts, m, mp) for mp in months]
    target = [find_target(ctx.targets, m, mp, days=covered_days(ctx.facts, mp)) for mp in months]
    ahead, nxt = [], last.next()
    while len(ahead) < 2:
        if nxt.end > window.covered_until:
            f = forecasts.forecast_period(ctx.ws, metric=metric, period=nxt.label)
            weeks = f.steps_actual + f.steps_forecast
            ahead.append((nxt, f.value, find_target(ctx.targets, m, nxt, days=weeks * 7)))
        nxt = nxt.next()
    return Block(
        type="chart",
        chart={
            "title": ctx.t(f"{m.zh}：实际 vs 目标 vs 预测", f"{m.en}: actual vs target vs forecast"),
            "metric": metric,
            "x": [mp.label for mp in months] + [q.label for q, _, _ in ahead],
            "actual": [None if v is None else round(v, 4) for v in actual] + [None] * len(ahead),
            "target": [None if v is None else round(v, 4) for v in target + [t for _, _, t in ahead]],
            "forecast": [None] * len(months) + [round(float(v), 4) for _, v, _ in ahead],
        },
    )


def pilot_regions(ctx: Ctx, gaps: list[tuple[float, str, NumberSource]]) -> str:
    """The (at most) two regions with the largest gaps, with their deviations: the seeds' rule of
    piloting a new strategy in one or two regions first."""
    named = [
        ctx.t(f" {r}（{ctx.fig(dev, '', src, pct=True)}）", f"{r} ({ctx.fig(dev, '', src, pct=True)})")
        for dev, r, src in gaps[:2]
    ]
    return ctx.t("和".join(named), " and ".join(named)) if named else ctx.t("一个区域", "one region")
