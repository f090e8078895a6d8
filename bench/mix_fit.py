"""How long a workspace's mix model takes to fit (in the background after an import), and how
long an allocation and a what-if take from a fitted model (inside a request). Goals: a fit of
100 weeks × 5 channels × 4 regions within 60 s on a 2-core machine; an allocation or a what-if
within 1 s.

    .venv/bin/python bench/mix_fit.py
"""

from __future__ import annotations

import sys
import time
from dataclasses import replace
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant.usecases import budgets, from_frames, mixmodel
from tools.demo_data import generate_facts


def _hundred_weeks() -> pd.DataFrame:
    """The demo company's 4 regions × 5 channels, to 100 weeks (its generator, run further)."""
    facts = generate_facts()
    weeks = sorted(facts["date"].unique())
    extra = 100 - len(weeks)
    later = facts[facts["date"].isin(weeks[-extra:])].assign(
        date=lambda f: f["date"] + pd.Timedelta(weeks=extra)
    )
    return pd.concat([facts, later], ignore_index=True)


def main() -> None:
    facts = _hundred_weeks()
    cells = facts[facts["channel"] != ""].groupby(["region", "channel"]).ngroups
    print(f"{facts['date'].nunique()} weeks × {cells} region × channel cells, revenue and conversions")
    started = time.perf_counter()
    fitted = mixmodel.fit_facts(facts)
    fit_s = time.perf_counter() - started
    ctx = replace(from_frames(facts, None, name="bench"), mix=fitted)
    period = budgets.next_period(ctx).label
    started = time.perf_counter()
    budgets.allocate(ctx, total=3e7, period=period)
    allocate_s = time.perf_counter() - started
    started = time.perf_counter()
    budgets.scenario(ctx, [budgets.Change(action="add", amount=5e6)], period=period)
    scenario_s = time.perf_counter() - started
    print("| step | seconds | goal |\n|---|---|---|")
    print(f"| fit (40 draws, 2 models) | {fit_s:.1f} | 60 |")
    print(f"| allocation, {period} | {allocate_s:.2f} | 1 |")
    print(f"| what-if (add, placed by marginal return) | {scenario_s:.2f} | 1 |")


if __name__ == "__main__":
    main()
