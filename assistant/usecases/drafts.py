"""Create a draft for a workspace and store it for review: the one path the chat, the API and the
CLI take."""

from __future__ import annotations

from typing import Any

from assistant.accounts import Forbidden, Principal
from assistant.drafts.document import DraftDoc
from assistant.drafts.revise import make_draft
from assistant.drafts.store import DraftStore
from assistant.services import Services
from assistant.usecases.context import WorkspaceContext


def create_draft(
    services: Services,
    ctx: WorkspaceContext,
    *,
    kind: str,
    section: str | None = None,
    scope: dict[str, str] | None = None,
    period: str | None = None,
    lang: str = "zh",
    amount: float | None = None,
    author: Principal | None = None,
) -> tuple[DraftDoc, dict[str, Any]]:
    """Build the draft from the workspace's data and the knowledge base (the LLM writes the prose
    when one is configured), audit its figures and store it as a new draft. Returns the document
    and the stored record. Only a planner (or an admin) creates drafts, from any edge."""
    if author is not None and not author.can("planner"):
        raise Forbidden(f"creating a draft needs the planner role; {author.username} is a {author.role}")
    doc = make_draft(
        services,
        kind=kind,
        section=section,
        scope=scope or {},
        period=period,
        lang=lang,
        amount=amount,
        workspace=ctx.name,
        ws=ctx,
    )
    stored = DraftStore(services.sessions, services.accounts).create(doc, workspace=ctx.name, author=author)
    return doc, stored
