"""Chat clients that speak the OpenAI API (Cherry Studio, Chatbox, LobeChat, Open WebUI) talk to
the same agent, storage and audit as the web UI; this module maps their requests onto ours.

Such a client sends the whole conversation with every request and keeps no id of ours. The
conversation it continues is found by its earlier messages: the same user, workspace and
(role, text) sequence as a stored conversation; a history we do not have is stored first, so the
turn (and the web UI's history) sees it. Clients cannot show citation events, so an answer's
sources are appended to its text as a reference list, which is stripped again when the client
sends the answer back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from assistant.db import Conversation, Message
from assistant.errors import InvalidArgument
from assistant.services import Services

REFERENCES = "参考资料 / References"
_REFERENCES_BLOCK = re.compile(r"\n*\n---\n" + re.escape(REFERENCES) + r"\n.*\Z", re.S)
_MODEL_PREFIX = "planner"
MATCH_RECENT = 50  # conversations of the user searched for the client's history
MAX_QUESTION = 8000  # characters, as for POST /api/chat


@dataclass(frozen=True)
class ClientTurn:
    """A client's request as we run it: earlier (role, text) pairs and the new question."""

    history: list[tuple[str, str]]
    question: str


def model_id(engine_model: str, workspace: str) -> str:
    """The model a client picks: the assistant over one workspace, named by engine and workspace."""
    return f"{_MODEL_PREFIX}-{engine_model}:{workspace}"


def workspace_of_model(model: str) -> str | None:
    """The workspace a model id names (None: the request's workspace header, or the default)."""
    if model.startswith(_MODEL_PREFIX) and ":" in model:
        return model.rsplit(":", 1)[1] or None
    return None


def _text(content: Any) -> str:
    """A message's text: a string, or OpenAI's list of parts (text parts kept, images refused)."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = []
        for part in content:
            if not isinstance(part, dict) or part.get("type") != "text":
                raise InvalidArgument("only text message parts are supported")
            parts.append(str(part.get("text", "")))
        return "".join(parts)
    raise InvalidArgument("message content must be a string or a list of text parts")


def client_turn(messages: list[dict[str, Any]]) -> ClientTurn:
    """The client's messages as earlier turns and a new question. System messages are dropped:
    the assistant's own system prompt carries the workspace, its data and the grounding rules."""
    turns = [(m.get("role"), _text(m.get("content"))) for m in messages]
    turns = [(r, t) for r, t in turns if r in ("user", "assistant")]
    if not turns or turns[-1][0] != "user" or not turns[-1][1].strip():
        raise InvalidArgument("the last message must be the user's question")
    if len(turns[-1][1]) > MAX_QUESTION:
        raise InvalidArgument(f"the question is over {MAX_QUESTION} characters: shorten it")
    history = [(r, strip_references(t) if r == "assistant" else t) for r, t in turns[:-1]]
    return ClientTurn(history=history, question=turns[-1][1])


def with_references(answer: str, citations: list[dict[str, Any]]) -> str:
    if not citations:
        return answer
    lines = [
        f"[{c['n']}] {c['title']}" + (f" · {c['heading']}" if c.get("heading") else "") for c in citations
    ]
    return f"{answer}\n\n---\n{REFERENCES}\n" + "\n".join(lines)


def strip_references(text: str) -> str:
    return _REFERENCES_BLOCK.sub("", text)


def conversation_for(
    services: Services, *, workspace: str, user_id: int, history: list[tuple[str, str]]
) -> str | None:
    """The stored conversation whose answered turns are exactly `history` (None for a new chat).
    A history that matches none of the user's recent conversations is stored as a new one."""
    if not history:
        return None
    with services.sessions.begin() as s:
        recent = s.scalars(
            select(Conversation)
            .where(Conversation.workspace == workspace, Conversation.user_id == user_id)
            .order_by(Conversation.updated_at.desc())
            .limit(MATCH_RECENT)
            .options(selectinload(Conversation.messages))  # one query for all their messages
        ).all()
        for conv in recent:
            if _answered(conv.messages) == history:
                return conv.id
        conv = Conversation(workspace=workspace, user_id=user_id, title=history[0][1].strip()[:60])
        s.add(conv)
        s.flush()
        for seq, (role, text) in enumerate(history):
            s.add(Message(conversation_id=conv.id, seq=seq, role=role, content=text))
        return conv.id


def _answered(messages: list[Message]) -> list[tuple[str, str]]:
    """A stored conversation as a client shows it: questions and the answers they got (a failed
    turn's question and its empty answer are not shown)."""
    out: list[tuple[str, str]] = []
    for m in messages:
        if m.role == "assistant" and not m.content:
            if out and out[-1][0] == "user":
                out.pop()
            continue
        out.append((m.role, m.content))
    return out
