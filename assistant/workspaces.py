"""Workspace profiles: the facts about a department that its KPI data cannot give.

The data gives the vocabulary (regions, channels, metrics) and the window; the profile gives the
name planners know it by, the annual budget the budget tools split, the currency unit, notes on
its fiscal calendar and its planning rules (`tools.policy.Policy`: budget structure, channel
bounds, ROI floors, red lines, budgets per year). Admins edit it through the settings page, the
API or `planner workspace set`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from assistant.accounts import check_workspace_name
from assistant.db import Workspace
from assistant.errors import NotFound
from assistant.settings import DEMO_WORKSPACE
from tools.policy import Policy


class WorkspaceProfile(BaseModel):
    name: str
    title: str = ""
    annual_budget: float | None = Field(default=None, description="the year's total marketing budget")
    currency: str = "元"
    fiscal_notes: str = ""
    updated_at: datetime | None = None
    # Policy's fields default positionally (`Field(None, …)`), which mypy does not read as defaults
    policy: Policy = Field(default_factory=Policy)

    def budget_for(self, year: int | str) -> float | None:
        """The year's marketing budget: its own, else the profile's annual budget."""
        return self.policy.budget_for(year) or self.annual_budget


class ProfileUpdate(BaseModel):
    """The fields an admin may change; omitted fields keep their value."""

    title: str | None = Field(None, max_length=200)
    annual_budget: float | None = Field(None, gt=0, le=1e13)
    currency: str | None = Field(None, min_length=1, max_length=16)
    fiscal_notes: str | None = Field(None, max_length=2000)
    policy: Policy | None = None


class Profiles:
    def __init__(self, sessions: sessionmaker) -> None:
        self.sessions = sessions

    def get(self, name: str) -> WorkspaceProfile:
        """The profile; a workspace that has data but was never created (the CLI's `default` before
        the first server start) has an empty one."""
        with self.sessions() as s:
            ws = s.scalar(select(Workspace).where(Workspace.name == name))
            if ws is None:
                return WorkspaceProfile(name=name)
            return _profile(ws)

    def update(self, name: str, change: ProfileUpdate | dict[str, Any]) -> WorkspaceProfile:
        change = change if isinstance(change, ProfileUpdate) else ProfileUpdate(**change)
        fields = change.model_dump(exclude_unset=True, exclude_none=True)
        with self.sessions.begin() as s:
            ws = s.scalar(select(Workspace).where(Workspace.name == name))
            if ws is None:
                if name != DEMO_WORKSPACE:
                    raise NotFound(f"workspace {name!r} does not exist: create it first")
                ws = Workspace(name=check_workspace_name(name))
                s.add(ws)
            if change.policy is not None:
                fields["policy"] = change.policy.model_dump(mode="json")
            for key, value in fields.items():
                setattr(ws, key, value)
            ws.updated_at = datetime.now(UTC)
            s.flush()
            return _profile(ws)

    def exists(self, name: str) -> bool:
        with self.sessions() as s:
            return s.scalar(select(Workspace.id).where(Workspace.name == name)) is not None


def _profile(ws: Workspace) -> WorkspaceProfile:
    return WorkspaceProfile(
        name=ws.name,
        title=ws.title or "",
        annual_budget=ws.annual_budget,
        currency=ws.currency or "元",
        fiscal_notes=ws.fiscal_notes or "",
        updated_at=ws.updated_at,
        policy=Policy.model_validate(ws.policy or {}),
    )
