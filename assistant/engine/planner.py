"""Which tools the offline engine calls for an intent, step by step.

Step 0 gathers what the request needs; step 1 follows up on what step 0 found (diagnose the KPIs
that came back off target, compute the reallocation). No calls means: write the answer.
"""

from __future__ import annotations

import re
from typing import Any

from assistant.engine.intents import Intent, Vocabulary
from tools.metrics import get_metric

Call = tuple[str, dict[str, Any]]
HEALTH_METRICS = ("cac", "roi", "revenue", "conversions", "repurchase_rate")


def _clean(args: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in args.items() if v is not None}


def _search(query: str, k: int = 4, type: str | None = None) -> Call:
    return "search_knowledge", _clean({"query": query, "k": k, "type": type})


def _off_target(outputs: list[dict[str, Any]], limit: int = 3) -> list[dict[str, Any]]:
    looked = [o["result"] for o in outputs if o["name"] == "kpi_lookup" and "result" in o]
    bad = [r for r in looked if r["status"] == "off_target"]
    return sorted(bad, key=lambda r: -abs(r["deviation_pct"] or 0))[:limit]


def _wants_draft(text: str) -> bool:
    if re.search(
        r"不用写|不需要写|不必写|别写|no doc|no need to (write|draft)|don'?t (write|draft)", text, re.I
    ):
        return False
    return bool(re.search(r"起草|草拟|撰写|写一[份段个]|初稿|文档|draft|write|written", text, re.I))


def next_calls(
    intent: Intent, outputs: list[dict[str, Any]], *, step: int, vocabulary: Vocabulary | None = None
) -> list[Call]:
    k = intent.kind
    if k in ("out_of_scope", "refuse"):
        return []
    if step == 0:
        return _first_calls(intent, vocabulary or Vocabulary())
    if step == 1 and k == "diagnose" and not any(o["name"] == "kpi_diagnose" for o in outputs):
        bad = _off_target(outputs)
        if not bad:
            return []
        calls: list[Call] = [
            ("kpi_diagnose", {"metric": r["metric"], "period": r["period"], "lang": intent.lang}) for r in bad
        ]
        calls.append(_search(f"{get_metric(bad[0]['metric']).zh} 偏离目标 原因 诊断", k=3))
        return calls
    return []


def _first_calls(intent: Intent, vocabulary: Vocabulary) -> list[Call]:
    k, region, period = intent.kind, intent.region, intent.period
    if k == "kpi":
        return [
            (
                "kpi_lookup",
                _clean(
                    {"metric": intent.metric, "period": period, "region": region, "channel": intent.channel}
                ),
            )
        ]
    if k == "diagnose":
        if intent.metric:
            name = get_metric(intent.metric).zh
            return [
                ("kpi_diagnose", _clean({"metric": intent.metric, "period": period, "lang": intent.lang})),
                _search(f"{name} 偏离目标 原因 诊断 拆解", k=3),
            ]
        return [("kpi_lookup", _clean({"metric": m, "period": period})) for m in HEALTH_METRICS]
    if k == "forecast":
        args = {
            "metric": intent.metric or "revenue",
            "horizon": intent.horizon or 12,
            "region": region,
            "channel": intent.channel,
        }
        return [("forecast", _clean(args)), _search("数据预测 基础目标 挑战目标 季度评估", k=3)]
    if k == "budget":
        return [
            ("budget_allocate", _clean({"total": intent.amount, "period": period})),
            _search("预算分配 ROI 优先 40/30/30 动态调整", k=4),
        ]
    if k == "regional" and _wants_draft(intent.query):
        return [
            (
                "create_draft",
                _clean({"kind": "regional", "region": region, "period": period, "lang": intent.lang}),
            )
        ]
    if k == "regional":
        # each of the workspace's regions; AOV against the company's sets the suggested focus
        lookups: list[Call] = [
            ("kpi_lookup", _clean({"metric": m, "period": period, "region": r}))
            for r in vocabulary.region_names
            for m in ("revenue", "cac", "aov")
        ]
        return [
            *lookups,
            ("kpi_lookup", _clean({"metric": "aov", "period": period})),
            _search("区域分层 差异化 品牌 体验 价格 渠道覆盖", k=3),
            _search("小范围 试点 1-2 个区域 再推广", k=2),
        ]
    if k == "adjustment":
        return [("create_draft", _clean({"kind": "adjustment", "period": period, "lang": intent.lang}))]
    if k == "draft":
        args = {
            "kind": "section",
            "section": intent.section or "goals",
            "region": region,
            "period": period,
            "lang": intent.lang,
            "amount": intent.amount,
        }
        return [("create_draft", _clean(args))]
    return [_search(intent.query, k=5)]
