"""The caller's workspace: its vocabulary, data window and profile."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter

from assistant.usecases import calendar, names
from tools.policy import PromoEvent, RedLine
from web.deps import ContextDep, PlannerDep, ServicesDep

router = APIRouter(tags=["workspaces"])


@router.get("/workspace", summary="The workspace's regions, channels, metrics, data window and profile")
def get_workspace(ctx: ContextDep) -> dict[str, Any]:
    return ctx.describe()


@router.post(
    "/workspace/red-lines",
    status_code=201,
    summary="Adopt a red line (one a planner confirmed from a document, or typed): audited",
)
def add_red_line(
    line: RedLine, services: ServicesDep, ctx: ContextDep, principal: PlannerDep
) -> dict[str, Any]:
    ctx.check_scope(region=line.region or None, channel=line.channel or None)
    policy = ctx.policy
    kept = [
        r
        for r in policy.red_lines
        if (r.metric, r.region, r.channel) != (line.metric, line.region, line.channel)
    ]
    updated = policy.model_copy(update={"red_lines": [*kept, line]})
    profile = services.profiles.update(ctx.name, {"policy": updated})
    services.accounts.audit(
        "red_line_adopted",
        principal=principal,
        workspace=ctx.name,
        target=line.label(),
        detail={"old": [r.model_dump() for r in policy.red_lines if r not in kept], "new": line.model_dump()},
    )
    return profile.policy.model_dump(mode="json")


@router.get(
    "/workspace/calendar",
    summary="The promotion calendar: 618, 双十一, 春节… and the workspace's own campaigns",
)
def get_calendar(ctx: ContextDep) -> dict[str, Any]:
    return {"events": calendar.calendar(ctx), "own": [e.model_dump(mode="json") for e in ctx.policy.events]}


@router.post(
    "/workspace/events",
    status_code=201,
    summary="Add a run of the workspace's own campaign (品牌日 2026-08-07..09): forecasts align by it; audited",
)
def add_event(
    event: PromoEvent, services: ServicesDep, ctx: ContextDep, principal: PlannerDep
) -> dict[str, Any]:
    runs = calendar.add_event(services, ctx, event, principal=principal)
    return {"own": [e.model_dump(mode="json") for e in runs]}


@router.delete("/workspace/events", summary="Remove a run of the workspace's own campaign; audited")
def remove_event(
    name: str, start: date, services: ServicesDep, ctx: ContextDep, principal: PlannerDep
) -> dict[str, Any]:
    runs = calendar.remove_event(services, ctx, name, start, principal=principal)
    return {"own": [e.model_dump(mode="json") for e in runs]}


@router.get(
    "/workspace/names",
    summary="The words that name each region and channel in a request, and the workspace's own aliases",
)
def get_names(ctx: ContextDep, services: ServicesDep) -> dict[str, Any]:
    return names.names(ctx, services.settings.today_date())


@router.put(
    "/workspace/aliases", summary="Set the workspace's own words for its regions and channels: audited"
)
def put_aliases(
    aliases: dict[str, list[str]], services: ServicesDep, ctx: ContextDep, principal: PlannerDep
) -> dict[str, list[str]]:
    return names.set_aliases(services, ctx, aliases, principal=principal)
