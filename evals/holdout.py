"""Realistic planners' requests (`data/tuning/requests_*.jsonl`), scored on what the planner reads.

The cases were written blind (without reading the engine or the eval data), with expected facts
computed by plain pandas (`evals/holdout_facts*.py`), and each batch's first-run score was
recorded when it arrived. Rules were later tuned against them, so they are tuning sets now: they
guard against regressions and measure nothing new. A new held-out set is written blind, scored
once on arrival (that score goes in the issue's note) and moved here as soon as anything changes
because of it.

A case is *fully correct* when the answer to its last turn states the asked figures for the
asked scope and period (numbers within 1%, or within the rounding of the printed figure), names
the comparison it was asked for, and is written in the planner's language. What each question
type must contain is in `_checks`. The chat runs through the real agent loop, tools and storage,
in one conversation per case, with "today" pinned to the date the cases were written.
"""

from __future__ import annotations

import asyncio
import re
from datetime import date
from statistics import mean
from typing import Any

from assistant.chat import ChatService
from assistant.services import Services
from evals.context import eval_services

TODAY = date(2026, 11, 23)  # the date the cases' relative periods ("上个月", "next quarter") assume

# English names a planner may use for the demo company's segments (the scorer's own list,
# independent of the engine's aliases); an English answer may name a segment either way.
EN_NAMES = {
    "一线城市": ["tier-1", "tier 1"],
    "新一线城市": ["new tier-1", "new tier 1"],
    "二线城市": ["tier-2", "tier 2"],
    "下沉市场": ["lower-tier", "lower tier"],
    "信息流广告": ["in-feed", "feed ads"],
    "直播电商": ["live commerce", "live-stream"],
    "私域社群": ["private-domain", "private domain"],
    "KOC种草": ["koc"],
    "线下门店": ["offline store"],
}
DATA_TOOLS = {"kpi_lookup", "kpi_diagnose", "kpi_rank", "kpi_compare", "forecast", "budget_allocate"}
_NUM = re.compile(
    r"(?<![\w.])([+\-−]?\d[\d,]*(?:\.\d+)?)\s*(亿|万|million|mn|billion|bn|m(?![a-z])|k(?![a-z]))?",
    re.I,
)
_MULT = {"亿": 1e8, "万": 1e4, "million": 1e6, "mn": 1e6, "m": 1e6, "billion": 1e9, "bn": 1e9, "k": 1e3}


def numbers(text: str) -> list[tuple[float, float]]:
    """Every number printed in the text as (value, rounding tolerance), units (万, 亿, million) applied."""
    out = []
    for m in _NUM.finditer(text):
        raw = m.group(1).replace(",", "").replace("−", "-")
        try:
            v = float(raw)
        except ValueError:
            continue
        mult = _MULT.get((m.group(2) or "").lower(), 1.0)
        decimals = len(raw.split(".")[1]) if "." in raw else 0
        out.append((v * mult, 0.5 * 10**-decimals * mult))
    return out


def states(text: str, expected: float, *, unsigned: bool = False) -> bool:
    """The text prints `expected` within 1% (or within the rounding of the printed figure)."""
    for v, tol in numbers(text):
        got, want = (abs(v), abs(expected)) if unsigned else (v, expected)
        if abs(got - want) <= max(0.01 * abs(want), tol + 1e-9):
            return True
    return False


def _period_forms(label: str) -> list[str]:
    if "-Q" in label:
        y, q = label.split("-Q")
        return [label, f"Q{q} {y}", f"{y}年Q{q}", f"{y}年第{'一二三四'[int(q) - 1]}季度", f"{y} Q{q}"]
    if "-" in label:
        y, m = label.split("-")
        months = "January February March April May June July August September October November December"
        name = months.split()[int(m) - 1]
        return [label, f"{y}年{int(m)}月", f"{name} {y}", f"{name[:3]} {y}"]
    return [label, f"{label}年"]


def mentions_period(text: str, label: str) -> bool:
    low = text.lower()
    return any(f.lower() in low for f in _period_forms(label))


def _spoken(name: str) -> list[str]:
    """How an answer may write a name: itself, its English names, or for a metric key
    (a ranking of KPIs) the metric's Chinese and English names."""
    from tools.metrics import METRICS

    forms = [name.lower(), *EN_NAMES.get(name, [])]
    if name in METRICS:
        forms += [METRICS[name].zh.lower(), METRICS[name].en.lower()]
    return forms


def mentions(text: str, name: str) -> bool:
    low = text.lower()
    return any(form in low for form in _spoken(name))


def in_language(text: str, lang: str, names: list[str]) -> bool:
    for n in names:
        text = text.replace(n, "")
    cjk = len(re.findall(r"[\u4e00-\u9fff]", text))
    latin = len(re.findall(r"[A-Za-z]", text))
    return cjk * 3 >= latin if lang == "zh" else latin >= 2 * cjk


def _checks(case: dict[str, Any], answer: str, calls: list[dict[str, Any]], cited: str) -> dict[str, bool]:
    """What a fully correct answer to this case contains, check by check."""
    e, typ = case["expect"], case["type"]
    facts = e.get("answer_facts") or {}
    head = "\n".join(answer.strip().splitlines()[:3])
    scope = [x for x in (e.get("region"), e.get("channel")) if x]
    checks: dict[str, bool] = {}
    names = list(EN_NAMES)
    checks["language"] = in_language(answer, case["lang"], names)
    if typ == "out_of_scope":
        checks["no_data_tools"] = not any(c["name"] in DATA_TOOLS for c in calls)
        return checks
    if typ == "knowledge":
        hay = answer + "\n" + cited
        checks["cited"] = bool(re.search(r"\[\d+\]", answer))
        checks["keywords"] = all(k.lower() in hay.lower() for k in e.get("keywords") or [])
        return checks
    if e.get("period"):
        checks["period"] = mentions_period(answer, e["period"])
    for name in scope:
        checks[f"scope:{name}"] = mentions(head, name)
    if typ == "forecast":
        checks["forecast_tool"] = any(c["name"] == "forecast" for c in calls)
        return checks
    if typ == "budget":
        checks["budget_tool"] = any(c["name"] == "budget_allocate" for c in calls)
        checks["amount"] = states(answer, e["amount"])
        return checks
    if facts.get("actual") is not None:
        checks["actual"] = states(answer, facts["actual"])
    compare = e.get("compare") or {}
    if facts.get("base") is not None:
        checks["base"] = states(answer, facts["base"])
    if facts.get("change_pct") is not None:
        checks["change"] = states(answer, facts["change_pct"], unsigned=True)
    if compare.get("kind") in ("previous", "year_earlier"):
        checks["base_period"] = mentions_period(answer, compare["period"])
    if typ == "why":
        checks["diagnosed"] = any(c["name"] == "kpi_diagnose" for c in calls)
    if facts.get("ranking"):
        ranking = facts["ranking"]
        checks["top_in_headline"] = mentions(head, ranking[0][0])
        positions = [_position(answer, name, [n for n, _ in ranking]) for name, _ in ranking]
        checks["order"] = all(p >= 0 for p in positions) and positions == sorted(positions)
        checks["values"] = all(states(answer, v) for _, v in ranking)
    return checks


def _position(text: str, name: str, names: list[str]) -> int:
    """Where `name` first appears on its own (一线城市 inside 新一线城市 does not count); a metric
    key is found by the metric's name."""
    from tools.metrics import METRICS

    if name in METRICS:
        low = text.lower()
        found = [low.find(f) for f in _spoken(name) if f in low]
        return min(found) if found else -1
    longer = [n for n in names if n != name and name in n]
    for m in re.finditer(re.escape(name), text):
        if not any(
            text.startswith(n, m.start() - n.index(name)) for n in longer if m.start() >= n.index(name)
        ):
            return m.start()
    return -1


async def _run_case(services: Services, case: dict[str, Any]) -> dict[str, Any]:
    chat = ChatService(services, workspace="default")
    conversation = None
    for turn in case["turns"]:
        r = await chat.ask(turn, conversation_id=conversation)
        conversation = r.conversation_id
    cited = "\n".join(f"{c.get('title', '')} {c.get('heading', '')} {c.get('text', '')}" for c in r.citations)
    checks = _checks(case, r.answer or (r.error or ""), r.tool_calls, cited)
    return {
        "id": case["id"],
        "lang": case["lang"],
        "type": case["type"],
        "ok": all(checks.values()),
        "failed": [k for k, v in checks.items() if not v],
        "turns": case["turns"],
        "answer": (r.answer or r.error or "")[:600],
        "calls": [{"name": c["name"], "args": c["args"]} for c in r.tool_calls],
    }


FILES = tuple(f"tuning/requests_{s}.jsonl" for s in "hbcd")  # h-, b-, c- and d-cases


def load_cases(files: tuple[str, ...] = FILES) -> list[dict[str, Any]]:
    from evals.suites import _jsonl

    return [c for name in files for c in _jsonl(name)]


def requests(services: Services, files: tuple[str, ...] = FILES) -> tuple[dict[str, float], dict[str, Any]]:
    sandbox = eval_services(services, today=TODAY)
    rows = [asyncio.run(_run_case(sandbox, case)) for case in load_cases(files)]
    metrics: dict[str, float] = {"fully_correct": mean(r["ok"] for r in rows), "n": float(len(rows))}
    for key in ("lang", "type"):
        for value in sorted({r[key] for r in rows}):
            group = [r["ok"] for r in rows if r[key] == value]
            metrics[f"{value}.fully_correct"] = mean(group)
    return metrics, {"failures": [r for r in rows if not r["ok"]]}
