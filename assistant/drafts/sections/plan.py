"""The plan sections: goals, market, strategy, budget, monitoring, responsibilities."""

from __future__ import annotations

import pandas as pd

from assistant.drafts.blocks import allocation_blocks, kpi_table, pilot_regions, problems, realloc_lines
from assistant.drafts.context import Ctx
from assistant.drafts.document import Block
from assistant.engine.compose import excerpt
from assistant.usecases import budgets, diagnosis, forecasts
from tools.kpi import actual_value
from tools.metrics import get_metric
from tools.periods import parse_period, quarter_of
from tools.seasons import month_shares


def _seasonality(ctx: Ctx, region: str | None, period: str | None) -> list[str]:
    """The plan quarter's peak month (the quarter asked, else the one after the data), from the
    same quarter a year earlier, on calendar-day shares."""
    asked = parse_period(period) if period else None
    nxt = (
        asked if asked and asked.kind == "quarter" else quarter_of(ctx.ws.require_data().covered_until).next()
    )
    shares = month_shares(ctx.facts, nxt.year_earlier(), region=region)
    if not shares:
        return []
    peak = max(shares, key=lambda s: s.share)
    if peak.share < 1.15 / 3:  # no month 15% above an even split: no peak to plan around
        return []
    src = ctx.src(
        "kpi_lookup", metric="revenue", period=nxt.year_earlier().label, region=region, basis="month shares"
    )
    name = f"{peak.month[-2:].lstrip('0')}月" + (f"（{peak.festival}）" if peak.festival else "")
    name_en = peak.month + (f" ({peak.festival})" if peak.festival else "")
    return [
        ctx.t(
            f"- 季节性：去年同季 {nxt.year_earlier().label} 中 {name} 占销售额的 {ctx.fig(peak.share * 100, '%', src, digits=1)}（按日历天折算），{nxt.label} 的月度目标和预算向该月倾斜。",
            f"- Seasonality: in {nxt.year_earlier().label}, {name_en} brought {ctx.fig(peak.share * 100, '%', src, digits=1)} of the quarter's revenue (on calendar days); weight {nxt.label}'s monthly targets and budget toward it.",
        )
    ]


def goals(ctx: Ctx, region: str | None, period: str | None) -> dict[str, list[Block]]:
    base_q = ctx.latest_quarter
    f = forecasts.forecast(ctx.ws, metric="revenue", horizon=13, region=region)
    fsrc = ctx.src("forecast", metric="revenue", horizon=13, region=region)
    cac_t = ctx.targets[(ctx.targets["metric"] == "cac") & (ctx.targets["region"] == "")]["target"]
    rep_t = ctx.targets[(ctx.targets["metric"] == "repurchase_rate") & (ctx.targets["region"] == "")][
        "target"
    ]
    tsrc = ctx.src("kpi_targets", metrics="cac,repurchase_rate")
    goals = [
        ctx.t(
            f"- 销售额：下一季度基础目标 {ctx.fig(f.targets.base, '元', fsrc)}，挑战目标 {ctx.fig(f.targets.stretch, '元', fsrc)}（{f.model} 预测的中位数与第 {ctx.fig(f.targets.stretch_quantile * 100, '', fsrc, digits=0)} 百分位）",
            f"- Revenue: next-quarter base target {ctx.fig(f.targets.base, '元', fsrc)}, stretch {ctx.fig(f.targets.stretch, '元', fsrc)} (median and {ctx.fig(f.targets.stretch_quantile * 100, '', fsrc, digits=0)}th percentile of the {f.model} forecast)",
        )
    ]
    if not cac_t.empty:
        goals.append(
            ctx.t(
                f"- 获客成本：每季度不高于 {ctx.fig(float(cac_t.iloc[0]), '元', tsrc)}",
                f"- CAC: at most {ctx.fig(float(cac_t.iloc[0]), '元', tsrc)} each quarter",
            )
        )
    if not rep_t.empty:
        goals.append(
            ctx.t(
                f"- 复购率：达到 {ctx.fig(float(rep_t.iloc[0]), '%', tsrc)}",
                f"- Repurchase rate: reach {ctx.fig(float(rep_t.iloc[0]), '%', tsrc)}",
            )
        )
    goals += _seasonality(ctx, region, period)
    smart = ctx.cite("SMART 原则 季度里程碑 基础目标 挑战目标", 2)
    goals.append(
        ctx.t(
            f"目标按 SMART 原则设定并按季度复核 [{smart[0].n}]。",
            f"Goals follow the SMART rule and are reviewed quarterly [{smart[0].n}].",
        )
    )
    f52 = forecasts.forecast(ctx.ws, metric="revenue", horizon=52, region=region, backtest=False)
    f52src = ctx.src("forecast", metric="revenue", horizon=52, region=region)
    by_q: dict[str, float] = {}
    for p in f52.points:
        d = pd.Timestamp(p.date)
        by_q[f"{d.year}-Q{(d.month - 1) // 3 + 1}"] = (
            by_q.get(f"{d.year}-Q{(d.month - 1) // 3 + 1}", 0.0) + p.forecast
        )
    milestones = Block(
        type="table",
        columns=[ctx.t("季度", "Quarter"), ctx.t("销售额里程碑（预测）", "Revenue milestone (forecast)")],
        rows=[[q, ctx.fig(v, "元", f52src)] for q, v in list(by_q.items())[:4]],
    )
    return {
        "baseline": [kpi_table(ctx, ("revenue", "cac", "roi", "repurchase_rate"), base_q, region)],
        "smart_kpis": [Block(type="paragraph", text="\n".join(goals))],
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
                ctx.fig(res.target, "元", src),
                ctx.fig(res.deviation_pct, "", src, pct=True),
                ctx.status(res.status),
            ]
        )
    roi = {
        c: actual_value(ctx.facts, get_metric("roi"), parse_period(q), channel=c)
        for c in sorted(ctx.facts["channel"].unique())
        if c
    }
    best = max(roi, key=lambda c: roi[c] or 0) if roi else None
    rsrc = ctx.src("kpi_lookup", metric="roi", period=q, channel=best)
    diag = diagnosis.diagnose(ctx.ws, metric="cac", period=q, lang=ctx.lang)
    dsrc = ctx.src("kpi_diagnose", metric="cac", period=q)
    opp = ctx.cite(ctx.queries["opportunity"], 1)[0]
    threat = ctx.cite(ctx.queries["threat"], 1)[0]
    swot = Block(
        type="table",
        columns=["S", "W", "O", "T"],
        rows=[
            [
                ctx.t(
                    f"{best} ROI {ctx.fig(roi.get(best), '倍', rsrc)}，回报最高",
                    f"{best} ROI {ctx.fig(roi.get(best), '倍', rsrc)}, the best return",
                )
                if best
                else "—",
                ctx.t(
                    f"获客成本偏差 {ctx.fig(diag.deviation_pct, '', dsrc, pct=True)}",
                    f"CAC deviation {ctx.fig(diag.deviation_pct, '', dsrc, pct=True)}",
                ),
                ctx.t(f"{excerpt(opp.heading, 24)} [{opp.n}]", f"{excerpt(opp.heading, 24)} [{opp.n}]"),
                ctx.t(f"流量成本上升 [{threat.n}]", f"Rising traffic costs [{threat.n}]"),
            ]
        ],
    )
    return {
        "trends": [ctx.quotes("营销趋势 AI 个性化 社交电商 信任 可持续", 2)],
        "swot": [swot],
        "competitors": [ctx.quotes("竞争对手 A 公司 B 公司 C 公司 策略", 1)],
        "regions": [
            Block(
                type="table",
                columns=[
                    ctx.t("区域", "Region"),
                    ctx.t("销售额", "Revenue"),
                    ctx.t("目标", "Target"),
                    ctx.t("偏差", "Deviation"),
                    ctx.t("状态", "Status"),
                ],
                rows=rows,
            )
        ],
    }


def strategy(ctx: Ctx, region: str | None, period: str | None) -> dict[str, list[Block]]:
    q = ctx.latest_quarter
    devs = []
    for r in ctx.ws.regions:
        res, src = ctx.lookup("revenue", q, r)
        devs.append((res.deviation_pct if res.deviation_pct is not None else 0.0, r, src))
    devs.sort()
    pilot = ctx.cite("新策略 先在 1-2 个区域 试点 再推广", 1)[0]
    pilots = ctx.t(
        f"先在偏差最大的{pilot_regions(ctx, devs)}试点，见效后推广到其他区域 [{pilot.n}]。",
        f"Pilot first in {pilot_regions(ctx, devs)}, the largest gaps; roll out once the pilot works [{pilot.n}].",
    )
    return {
        "problems": problems(ctx, "cac", q),
        "initiatives": [
            ctx.quotes("数据驱动 精准营销 全域用户画像 智能投放", 1),
            ctx.quotes("三级 KOC 矩阵 私域 会员 复购", 2),
        ],
        "pilots": [Block(type="paragraph", text=pilots)],
    }


def budget(ctx: Ctx, region: str | None, period: str | None, amount: float | None) -> dict[str, list[Block]]:
    principle = ctx.cite("预算分配 40/30/30 技术类 内容类 渠道类", 1)[0]
    a = budgets.allocate(ctx.ws, total=amount, region=region, period=period)  # money for the plan period
    src = ctx.src("budget_allocate", total=a.total, region=region, period=a.period, basis=a.total_basis)
    total = ctx.fig(a.total, "元", src)
    share_note = ""
    if a.total_basis == "region_share":  # a regional plan gets the region's share of the company budget
        ssrc = ctx.src(
            "kpi_targets", metric="revenue", region=region, basis="share of quarterly revenue targets"
        )
        company = ctx.fig(a.annual_budget, "元", ssrc)
        pct = ctx.fig((a.region_share or 0) * 100, "%", ssrc, digits=1)
        share_note = ctx.t(
            f"（{region}销售目标占比 {pct}，按年度预算 {company} 分摊）",
            f" ({region} holds {pct} of the revenue targets, applied to the {company} annual budget)",
        )
    where = "" if share_note or not region else ctx.t(f"（{region}）", f" ({region})")
    intro = ctx.t(
        f"按“目标导向、ROI 优先、动态调整”与 40/30/30 结构分配 {total}{where}{share_note} [{principle.n}]：",
        f"Allocating {total}{where}{share_note} goal-first, ROI-first and adjusted quarterly, on the 40/30/30 structure [{principle.n}]:",
    )
    rule = ctx.cite("ROI 低于 1:4 优先 高于 1:6 追加", 1)[0]
    return {
        "needs": [ctx.quotes("资源需求 人力 技术 渠道 清单", 2)],
        "allocation": [Block(type="paragraph", text=intro), *allocation_blocks(ctx, a, src)],
        "roi": [
            Block(
                type="paragraph",
                text=ctx.t(
                    f"渠道预算按各渠道响应曲线的边际回报分配，ROI 低于 4 的渠道只保留最低投入 [{rule.n}]。",
                    f"Channel money follows each channel's marginal return; channels under ROI 4 keep only the minimum [{rule.n}].",
                ),
            ),
            realloc_lines(ctx, a.reallocations, src),
        ],
    }


def monitoring(ctx: Ctx, region: str | None, period: str | None) -> dict[str, list[Block]]:
    return {
        "dashboard": [
            kpi_table(
                ctx,
                ("cac", "roi", "revenue", "conversions", "repurchase_rate"),
                ctx.latest_month,
                region,
            )
        ],
        "cadence": [ctx.quotes("每周监测 每月评估 偏差超过 10% 启动调整", 2)],
        "report": [ctx.quotes("效果评估报告 背景 结果 分析 建议", 1)],
    }


def responsibilities(ctx: Ctx, region: str | None, period: str | None) -> dict[str, list[Block]]:
    owners = Block(
        type="table",
        columns=[ctx.t("角色", "Role"), ctx.t("职责", "Responsibility")],
        rows=[
            [
                ctx.t("计划负责人", "Plan owner"),
                ctx.t("目标拆解、周监测、月度复盘", "Targets, weekly monitoring, monthly review"),
            ],
            [
                ctx.t("协同联络员", "Liaison"),
                ctx.t("跨部门问题对接与升级", "Cross-department issues and escalation"),
            ],
            [
                ctx.t("数据分析", "Analyst"),
                ctx.t("看板、诊断与调整报告", "Dashboard, diagnosis, adjustment reports"),
            ],
            [ctx.t("评审人", "Reviewer"), ctx.t("评审与批准计划", "Review and approve the plan")],
        ],
    )
    start = parse_period(period) if period else parse_period(ctx.latest_quarter).next()
    q = (
        start
        if start.kind == "quarter"
        else parse_period(f"{start.start.year}-Q{(start.start.month - 1) // 3 + 1}")
    )
    steps = [
        ctx.t("调研与目标确认", "Research and targets"),
        ctx.t("试点执行", "Pilot"),
        ctx.t("评估与推广", "Review and roll-out"),
        ctx.t("复盘与下一轮计划", "Close the loop"),
    ]
    rows = []
    for step in steps:
        rows.append([q.label, step])
        q = q.next()
    return {
        "owners": [owners, ctx.quotes("协同联络员 协同平台 考核", 1)],
        "timeline": [
            Block(type="table", columns=[ctx.t("季度", "Quarter"), ctx.t("里程碑", "Milestone")], rows=rows)
        ],
    }
