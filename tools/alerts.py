"""Unusual moves (异常波动预警): weekly values far from what the season leads one to expect.

For each metric and slice, a week is compared with the median of the eight weeks before it, moved
by the season: by how much last year's same-event week (`tools.calendar.same_week_last_year`:
aligned by distance to 618, 双十一, 春节) stood above or below the eight weeks before it. The
deviation is scaled by those weeks' median absolute deviation (a robust z-score), so one spike in
the history does not hide the next. A planned peak is therefore not an alert, and a festival week
that sold less than last year's festival lift implies is one. A festival week with no year before
it to compare with is not judged.
"""

from __future__ import annotations

from typing import cast

import numpy as np
import pandas as pd
from pydantic import BaseModel

from tools.calendar import PromoEvent, event_role, same_week_last_year
from tools.kpi import metric_value, slice_facts
from tools.metrics import get_metric


class Alert(BaseModel):
    date: str
    metric: str
    region: str
    channel: str
    value: float
    expected: float
    change_pct: float
    z: float


def detect_anomalies(
    facts: pd.DataFrame,
    metrics: tuple[str, ...] = ("cpc", "cvr", "cac", "revenue"),
    *,
    by: tuple[str, ...] = ("channel",),
    window: int = 8,
    threshold: float = 4.0,
    min_change: float = 0.10,
    since: pd.Timestamp | None = None,
    region: str | None = None,
    channel: str | None = None,
    events: tuple[PromoEvent, ...] = (),
) -> list[Alert]:
    """Weeks more than `threshold` robust z-scores and `min_change` (relative) from the previous
    `window` weeks: unusual *and* large enough to matter."""
    out: list[Alert] = []
    for key in metrics:
        m = get_metric(key)
        rows = slice_facts(facts, region=region, channel=channel, metrics=m.base_inputs)
        if rows.empty:
            continue
        groups = list(by) if by else []
        wide = rows.pivot_table(index=[*groups, "date"], columns="metric", values="value", aggfunc="sum")
        for group_key, g in wide.groupby(level=list(range(len(groups)))) if groups else [((), wide)]:
            series = pd.Series(
                [metric_value(r, m) for _, r in g.iterrows()],
                index=g.index.get_level_values("date"),
                dtype=float,
            ).dropna()
            if len(series) <= window:
                continue
            values = series.to_numpy()
            position = {pd.Timestamp(d): i for i, d in enumerate(series.index)}
            for i in range(window, len(values)):
                past = values[i - window : i]
                med = float(np.median(past))
                mad = float(np.median(np.abs(past - med))) * 1.4826 or abs(med) * 0.01 or 1.0
                date = series.index[i]
                season = _season(values, position, pd.Timestamp(date), window, events)
                if season is None:
                    continue  # a festival week with no year before it: nothing to judge it by
                med, mad = med * season, mad * season
                z = (values[i] - med) / mad
                big = med and abs(values[i] - med) / abs(med) >= min_change
                if abs(z) >= threshold and big and (since is None or date >= since):
                    # the group keys are region and channel names (the stubs say Hashable)
                    names = cast(
                        "tuple[str, ...]", group_key if isinstance(group_key, tuple) else (group_key,)
                    )
                    labels = dict(zip(groups, names, strict=False))
                    out.append(
                        Alert(
                            date=pd.Timestamp(date).date().isoformat(),
                            metric=key,
                            region=labels.get("region", region or ""),
                            channel=labels.get("channel", channel or ""),
                            value=round(float(values[i]), 4),
                            expected=round(med, 4),
                            change_pct=round((values[i] - med) / abs(med) * 100, 1) if med else 0.0,
                            z=round(float(z), 1),
                        )
                    )
    return sorted(out, key=lambda a: (a.date, -abs(a.z)), reverse=True)


def _season(
    values: np.ndarray,
    position: dict[pd.Timestamp, int],
    date: pd.Timestamp,
    window: int,
    events: tuple[PromoEvent, ...],
) -> float | None:
    """How far last year's same-event week stood from the `window` weeks before it (1.0 without a
    year of history for an ordinary week; None for an event week without one)."""
    p = position.get(same_week_last_year(date, events))
    if p is not None and p >= window:
        before = float(np.median(values[p - window : p]))
        if before > 0 and values[p] > 0:
            return float(values[p] / before)
    role = event_role(date, events)
    return None if role is not None else 1.0
