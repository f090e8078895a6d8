"""Forecasts with prediction intervals, a rolling-origin backtest, and base/stretch targets.

statsmodels' ETS (error-trend-seasonal state space models) is fitted in a few configurations and
the one with the lowest AICc is kept. The backtest compares it with the seasonal-naive baseline on
sMAPE and MASE, so a planner can see whether the model earns its keep. Targets come from simulated
paths of the fitted model: the base target is the median of the horizon total, the stretch target
its 80th percentile (the seeds' "base target + challenge target").
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from pydantic import BaseModel
from statsmodels.tsa.exponential_smoothing.ets import ETSModel

SEASON = {"W": 52, "M": 12, "Q": 4, "D": 7}


class ForecastPoint(BaseModel):
    date: str
    forecast: float
    lower: float
    upper: float


class Backtest(BaseModel):
    smape: float | None
    mase: float | None
    baseline_smape: float | None
    folds: int


class Targets(BaseModel):
    base: float
    stretch: float
    horizon_total_median: float
    stretch_quantile: float = 0.8


class Forecast(BaseModel):
    metric: str
    model: str
    frequency: str
    points: list[ForecastPoint]
    backtest: Backtest
    targets: Targets
    history_points: int


def detect_frequency(dates: pd.DatetimeIndex) -> str:
    """W, M, Q or D from the spacing of the dates (pandas' inference first, median gap second)."""
    freq = None
    if len(dates) >= 3:
        with warnings.catch_warnings():  # pandas is changing infer_freq's return type
            warnings.simplefilter("ignore")
            inferred = pd.infer_freq(dates)
        freq = getattr(inferred, "freqstr", inferred)
    if freq:
        f = freq.upper()
        for key in ("W", "Q", "M", "D"):
            if (
                f.startswith(key)
                or (key == "M" and f.startswith("MS"))
                or (key == "Q" and f.startswith("QS"))
            ):
                return key
    gap = (
        float(np.median(np.diff(dates.values).astype("timedelta64[D]").astype(float)))
        if len(dates) > 1
        else 30
    )
    return "D" if gap < 4 else "W" if gap < 10 else "M" if gap < 45 else "Q"


def _offset(freq: str) -> pd.DateOffset:
    return {
        "W": pd.DateOffset(weeks=1),
        "M": pd.DateOffset(months=1),
        "Q": pd.DateOffset(months=3),
        "D": pd.DateOffset(days=1),
    }[freq]


def smape(actual: np.ndarray, pred: np.ndarray) -> float:
    denom = np.abs(actual) + np.abs(pred)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(denom == 0, 0.0, 2 * np.abs(pred - actual) / denom)
    return float(np.mean(terms) * 100)


def seasonal_naive(history: np.ndarray, horizon: int, m: int) -> np.ndarray:
    m = m if len(history) >= m else 1
    last = history[-m:]
    return np.array([last[i % m] for i in range(horizon)])


def _candidates(n: int, m: int, positive: bool) -> list[dict]:
    seasonal = m > 1 and n >= 2 * m + 2
    out = [dict(error="add", trend=None), dict(error="add", trend="add", damped_trend=True)]
    if seasonal:
        out += [
            dict(error="add", trend=None, seasonal="add"),
            dict(error="add", trend="add", damped_trend=True, seasonal="add"),
        ]
        if positive:
            out += [dict(error="mul", trend=None, seasonal="mul")]
    return out


def _fit(y: pd.Series, m: int):
    best, best_aic = None, np.inf
    positive = bool((y > 0).all())
    for spec in _candidates(len(y), m, positive):
        kwargs = dict(spec)
        if "seasonal" in kwargs:
            kwargs["seasonal_periods"] = m
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                res = ETSModel(y.astype(float), **kwargs).fit(disp=False, maxiter=200)
        except (ValueError, np.linalg.LinAlgError):
            continue
        aic = res.aicc if np.isfinite(res.aicc) else res.aic
        if np.isfinite(aic) and aic < best_aic:
            best, best_aic = (res, spec), aic
    if best is None:
        raise ValueError("could not fit a forecasting model to this series")
    return best


def _name(spec: dict) -> str:
    t = "N" if not spec.get("trend") else ("Ad" if spec.get("damped_trend") else "A")
    s = {"add": "A", "mul": "M"}.get(spec.get("seasonal") or "", "N")
    return f"ETS({spec['error'][0].upper()},{t},{s})"


def _backtest(y: np.ndarray, horizon: int, m: int, folds: int) -> Backtest:
    h = max(1, min(horizon, m if m > 1 else horizon, len(y) // 4))
    errs, base_errs, mases = [], [], []
    min_train = max(2 * m + 2 if m > 1 else 8, len(y) - folds * h)
    origins = [o for o in range(len(y) - folds * h, len(y) - h + 1, h) if o >= min_train]
    for origin in origins:
        train, test = y[:origin], y[origin : origin + h]
        try:
            res, _ = _fit(pd.Series(train), m)
        except ValueError:
            continue
        pred = np.asarray(res.forecast(h))
        naive = seasonal_naive(train, h, m)
        errs.append(smape(test, pred))
        base_errs.append(smape(test, naive))
        lag = m if len(train) > m else 1
        scale = np.mean(np.abs(train[lag:] - train[:-lag])) if len(train) > lag else np.nan
        if scale and np.isfinite(scale):
            mases.append(float(np.mean(np.abs(test - pred)) / scale))
    if not errs:
        return Backtest(smape=None, mase=None, baseline_smape=None, folds=0)
    return Backtest(
        smape=round(float(np.mean(errs)), 3),
        mase=round(float(np.mean(mases)), 3) if mases else None,
        baseline_smape=round(float(np.mean(base_errs)), 3),
        folds=len(errs),
    )


def forecast_series(
    series: pd.Series,
    *,
    metric: str = "value",
    horizon: int = 12,
    level: float = 0.9,
    folds: int = 3,
    seed: int = 7,
) -> Forecast:
    """Forecast a dated series `horizon` steps ahead.

    Args:
        series: values indexed by date, one per period (weekly, monthly or quarterly).
        metric: the metric's key, echoed in the result.
        horizon: number of future periods.
        level: coverage of the prediction interval.
        folds: rolling-origin backtest folds.
        seed: seed of the simulation that draws the target distribution.
    """
    if horizon < 1:
        raise ValueError("horizon must be at least 1")
    s = series.dropna().sort_index()
    s = s.groupby(level=0).sum()
    if len(s) < 6:
        raise ValueError(f"need at least 6 data points to forecast {metric}, got {len(s)}")
    freq = detect_frequency(pd.DatetimeIndex(s.index))
    m = SEASON[freq]
    y = s.reset_index(drop=True)
    res, spec = _fit(y, m)
    pred = res.get_prediction(start=len(y), end=len(y) + horizon - 1).summary_frame(alpha=1 - level)
    step = _offset(freq)
    last = pd.Timestamp(s.index[-1])
    points = [
        ForecastPoint(
            date=(last + step * (i + 1)).date().isoformat(),
            forecast=round(float(pred["mean"].iloc[i]), 4),
            lower=round(float(pred["pi_lower"].iloc[i]), 4),
            upper=round(float(pred["pi_upper"].iloc[i]), 4),
        )
        for i in range(horizon)
    ]
    sims = np.asarray(
        res.simulate(nsimulations=horizon, repetitions=500, anchor="end", rng=np.random.default_rng(seed))
    )
    totals = sims.sum(axis=0)
    targets = Targets(
        base=round(float(np.quantile(totals, 0.5)), 2),
        stretch=round(float(np.quantile(totals, 0.8)), 2),
        horizon_total_median=round(float(np.quantile(totals, 0.5)), 2),
    )
    return Forecast(
        metric=metric,
        model=_name(spec),
        frequency=freq,
        points=points,
        backtest=_backtest(y.to_numpy(dtype=float), horizon, m, folds),
        targets=targets,
        history_points=len(s),
    )


def series_from_facts(
    facts: pd.DataFrame, metric: str, *, region: str | None = None, channel: str | None = None
) -> pd.Series:
    """The dated series of a metric from long-form facts (ratio metrics as ratios of sums)."""
    from tools.kpi import metric_value, slice_facts
    from tools.metrics import get_metric

    m = get_metric(metric)
    rows = slice_facts(facts, region=region, channel=channel, metrics=m.base_inputs)
    if rows.empty:
        raise ValueError(
            f"no data for metric {metric!r}"
            + (f" in {region or ''} {channel or ''}".rstrip() if region or channel else "")
        )
    wide = rows.pivot_table(index="date", columns="metric", values="value", aggfunc="sum")
    values = [metric_value(r, m) for _, r in wide.iterrows()]
    return pd.Series(values, index=pd.DatetimeIndex(wide.index), dtype=float).dropna()
