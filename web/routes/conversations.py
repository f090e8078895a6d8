from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field
from sqlalchemy import select

from assistant.conversations import get_conversation as _get
from assistant.conversations import list_conversations as _list
from assistant.conversations import rename_conversation as _rename
from assistant.db import Feedback, Message
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


class Rename(BaseModel):
    title: str = Field(min_length=1, max_length=200)


@router.patch("/conversations/{conversation_id}")
def rename_conversation(
    conversation_id: str,
    body: Rename,
    services: ServicesDep,
    principal: PrincipalDep,
    workspace: WorkspaceDep,
) -> dict[str, Any]:
    return _rename(services, conversation_id, body.title, workspace, user_id=principal.id)


class FeedbackIn(BaseModel):
    seq: int = Field(ge=0, le=100000)
    rating: Literal[1, -1]
    comment: str = Field("", max_length=2000)


@router.post("/conversations/{conversation_id}/feedback", status_code=201)
def post_feedback(
    conversation_id: str,
    body: FeedbackIn,
    services: ServicesDep,
    principal: PrincipalDep,
    workspace: WorkspaceDep,
) -> dict[str, Any]:
    _get(services, conversation_id, workspace, user_id=principal.id)  # 404 unless it is theirs
    with services.sessions.begin() as s:
        s.add(
            Feedback(
                workspace=workspace,
                conversation_id=conversation_id,
                seq=body.seq,
                user_id=principal.id,
                rating=body.rating,
                comment=body.comment,
            )
        )
    return {"status": "saved"}


@router.get("/feedback", summary="Export feedback with the question and answer it rates (for the eval sets)")
def export_feedback(
    services: ServicesDep, principal: PrincipalDep, workspace: WorkspaceDep
) -> list[dict[str, Any]]:
    with services.sessions() as s:
        q = select(Feedback).where(Feedback.workspace == workspace)
        if principal.role != "admin":
            q = q.where(Feedback.user_id == principal.id)
        rows = list(s.scalars(q.order_by(Feedback.id)))
        out = []
        for f in rows:
            msgs = {
                m.seq: m
                for m in s.scalars(select(Message).where(Message.conversation_id == f.conversation_id))
            }
            answer, question = msgs.get(f.seq), msgs.get(f.seq - 1)
            out.append(
                {
                    "conversation_id": f.conversation_id,
                    "seq": f.seq,
                    "rating": f.rating,
                    "comment": f.comment,
                    "question": question.content if question else "",
                    "answer": answer.content if answer else "",
                    "created_at": f.created_at,
                }
            )
        return out
