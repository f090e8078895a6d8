"""Forecasts of a workspace's KPI series, whole or for one region or channel."""

from __future__ import annotations

from typing import Literal, TypedDict

import pandas as pd
from pydantic import BaseModel

from assistant.usecases.context import WorkspaceContext
from tools.errors import InvalidArgument
from tools.forecasting import Forecast, PeriodForecast, forecast_series, series_from_facts
from tools.forecasting import forecast_period as forecast_period_of
from tools.metrics import get_metric
from tools.periods import parse_period, quarter_of

MAX_HORIZON = 104


class ForecastQuery(BaseModel):
    """What a planner asks of a forecast, from any adapter. The one rule for period against
    horizon: a period, when given, is forecast as a whole (its total and interval); otherwise a
    horizon gives that many steps ahead; with neither, the next quarter as a whole."""

    metric: str
    period: str | None = None
    horizon: int | None = None
    region: str | None = None
    channel: str | None = None
    model: Literal["combination", "ets"] = "combination"

    @property
    def whole_period(self) -> bool:
        return bool(self.period) or self.horizon is None


class _Scope(TypedDict):
    metric: str
    region: str | None
    channel: str | None
    model: Literal["combination", "ets"]


def run(ctx: WorkspaceContext, query: ForecastQuery) -> Forecast | PeriodForecast:
    """The forecast the query asks for (see `ForecastQuery` for which)."""
    scope: _Scope = {
        "metric": query.metric,
        "region": query.region,
        "channel": query.channel,
        "model": query.model,
    }
    if query.whole_period:
        return forecast_period(ctx, period=query.period, **scope)
    return forecast(ctx, horizon=int(query.horizon or 0), **scope)


def forecast(
    ctx: WorkspaceContext,
    *,
    metric: str,
    horizon: int = 12,
    region: str | None = None,
    channel: str | None = None,
    backtest: bool = True,
    model: Literal["combination", "ets"] = "combination",
) -> Forecast:
    """Point forecasts with intervals, base/stretch targets and (optionally) a backtest.

    Args:
        metric: metric key.
        horizon: future periods in the data's own frequency (weeks for weekly data), 1-104.
        region: one of the workspace's regions, or None for all.
        channel: one of the workspace's channels, or None for all.
        backtest: run the rolling-origin backtest (the dashboard skips it: same forecast, less work).
        model: combination (damped ETS, Theta and ARIMA combined) or ets (one ETS model by AICc).
    """
    if not 1 <= int(horizon) <= MAX_HORIZON:
        raise InvalidArgument(f"horizon must be between 1 and {MAX_HORIZON} periods, got {horizon}")
    ctx.require_data()
    ctx.check_scope(region=region, channel=channel)
    ctx.check_metric(metric)
    series = series_from_facts(ctx.facts, metric, region=region or None, channel=channel or None)
    result = forecast_series(
        series,
        metric=metric,
        horizon=int(horizon),
        folds=3 if backtest else 0,
        model=model,
        events=tuple(ctx.policy.events),
        parent=_parent(ctx, metric, region, channel),
    )
    return result.model_copy(update={"region": region or None, "channel": channel or None})


def _parent(ctx: WorkspaceContext, metric: str, region: str | None, channel: str | None) -> pd.Series | None:
    """The whole a slice belongs to, for an additive metric: a region × channel cell's region, a
    region's or a channel's company. The weekly forecaster may read a slice's event weeks from it."""
    if get_metric(metric).derived or not (region or channel):
        return None
    whole_region = region if region and channel else None
    return series_from_facts(ctx.facts, metric, region=whole_region)


def forecast_period(
    ctx: WorkspaceContext,
    *,
    metric: str,
    period: str | None = None,
    region: str | None = None,
    channel: str | None = None,
    model: Literal["combination", "ets"] = "combination",
) -> PeriodForecast:
    """The forecast for one planning period ("下个季度" = the next quarter's total with its 80%
    interval), counting the actuals already in it.

    Args:
        metric: metric key.
        period: a month, quarter or year; default the quarter after the latest data.
        region: one of the workspace's regions, or None for all.
        channel: one of the workspace's channels, or None for all.
        model: combination (the default) or ets.
    """
    window = ctx.require_data()
    ctx.check_scope(region=region, channel=channel)
    ctx.check_metric(metric)
    p = parse_period(period) if period else quarter_of(window.covered_until).next()
    if p.end <= window.covered_until:
        raise InvalidArgument(
            f"{p.label} is already in the data (up to {window.covered_until.date()}): ask for its actuals instead"
        )
    m = get_metric(metric)
    series = series_from_facts(ctx.facts, metric, region=region or None, channel=channel or None)
    result = forecast_period_of(
        series,
        metric=metric,
        start=p.start,
        end=p.end,
        derived=m.derived,
        lower_is_better=m.direction == "lower",
        model=model,
        events=tuple(ctx.policy.events),
        parent=_parent(ctx, metric, region, channel),
    )
    return result.model_copy(update={"period": p.label, "region": region or None, "channel": channel or None})
