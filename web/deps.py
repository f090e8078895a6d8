"""Dependency aliases for the routers: services, the signed-in caller, their workspace."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from fastapi import Depends, Header, Query, Request

from assistant.accounts import AuthError, Forbidden, Principal
from assistant.services import Services
from assistant.usecases import WorkspaceContext, workspace_context

if TYPE_CHECKING:  # the agent (LangChain) is imported by the first chat, not at start-up
    from assistant.chat import ChatService

SESSION_COOKIE = "planner_session"


def documented_errors(model: type, texts: dict[int, str]) -> dict[int | str, dict[str, Any]]:
    """A router's error responses for the OpenAPI page: each status with its body and meaning."""
    return {code: {"model": model, "description": text} for code, text in texts.items()}


def is_ready(app: Any) -> bool:
    """Whether the worker's start-up warm-up has finished (`web.main.UntilWarm`); an app run
    without its lifespan has none."""
    warming = getattr(app.state, "warming", None)
    return warming is None or warming.done()


# Dependencies that do no I/O are `async def`: FastAPI runs a plain `def` one in a worker thread,
# a thread hop per dependency per request for a dictionary lookup.
async def get_services(request: Request) -> Services:
    return request.app.state.services


def get_principal(request: Request) -> Principal:
    """The caller, from the session cookie (browser) or an `Authorization: Bearer` token (scripts)."""
    services: Services = request.app.state.services
    header = request.headers.get("authorization", "")
    token = (
        header[7:].strip() if header.lower().startswith("bearer ") else request.cookies.get(SESSION_COOKIE)
    )
    if not token:
        raise AuthError(
            "sign in first: use the sign-in link printed at start-up, POST /api/auth/login, or an API token"
        )
    return services.accounts.authenticate(token)


PrincipalDep = Annotated[Principal, Depends(get_principal)]


async def get_workspace(
    principal: PrincipalDep,
    x_workspace: Annotated[str | None, Header(max_length=64)] = None,
    workspace: Annotated[str | None, Query(max_length=64)] = None,
) -> str:
    """The workspace a request works in: `X-Workspace` header or `workspace` query parameter,
    else the caller's first. A workspace the caller does not belong to does not exist for them."""
    return principal.workspace(x_workspace or workspace)


WorkspaceDep = Annotated[str, Depends(get_workspace)]


def require(*roles: str):
    async def check(principal: PrincipalDep) -> Principal:
        if not principal.can(*roles):
            raise Forbidden(f"this needs the {' or '.join(roles)} role")
        return principal

    return Depends(check)


def get_chat_for(request: Request, workspace: str) -> ChatService:
    """One agent per workspace: its tools can only reach that workspace's data."""
    from assistant.chat import ChatService

    cache: dict[str, ChatService] = request.app.state.chats
    if workspace not in cache:
        cache[workspace] = ChatService(request.app.state.services, workspace=workspace)
    return cache[workspace]


async def get_chat(request: Request, workspace: WorkspaceDep) -> ChatService:
    return get_chat_for(request, workspace)


PlannerDep = Annotated[Principal, require("planner")]
ReviewerDep = Annotated[Principal, require("reviewer")]
AdminDep = Annotated[Principal, require("admin")]
ServicesDep = Annotated[Services, Depends(get_services)]
ChatDep = Annotated["ChatService", Depends(get_chat)]


def get_context(request: Request, workspace: WorkspaceDep) -> WorkspaceContext:
    """The caller's workspace with its data, profile and vocabulary: what every use case takes."""
    return workspace_context(request.app.state.services, workspace)


ContextDep = Annotated[WorkspaceContext, Depends(get_context)]
