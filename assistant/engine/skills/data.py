"""Data questions: a KPI's value against a base, rankings, why it is off target, forecasts and
budgets, each for the slice and period the planner named."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from assistant.engine.lexicon import CUES, mentions
from assistant.engine.skills import Skill, clean, search
from tools.metrics import HEADLINE_METRICS, get_metric
from tools.periods import parse_period

HEALTH_METRICS = HEADLINE_METRICS[:3]  # a status overview leads with these
_WHY = CUES["why"]
_FORECAST = CUES["forecast"]
_BUDGET = CUES["budget"]


def _future(intent, vocabulary) -> bool:
    """The period starts after the workspace's latest data and has not ended by today (a period
    the data is part-way through is a status question about a partial period unless the request
    asks for a forecast; one that has ended but is not imported yet is answered from the latest
    complete period, saying why)."""
    if not intent.period or vocabulary.covered_until is None:
        return False
    p = parse_period(intent.period)
    today = vocabulary.today or date.today()
    return p.start.date() > vocabulary.covered_until and p.end.date() >= today


def _compare(intent) -> Any:
    c = intent.compare
    return c if isinstance(c, float) or c in ("previous", "year_earlier") else None


def weeks_asked(intent, vocabulary) -> list[str]:
    """The weeks a week-by-week question asks for: those of the period it names, else the last N
    complete weeks of the data (N from "最近4周", default 4)."""
    if vocabulary.covered_until is None:
        return []
    last = intent.extra.get("weeks", "period")
    if not last.isdigit() and intent.period_said and intent.period:
        p = parse_period(intent.period)
        monday = p.start.date() + timedelta(days=(7 - p.start.weekday()) % 7)
        end = min(p.end.date(), vocabulary.covered_until - timedelta(days=6))
        weeks: list[date] = []
        while monday <= end and len(weeks) < 13:
            weeks.append(monday)
            monday += timedelta(weeks=1)
    else:
        end = vocabulary.covered_until - timedelta(days=6)
        end -= timedelta(days=end.weekday())
        n = max(1, min(int(last) if last.isdigit() else 4, 13))
        weeks = [end - timedelta(weeks=k) for k in reversed(range(n))]
    return [f"{d.isocalendar().year}-W{d.isocalendar().week:02d}" for d in weeks]


def _status_calls(intent, outputs, step, vocabulary) -> list:
    if step:
        return []
    scope = {"period": intent.period, "region": intent.region, "channel": intent.channel}
    if intent.extra.get("every"):  # every KPI with a target, against the line, and its parts
        metrics = list(vocabulary.targeted) or list(HEALTH_METRICS)
        parts = [d for d in ("region", "channel") if not scope[d]]
        return [("kpi_lookup", clean({"metric": m, **scope})) for m in metrics] + [
            ("kpi_rank", clean({"metric": m, "by": d, **scope})) for m in metrics for d in parts
        ]
    if intent.extra.get("weeks") and (weeks := weeks_asked(intent, vocabulary)):
        metric = intent.metric or "revenue"
        where = {"region": intent.region, "channel": intent.channel}
        month = parse_period(weeks[-1]).start.strftime("%Y-%m")
        period = month if intent.extra["weeks"].isdigit() or not intent.period_said else intent.period
        return [("kpi_lookup", clean({"metric": metric, "period": w, **where})) for w in weeks] + [
            ("kpi_lookup", clean({"metric": metric, "period": period, **where}))
        ]
    if intent.metric is None:
        return [("kpi_lookup", clean({"metric": m, **scope})) for m in HEALTH_METRICS]
    metrics = intent.extra["metrics"].split(",") if intent.extra.get("metrics") else [intent.metric]
    calls = [("kpi_lookup", clean({"metric": m, **scope, "compare": _compare(intent)})) for m in metrics]
    if base := intent.extra.get("base_period"):  # "比8月呢": the asked period beside the one named
        calls += [("kpi_lookup", clean({"metric": m, **scope, "period": base})) for m in metrics]
    other = intent.extra.get("with")
    if other and (intent.region or intent.channel):  # the slice against the company, or another slice
        region, _, channel = ("|" if other == "company" else other).partition("|")
        versus = {"period": intent.period, "region": region or None, "channel": channel or None}
        if versus != scope:
            calls += [
                ("kpi_lookup", clean({"metric": m, **versus, "compare": _compare(intent)})) for m in metrics
            ]
    return calls


def _rank_by(intent, vocabulary) -> str:
    if intent.by:
        return intent.by
    if len(mentions(vocabulary.channels, intent.query)) >= 2:
        return "channel"
    if len(mentions(vocabulary.regions, intent.query)) >= 2:
        return "region"
    return "channel" if intent.region and not intent.channel else "region"


def _rank_calls(intent, outputs, step, vocabulary) -> list:
    if step:
        return []
    by = _rank_by(intent, vocabulary)
    order = intent.order
    if order == "worst":  # who is to blame: the highest CAC, the lowest ROI, the least of its target
        lower = intent.metric and get_metric(intent.metric).direction == "lower"
        order = "desc" if lower and intent.extra.get("sort") != "completion" else "asc"
    args = {
        "metric": intent.metric,
        "by": by,
        "period": intent.period,
        "region": intent.region if by == "channel" else None,
        "channel": intent.channel if by == "region" else None,
        "order": order,
        "sort": intent.extra.get("sort"),
    }
    return [("kpi_rank", clean(args))]


def _why_calls(intent, outputs, step, vocabulary) -> list:
    if step == 0 and intent.metric:
        args = {
            "metric": intent.metric,
            "period": intent.period,
            "region": intent.region,
            "channel": intent.channel,
        }
        return [
            ("kpi_diagnose", clean(args | {"lang": intent.lang})),
            search(f"{get_metric(intent.metric).zh} 偏离目标 原因 诊断 拆解", k=3),
        ]
    if step == 0:
        return [("kpi_lookup", clean({"metric": m, "period": intent.period})) for m in HEADLINE_METRICS]
    if step == 1 and not intent.metric and not any(o["name"] == "kpi_diagnose" for o in outputs):
        bad = sorted(
            (
                o["result"]
                for o in outputs
                if o["name"] == "kpi_lookup" and o.get("result", {}).get("status") == "off_target"
            ),
            key=lambda r: -abs(r["deviation_pct"] or 0),
        )[:3]
        if not bad:
            return []
        return [
            ("kpi_diagnose", {"metric": r["metric"], "period": r["period"], "lang": intent.lang}) for r in bad
        ] + [search(f"{bad[0]['metric']} 偏离目标 原因 诊断", k=3)]
    return []


def _forecast_calls(intent, outputs, step, vocabulary) -> list:
    if step:
        return []
    args = {"metric": intent.metric or "revenue", "region": intent.region, "channel": intent.channel}
    if intent.period:
        args["period"] = intent.period
    elif intent.horizon:
        args["horizon"] = intent.horizon
    return [("forecast", clean(args)), search("数据预测 基础目标 挑战目标 弹性设定", k=3)]


def _budget_calls(intent, outputs, step, vocabulary) -> list:
    if step:
        return []
    by = "region" if intent.by == "region" and not intent.region else None
    args = {
        "total": intent.amount,
        "period": intent.period,
        "region": intent.region,
        "channel": intent.channel,
        "by": by,
    }
    return [("budget_allocate", clean(args)), search("预算分配 ROI 优先 40/30/30 动态调整", k=4)]


def _is_budget(intent, vocabulary) -> bool:
    q = intent.query.lower()
    return bool(re.search(_BUDGET, q)) and not re.search(_WHY, q)


budget = Skill(kind="budget", priority=50, detect=_is_budget, calls=_budget_calls)
forecast = Skill(
    kind="forecast",
    priority=55,
    detect=lambda i, v: (
        bool(re.search(_FORECAST, i.query.lower())) or (i.metric is not None and _future(i, v))
    ),
    calls=_forecast_calls,
)
diagnose = Skill(
    kind="diagnose",
    priority=60,
    detect=lambda i, v: (
        bool(re.search(_WHY, i.query.lower()))
        or (
            bool(
                re.search(
                    r"偏离|没达标|未达标|超标了|掉了|off[- ]target|miss(ed)? (the )?target", i.query.lower()
                )
            )
            and bool(re.search(r"为什么|为啥|why|原因", i.query.lower()))
        )
    ),
    calls=_why_calls,
    template="diagnose.md.j2",
)


def _is_rank(intent, vocabulary) -> bool:
    if intent.metric is None:
        return False
    if (
        len(mentions(vocabulary.regions, intent.query)) >= 2
        or len(mentions(vocabulary.channels, intent.query)) >= 2
    ):
        return True  # 华北和华东的销售额对比一下
    return intent.by is not None or bool(
        intent.order and re.search(r"哪个|哪些|哪家|which|who|rank|排名|排个名|排序", intent.query.lower())
    )


rank = Skill(kind="rank", priority=65, detect=_is_rank, calls=_rank_calls)
status = Skill(
    kind="status",
    asks_anew=False,
    priority=70,
    detect=lambda i, v: (
        i.metric is not None
        or bool(i.extra.get("every"))
        or (
            bool(i.region or i.channel or i.period_said)
            and not re.search(r"策略|怎么做|strategy", i.query.lower())
        )
    ),
    calls=_status_calls,
)
