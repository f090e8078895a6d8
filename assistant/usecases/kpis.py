"""KPI lookup and ranking: a metric for a period and slice of the workspace, against a base."""

from __future__ import annotations

from typing import Literal

from assistant.usecases.context import WorkspaceContext
from tools.errors import InvalidArgument
from tools.kpi import CompareKind, KpiResult, Ranking
from tools.kpi import kpi_lookup as _kpi_lookup
from tools.kpi import kpi_rank as _kpi_rank


def parse_compare(value: str | float | None) -> CompareKind | float:
    """target (default), previous, year_earlier, or a number the planner named ("120")."""
    if value is None or value == "":
        return "target"
    if isinstance(value, int | float):
        return float(value)
    if value in ("target", "previous", "year_earlier"):
        return value  # type: ignore[return-value]
    try:
        return float(str(value).replace(",", ""))
    except ValueError:
        raise InvalidArgument(
            f"compare must be target, previous, year_earlier or a number, got {value!r}"
        ) from None


def lookup(
    ctx: WorkspaceContext,
    *,
    metric: str,
    period: str | None = None,
    region: str | None = None,
    channel: str | None = None,
    compare: CompareKind | float = "target",
    lang: str = "zh",
) -> KpiResult:
    """Actual against a base (the target by default) with the deviation rule's status and the
    trend before it. Targets and bases cover the same days as the actuals.

    Args:
        metric: metric key (cac, roi, revenue …).
        period: 2026, 2026-Q3, 2026-09 or 2026-W37; default the latest complete month.
        region: one of the workspace's regions, or None for all.
        channel: one of the workspace's channels, or None for all.
        compare: target, previous, year_earlier, or a number the planner named.
        lang: language of the metric's name.
    """
    p, gap = ctx.answerable(ctx.period(period, "month"))
    ctx.check_scope(region=region, channel=channel)
    ctx.check_metric(metric)
    result = _kpi_lookup(
        ctx.facts,
        ctx.targets,
        metric=metric,
        period=p.label,
        region=region or None,
        channel=channel or None,
        threshold=ctx.threshold,
        compare=compare,
        lang=lang,
    )
    return result.model_copy(update={"coverage": gap}) if gap else result


def rank(
    ctx: WorkspaceContext,
    *,
    metric: str,
    by: Literal["region", "channel"],
    period: str | None = None,
    region: str | None = None,
    channel: str | None = None,
    order: Literal["desc", "asc"] | None = None,
    lang: str = "zh",
    sort: Literal["value", "completion"] = "value",
) -> Ranking:
    """The workspace's regions or channels ranked by a metric, with their targets.

    Args:
        metric: metric key.
        by: rank regions or channels.
        period: default the latest complete month.
        region: rank channels inside this region.
        channel: rank regions inside this channel.
        order: desc (highest first) or asc; default best first.
        lang: language of the metric's name.
        sort: value (the metric itself) or completion (the share of its target reached).
    """
    p, gap = ctx.answerable(ctx.period(period, "month"))
    ctx.check_scope(region=region, channel=channel)
    ctx.check_metric(metric)
    result = _kpi_rank(
        ctx.facts,
        ctx.targets,
        metric=metric,
        period=p.label,
        by=by,
        region=region or None,
        channel=channel or None,
        order=order,
        threshold=ctx.threshold,
        lang=lang,
        sort=sort,
    )
    return result.model_copy(update={"coverage": gap}) if gap else result
