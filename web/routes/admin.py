"""Administration: users, workspaces and the audit log (admin role)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from assistant.accounts import NAME_PATTERN
from assistant.workspaces import ProfileUpdate
from web.deps import AdminDep, ServicesDep

router = APIRouter(prefix="/admin", tags=["admin"])


class UserCreate(BaseModel):
    username: str = Field(min_length=2, max_length=64, pattern=NAME_PATTERN)
    role: Literal["planner", "reviewer", "admin"]
    password: str = Field(min_length=10, max_length=200)
    workspaces: list[Annotated[str, Field(pattern=NAME_PATTERN)]] = Field(default_factory=list, max_length=50)


@router.post("/users", status_code=201)
def create_user(body: UserCreate, services: ServicesDep, admin: AdminDep) -> dict[str, Any]:
    uid = services.accounts.create_user(
        body.username, role=body.role, password=body.password, workspaces=body.workspaces
    )
    services.accounts.audit(
        "user_created",
        principal=admin,
        target=body.username,
        detail={"role": body.role, "workspaces": body.workspaces},
    )
    return {"id": uid, "username": body.username, "role": body.role}


class WorkspaceCreate(BaseModel):
    name: str = Field(min_length=2, max_length=64, pattern=NAME_PATTERN)


@router.post("/workspaces", status_code=201)
def create_workspace(body: WorkspaceCreate, services: ServicesDep, admin: AdminDep) -> dict[str, str]:
    services.accounts.create_workspace(body.name)
    services.accounts.audit("workspace_created", principal=admin, target=body.name)
    return {"name": body.name}


@router.put(
    "/workspaces/{name}", summary="Edit a workspace's profile: title, annual budget, currency, fiscal notes"
)
def update_workspace(
    name: str, body: ProfileUpdate, services: ServicesDep, admin: AdminDep
) -> dict[str, Any]:
    profile = services.profiles.update(name, body)
    services.accounts.audit(
        "workspace_updated", principal=admin, target=name, detail=body.model_dump(exclude_none=True)
    )
    return profile.model_dump(mode="json")


@router.get("/audit")
def get_audit(
    services: ServicesDep,
    admin: AdminDep,
    action: str | None = Query(None, max_length=64),
    limit: int = Query(200, ge=1, le=1000),
) -> list[dict[str, Any]]:
    return services.accounts.audit_log(limit=limit, action=action)
