"""The KPI dashboard's data (the use case in `assistant/usecases/dashboard.py`)."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Query

from assistant.usecases.dashboard import dashboard
from web.deps import ContextDep, PrincipalDep

router = APIRouter(tags=["dashboard"])


@router.get("/dashboard")
def get_dashboard(
    ctx: ContextDep,
    _: PrincipalDep,
    metric: str = Query("cac", min_length=2, max_length=32),
    period: str | None = Query(None, max_length=10),
    region: str | None = Query(None, max_length=64),
    channel: str | None = Query(None, max_length=64),
    lang: Literal["zh", "en"] = "zh",
) -> dict[str, Any]:
    return dashboard(ctx, metric=metric, period=period, region=region, channel=channel, lang=lang)
