"""The retrieval suite: recall@5, MRR@10 and nDCG@10 over `evals/data/retrieval.jsonl`, per language."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from statistics import mean
from typing import Any

from assistant.settings import DEMO_WORKSPACE
from evals.metrics import dedupe, mrr_at, ndcg_at, recall_at

DATA = Path(__file__).parent / "data" / "retrieval.jsonl"


def load_queries(path: Path = DATA) -> list[dict[str, Any]]:
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            row = json.loads(line)
            if not row.get("query") or not row.get("relevant"):
                raise ValueError(f"{path.name} line {n}: needs query and relevant")
            rows.append(row)
    return rows


def evaluate(search, queries: list[dict[str, Any]]) -> dict[str, Any]:
    """`search(query) -> ranked chunk doc ids`; returns overall and per-language metrics and misses."""
    per: dict[str, list[dict[str, float]]] = defaultdict(list)
    misses = []
    for q in queries:
        ranked = dedupe(search(q["query"]))
        relevant = set(q["relevant"])
        scores = {
            "recall@5": recall_at(ranked, relevant, 5),
            "mrr@10": mrr_at(ranked, relevant, 10),
            "ndcg@10": ndcg_at(ranked, relevant, 10),
        }
        per["all"].append(scores)
        per[q.get("lang", "zh")].append(scores)
        if scores["recall@5"] < 1:
            misses.append({"query": q["query"], "relevant": q["relevant"], "got": ranked[:5]})
    report = {
        group: {m: round(mean(s[m] for s in rows), 4) for m in rows[0]} | {"n": len(rows)}
        for group, rows in per.items()
    }
    return {"metrics": report, "misses": misses}


def run(index, queries: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    queries = queries or load_queries()
    # the questions are the demo company's planners': its own 2026 plan documents are in reach
    return evaluate(lambda q: [p.doc_id for p in index.search(q, k=20, workspace=DEMO_WORKSPACE)], queries)
