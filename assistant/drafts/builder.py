"""Build drafts from the tools and the knowledge base, every number registered with its provenance.

The builder fills the outline in `prompts/outlines/<section>.yaml` for the requested kind and
scope. Each figure goes through `Ctx.fig`, which formats it and records where it came from (tool,
inputs, data set version, time), so the number audit of an offline draft passes by construction;
with an LLM engine the model rewrites each section from these facts and the audit catches any
figure it invents.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from assistant.drafts import risks
from assistant.drafts.document import Block, Citation, DraftDoc, Section
from assistant.drafts.numbers import NumberRef, NumberSource, audit_text
from assistant.engine.compose import excerpt, fmt_num, fmt_pct
from assistant.services import Services
from assistant.usecases import WorkspaceContext, budgets, diagnosis, forecasts, kpis, workspace_context
from tools.budget import MOVE_CAP, Allocation
from tools.errors import DataError, PlannerError
from tools.kpi import STATUS_ZH, KpiResult, actual_value
from tools.metrics import METRICS, get_metric
from tools.periods import parse_period
from tools.segments import region_focus

SECTIONS = ("goals", "market", "strategy", "budget", "monitoring", "responsibilities")
STATUS_EN = {"on_track": "on track", "watch": "watch", "off_target": "off target", "no_target": "no target"}


@dataclass
class Ctx:
    services: Services
    ws: WorkspaceContext
    lang: str
    queries: dict[str, str] = field(default_factory=dict)  # the outline's knowledge-base searches
    numbers: list[NumberRef] = field(default_factory=list)
    citations: list[Citation] = field(default_factory=list)

    @property
    def facts(self) -> pd.DataFrame:
        return self.ws.facts

    @property
    def targets(self) -> pd.DataFrame:
        return self.ws.targets

    @property
    def version(self) -> int:
        return self.ws.data.version

    @property
    def latest_quarter(self) -> str:
        return self.ws.require_data().latest_quarter.label

    @property
    def latest_month(self) -> str:
        return self.ws.require_data().latest_month.label

    def t(self, zh: str, en: str) -> str:
        return zh if self.lang == "zh" else en

    def src(self, tool: str, **inputs: Any) -> NumberSource:
        return NumberSource(
            type="tool",
            tool=tool,
            inputs={k: v for k, v in inputs.items() if v is not None},
            dataset_version=self.version,
            at=datetime.now(UTC).isoformat(timespec="seconds"),
        )

    def fig(
        self, value: float | None, unit: str, source: NumberSource, *, pct: bool = False, digits: int = 2
    ) -> str:
        """Format a figure and record its provenance."""
        if value is None:
            return "—"
        text = fmt_pct(value) if pct else fmt_num(value, unit, digits)
        self.numbers.append(NumberRef(text=text, value=float(value), source=source))
        return text

    def cite(self, query: str, k: int = 2) -> list[Citation]:
        found = []
        for p in self.services.index.search(query, k=k, workspace=self.ws.name):
            existing = next((c for c in self.citations if c.chunk_id == p.chunk_id), None)
            if existing is None:
                existing = Citation(
                    n=len(self.citations) + 1,
                    doc_id=p.doc_id,
                    chunk_id=p.chunk_id,
                    title=p.title,
                    heading=p.heading,
                    text=p.text,
                )
                self.citations.append(existing)
            found.append(existing)
        return found

    def quotes(self, query: str, k: int = 2) -> Block:
        lines = [
            f"- **{c.title}** · {c.heading}：{excerpt(c.text, 160)} [{c.n}]" for c in self.cite(query, k)
        ]
        return Block(type="paragraph", text="\n".join(lines))

    def lookup(
        self, metric: str, period: str, region: str | None = None, channel: str | None = None
    ) -> tuple[KpiResult, NumberSource]:
        r = kpis.lookup(self.ws, metric=metric, period=period, region=region, channel=channel, lang=self.lang)
        return r, self.src("kpi_lookup", metric=metric, period=period, region=region, channel=channel)

    def status(self, s: str) -> str:
        return STATUS_ZH[s] if self.lang == "zh" else STATUS_EN[s]


def _outline(services: Services, name: str) -> dict[str, Any]:
    path = Path(services.settings.prompts_dir) / "outlines" / f"{name}.yaml"
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _sections(ctx: Ctx, outline: dict[str, Any], content: dict[str, list[Block]]) -> list[Section]:
    out = []
    for sub in outline["subsections"]:
        blocks = content.get(sub["id"], [])
        if sub["id"] == "basis":
            blocks = [
                Block(
                    type="paragraph",
                    text="\n".join(f"[{c.n}] {c.title} · {c.heading}" for c in ctx.citations),
                )
            ]
        out.append(Section(id=sub["id"], title=sub[ctx.lang], blocks=blocks))
    return out


# -- KPI table used by several sections -------------------------------------------------------
def _kpi_table(ctx: Ctx, metrics: tuple[str, ...], period: str, region: str | None = None) -> Block:
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


def _allocation_blocks(ctx: Ctx, a: Allocation, src: NumberSource) -> list[Block]:
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


def _realloc_lines(
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


# -- the section kinds -------------------------------------------------------------------------
def _goals(ctx: Ctx, region: str | None, period: str | None) -> dict[str, list[Block]]:
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
        "baseline": [_kpi_table(ctx, ("revenue", "cac", "roi", "repurchase_rate"), base_q, region)],
        "smart_kpis": [Block(type="paragraph", text="\n".join(goals))],
        "milestones": [milestones],
    }


def _market(ctx: Ctx, region: str | None, period: str | None) -> dict[str, list[Block]]:
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


def _problems(ctx: Ctx, metric: str, period: str) -> list[Block]:
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


def _pilot_regions(ctx: Ctx, gaps: list[tuple[float, str, NumberSource]]) -> str:
    """The (at most) two regions with the largest gaps, with their deviations: the seeds' rule of
    piloting a new strategy in one or two regions first."""
    named = [
        ctx.t(f" {r}（{ctx.fig(dev, '', src, pct=True)}）", f"{r} ({ctx.fig(dev, '', src, pct=True)})")
        for dev, r, src in gaps[:2]
    ]
    return ctx.t("和".join(named), " and ".join(named)) if named else ctx.t("一个区域", "one region")


def _strategy(ctx: Ctx, region: str | None, period: str | None) -> dict[str, list[Block]]:
    q = ctx.latest_quarter
    devs = []
    for r in ctx.ws.regions:
        res, src = ctx.lookup("revenue", q, r)
        devs.append((res.deviation_pct if res.deviation_pct is not None else 0.0, r, src))
    devs.sort()
    pilot = ctx.cite("新策略 先在 1-2 个区域 试点 再推广", 1)[0]
    pilots = ctx.t(
        f"先在偏差最大的{_pilot_regions(ctx, devs)}试点，见效后推广到其他区域 [{pilot.n}]。",
        f"Pilot first in {_pilot_regions(ctx, devs)}, the largest gaps; roll out once the pilot works [{pilot.n}].",
    )
    return {
        "problems": _problems(ctx, "cac", q),
        "initiatives": [
            ctx.quotes("数据驱动 精准营销 全域用户画像 智能投放", 1),
            ctx.quotes("三级 KOC 矩阵 私域 会员 复购", 2),
        ],
        "pilots": [Block(type="paragraph", text=pilots)],
    }


def _budget(ctx: Ctx, region: str | None, period: str | None, amount: float | None) -> dict[str, list[Block]]:
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
        "allocation": [Block(type="paragraph", text=intro), *_allocation_blocks(ctx, a, src)],
        "roi": [
            Block(
                type="paragraph",
                text=ctx.t(
                    f"渠道预算按各渠道响应曲线的边际回报分配，ROI 低于 4 的渠道只保留最低投入 [{rule.n}]。",
                    f"Channel money follows each channel's marginal return; channels under ROI 4 keep only the minimum [{rule.n}].",
                ),
            ),
            _realloc_lines(ctx, a.reallocations, src),
        ],
    }


def _monitoring(ctx: Ctx, region: str | None, period: str | None) -> dict[str, list[Block]]:
    return {
        "dashboard": [
            _kpi_table(
                ctx,
                ("cac", "roi", "revenue", "conversions", "repurchase_rate"),
                ctx.latest_month,
                region,
            )
        ],
        "cadence": [ctx.quotes("每周监测 每月评估 偏差超过 10% 启动调整", 2)],
        "report": [ctx.quotes("效果评估报告 背景 结果 分析 建议", 1)],
    }


def _responsibilities(ctx: Ctx, region: str | None, period: str | None) -> dict[str, list[Block]]:
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


def _regional(ctx: Ctx, period: str | None) -> dict[str, list[Block]]:
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
                    f"先在{_pilot_regions(ctx, gaps)}试点一个季度，达标后推广 [{pilot.n}]。预算占比按各区域销售目标占比建议。",
                    f"Pilot for one quarter in {_pilot_regions(ctx, gaps)}, then roll out [{pilot.n}]. Budget shares follow each region's share of the revenue target.",
                ),
            )
        ],
    }


def _adjustment(ctx: Ctx, period: str | None) -> dict[str, list[Block]]:
    p = period or ctx.latest_month
    rule = ctx.cite("每周监测 每月评估 偏差超过 10% 启动调整", 1)[0]
    metrics = tuple(
        m for m in ("cac", "roi", "revenue", "conversions", "repurchase_rate") if m in ctx.ws.metrics
    )
    looked = [ctx.lookup(m, p) for m in metrics]
    off = sorted(
        [(r, s) for r, s in looked if r.status == "off_target"], key=lambda x: -abs(x[0].deviation_pct or 0)
    )
    analysis: list[Block] = []
    for r, _ in off[:3]:
        analysis += _problems(ctx, r.metric, p)
    if not analysis:
        analysis = [
            Block(
                type="paragraph",
                text=ctx.t(
                    "本期没有指标超过偏差阈值。", "No KPI is past the deviation threshold this period."
                ),
            )
        ]
    # the money to move is the period's own channel spend, sized on the response curves
    adj = budgets.adjustments(ctx.ws, period=p)
    bsrc = ctx.src("budget_adjustments", period=adj.period, review_period=adj.review_period)
    chart = _chart(ctx, off[0][0].metric if off else "cac", p)
    risk = risks.block(ctx, risks.find(ctx, looked, adj, p))
    return {
        "background": [
            Block(
                type="paragraph",
                text=ctx.t(
                    f"按“每周监测、每月评估、偏差超过 10% 启动调整”的机制 [{rule.n}]，评估 {p} 的核心 KPI。",
                    f"Under the rule “monitor weekly, review monthly, adjust past a 10% deviation” [{rule.n}], this reviews the core KPIs of {p}.",
                ),
            )
        ],
        "results": [_kpi_table(ctx, metrics, p), chart],
        "analysis": analysis,
        "recommendations": [
            _realloc_lines(
                ctx, adj.moves, bsrc, spend=adj.spend, period=adj.period, effective_from=adj.effective_from
            )
        ],
        "risks": [risk],
    }


def _chart(ctx: Ctx, metric: str, period: str) -> Block:
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


def build_draft(
    services: Services,
    *,
    kind: str,
    section: str | None = None,
    scope: dict[str, str] | None = None,
    period: str | None = None,
    lang: str = "zh",
    amount: float | None = None,
    workspace: str = "default",
    ws: WorkspaceContext | None = None,
) -> DraftDoc:
    """Build a draft of one kind: a plan `section`, a `regional` strategy or an `adjustment` report."""
    scope = scope or {}
    if kind not in ("section", "regional", "adjustment"):
        raise PlannerError(f"unknown draft kind {kind!r}: use section, regional or adjustment")
    if kind == "section" and section not in SECTIONS:
        raise PlannerError(f"unknown section {section!r}: use {', '.join(SECTIONS)}")
    if period:
        parse_period(period)  # a clear error for a bad period
    ws = ws or workspace_context(services, workspace)
    ws.require_data()
    if kind == "regional" and not ws.regions:
        raise DataError(
            f"workspace {ws.name!r} has no regions in its data: a regional draft needs facts by region"
        )
    ws.check_scope(region=scope.get("region"), channel=scope.get("channel"))
    ctx = Ctx(services=services, ws=ws, lang=lang)
    region = scope.get("region")
    outline = _outline(services, section if kind == "section" else kind)  # type: ignore[arg-type]
    ctx.queries = outline.get("queries", {})
    if kind == "section":
        builders = {
            "goals": _goals,
            "market": _market,
            "strategy": _strategy,
            "monitoring": _monitoring,
            "responsibilities": _responsibilities,
        }
        content = (
            _budget(ctx, region, period, amount)
            if section == "budget"
            else builders[section](ctx, region, period)  # type: ignore[index]
        )
    elif kind == "regional":
        content = _regional(ctx, period)
    else:
        content = _adjustment(ctx, period)
    sections = _sections(ctx, outline, content)
    where = "、".join(f"{v}" for v in scope.values())
    title = f"{outline['title'][lang]}{'（' + where + '）' if where and lang == 'zh' else ' (' + where + ')' if where else ''}{' · ' + period if period else ''}"
    doc = DraftDoc(
        kind=kind,
        section=section,
        title=title,
        lang=lang,
        scope=scope,
        period=period,
        sections=sections,
        citations=ctx.citations,
        numbers=ctx.numbers,
        engine="offline",
        model="offline-rules-v2",
    )  # type: ignore[arg-type]
    return audit(doc)


def audit(doc: DraftDoc) -> DraftDoc:
    """Check every figure of the text against the provenance; replaces `numbers` with the figures found."""
    passages = {c.n: f"{c.title} {c.heading} {c.text}" for c in doc.citations}
    result, found = audit_text(doc.markdown_body(), doc.numbers, passages)
    return doc.model_copy(update={"audit": result, "numbers": found})
