from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from assistant.chat import get_conversation as _get
from assistant.chat import list_conversations as _list
from web.deps import ServicesDep

router = APIRouter(tags=["conversations"])


@router.get("/conversations")
def list_conversations(services: ServicesDep) -> list[dict[str, Any]]:
    return _list(services)


@router.get("/conversations/{conversation_id}")
def get_conversation(conversation_id: str, services: ServicesDep) -> dict[str, Any]:
    return _get(services, conversation_id)
