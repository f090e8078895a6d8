"""KPI lookup: actual against target for a metric, period and slice of the workspace."""

from __future__ import annotations

from assistant.usecases.context import WorkspaceContext
from tools.kpi import KpiResult
from tools.kpi import kpi_lookup as _kpi_lookup


def lookup(
    ctx: WorkspaceContext,
    *,
    metric: str,
    period: str | None = None,
    region: str | None = None,
    channel: str | None = None,
    lang: str = "zh",
) -> KpiResult:
    """Actual vs target with the deviation rule's status and the trend before it.

    Args:
        metric: metric key (cac, roi, revenue …).
        period: 2026, 2026-Q3, 2026-09 or 2026-W37; default the latest complete month.
        region: one of the workspace's regions, or None for all.
        channel: one of the workspace's channels, or None for all.
        lang: language of the metric's name.
    """
    p = ctx.period(period, "month")
    ctx.check_scope(region=region, channel=channel)
    ctx.check_metric(metric)
    return _kpi_lookup(
        ctx.facts,
        ctx.targets,
        metric=metric,
        period=p.label,
        region=region or None,
        channel=channel or None,
        threshold=ctx.threshold,
        lang=lang,
    )
