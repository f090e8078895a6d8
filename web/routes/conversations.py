from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from assistant.chat import get_conversation as _get
from assistant.chat import list_conversations as _list
from web.deps import PrincipalDep, ServicesDep, WorkspaceDep

router = APIRouter(tags=["conversations"])


@router.get("/conversations")
def list_conversations(
    services: ServicesDep, principal: PrincipalDep, workspace: WorkspaceDep
) -> list[dict[str, Any]]:
    return _list(services, workspace, user_id=principal.id)


@router.get("/conversations/{conversation_id}")
def get_conversation(
    conversation_id: str, services: ServicesDep, principal: PrincipalDep, workspace: WorkspaceDep
) -> dict[str, Any]:
    return _get(services, conversation_id, workspace, user_id=principal.id)
