"""KPI data import and the planning tools over HTTP: lookup, diagnosis, forecast, budget."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Form, Query, Request, Response, UploadFile
from fastapi import Path as FastAPIPath
from pydantic import BaseModel, Field

from assistant.errors import DataError, InvalidArgument
from assistant.mix_store import FitStatus
from assistant.services import Services
from assistant.usecases import budgets, diagnosis, forecasts, imports, kpis, mixmodel
from tools.metrics import METRICS
from web.deps import ContextDep, PlannerDep, ServicesDep

router = APIRouter(tags=["kpis"])


async def _read_bytes(file: UploadFile, limit: int) -> tuple[bytes, str]:
    data = await file.read(limit + 1)
    if len(data) > limit:
        raise DataError(f"{file.filename}: larger than {limit // (1024 * 1024)} MB")
    return data, file.filename or "upload.csv"


async def _uploads(
    services: Services,
    file: UploadFile | None,
    facts: UploadFile | None,
    targets: UploadFile | None,
    kind: str | None = None,
) -> list[imports.Upload]:
    """The form's files: `file` (any layout, sheets told apart by their headers; `kind` forces
    one), `facts` and `targets`."""
    out = []
    for upload, as_kind in ((file, kind), (facts, "facts"), (targets, "targets")):
        if upload is not None:
            data, name = await _read_bytes(upload, services.settings.max_upload_bytes)
            out.append(imports.Upload(data=data, name=name, kind=as_kind))  # type: ignore[arg-type]
    if not out:
        raise DataError("send a file (facts, targets or a workbook with both)")
    return out


def _json_form(value: str | None, what: str) -> dict[str, Any] | None:
    if not value:
        return None
    try:
        parsed = json.loads(value)
    except json.JSONDecodeError as e:
        raise InvalidArgument(f"{what} must be a JSON object: {e.msg}") from None
    if not isinstance(parsed, dict):
        raise InvalidArgument(f"{what} must be a JSON object")
    return parsed


ModeForm = Annotated[
    Literal["upsert", "replace_periods", "replace_all"],
    Form(
        description="upsert (default): a stored week takes the new values; replace_periods: also "
        "remove what the covered weeks and periods no longer hold; replace_all: the file becomes the data"
    ),
]
MappingForm = Annotated[
    str | None,
    Form(max_length=20_000, description='JSON: {"sheet": {"header": "field"}} or {"header": "field"}'),
]
KindsForm = Annotated[
    str | None, Form(max_length=5_000, description='JSON: {"sheet": "facts" | "targets" | "skip"}')
]


@router.post(
    "/kpis/import",
    status_code=201,
    summary="Import KPI facts and/or targets (CSV or XLSX, long or wide); a bad file imports nothing",
)
async def import_kpis(
    services: ServicesDep,
    ctx: ContextDep,
    request: Request,
    principal: PlannerDep,
    file: Annotated[UploadFile | None, File()] = None,
    facts: Annotated[UploadFile | None, File()] = None,
    targets: Annotated[UploadFile | None, File()] = None,
    mode: ModeForm = "upsert",
    replace: Annotated[bool, Form(description="the same as mode=replace_all")] = False,
    mapping: MappingForm = None,
    kinds: KindsForm = None,
) -> dict[str, Any]:
    request.app.state.limits.hit("upload", principal.username)
    uploads = await _uploads(services, file, facts, targets)
    result = await request.app.state.heavy.run(
        principal.username,
        imports.run_import,
        services,
        ctx,
        uploads,
        mode="replace_all" if replace else mode,
        mapping=_json_form(mapping, "mapping"),
        kinds=_json_form(kinds, "kinds"),
        username=principal.username,
    )
    services.accounts.audit(
        "data_import",
        principal=principal,
        workspace=ctx.name,
        target=" + ".join(u.name for u in uploads),
        detail={"version": result.dataset_version, "mode": result.mode, "changes": result.changes},
    )
    mixmodel.refresh(services, ctx.name)  # the new facts' mix model, fitted in the background
    return _with_message(result, ctx)


def _with_message(result: Any, ctx: Any) -> dict[str, Any]:
    weekly = ctx.window is None or ctx.window.frequency == "W"
    return {
        **result.model_dump(),
        "message": {lang: imports.describe(result, lang, weekly=weekly) for lang in ("zh", "en")},
    }


@router.post(
    "/kpis/preview",
    summary="Read a file as the import would, without importing: the layout guessed for each sheet "
    "(editable), its rows and dates, every problem by row and column, and what would change",
)
@router.post("/kpis/validate", include_in_schema=False)
async def preview_kpis(
    services: ServicesDep,
    ctx: ContextDep,
    request: Request,
    principal: PlannerDep,
    file: Annotated[UploadFile | None, File()] = None,
    facts: Annotated[UploadFile | None, File()] = None,
    targets: Annotated[UploadFile | None, File()] = None,
    kind: Annotated[Literal["facts", "targets", "auto"], Form()] = "auto",
    mode: ModeForm = "upsert",
    mapping: MappingForm = None,
    kinds: KindsForm = None,
) -> dict[str, Any]:
    request.app.state.limits.hit("upload", principal.username)
    uploads = await _uploads(services, file, facts, targets, None if kind == "auto" else kind)
    result = await request.app.state.heavy.run(
        principal.username,
        imports.preview,
        services,
        ctx,
        uploads,
        mode=mode,
        mapping=_json_form(mapping, "mapping"),
        kinds=_json_form(kinds, "kinds"),
    )
    out = result.model_dump()
    first = result.sheets[0] if result.sheets else None
    out |= {  # the first sheet as the earlier check answered it
        "rows": first.rows if first else 0,
        "columns": list(first.head[0]) if first and first.head else [],
        "preview": first.head if first else [],
        "errors": result.problems,
    }
    if result.plan is not None:
        out["message"] = _with_message(result.plan, ctx)["message"]
    return out


@router.get("/kpis/imports", summary="The workspace's imports, target edits and reverts, latest first")
def list_imports(
    services: ServicesDep, ctx: ContextDep, limit: int = Query(50, ge=1, le=500)
) -> dict[str, Any]:
    return {"imports": services.kpis.history(ctx.name, limit=limit)}


@router.post(
    "/kpis/imports/{dataset_id}/revert",
    summary="Undo an import or a target edit: its rows go, the values it replaced come back exactly",
)
def revert_import(
    dataset_id: Annotated[int, FastAPIPath(ge=1, le=2**31 - 1)],
    services: ServicesDep,
    ctx: ContextDep,
    principal: PlannerDep,
) -> dict[str, Any]:
    result = services.kpis.revert(ctx.name, dataset_id, username=principal.username)
    services.accounts.audit(
        "data_revert",
        principal=principal,
        workspace=ctx.name,
        target=f"#{dataset_id}",
        detail={"version": result.dataset_version, "changes": result.changes},
    )
    return _with_message(result, ctx)


@router.get(
    "/kpis/template.xlsx",
    summary="An XLSX template (facts and targets sheets, a filled example row each, the format described)",
    response_class=Response,
)
def get_template(ctx: ContextDep) -> Response:
    return Response(
        imports.template_xlsx(ctx),
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": "attachment; filename*=UTF-8''kpi-template.xlsx"},
    )


@router.get("/kpis/targets", summary="Targets, entered and summed from their parts, filtered")
def get_targets(
    ctx: ContextDep,
    period: str | None = Query(None, max_length=10),
    metric: str | None = Query(None, max_length=32),
    region: str | None = Query(None, max_length=64),
    channel: str | None = Query(None, max_length=64),
    derived: bool = True,
    lang: Literal["zh", "en"] = "zh",
) -> dict[str, Any]:
    rows = imports.list_targets(
        ctx, period=period, metric=metric, region=region, channel=channel, derived=derived, lang=lang
    )
    return {
        "targets": [r.model_dump() for r in rows],
        "regions": list(ctx.regions),
        "channels": list(ctx.channels),
        "metrics": [
            {"key": k, "name": m.name(lang), "unit": m.unit, "ratio": m.derived} for k, m in METRICS.items()
        ],
    }


class TargetKey(BaseModel):
    period: str = Field(min_length=4, max_length=16)
    metric: str = Field(min_length=2, max_length=32)
    region: str = Field("", max_length=64)
    channel: str = Field("", max_length=64)


class TargetValue(TargetKey):
    target: float = Field(ge=0, le=1e15)


class TargetsEdit(BaseModel):
    set: list[TargetValue] = Field(default_factory=list, max_length=5_000)
    delete: list[TargetKey] = Field(default_factory=list, max_length=5_000)


@router.put("/kpis/targets", summary="Set and delete targets: one audited change that can be reverted")
def put_targets(
    body: TargetsEdit, services: ServicesDep, ctx: ContextDep, principal: PlannerDep
) -> dict[str, Any]:
    result = imports.edit_targets(
        services,
        ctx,
        upserts=[t.model_dump() for t in body.set],
        removals=[t.model_dump() for t in body.delete],
        username=principal.username,
    )
    services.accounts.audit(
        "targets_edit",
        principal=principal,
        workspace=ctx.name,
        target=f"#{result.dataset_version}",
        detail={"changes": result.changes["targets"], "periods": result.periods},
    )
    return _with_message(result, ctx)


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
) -> kpis.KpiResult:
    base = kpis.parse_compare(compare)
    return kpis.lookup(
        ctx, metric=metric, period=period, region=region, channel=channel, compare=base, lang=lang
    )


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
) -> kpis.Ranking:
    return kpis.rank(
        ctx, metric=metric, by=by, period=period, region=region, channel=channel, order=order, lang=lang
    )


@router.get("/kpis/diagnose")
def get_diagnosis(
    ctx: ContextDep,
    metric: str = Query(min_length=2, max_length=32),
    period: str | None = Query(None, min_length=4, max_length=10),
    region: str | None = Query(None, max_length=64),
    channel: str | None = Query(None, max_length=64),
    top: int = Query(5, ge=1, le=20),
    lang: Literal["zh", "en"] = "zh",
) -> diagnosis.Diagnosis:
    return diagnosis.diagnose(
        ctx, metric=metric, period=period, region=region, channel=channel, top=top, lang=lang
    )


class ForecastRequest(BaseModel):
    metric: str = Field(min_length=2, max_length=32)
    horizon: int = Field(12, ge=1, le=104)
    period: str | None = Field(
        None, min_length=4, max_length=10, description="a period to summarise (2027-Q1); overrides horizon"
    )
    region: str | None = Field(None, max_length=64)
    channel: str | None = Field(None, max_length=64)


@router.post("/forecast")
def post_forecast(body: ForecastRequest, ctx: ContextDep) -> forecasts.Forecast | forecasts.PeriodForecast:
    return forecasts.run(ctx, forecasts.ForecastQuery(**body.model_dump()))


class BudgetRequest(BaseModel):
    total: float | None = Field(None, gt=0, le=1e13, description="default: the workspace's annual budget")
    period: str | None = Field(None, min_length=4, max_length=10)
    region: str | None = Field(None, max_length=64)
    channel: str | None = Field(None, max_length=64, description="a budget for one channel, split by region")
    by: Literal["channel", "region"] = "channel"
    min_share: float | None = Field(None, ge=0, le=0.5, description="default: the workspace's rule")
    max_share: float | None = Field(None, gt=0, le=1, description="default: the workspace's rule")


@router.post("/budget/allocate")
def post_budget(body: BudgetRequest, ctx: ContextDep) -> budgets.BudgetPlan:
    return budgets.allocate(ctx, **body.model_dump())


class ScenarioRequest(BaseModel):
    changes: list[budgets.Change] = Field(min_length=1, max_length=20)
    period: str | None = Field(
        None, min_length=4, max_length=10, description="default: the quarter after the data's end"
    )
    region: str | None = Field(None, max_length=64)


@router.post("/budget/scenario")
def post_budget_scenario(body: ScenarioRequest, ctx: ContextDep) -> budgets.Scenario:
    """A what-if on a period's budget, by the workspace's mix model (without a fitted model: a clear 422)."""
    return budgets.scenario(ctx, body.changes, period=body.period, region=body.region)


@router.get("/model/status")
def get_model_status(ctx: ContextDep, services: ServicesDep) -> FitStatus:
    """The workspace's mix model: ready, running (with progress), stale, failed or none."""
    return services.mixes.status(ctx.name, ctx.data.facts_digest)
