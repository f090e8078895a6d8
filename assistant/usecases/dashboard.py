"""The KPI dashboard's data: cards, trend with forecast band and targets, alerts, drivers, budget.

Every figure comes from the same use cases the chat, the API and the CLI call.
"""

from __future__ import annotations

from typing import Any, TypedDict

import pandas as pd

from assistant.usecases import budgets, diagnosis, forecasts, kpis
from assistant.usecases.context import WorkspaceContext
from tools.alerts import detect_anomalies
from tools.errors import PlannerError
from tools.forecasting import series_from_facts
from tools.kpi import find_target
from tools.metrics import HEADLINE_METRICS, get_metric
from tools.periods import month_of

CARDS = HEADLINE_METRICS
TREND_WEEKS = 52


class _Scope(TypedDict):
    region: str | None
    channel: str | None


def dashboard(
    ctx: WorkspaceContext,
    *,
    metric: str = "cac",
    period: str | None = None,
    region: str | None = None,
    channel: str | None = None,
    lang: str = "zh",
) -> dict[str, Any]:
    m = get_metric(metric)
    base = {"regions": list(ctx.regions), "channels": list(ctx.channels), "workspace": ctx.describe()}
    if ctx.window is None:
        return base | {
            "period": period,
            "cards": [],
            "trend": None,
            "alerts": [],
            "drivers": None,
            "budget": None,
        }
    ctx.check_scope(region=region, channel=channel)
    p = ctx.period(period, "month")
    scope: _Scope = {"region": region, "channel": channel}
    cards = [
        kpis.lookup(ctx, metric=k, period=p.label, lang=lang, **scope).model_dump()
        for k in CARDS
        if k in ctx.metrics
    ]
    # the workspace's red lines for this scope, each its own card (an "抖音 CPC ≤ 1.5" line shows
    # on the company view and on 抖音's)
    for line in ctx.policy.red_lines:
        inside = all(
            not want or want == got for want, got in ((region, line.region), (channel, line.channel))
        )
        if (
            line.metric in ctx.metrics
            and inside
            and (line.region or line.channel or line.metric not in CARDS)
        ):
            cards.append(
                kpis.lookup(
                    ctx,
                    metric=line.metric,
                    period=p.label,
                    region=line.region or None,
                    channel=line.channel or None,
                    lang=lang,
                ).model_dump()
            )
    card = (
        next((c for c in cards if c["metric"] == m.key), None)
        or kpis.lookup(ctx, metric=m.key, period=p.label, lang=lang, **scope).model_dump()
    )
    series = series_from_facts(ctx.facts, m.key, **scope)
    shown = series.iloc[-TREND_WEEKS:]
    trend: dict[str, Any] = {
        "metric": m.key,
        "name": m.name(lang),
        "unit": m.unit,
        "dates": [d.date().isoformat() for d in shown.index],
        "actual": [round(v, 4) for v in shown],
        "target": [_weekly_target(ctx, m, d, region, channel) for d in shown.index],
        "forecast": [],
        "model": None,
        "history": None,
    }
    try:
        f = forecasts.forecast(ctx, metric=m.key, horizon=12, backtest=False, **scope)
        trend["forecast"], trend["model"] = [pt.model_dump() for pt in f.points], f.model
        trend["history"] = f.history.model_dump() if f.history else None
    except PlannerError:
        pass  # too little history for this slice: the chart shows actuals and targets only
    since = pd.Timestamp(shown.index[-1]) - pd.Timedelta(weeks=13) if len(shown) else None
    alerts = [
        a.model_dump()
        for a in detect_anomalies(ctx.facts, since=since, events=tuple(ctx.policy.events), **scope)
    ]
    drivers = (
        diagnosis.diagnose(ctx, metric=m.key, period=p.label, top=5, lang=lang).model_dump()
        if card["status"] in ("off_target", "watch") and not (region or channel)
        else None
    )
    budget, budget_note = None, None
    try:
        budget = budgets.allocate(ctx).model_dump()
    except PlannerError as e:  # no annual budget in the profile yet: say so on the card
        budget_note = str(e)
    return base | {
        "period": p.label,
        "cards": cards,
        "trend": trend,
        "alerts": alerts[:30],
        "drivers": drivers,
        "budget": budget,
        "budget_note": budget_note,
        "threshold_pct": ctx.threshold * 100,
    }


def _weekly_target(ctx: WorkspaceContext, m, day: pd.Timestamp, region: str | None, channel: str | None):
    """The month's target on the weekly chart: ratios as they are, volumes per week."""
    month = month_of(day)
    t = find_target(ctx.targets, m, month, region=region, channel=channel)
    return None if t is None else round(t if m.derived else t * 7 / month.days, 4)
