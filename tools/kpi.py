"""KPI lookup: actual against target, deviation, status under the 10% rule, and trend."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, TypedDict

import pandas as pd
from pydantic import BaseModel

from tools.metrics import Metric, get_metric
from tools.periods import DataWindow, Period, data_window, parse_period

Status = Literal["on_track", "watch", "off_target", "no_target"]
STATUS_ZH = {"on_track": "达标", "watch": "关注", "off_target": "偏离目标", "no_target": "无目标"}


class TrendPoint(BaseModel):
    period: str
    value: float | None


CompareKind = Literal["target", "previous", "year_earlier", "named"]


class Comparison(BaseModel):
    """What the actual is compared with, on the same days as the actual."""

    kind: CompareKind
    period: str | None = None  # the base's own period; None for a value the planner named
    value: float | None  # the base on the actual's days
    raw_value: float | None = None  # the target row, or the base period's own figure, before pro-rating
    days: int | None = None  # days the base period's data covers
    change: float | None = None  # actual - base
    change_pct: float | None = None  # (actual - base) / |base|, in %


class Coverage(BaseModel):
    """An asked period the data does not reach: after its last week, or before its first."""

    kind: Literal["after_data", "before_data"]
    asked: str  # the period asked for
    data_first: str  # the first day the data measures
    data_last: str  # the date of the latest row (a weekly row: its Monday)
    last_week: str | None = None  # that row's ISO week, for weekly data (2026-W44)
    answered: str | None = None  # the latest complete period of the same kind, answered instead
    future: bool = False  # the asked period has not ended yet by today's date: a forecast fits


class _CoverageCommon(TypedDict):
    """The fields both kinds of `Coverage` share."""

    asked: str
    data_first: str
    data_last: str
    last_week: str | None


def coverage(
    window: DataWindow | None, period: Period, *, today: pd.Timestamp | None = None
) -> Coverage | None:
    """None when the data reaches into `period`; otherwise which side of the data it lies on and
    the period to answer instead (the latest complete month, quarter or year; the last week)."""
    # a row counts in the period of its own date (a week in the month of its Monday), so a period
    # is reached when a row is dated inside it
    if window is None or (period.start <= window.last and period.end >= window.first):
        return None
    iso = window.last.isocalendar()
    common: _CoverageCommon = {
        "asked": period.label,
        "data_first": window.first.date().isoformat(),
        "data_last": window.last.date().isoformat(),
        "last_week": f"{iso.year}-W{iso.week:02d}" if window.frequency == "W" else None,
    }
    if period.end < window.first:
        return Coverage(kind="before_data", **common)
    latest = {
        "month": window.latest_month,
        "quarter": window.latest_quarter,
        "year": window.latest_year,
        "week": parse_period(str(common["last_week"])) if common["last_week"] else window.latest_month,
    }[period.kind]
    future = today is not None and period.end >= today
    return Coverage(kind="after_data", answered=latest.label, future=future, **common)


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
    # how the target was made when nobody entered it: "regions", "channels", "months", "quarters"
    target_basis: str | None = None
    target_period: str | None = None  # the enclosing period a target was pro-rated from
    days: int | None = None  # days the actuals cover (weekly data: 7 per week)
    calendar_days: int = 0
    partial: bool = False  # the data does not reach the period's end (or start)
    comparison: Comparison | None = None
    # a ratio metric's company-wide target, shown as a reference when the slice has none of its own
    company_target: float | None = None
    company_deviation_pct: float | None = None
    trend: list[TrendPoint] = []
    coverage: Coverage | None = None  # the asked period lies outside the data (see `coverage`)


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


def covered_days(facts: pd.DataFrame, period: Period) -> int | None:
    """The days the facts dated in `period` measure: a row starts one step of the data's own
    frequency (a weekly row covers its Monday to Sunday), so a month of weekly data covers 28 or 35
    days, never exactly its calendar days. None when the period has no rows."""
    dates = pd.DatetimeIndex(facts["date"].unique()).sort_values() if not facts.empty else None
    if dates is None or dates.empty:
        return None
    inside = dates[(dates >= period.start) & (dates <= period.end)]
    if inside.empty:
        return None
    gap = int(pd.Series(dates).diff().dt.days.median()) if len(dates) > 1 else 7
    if gap >= 28:  # monthly or quarterly rows measure their whole calendar period
        return period.days
    return len(inside) * max(1, gap)


@dataclass(frozen=True)
class ResolvedTarget:
    """A target on the actuals' days, and where it comes from."""

    value: float
    period: str  # the target row's own period (an enclosing one when pro-rated)
    basis: str  # "" when entered; "regions", "channels", "months", "quarters" when summed; "red_line"
    prorated: bool


def resolve_target(
    targets: pd.DataFrame | None,
    metric: Metric,
    period: Period,
    *,
    region: str | None = None,
    channel: str | None = None,
    days: int | None = None,
) -> ResolvedTarget | None:
    """The target for exactly this slice, on the same days as the actuals: the one place every
    reader of a target goes through.

    `targets` are the workspace's resolved targets (`tools.targets.roll_up`: entered ones plus the
    sums of their parts). A target row is for its calendar period. A ratio metric's target applies
    as is; an additive metric's is pro-rated to the `days` the actuals cover (a 30-day September
    target against four weeks of actuals counts 28/30 of it), and a target for an enclosing period
    gives a shorter one the same way (a quarterly revenue target gives a monthly one).
    """
    if targets is None or targets.empty:
        return None
    t = targets[
        (targets["metric"] == metric.key)
        & (targets["region"] == (region or ""))
        & (targets["channel"] == (channel or ""))
    ]
    if t.empty:
        return None
    days = days or period.days
    basis = t["basis"] if "basis" in t.columns else pd.Series("", index=t.index)
    standing = t[t["period"] == ""]  # the workspace's red lines: for any period without a target
    t, basis = t[t["period"] != ""], basis[t["period"] != ""]
    exact = t[t["period"] == period.label]
    if not exact.empty:
        value = float(exact["target"].iloc[0])
        return ResolvedTarget(
            value=value if metric.derived else value * days / period.days,
            period=period.label,
            basis=str(basis[exact.index[0]] or ""),
            prorated=False,
        )
    enclosing = [
        (outer, float(value), str(how or ""))
        for label, value, how in zip(t["period"], t["target"], basis, strict=True)
        if (outer := parse_period(label)).contains(period)
    ]
    if not enclosing:
        if standing.empty or not metric.derived:
            return None
        return ResolvedTarget(
            value=float(standing["target"].iloc[0]), period=period.label, basis="red_line", prorated=False
        )
    outer, value, how = min(enclosing, key=lambda e: e[0].days)  # the month's quarter before its year
    return ResolvedTarget(
        value=value if metric.derived else value * days / outer.days,
        period=outer.label,
        basis=how,
        prorated=not metric.derived,
    )


def find_target(
    targets: pd.DataFrame | None,
    metric: Metric,
    period: Period,
    *,
    region: str | None = None,
    channel: str | None = None,
    days: int | None = None,
) -> float | None:
    """The value of `resolve_target`."""
    found = resolve_target(targets, metric, period, region=region, channel=channel, days=days)
    return None if found is None else found.value


def deviation_and_status(
    actual: float | None, target: float | None, metric: Metric, threshold: float, *, red_line: bool = False
) -> tuple[float | None, Status]:
    """The deviation in % and the monitoring rule's status. A red line has no tolerance: any
    step past it is off target."""
    if actual is None or target is None or target == 0:
        return None, "no_target"
    deviation = (actual - target) / abs(target)
    adverse = deviation if metric.direction == "lower" else -deviation
    if red_line:
        return round(deviation * 100, 2), "off_target" if adverse > 0 else "on_track"
    if adverse > threshold:
        status: Status = "off_target"
    elif adverse > threshold / 2:
        status = "watch"
    else:
        status = "on_track"
    return round(deviation * 100, 2), status


def _partial(facts: pd.DataFrame, period: Period) -> bool:
    """The data starts after the period starts or stops before it ends."""
    window = data_window(facts["date"]) if not facts.empty else None
    return window is not None and (window.first > period.start or window.covered_until < period.end)


def _change(actual: float | None, base: float | None) -> tuple[float | None, float | None]:
    if actual is None or base is None:
        return None, None
    return round(actual - base, 4), (round((actual - base) / abs(base) * 100, 4) if base else None)


def compare_with(
    facts: pd.DataFrame,
    targets: pd.DataFrame | None,
    metric: Metric,
    period: Period,
    actual: float | None,
    days: int | None,
    kind: CompareKind | float,
    *,
    region: str | None = None,
    channel: str | None = None,
) -> Comparison:
    """The comparison base for an actual, covering the same days.

    `kind` is "target", "previous" (the period just before), "year_earlier" (the same period a
    year before) or a number the planner named ("120块的红线"). An additive metric's previous or
    year-earlier figure is scaled to the actual's days when the two periods hold a different number
    of weeks (August's five weeks against July's four), so the change is never a calendar artefact.
    """
    base: float | None
    if not isinstance(kind, str):
        base = float(kind)
        change, pct = _change(actual, base)
        return Comparison(kind="named", value=base, raw_value=base, change=change, change_pct=pct)
    if kind == "target":
        raw = find_target(targets, metric, period, region=region, channel=channel)
        base = find_target(targets, metric, period, region=region, channel=channel, days=days)
        change, pct = _change(actual, base)
        return Comparison(
            kind="target",
            period=period.label,
            value=base,
            raw_value=raw,
            days=days,
            change=change,
            change_pct=pct,
        )
    other = period.previous() if kind == "previous" else period.year_earlier()
    raw = actual_value(facts, metric, other, region=region, channel=channel)
    other_days = covered_days(facts, other)
    base = raw
    if raw is not None and not metric.derived and days and other_days and other_days != days:
        base = raw * days / other_days
    change, pct = _change(actual, base)
    return Comparison(
        kind=kind,
        period=other.label,
        value=None if base is None else round(base, 4),
        raw_value=None if raw is None else round(raw, 4),
        days=other_days,
        change=change,
        change_pct=pct,
    )


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
    compare: CompareKind | float = "target",
    lang: str = "zh",
) -> KpiResult:
    """Actual vs target for one metric, period and slice, with the trend of the periods before it.

    Status follows the monitoring rule: off target when the adverse deviation passes `threshold`
    (10% by default), watch above half of it, otherwise on track. Targets and comparison bases
    cover the same days as the actuals (see `find_target` and `compare_with`).
    """
    m, p = get_metric(metric), parse_period(period)
    actual = actual_value(facts, m, p, region=region, channel=channel)
    days = covered_days(facts, p)
    resolved = resolve_target(targets, m, p, region=region, channel=channel, days=days)
    target = None if resolved is None else resolved.value
    red = resolved is not None and resolved.basis == "red_line"
    deviation, status = deviation_and_status(actual, target, m, threshold, red_line=red)
    comparison = compare_with(facts, targets, m, p, actual, days, compare, region=region, channel=channel)
    company_target = (
        find_target(targets, m, p) if target is None and (region or channel) and m.derived else None
    )
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
        target=None if target is None else round(target, 4),
        deviation_pct=deviation,
        status=status,
        threshold_pct=threshold * 100,
        target_basis=(resolved.basis or None) if resolved else None,
        target_period=resolved.period if resolved and resolved.prorated else None,
        days=days,
        calendar_days=p.days,
        partial=_partial(facts, p),
        comparison=comparison,
        company_target=company_target,
        company_deviation_pct=deviation_and_status(actual, company_target, m, threshold)[0],
        trend=list(reversed(trend)),
    )


class RankRow(BaseModel):
    name: str
    actual: float | None
    target: float | None
    deviation_pct: float | None
    status: Status
    # how much of its target it reached, 100 = on target; for a lower-is-better metric
    # target ÷ actual, so a higher completion is better either way
    completion_pct: float | None = None


class Ranking(BaseModel):
    metric: str
    metric_name: str
    unit: str
    direction: str
    period: str
    by: Literal["region", "channel"]
    region: str | None = None
    channel: str | None = None
    order: Literal["desc", "asc"]
    rows: list[RankRow]
    sort: Literal["value", "completion"] = "value"
    coverage: Coverage | None = None


def kpi_rank(
    facts: pd.DataFrame,
    targets: pd.DataFrame | None,
    *,
    metric: str,
    period: str,
    by: Literal["region", "channel"],
    region: str | None = None,
    channel: str | None = None,
    order: Literal["desc", "asc"] | None = None,
    threshold: float = 0.10,
    lang: str = "zh",
    sort: Literal["value", "completion"] = "value",
) -> Ranking:
    """Regions or channels ranked by a metric in a period (within a region or channel if given),
    each with its target on the same days. `order` defaults to best first (lowest first for a
    lower-is-better metric such as CAC). `sort="completion"` ranks by how much of the target each
    reached ("哪个区域目标完成率最低"): those without a target are left out, and desc is best first."""
    m, p = get_metric(metric), parse_period(period)
    names = [n for n in slice_facts(facts, region=region, channel=channel)[by].unique() if n]
    days = covered_days(facts, p)
    rows = []
    for name in names:
        where = {"region": region, "channel": channel, by: name}
        actual = actual_value(facts, m, p, **where)
        if actual is None:
            continue
        resolved = resolve_target(targets, m, p, **where, days=days)
        target = None if resolved is None else resolved.value
        red = resolved is not None and resolved.basis == "red_line"
        deviation, status = deviation_and_status(actual, target, m, threshold, red_line=red)
        rows.append(
            RankRow(
                name=name,
                actual=round(actual, 4),
                target=None if target is None else round(target, 4),
                deviation_pct=deviation,
                status=status,
                completion_pct=_completion(actual, target, m.direction),
            )
        )
    if sort == "completion":
        rows = [r for r in rows if r.completion_pct is not None]
        order = order or "desc"
        rows.sort(key=lambda r: r.completion_pct or 0.0, reverse=order == "desc")
    else:
        order = order or ("asc" if m.direction == "lower" else "desc")
        rows.sort(key=lambda r: r.actual or 0.0, reverse=order == "desc")
    return Ranking(
        metric=m.key,
        metric_name=m.name(lang),
        unit=m.unit,
        direction=m.direction,
        period=p.label,
        by=by,
        region=region,
        channel=channel,
        order=order,
        rows=rows,
        sort=sort,
    )


def _completion(actual: float, target: float | None, direction: str) -> float | None:
    if not target or not actual:
        return None
    return round((target / actual if direction == "lower" else actual / target) * 100, 2)
