"""KPI data import and the planning tools over HTTP: lookup, diagnosis, forecast, budget."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import pandas as pd
from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from pydantic import BaseModel, Field

from assistant.errors import DataError
from assistant.services import Services
from assistant.usecases import budgets, diagnosis, forecasts, kpis
from tools.files import read_table_bytes
from tools.kpi_data import validate_facts, validate_targets
from web.deps import ContextDep, PlannerDep, ServicesDep, WorkspaceDep

router = APIRouter(tags=["kpis"])
MAX_UPLOAD = 20 * 1024 * 1024


async def _read_bytes(file: UploadFile) -> tuple[bytes, str]:
    data = await file.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        raise DataError(f"{file.filename}: larger than {MAX_UPLOAD // (1024 * 1024)} MB")
    return data, file.filename or "upload.csv"


def _import(
    services: Services,
    facts: tuple[bytes, str] | None,
    targets: tuple[bytes, str] | None,
    *,
    workspace: str,
    replace: bool,
) -> tuple[int, pd.DataFrame | None, pd.DataFrame | None]:
    """Parse, validate and import in one go (in a worker thread): a bad file imports nothing."""
    limits = services.settings.upload_limits()
    f = read_table_bytes(*facts, limits)[0] if facts else None
    t = read_table_bytes(*targets, limits)[0] if targets else None
    source = " + ".join(name for _, name in (x for x in (facts, targets) if x is not None))
    return services.kpis.import_frames(f, t, workspace=workspace, source=source, replace=replace), f, t


@router.post(
    "/kpis/import",
    status_code=201,
    summary="Import KPI facts and/or targets (CSV or XLSX); a bad file imports nothing",
)
async def import_kpis(
    services: ServicesDep,
    workspace: WorkspaceDep,
    request: Request,
    principal: PlannerDep,
    facts: Annotated[UploadFile | None, File()] = None,
    targets: Annotated[UploadFile | None, File()] = None,
    replace: Annotated[bool, Form()] = False,
) -> dict[str, Any]:
    request.app.state.limits.hit("upload", principal.username)
    if facts is None and targets is None:
        raise DataError("send a facts file, a targets file, or both")
    f_bytes = await _read_bytes(facts) if facts else None
    t_bytes = await _read_bytes(targets) if targets else None
    version, f, t = await request.app.state.heavy.run(
        principal.username, _import, services, f_bytes, t_bytes, workspace=workspace, replace=replace
    )
    source = " + ".join(x.filename or "upload" for x in (facts, targets) if x is not None)
    services.accounts.audit(
        "data_import",
        principal=principal,
        workspace=workspace,
        target=source,
        detail={"version": version, "replace": replace},
    )
    return {
        "dataset_version": version,
        "facts": 0 if f is None else len(f),
        "targets": 0 if t is None else len(t),
    }


def _validate(data: bytes, name: str, kind: str, services: Services) -> dict[str, Any]:
    raw, how = read_table_bytes(data, name, services.settings.upload_limits())
    preview = raw.head(10).to_dict("records")
    summary = {"rows": len(raw), "columns": list(raw.columns), "preview": preview, "read_as": how}
    try:
        (validate_facts if kind == "facts" else validate_targets)(raw, what=name)
    except DataError as e:
        return {"ok": False, **summary, "errors": e.problems, "detail": str(e)}
    return {"ok": True, **summary, "errors": [], "detail": ""}


@router.post(
    "/kpis/validate",
    summary="Check a facts or targets file without importing it: a preview and every problem by row and column",
)
async def validate_kpis(
    services: ServicesDep,
    request: Request,
    principal: PlannerDep,
    file: Annotated[UploadFile, File()],
    kind: Annotated[Literal["facts", "targets"], Form()] = "facts",
) -> dict[str, Any]:
    request.app.state.limits.hit("upload", principal.username)
    data, name = await _read_bytes(file)
    return await request.app.state.heavy.run(principal.username, _validate, data, name, kind, services)


@router.get("/kpis/lookup")
def get_kpi(
    ctx: ContextDep,
    metric: str = Query(min_length=2, max_length=32),
    period: str | None = Query(None, min_length=4, max_length=10),
    region: str | None = Query(None, max_length=64),
    channel: str | None = Query(None, max_length=64),
    compare: str | None = Query(
        None, max_length=32, description="target, previous, year_earlier or a number"
    ),
    lang: Literal["zh", "en"] = "zh",
) -> dict[str, Any]:
    base = kpis.parse_compare(compare)
    return kpis.lookup(
        ctx, metric=metric, period=period, region=region, channel=channel, compare=base, lang=lang
    ).model_dump()


@router.get("/kpis/rank")
def get_ranking(
    ctx: ContextDep,
    metric: str = Query(min_length=2, max_length=32),
    by: Literal["region", "channel"] = "region",
    period: str | None = Query(None, min_length=4, max_length=10),
    region: str | None = Query(None, max_length=64),
    channel: str | None = Query(None, max_length=64),
    order: Literal["desc", "asc"] | None = None,
    lang: Literal["zh", "en"] = "zh",
) -> dict[str, Any]:
    return kpis.rank(
        ctx, metric=metric, by=by, period=period, region=region, channel=channel, order=order, lang=lang
    ).model_dump()


@router.get("/kpis/diagnose")
def get_diagnosis(
    ctx: ContextDep,
    metric: str = Query(min_length=2, max_length=32),
    period: str | None = Query(None, min_length=4, max_length=10),
    region: str | None = Query(None, max_length=64),
    channel: str | None = Query(None, max_length=64),
    top: int = Query(5, ge=1, le=20),
    lang: Literal["zh", "en"] = "zh",
) -> dict[str, Any]:
    return diagnosis.diagnose(
        ctx, metric=metric, period=period, region=region, channel=channel, top=top, lang=lang
    ).model_dump()


class ForecastRequest(BaseModel):
    metric: str = Field(min_length=2, max_length=32)
    horizon: int = Field(12, ge=1, le=104)
    period: str | None = Field(
        None, min_length=4, max_length=10, description="a period to summarise (2027-Q1); overrides horizon"
    )
    region: str | None = Field(None, max_length=64)
    channel: str | None = Field(None, max_length=64)


@router.post("/forecast")
def post_forecast(body: ForecastRequest, ctx: ContextDep) -> dict[str, Any]:
    if body.period:
        return forecasts.forecast_period(ctx, **body.model_dump(exclude={"horizon"})).model_dump()
    return forecasts.forecast(ctx, **body.model_dump(exclude={"period"})).model_dump()


class BudgetRequest(BaseModel):
    total: float | None = Field(None, gt=0, le=1e13, description="default: the workspace's annual budget")
    period: str | None = Field(None, min_length=4, max_length=10)
    region: str | None = Field(None, max_length=64)
    channel: str | None = Field(None, max_length=64, description="a budget for one channel, split by region")
    by: Literal["channel", "region"] = "channel"
    min_share: float = Field(0.05, ge=0, le=0.5)
    max_share: float = Field(0.4, gt=0, le=1)


@router.post("/budget/allocate")
def post_budget(body: BudgetRequest, ctx: ContextDep) -> dict[str, Any]:
    return budgets.allocate(ctx, **body.model_dump()).model_dump()
