from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel

from web.deps import documented_errors
from web.routes import (
    admin,
    auth,
    chat,
    conversations,
    dashboard,
    drafts,
    health,
    knowledge,
    kpis,
    workspaces,
)


class ErrorDetail(BaseModel):
    """A message a person can act on; request validation errors list each field instead."""

    detail: str | list[dict[str, Any]]
    errors: list[dict[str, Any]] | None = None  # data files: each problem with its row and column


_ERRORS = documented_errors(
    ErrorDetail,
    {
        400: "bad input, e.g. a document that cannot be parsed",
        401: "not signed in",
        403: "no access (role or workspace)",
        404: "not found",
        409: "already exists, or changed since it was read",
        413: "request body too large",
        422: "invalid data, named by row and column where it comes from a file",
        429: "rate limit reached",
    },
)

api = APIRouter(prefix="/api", responses=_ERRORS)
for module in (auth, admin, chat, conversations, dashboard, drafts, health, knowledge, kpis, workspaces):
    api.include_router(module.router)
