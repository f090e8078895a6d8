"""Forecasts of a workspace's KPI series, whole or for one region or channel."""

from __future__ import annotations

from assistant.usecases.context import WorkspaceContext
from tools.errors import InvalidArgument
from tools.forecasting import Forecast, forecast_series, series_from_facts

MAX_HORIZON = 104


def forecast(
    ctx: WorkspaceContext,
    *,
    metric: str,
    horizon: int = 12,
    region: str | None = None,
    channel: str | None = None,
    backtest: bool = True,
) -> Forecast:
    """Point forecasts with intervals, base/stretch targets and (optionally) a backtest.

    Args:
        metric: metric key.
        horizon: future periods in the data's own frequency (weeks for weekly data), 1-104.
        region: one of the workspace's regions, or None for all.
        channel: one of the workspace's channels, or None for all.
        backtest: run the rolling-origin backtest (the dashboard skips it: same forecast, less work).
    """
    if not 1 <= int(horizon) <= MAX_HORIZON:
        raise InvalidArgument(f"horizon must be between 1 and {MAX_HORIZON} periods, got {horizon}")
    ctx.require_data()
    ctx.check_scope(region=region, channel=channel)
    ctx.check_metric(metric)
    series = series_from_facts(ctx.facts, metric, region=region or None, channel=channel or None)
    return forecast_series(series, metric=metric, horizon=int(horizon), folds=3 if backtest else 0)
