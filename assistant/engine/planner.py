"""Which tools the offline engine calls for an intent, step by step.

Step 0 gathers what the request needs; step 1 follows up on what step 0 found (diagnose the KPIs
that came back off target, compute the reallocation). No calls means: write the answer.
"""

from __future__ import annotations

from typing import Any

from assistant.engine.intents import Intent
from tools.metrics import get_metric

Call = tuple[str, dict[str, Any]]
REGIONS = ("一线城市", "新一线城市", "二线城市", "下沉市场")
HEALTH_METRICS = ("cac", "roi", "revenue", "conversions", "repurchase_rate")
SECTION_QUERIES = {
    "goals": ["SMART 目标 季度里程碑 基础目标 挑战目标", "年度 KPI 体系 获客成本 复购率 数字化占比"],
    "market": ["市场环境 趋势 竞争对手 SWOT 竞品矩阵", "下沉市场 机会 威胁 流量成本 信息流 CPC 上涨"],
    "strategy": ["核心策略 数据驱动 精准营销 全域画像", "KOC 矩阵 私域运营 沉浸式 AR 体验"],
    "budget": ["预算分配 目标导向 ROI 优先 40/30/30", "资源需求 人力 技术 渠道 资源池"],
    "monitoring": ["监控 每周 每月 季度 复盘 偏差 10% 调整", "效果评估报告 背景 结果 分析 建议 看板 预警"],
}


def _clean(args: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in args.items() if v is not None}


def _search(query: str, k: int = 4, type: str | None = None) -> Call:
    return "search_knowledge", _clean({"query": query, "k": k, "type": type})


def _off_target(outputs: list[dict[str, Any]], limit: int = 3) -> list[dict[str, Any]]:
    looked = [o["result"] for o in outputs if o["name"] == "kpi_lookup" and "result" in o]
    bad = [r for r in looked if r["status"] == "off_target"]
    return sorted(bad, key=lambda r: -abs(r["deviation_pct"] or 0))[:limit]


def next_calls(intent: Intent, outputs: list[dict[str, Any]], *, step: int) -> list[Call]:
    k, region, period = intent.kind, intent.region, intent.period
    if k in ("out_of_scope", "refuse"):
        return []
    if step == 0:
        if k == "knowledge":
            return [_search(intent.query, k=5)]
        if k == "kpi":
            return [
                (
                    "kpi_lookup",
                    _clean(
                        {
                            "metric": intent.metric,
                            "period": period,
                            "region": region,
                            "channel": intent.channel,
                        }
                    ),
                )
            ]
        if k == "diagnose":
            if intent.metric:
                name = get_metric(intent.metric).zh
                return [
                    ("kpi_diagnose", _clean({"metric": intent.metric, "period": period})),
                    _search(f"{name} 偏离目标 原因 诊断 拆解", k=3),
                ]
            return [("kpi_lookup", _clean({"metric": m, "period": period})) for m in HEALTH_METRICS]
        if k == "forecast":
            return [
                (
                    "forecast",
                    _clean(
                        {
                            "metric": intent.metric or "revenue",
                            "horizon": intent.horizon or 12,
                            "region": region,
                            "channel": intent.channel,
                        }
                    ),
                ),
                _search("数据预测 基础目标 挑战目标 季度评估", k=3),
            ]
        if k == "budget":
            return [
                ("budget_allocate", _clean({"total": intent.amount, "period": period})),
                _search("预算分配 ROI 优先 40/30/30 动态调整", k=4),
            ]
        if k == "regional":
            return [
                ("kpi_lookup", _clean({"metric": m, "period": period, "region": r}))
                for r in REGIONS
                for m in ("revenue", "cac")
            ] + [
                _search("区域分层 一线城市 品牌 下沉市场 价格", k=3),
                _search("小范围 试点 1-2 个区域 再推广", k=2),
            ]
        if k == "adjustment":
            return [("kpi_lookup", _clean({"metric": m, "period": period})) for m in HEALTH_METRICS] + [
                _search("计划调整报告 偏差超过10% 启动调整", k=3)
            ]
        if k == "draft":
            section = intent.section or "goals"
            calls: list[Call] = [_search(q, k=3) for q in SECTION_QUERIES[section]]
            if section in ("goals", "monitoring"):
                calls += [
                    ("kpi_lookup", _clean({"metric": m, "region": region}))
                    for m in ("revenue", "cac", "roi", "repurchase_rate")
                ]
            if section == "goals":
                calls.append(("forecast", _clean({"metric": "revenue", "horizon": 13, "region": region})))
            if section == "budget":
                calls.append(("budget_allocate", _clean({"total": intent.amount})))
                calls += [("kpi_lookup", _clean({"metric": "roi", "region": region}))]
            if section == "strategy":
                calls.append(("kpi_diagnose", {"metric": "cac"}))
            if section == "market":
                calls += [("kpi_lookup", {"metric": "revenue", "region": r}) for r in REGIONS]
            return calls
        return [_search(intent.query, k=5)]
    if (
        step == 1
        and k in ("adjustment", "diagnose")
        and not any(o["name"] == "kpi_diagnose" for o in outputs)
    ):
        bad = _off_target(outputs)
        if not bad:
            return []
        calls = [("kpi_diagnose", {"metric": r["metric"], "period": r["period"]}) for r in bad]
        if k == "adjustment":
            calls.append(
                (
                    "budget_allocate",
                    {
                        "period": bad[0]["period"][:4] + f"-Q{(int(bad[0]['period'][5:7]) - 1) // 3 + 1}"
                        if len(bad[0]["period"]) == 7
                        else bad[0]["period"]
                    },
                )
            )
        else:
            calls.append(_search(f"{get_metric(bad[0]['metric']).zh} 偏离目标 原因 诊断", k=3))
        return calls
    return []
