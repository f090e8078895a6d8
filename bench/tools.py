"""Benchmark the planning tools: diagnosis on 1M fact rows, 1,000 monthly and 1,000 weekly series
forecast, one allocation.

Run: .venv/bin/python bench/tools.py [--rows 1000000] [--series 1000] [--workers 2] [--model ets] [--folds 3]
"""

from __future__ import annotations

import os

# One BLAS thread per process: the workers already use every core.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tools.budget import budget_allocate
from tools.demo_data import PROFILE, generate
from tools.diagnosis import kpi_diagnose
from tools.forecasting import forecast_series


def big_facts(rows: int, seed: int = 3) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Weekly facts over 40 regions × 25 channels × 5 metrics until `rows` rows; CPC of one channel
    rises in the last quarter."""
    rng = np.random.default_rng(seed)
    regions, channels = [f"R{i:02d}" for i in range(40)], [f"C{j:02d}" for j in range(25)]
    weeks = pd.date_range(
        end="2026-09-28", periods=max(70, rows // (len(regions) * len(channels) * 5)), freq="W-MON"
    )
    r, c, d = np.meshgrid(
        np.arange(len(regions)), np.arange(len(channels)), np.arange(len(weeks)), indexing="ij"
    )
    r, c, d = r.ravel(), c.ravel(), d.ravel()
    spend = rng.uniform(1e4, 5e4, r.size)
    cpc = rng.uniform(1, 3, r.size) * np.where((c == 7) & (weeks[d] >= pd.Timestamp("2026-07-01")), 1.5, 1.0)
    clicks = spend / cpc
    conversions = clicks * rng.uniform(0.01, 0.03, r.size)
    revenue = conversions * rng.uniform(300, 900, r.size)
    parts = []
    for metric, values in (
        ("spend", spend),
        ("clicks", clicks),
        ("conversions", conversions),
        ("revenue", revenue),
        ("impressions", clicks * 50),
    ):
        parts.append(
            pd.DataFrame(
                {
                    "date": weeks[d],
                    "region": np.array(regions)[r],
                    "channel": np.array(channels)[c],
                    "metric": metric,
                    "value": values,
                }
            )
        )
    facts = pd.concat(parts, ignore_index=True)
    from tools.kpi import actual_value
    from tools.metrics import get_metric
    from tools.periods import parse_period

    plan = actual_value(facts, get_metric("cac"), parse_period("2025-Q3"))  # plan: last year's CAC
    targets = pd.DataFrame(
        [("2026-Q3", "cac", plan, "", "")], columns=["period", "metric", "target", "region", "channel"]
    )
    return facts, targets


def _one_forecast(args: tuple[int, int, str, int]) -> float:
    seed, n, model, folds = args
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    y = 100 + rng.uniform(0, 1) * t + rng.uniform(5, 30) * np.sin(2 * np.pi * t / 12) + rng.normal(0, 3, n)
    start = time.perf_counter()
    forecast_series(
        pd.Series(y, index=pd.date_range("2020-01-01", periods=n, freq="MS")),
        horizon=12,
        folds=folds,
        model=model,
    )
    return time.perf_counter() - start


def _one_weekly(args: tuple[int, int]) -> float:
    """A weekly series with a 双十一 peak, fitted by the calendar-aware forecaster (its choice
    backtested from rolling origins)."""
    seed, n = args
    rng = np.random.default_rng(seed)
    weeks = pd.date_range("2023-01-02", periods=n, freq="W-MON")
    peak = np.exp(-(((weeks.dayofyear.to_numpy() - 312) / 8.0) ** 2))
    y = (100 + 0.2 * np.arange(n)) * (1 + rng.uniform(0.3, 1.0) * peak) * rng.lognormal(0, 0.05, n)
    start = time.perf_counter()
    forecast_series(pd.Series(y, index=weeks), horizon=13, folds=0)
    return time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--series", type=int, default=1000)
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--model", default="combination", help="combination (the default) or ets")
    ap.add_argument("--folds", type=int, default=0, help="rolling-origin backtest folds per series")
    args = ap.parse_args()

    facts, targets = big_facts(args.rows)
    t = time.perf_counter()
    d = kpi_diagnose(facts, targets, metric="cac", period="2026-Q3")
    print(
        f"diagnosis: {len(facts):,} fact rows, {time.perf_counter() - t:.2f} s; top driver {d.drivers[0].dimension}={d.drivers[0].value} (planted: channel=C07)"
    )

    t = time.perf_counter()
    with ProcessPoolExecutor(args.workers) as pool:
        per = list(
            pool.map(
                _one_forecast, [(i, 60, args.model, args.folds) for i in range(args.series)], chunksize=10
            )
        )
    wall = time.perf_counter() - t
    print(
        f"forecast ({args.model}): {args.series} monthly series (60 points, 12 ahead, {args.folds}-fold backtest) in {wall:.1f} s on {args.workers} workers; per series median {np.median(per) * 1000:.0f} ms"
    )
    for weeks in (95, 130):
        t = time.perf_counter()
        with ProcessPoolExecutor(args.workers) as pool:
            per = list(pool.map(_one_weekly, [(i, weeks) for i in range(args.series)], chunksize=10))
        print(
            f"forecast (weekly, calendar-aware): {args.series} series of {weeks} weeks, 13 ahead, in {time.perf_counter() - t:.1f} s on {args.workers} workers; per series median {np.median(per) * 1000:.0f} ms"
        )
    t = time.perf_counter()
    f = forecast_series(
        pd.Series(
            np.arange(60) % 12 + 100.0 + np.random.default_rng(0).normal(0, 1, 60),
            index=pd.date_range("2020-01-01", periods=60, freq="MS"),
        ),
        horizon=12,
    )
    print(f"forecast with a 3-fold backtest: one series {time.perf_counter() - t:.2f} s ({f.model})")

    demo, _ = generate()
    t = time.perf_counter()
    a = budget_allocate(PROFILE["annual_budget"], facts=demo)
    print(
        f"allocation: {len(a.channels)} channels from {len(demo):,} demo rows in {time.perf_counter() - t:.2f} s; sum {sum(c.amount for c in a.categories):,.2f}"
    )


if __name__ == "__main__":
    main()
