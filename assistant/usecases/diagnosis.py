"""Why a KPI is off target: the workspace's regions, channels and cells behind the gap."""

from __future__ import annotations

from assistant.usecases.context import WorkspaceContext
from tools.diagnosis import Diagnosis
from tools.diagnosis import kpi_diagnose as _kpi_diagnose
from tools.metrics import get_metric


def diagnose(
    ctx: WorkspaceContext,
    *,
    metric: str,
    period: str | None = None,
    region: str | None = None,
    channel: str | None = None,
    top: int = 5,
    lang: str = "zh",
) -> Diagnosis:
    """Decompose the gap to target, strongest driver first; inside a region or channel, drill
    down within it.

    Args:
        metric: metric key.
        period: the period to explain; default the latest complete quarter.
        region: explain this region (its channels are the drivers).
        channel: explain this channel (its regions are the drivers).
        top: how many drivers to return.
        lang: language of the narrative and the driver details.
    """
    p, gap = ctx.answerable(ctx.period(period, "quarter"))
    ctx.check_scope(region=region, channel=channel)
    ctx.check_metric(metric)
    if gap is not None and gap.kind == "before_data":  # nothing to decompose: say where the data starts
        m = get_metric(metric)
        return Diagnosis(
            metric=m.key,
            metric_name=m.name(lang),
            unit=m.unit,
            period=p.label,
            reference_period="",
            actual=None,
            target=None,
            deviation_pct=None,
            status="no_target",
            region=region or None,
            channel=channel or None,
            drivers=[],
            narrative="",
            coverage=gap,
        )
    result = _kpi_diagnose(
        ctx.facts,
        ctx.targets,
        metric=metric,
        period=p.label,
        region=region or None,
        channel=channel or None,
        threshold=ctx.threshold,
        top=top,
        lang=lang,
    )
    return result.model_copy(update={"coverage": gap}) if gap else result
