"""Administration: users, workspaces and the audit log (admin role)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi import Path as FastAPIPath
from pydantic import BaseModel, Field

from assistant.accounts import NAME_PATTERN, Forbidden
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


@router.get("/users", summary="Every account: role, state, workspaces")
def list_users(services: ServicesDep, admin: AdminDep) -> list[dict[str, Any]]:
    return services.accounts.users()


class UserUpdate(BaseModel):
    role: Literal["planner", "reviewer", "admin"] | None = None
    workspaces: list[Annotated[str, Field(pattern=NAME_PATTERN)]] | None = Field(None, max_length=50)
    active: bool | None = None


@router.put("/users/{username}", summary="Change an account's role, workspaces (set exactly) or state")
def update_user(
    username: Annotated[str, FastAPIPath(max_length=64, pattern=NAME_PATTERN)],
    body: UserUpdate,
    services: ServicesDep,
    admin: AdminDep,
) -> dict[str, Any]:
    if username == admin.username and (body.role not in (None, "admin") or body.active is False):
        raise Forbidden("you cannot take your own admin role or disable yourself")
    old = services.accounts.update_user(username, role=body.role, workspaces=body.workspaces)
    if body.active is not None:
        services.accounts.set_active(username, body.active)
    services.accounts.audit(
        "user_updated",
        principal=admin,
        target=username,
        detail={"old": old, "new": body.model_dump(exclude_none=True)},
    )
    return next(u for u in services.accounts.users() if u["username"] == username)


@router.get("/workspaces", summary="Every workspace with its title")
def list_workspaces(services: ServicesDep, admin: AdminDep) -> list[dict[str, Any]]:
    return [
        services.profiles.get(name).model_dump(mode="json", include={"name", "title"})
        for name in services.accounts.workspaces()
    ]


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
    before = services.profiles.get(name).model_dump(mode="json", exclude={"updated_at"})
    profile = services.profiles.update(name, body)
    services.accounts.audit(
        "workspace_updated",
        principal=admin,
        target=name,
        detail={
            "old": {k: before[k] for k in body.model_dump(exclude_none=True)},
            "new": body.model_dump(mode="json", exclude_none=True),
        },
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
