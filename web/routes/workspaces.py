"""The caller's workspace: its vocabulary, data window and profile."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from web.deps import ContextDep

router = APIRouter(tags=["workspaces"])


@router.get("/workspace", summary="The workspace's regions, channels, metrics, data window and profile")
def get_workspace(ctx: ContextDep) -> dict[str, Any]:
    return ctx.describe()
