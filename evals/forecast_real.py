"""Rolling-origin evaluation of the forecasters on real series (`evals/real_series.py`).

For each series and each planning horizon (a quarter, a year ahead) the last `ORIGINS` origins
are forecast from the data before them. Scores: sMAPE, MASE (scaled by the in-sample seasonal
naive error) and the coverage of the 80% and 95% intervals; per series, whether a method beats
seasonal naive and the AICc-selected ETS on MASE.

Part of `planner eval forecast`; `python -m evals.forecast_real [--heldout]` prints the table alone
(`--heldout`: the 24 series kept apart from tuning).
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from evals.real_series import HORIZONS, RealSeries, load
from tools.forecasting import SEASON, fit_series, seasonal_naive, smape

ORIGINS = 2
METHODS = ("snaive", "ets_aicc", "combination")

Intervals = dict[str, np.ndarray]  # mean, lower80, upper80, lower95, upper95


def _snaive(y: np.ndarray, m: int, h: int) -> Intervals:
    """Seasonal naive with the usual intervals: the seasonal differences' spread, widening by year."""
    lag = m if len(y) > m else 1
    mean = seasonal_naive(y, h, lag)
    sd = np.std(y[lag:] - y[:-lag], ddof=1)
    k = np.floor(np.arange(h) / lag) + 1
    out = {"mean": mean}
    for level in (80, 95):
        z = stats.norm.ppf(0.5 + level / 200)
        out[f"lower{level}"], out[f"upper{level}"] = mean - z * sd * np.sqrt(k), mean + z * sd * np.sqrt(k)
    return out


def _model(kind: str) -> Callable[[pd.Series, int, int], Intervals]:
    """The product's forecaster, fitted as every path fits it (`fit_series`: dated, so a weekly
    series gets the calendar-aware forecaster)."""

    def run(train: pd.Series, m: int, h: int) -> Intervals:
        fitted = fit_series(train, horizon=h, model=kind)
        f80, f95 = fitted.forecast(h, 0.8), fitted.forecast(h, 0.95)
        return {
            "mean": f80["mean"].to_numpy(),
            "lower80": f80["lower"].to_numpy(),
            "upper80": f80["upper"].to_numpy(),
            "lower95": f95["lower"].to_numpy(),
            "upper95": f95["upper"].to_numpy(),
        }

    return run


RUNNERS: dict[str, Callable[[pd.Series, int, int], Intervals]] = {
    "snaive": lambda train, m, h: _snaive(train.to_numpy(dtype=float), m, h),
    "ets_aicc": _model("ets"),
    "combination": _model("combination"),
}


def score_series(s: RealSeries, methods: tuple[str, ...] = METHODS) -> list[dict[str, Any]]:
    warnings.simplefilter("ignore")  # in the worker process: statsmodels' convergence chatter
    y, m = s.series.to_numpy(dtype=float), SEASON[s.frequency]
    rows = []
    for horizon_name, h in HORIZONS[s.frequency].items():
        for k in range(ORIGINS):
            origin = len(y) - h * (k + 1)
            train, test = y[:origin], y[origin : origin + h]
            dated = s.series.iloc[:origin]
            lag = m if len(train) > m else 1
            scale = float(np.mean(np.abs(train[lag:] - train[:-lag])))
            for method in methods:
                try:
                    f = RUNNERS[method](dated, m, h)
                except Exception:  # a failed fit scores as seasonal naive
                    f = _snaive(train, m, h)
                rows.append(
                    {
                        "series": s.name,
                        "frequency": s.frequency,
                        "horizon": horizon_name,
                        "origin": origin,
                        "method": method,
                        "smape": smape(test, f["mean"]),
                        "mase": float(np.mean(np.abs(test - f["mean"])) / scale) if scale else np.nan,
                        "cover80": float(np.mean((test >= f["lower80"]) & (test <= f["upper80"]))),
                        "cover95": float(np.mean((test >= f["lower95"]) & (test <= f["upper95"]))),
                    }
                )
    return rows


def evaluate(
    workers: int | None = None, methods: tuple[str, ...] = METHODS, *, heldout: bool = False
) -> tuple[dict[str, float], list[dict[str, Any]]]:
    """Scores per method and frequency, and per series; in parallel across series."""
    series = load(heldout=heldout)
    workers = workers or min(4, os.cpu_count() or 1)
    with ProcessPoolExecutor(workers) as pool:
        rows = [r for part in pool.map(score_series, series, [methods] * len(series)) for r in part]
    df = pd.DataFrame(rows)
    per_series = df.groupby(["series", "frequency", "method"])["mase"].mean().unstack("method")
    metrics: dict[str, float] = {"series": float(len(series))}
    for freq, part in [("all", df), *df.groupby("frequency")]:
        for method, g in part.groupby("method"):
            metrics[f"{freq}.{method}.smape"] = float(g["smape"].mean())
            metrics[f"{freq}.{method}.mase"] = float(g["mase"].mean())
            metrics[f"{freq}.{method}.cover80"] = float(g["cover80"].mean())
            metrics[f"{freq}.{method}.cover95"] = float(g["cover95"].mean())
        ps = per_series if freq == "all" else per_series.xs(freq, level="frequency", drop_level=False)
        for method in methods:
            if method != "snaive":
                metrics[f"{freq}.{method}.beats_snaive"] = float((ps[method] < ps["snaive"]).mean())
            if method not in ("snaive", "ets_aicc") and "ets_aicc" in ps:
                metrics[f"{freq}.{method}.beats_ets_aicc"] = float((ps[method] < ps["ets_aicc"]).mean())
    if "ets_aicc" in methods and "combination" in methods:
        metrics["mase_gain_vs_ets_aicc"] = 1 - metrics["all.combination.mase"] / metrics["all.ets_aicc.mase"]
    return metrics, rows


def table(metrics: dict[str, float]) -> str:
    lines = [
        "| frequency | method | sMAPE | MASE | 80% cover | 95% cover | beats snaive | beats AICc-ETS |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for freq in ("M", "Q", "W", "all"):
        for method in METHODS:
            key = f"{freq}.{method}"
            if f"{key}.mase" not in metrics:
                continue
            lines.append(
                f"| {freq} | {method} | {metrics[f'{key}.smape']:.2f} | {metrics[f'{key}.mase']:.3f} | "
                f"{metrics[f'{key}.cover80']:.2f} | {metrics[f'{key}.cover95']:.2f} | "
                f"{metrics.get(f'{key}.beats_snaive', float('nan')):.2f} | {metrics.get(f'{key}.beats_ets_aicc', float('nan')):.2f} |"
            )
    return "\n".join(lines)


if __name__ == "__main__":
    import sys
    import time

    heldout = "--heldout" in sys.argv
    methods = tuple(a for a in sys.argv[1:] if not a.startswith("--")) or METHODS
    t0 = time.perf_counter()
    m, _ = evaluate(methods=methods, heldout=heldout)
    print(table(m))
    print(f"{int(m['series'])} series in {time.perf_counter() - t0:.1f} s")
