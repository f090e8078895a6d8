"""Conversations as stored: a user's list, one conversation with its messages, a new title.

Apart from the agent (`assistant.chat`), so the pages and the API that only read or rename
conversations do not import LangChain.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from assistant.db import Conversation
from assistant.errors import NotFound
from assistant.services import Services


def visible(conv: Conversation | None, workspace: str, user_id: int | None) -> bool:
    """A conversation is its author's, inside its workspace."""
    return conv is not None and conv.workspace == workspace and (user_id is None or conv.user_id == user_id)


def list_conversations(
    services: Services, workspace: str, *, user_id: int | None = None
) -> list[dict[str, Any]]:
    with services.sessions() as s:
        q = select(Conversation).where(Conversation.workspace == workspace)
        if user_id is not None:
            q = q.where(Conversation.user_id == user_id)
        rows = s.scalars(q.order_by(Conversation.updated_at.desc())).all()
        return [
            {"id": c.id, "title": c.title, "created_at": c.created_at, "updated_at": c.updated_at}
            for c in rows
        ]


def get_conversation(
    services: Services, conversation_id: str, workspace: str, *, user_id: int | None = None
) -> dict[str, Any]:
    with services.sessions() as s:
        c = s.get(Conversation, conversation_id)
        if not visible(c, workspace, user_id):
            raise NotFound(f"conversation {conversation_id} not found")
        assert c is not None
        return {
            "id": c.id,
            "title": c.title,
            "created_at": c.created_at,
            "messages": [
                {
                    "seq": m.seq,
                    "role": m.role,
                    "origin": m.origin,
                    "content": m.content,
                    "tool_calls": m.tool_calls,
                    "citations": m.citations,
                    "engine": m.engine,
                    "model": m.model,
                    "error": m.error,
                    "audit": m.audit,
                    "created_at": m.created_at,
                }
                for m in c.messages
            ],
        }


def rename_conversation(
    services: Services, conversation_id: str, title: str, workspace: str, *, user_id: int | None = None
) -> dict[str, Any]:
    with services.sessions.begin() as s:
        c = s.get(Conversation, conversation_id)
        if not visible(c, workspace, user_id):
            raise NotFound(f"conversation {conversation_id} not found")
        assert c is not None
        c.title = title.strip()[:200]
    return {"id": conversation_id, "title": title.strip()[:200]}
