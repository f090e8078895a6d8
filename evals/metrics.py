"""Ranking metrics for retrieval evaluation (binary relevance, document level)."""

from __future__ import annotations

import math
from collections.abc import Sequence


def dedupe(ranked: Sequence[str]) -> list[str]:
    """Document ids in first-seen order: several chunks of one document count once."""
    seen: set[str] = set()
    return [d for d in ranked if not (d in seen or seen.add(d))]


def recall_at(ranked: Sequence[str], relevant: set[str], k: int) -> float:
    return len(set(ranked[:k]) & relevant) / len(relevant) if relevant else 0.0


def mrr_at(ranked: Sequence[str], relevant: set[str], k: int) -> float:
    for i, d in enumerate(ranked[:k], start=1):
        if d in relevant:
            return 1.0 / i
    return 0.0


def ndcg_at(ranked: Sequence[str], relevant: set[str], k: int) -> float:
    dcg = sum(1.0 / math.log2(i + 1) for i, d in enumerate(ranked[:k], start=1) if d in relevant)
    ideal = sum(1.0 / math.log2(i + 1) for i in range(1, min(len(relevant), k) + 1))
    return dcg / ideal if ideal else 0.0
