"""A workspace's promotion calendar: the trade's festivals, shipped, and its own campaigns.

The shipped events (618, 双十一, 双十二, 春节 on its lunar date, 年货节 before it) are computed,
never stored. A workspace's own campaigns (品牌日, 会员日) are runs with a name and a date range in
its policy; every forecast, the season-aware alerts and the marketing-mix model's future demand
align weeks with last year by them.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from assistant.services import Services
from assistant.usecases.context import WorkspaceContext
from tools.calendar import PromoEvent, events_between, week_start
from tools.errors import NotFound


def calendar(
    ctx: WorkspaceContext, start: date | None = None, end: date | None = None
) -> list[dict[str, Any]]:
    """The events from `start` to `end` (default: the data's first week to a year after its
    last), each with its week and whether it is the workspace's own."""
    window = ctx.window
    first = start or (window.first.date() if window else date.today() - timedelta(days=365))
    last = end or ((window.covered_until.date() if window else date.today()) + timedelta(days=365))
    own = {e.name for e in ctx.policy.events}
    return [
        {"name": name, "day": day.isoformat(), "week": week_start(day).date().isoformat(), "own": name in own}
        for name, day in events_between(first, last, tuple(ctx.policy.events))
    ]


def add_event(
    services: Services, ctx: WorkspaceContext, event: PromoEvent, *, username: str = "", principal: Any = None
) -> list[PromoEvent]:
    """Add a run of the workspace's own campaign (a run with the same name and start replaces
    it); audited. Returns the workspace's runs."""
    kept = [e for e in ctx.policy.events if (e.name, e.start) != (event.name, event.start)]
    runs = sorted([*kept, event], key=lambda e: (e.start, e.name))
    profile = services.profiles.update(ctx.name, {"policy": ctx.policy.model_copy(update={"events": runs})})
    services.accounts.audit(
        "event_added",
        principal=principal,
        username=username,
        workspace=ctx.name,
        target=f"{event.name} {event.start}..{event.end}",
        detail={"new": event.model_dump(mode="json")},
    )
    return profile.policy.events


def remove_event(
    services: Services,
    ctx: WorkspaceContext,
    name: str,
    start: date,
    *,
    username: str = "",
    principal: Any = None,
) -> list[PromoEvent]:
    """Remove one run of the workspace's campaign; audited. Returns the runs left."""
    kept = [e for e in ctx.policy.events if (e.name, e.start) != (name, start)]
    if len(kept) == len(ctx.policy.events):
        runs = "、".join(f"{e.name} {e.start}" for e in ctx.policy.events) or "none"
        raise NotFound(f"the workspace has no run of {name} starting {start} (its runs: {runs})")
    profile = services.profiles.update(ctx.name, {"policy": ctx.policy.model_copy(update={"events": kept})})
    services.accounts.audit(
        "event_removed", principal=principal, username=username, workspace=ctx.name, target=f"{name} {start}"
    )
    return profile.policy.events
