"""Drafts: create, read, edit, revise, review workflow, versions, diff, export."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from assistant.drafts.builder import SECTIONS
from assistant.drafts.export import to_docx, to_markdown
from assistant.drafts.revise import revise_section
from assistant.usecases import drafts
from web.deps import ContextDep, PlannerDep, PrincipalDep, ServicesDep, WorkspaceDep

router = APIRouter(prefix="/drafts", tags=["drafts"])
Section = Literal["goals", "market", "strategy", "budget", "monitoring", "responsibilities"]
assert set(SECTIONS) == set(Section.__args__)  # type: ignore[attr-defined]


class DraftCreate(BaseModel):
    kind: Literal["section", "regional", "adjustment"]
    section: Section | None = None
    region: str | None = Field(None, max_length=64)
    channel: str | None = Field(None, max_length=64)
    product_line: str | None = Field(None, max_length=64)
    period: str | None = Field(None, max_length=10)
    lang: Literal["zh", "en"] = "zh"
    amount: float | None = Field(None, gt=0, le=1e13)


def _store(request: Request):
    return request.app.state.drafts


@router.post("", status_code=201)
def create_draft(
    body: DraftCreate, services: ServicesDep, ctx: ContextDep, principal: PlannerDep
) -> dict[str, Any]:
    scope = {k: v for k, v in body.model_dump(include={"region", "channel", "product_line"}).items() if v}
    _, stored = drafts.create_draft(
        services,
        ctx,
        **body.model_dump(include={"kind", "section", "period", "lang", "amount"}),
        scope=scope,
        author=principal,
    )
    return stored


@router.get("")
def list_drafts(request: Request, workspace: WorkspaceDep, _: PrincipalDep) -> list[dict[str, Any]]:
    return _store(request).list(workspace=workspace)


@router.get("/{draft_id}")
def get_draft(
    draft_id: str,
    request: Request,
    workspace: WorkspaceDep,
    _: PrincipalDep,
    version: int | None = Query(None, ge=1, le=100000),
) -> dict[str, Any]:
    return _store(request).get(draft_id, workspace=workspace, version=version)


class SectionEdit(BaseModel):
    markdown: str = Field(min_length=1, max_length=50000)
    base_version: int = Field(ge=1, le=100000)


@router.put("/{draft_id}/sections/{section_id}")
def edit_section(
    draft_id: str,
    section_id: str,
    body: SectionEdit,
    request: Request,
    workspace: WorkspaceDep,
    principal: PlannerDep,
) -> dict[str, Any]:
    return _store(request).edit_section(
        draft_id, section_id, body.markdown, workspace=workspace, base_version=body.base_version, by=principal
    )


class ReviseRequest(BaseModel):
    base_version: int = Field(ge=1, le=100000)
    instructions: str = Field("", max_length=4000)


@router.post(
    "/{draft_id}/sections/{section_id}/revise",
    summary="Ask the assistant to revise a section, given the review comments",
)
def revise(
    draft_id: str,
    section_id: str,
    body: ReviseRequest,
    request: Request,
    services: ServicesDep,
    workspace: WorkspaceDep,
    principal: PlannerDep,
) -> dict[str, Any]:
    store = _store(request)
    current = store.get(draft_id, workspace=workspace)
    comments = [c["text"] for c in current["comments"] if c["section_id"] in (section_id, "")]
    doc = store.document(draft_id, workspace=workspace)
    revised = revise_section(
        services,
        doc,
        section_id=section_id,
        comments=[*comments, body.instructions] if body.instructions else comments,
    )
    return store.save_version(
        draft_id,
        revised,
        workspace=workspace,
        base_version=body.base_version,
        by=principal,
        note=f"revised {section_id}",
    )


class Transition(BaseModel):
    action: Literal["submit", "approve", "request_changes", "withdraw"]
    base_version: int | None = Field(None, ge=1, le=100000)
    comment: str = Field("", max_length=4000)


@router.post("/{draft_id}/transitions")
def transition(
    draft_id: str, body: Transition, request: Request, workspace: WorkspaceDep, principal: PrincipalDep
) -> dict[str, Any]:
    return _store(request).transition(
        draft_id,
        body.action,
        workspace=workspace,
        by=principal,
        base_version=body.base_version,
        comment=body.comment,
    )


class CommentCreate(BaseModel):
    section_id: str = Field(min_length=1, max_length=64)
    text: str = Field(min_length=1, max_length=4000)


@router.post("/{draft_id}/comments", status_code=201)
def add_comment(
    draft_id: str, body: CommentCreate, request: Request, workspace: WorkspaceDep, principal: PrincipalDep
) -> dict[str, Any]:
    return _store(request).comment(draft_id, body.section_id, body.text, workspace=workspace, by=principal)


@router.get("/{draft_id}/versions")
def list_versions(
    draft_id: str, request: Request, workspace: WorkspaceDep, _: PrincipalDep
) -> list[dict[str, Any]]:
    return _store(request).versions(draft_id, workspace=workspace)


@router.get("/{draft_id}/diff")
def get_diff(
    draft_id: str,
    request: Request,
    workspace: WorkspaceDep,
    _: PrincipalDep,
    a: int = Query(ge=1, le=100000),
    b: int = Query(ge=1, le=100000),
) -> dict[str, str]:
    return {"diff": _store(request).diff(draft_id, a, b, workspace=workspace)}


@router.get(
    "/{draft_id}/export",
    response_class=Response,
    responses={
        200: {
            "content": {
                "text/markdown": {},
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document": {},
            }
        }
    },
)
def export_draft(
    draft_id: str,
    request: Request,
    services: ServicesDep,
    workspace: WorkspaceDep,
    principal: PrincipalDep,
    format: Literal["md", "docx"] = "md",
) -> Response:
    doc = _store(request).document(draft_id, workspace=workspace)
    services.accounts.audit(
        "export", principal=principal, workspace=workspace, target=draft_id, detail={"format": format}
    )
    if format == "docx":
        return Response(
            to_docx(doc),
            media_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            headers={"Content-Disposition": f'attachment; filename="draft-{draft_id}.docx"'},
        )
    return Response(
        to_markdown(doc),
        media_type="text/markdown; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="draft-{draft_id}.md"'},
    )
