"""The KPI dashboard's data: cards, trend with forecast band and targets, alerts, drivers, budget."""

from __future__ import annotations

from typing import Any, Literal

import pandas as pd
from fastapi import APIRouter, Query

from assistant.drafts.builder import latest_month
from tools.alerts import detect_anomalies
from tools.budget import budget_allocate
from tools.diagnosis import kpi_diagnose
from tools.forecasting import forecast_series, series_from_facts
from tools.kpi import find_target, kpi_lookup
from tools.metrics import get_metric
from tools.periods import parse_period
from web.deps import PrincipalDep, ServicesDep, WorkspaceDep

router = APIRouter(tags=["dashboard"])
CARDS = ("revenue", "cac", "roi", "conversions", "cvr", "repurchase_rate")


@router.get("/dashboard")
def get_dashboard(
    services: ServicesDep,
    workspace: WorkspaceDep,
    _: PrincipalDep,
    metric: str = Query("cac", min_length=2, max_length=32),
    period: str | None = Query(None, max_length=10),
    region: str | None = Query(None, max_length=64),
    channel: str | None = Query(None, max_length=64),
    lang: Literal["zh", "en"] = "zh",
) -> dict[str, Any]:
    data = services.kpis.load(workspace)
    m = get_metric(metric)
    if data.facts.empty:
        return {
            "period": period,
            "cards": [],
            "trend": None,
            "alerts": [],
            "drivers": None,
            "budget": None,
            "regions": [],
            "channels": [],
        }
    period = period or latest_month(data.facts)
    threshold = services.settings.deviation_threshold
    cards = [
        kpi_lookup(
            data.facts,
            data.targets,
            metric=k,
            period=period,
            region=region,
            channel=channel,
            threshold=threshold,
            lang=lang,
        ).model_dump()
        for k in CARDS
    ]
    series = series_from_facts(data.facts, metric, region=region, channel=channel).iloc[-52:]
    trend: dict[str, Any] = {
        "metric": metric,
        "name": m.zh,
        "unit": m.unit,
        "dates": [d.date().isoformat() for d in series.index],
        "actual": [round(v, 4) for v in series],
    }
    targets = []
    for d in series.index:
        month = parse_period(f"{d.year}-{d.month:02d}")
        t = find_target(data.targets, m, month, region=region, channel=channel)
        targets.append(None if t is None else round(t if m.derived else t * 7 / month.days, 4))
    trend["target"] = targets
    try:
        f = forecast_series(
            series_from_facts(data.facts, metric, region=region, channel=channel),
            metric=metric,
            horizon=12,
            folds=0,
        )
        trend["forecast"] = [p.model_dump() for p in f.points]
        trend["model"] = f.model
    except ValueError:
        trend["forecast"], trend["model"] = [], None
    since = pd.Timestamp(series.index[-1]) - pd.Timedelta(weeks=13) if len(series) else None
    alerts = [
        a.model_dump() for a in detect_anomalies(data.facts, since=since, region=region, channel=channel)
    ]
    card = (
        next(c for c in cards if c["metric"] == metric)
        if metric in CARDS
        else kpi_lookup(
            data.facts,
            data.targets,
            metric=metric,
            period=period,
            region=region,
            channel=channel,
            threshold=threshold,
            lang=lang,
        ).model_dump()
    )
    drivers = (
        kpi_diagnose(
            data.facts, data.targets, metric=metric, period=period, threshold=threshold, top=5, lang=lang
        ).model_dump()
        if card["status"] in ("off_target", "watch") and not (region or channel)
        else None
    )
    budget = budget_allocate(150_000_000, facts=data.facts).model_dump()
    return {
        "period": period,
        "cards": cards,
        "trend": trend,
        "alerts": alerts[:30],
        "drivers": drivers,
        "budget": budget,
        "regions": sorted(r for r in data.facts["region"].unique() if r),
        "channels": sorted(c for c in data.facts["channel"].unique() if c),
        "threshold_pct": threshold * 100,
    }
