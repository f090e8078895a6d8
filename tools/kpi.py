"""KPI lookup: actual against target, deviation, status under the 10% rule, and trend."""

from __future__ import annotations

from typing import Literal

import pandas as pd
from pydantic import BaseModel

from tools.metrics import Metric, get_metric
from tools.periods import Period, parse_period

Status = Literal["on_track", "watch", "off_target", "no_target"]
STATUS_ZH = {"on_track": "达标", "watch": "关注", "off_target": "偏离目标", "no_target": "无目标"}


class TrendPoint(BaseModel):
    period: str
    value: float | None


class KpiResult(BaseModel):
    metric: str
    metric_name: str
    unit: str
    direction: str
    period: str
    region: str | None = None
    channel: str | None = None
    actual: float | None
    target: float | None
    deviation_pct: float | None
    status: Status
    threshold_pct: float
    trend: list[TrendPoint] = []


def slice_facts(
    facts: pd.DataFrame,
    *,
    region: str | None = None,
    channel: str | None = None,
    metrics: tuple[str, ...] | None = None,
) -> pd.DataFrame:
    """Rows for a slice. Segment rows are preferred; blank-region/channel total rows count only
    for metrics that have no segment rows, so totals are never counted twice."""
    df = facts if metrics is None else facts[facts["metric"].isin(metrics)]
    seg = (df["region"] != "") | (df["channel"] != "")
    has_seg = set(df.loc[seg, "metric"].unique())
    df = df[seg | ~df["metric"].isin(has_seg)]
    if region:
        df = df[df["region"] == region]
    if channel:
        df = df[df["channel"] == channel]
    return df


def in_period(df: pd.DataFrame, period: Period) -> pd.DataFrame:
    return df[(df["date"] >= period.start) & (df["date"] <= period.end)]


def metric_value(sums: pd.Series | dict[str, float], metric: Metric) -> float | None:
    """Value of a metric from summed base metrics; None when the denominator is zero or missing."""
    if not metric.derived:
        v = sums.get(metric.key)
        return None if v is None or pd.isna(v) else float(v)
    num, den = sums.get(metric.numerator, 0.0), sums.get(metric.denominator, 0.0)  # type: ignore[arg-type]
    if not den or pd.isna(den):
        return None
    return float(num) / float(den) * metric.scale


def actual_value(
    facts: pd.DataFrame,
    metric: Metric,
    period: Period,
    *,
    region: str | None = None,
    channel: str | None = None,
) -> float | None:
    rows = in_period(slice_facts(facts, region=region, channel=channel, metrics=metric.base_inputs), period)
    if rows.empty:
        return None
    return metric_value(rows.groupby("metric")["value"].sum(), metric)


def find_target(
    targets: pd.DataFrame | None,
    metric: Metric,
    period: Period,
    *,
    region: str | None = None,
    channel: str | None = None,
) -> float | None:
    """The target for exactly this slice. A target set for an enclosing period applies to a ratio
    metric as is and to an additive metric pro rata by days (a quarterly revenue target gives a
    monthly one)."""
    if targets is None or targets.empty:
        return None
    t = targets[
        (targets["metric"] == metric.key)
        & (targets["region"] == (region or ""))
        & (targets["channel"] == (channel or ""))
    ]
    if t.empty:
        return None
    exact = t[t["period"] == period.label]
    if not exact.empty:
        return float(exact["target"].iloc[0])
    for label, value in zip(t["period"], t["target"], strict=True):
        outer = parse_period(label)
        if outer.contains(period):
            return float(value) if metric.derived else float(value) * period.days / outer.days
    return None


def deviation_and_status(
    actual: float | None, target: float | None, metric: Metric, threshold: float
) -> tuple[float | None, Status]:
    if actual is None or target is None or target == 0:
        return None, "no_target"
    deviation = (actual - target) / abs(target)
    adverse = deviation if metric.direction == "lower" else -deviation
    if adverse > threshold:
        status: Status = "off_target"
    elif adverse > threshold / 2:
        status = "watch"
    else:
        status = "on_track"
    return round(deviation * 100, 2), status


def kpi_lookup(
    facts: pd.DataFrame,
    targets: pd.DataFrame | None,
    *,
    metric: str,
    period: str,
    region: str | None = None,
    channel: str | None = None,
    threshold: float = 0.10,
    trend_periods: int = 6,
    lang: str = "zh",
) -> KpiResult:
    """Actual vs target for one metric, period and slice, with the trend of the periods before it.

    Status follows the monitoring rule: off target when the adverse deviation passes `threshold`
    (10% by default), watch above half of it, otherwise on track.
    """
    m, p = get_metric(metric), parse_period(period)
    actual = actual_value(facts, m, p, region=region, channel=channel)
    target = find_target(targets, m, p, region=region, channel=channel)
    deviation, status = deviation_and_status(actual, target, m, threshold)
    trend, q = [], p
    for _ in range(trend_periods):
        v = actual_value(facts, m, q, region=region, channel=channel)
        trend.append(TrendPoint(period=q.label, value=None if v is None else round(v, 4)))
        q = q.previous()
    return KpiResult(
        metric=m.key,
        metric_name=m.name(lang),
        unit=m.unit,
        direction=m.direction,
        period=p.label,
        region=region,
        channel=channel,
        actual=None if actual is None else round(actual, 4),
        target=target,
        deviation_pct=deviation,
        status=status,
        threshold_pct=threshold * 100,
        trend=list(reversed(trend)),
    )
