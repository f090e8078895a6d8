from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi import Path as FastAPIPath

from assistant.accounts import Forbidden
from assistant.errors import DocumentError, NotFound
from assistant.kb.ingest import COMPANY, remove_files, store_upload, stored_uploads
from assistant.kb.loaders import SUPPORTED, load_file
from assistant.usecases.rules import document_red_lines
from web.deps import ContextDep, PlannerDep, PrincipalDep, ServicesDep, WorkspaceDep

router = APIRouter(tags=["knowledge"])


@router.get("/search")
def search_knowledge(
    services: ServicesDep,
    _: PrincipalDep,
    workspace: WorkspaceDep,
    q: str = Query(min_length=1, max_length=500),
    k: int = Query(5, ge=1, le=20),
    type: Literal["playbook", "case", "policy"] | None = None,
    lang: Literal["zh", "en"] | None = None,
    tag: Annotated[list[str] | None, Query(max_length=10)] = None,
) -> list[dict[str, Any]]:
    return [
        p.as_dict()
        for p in services.index.search(q, k=k, type=type, lang=lang, tags=tag, workspace=workspace)
    ]


@router.get("/chunks/{chunk_id:path}")
def get_chunk(
    chunk_id: str, services: ServicesDep, _: PrincipalDep, workspace: WorkspaceDep
) -> dict[str, Any]:
    got = services.index.collection.get(ids=[chunk_id], include=["documents", "metadatas"])
    owner = got["metadatas"][0].get("workspace", "") if got["ids"] else None
    if not got["ids"] or owner not in ("", workspace):  # another workspace's document: not found
        raise NotFound(f"chunk {chunk_id} not found")
    meta = got["metadatas"][0]
    return {
        "chunk_id": chunk_id,
        "text": got["documents"][0],
        **meta,
        "path": Path(meta.get("path", "")).name,
    }


def _public(report: dict[str, Any]) -> dict[str, Any]:
    """An ingest report without the server's paths: file names only."""
    return {k: [Path(str(x)).name for x in v] if isinstance(v, list) else v for k, v in report.items()}


def _upload_path(services: Any, filename: str, workspace: str) -> Path:
    """Where an upload is stored: uploads/<workspace>/, or uploads/_company/ for company knowledge."""
    name = re.sub(r"[^\w.\-]+", "_", filename or "").strip("._") or "document"
    folder = services.settings.var_dir / "uploads" / (workspace or COMPANY)
    folder.mkdir(parents=True, exist_ok=True)
    return folder / name


@router.get("/knowledge/documents", summary="The documents uploaded to this workspace, and company ones")
def list_documents(services: ServicesDep, _: PrincipalDep, workspace: WorkspaceDep) -> list[dict[str, Any]]:
    out = []
    for scope, owner in (("workspace", workspace), ("company", "")):
        folder = services.settings.var_dir / "uploads" / (owner or COMPANY)
        for path in stored_uploads(folder):
            stat = path.stat()
            out.append({"name": path.name, "scope": scope, "bytes": stat.st_size, "modified": stat.st_mtime})
    return out


@router.get(
    "/knowledge/documents/{name}/rules",
    summary="Red lines the document states, for the planner to adopt (nothing is adopted by reading)",
)
def get_document_rules(
    name: Annotated[str, FastAPIPath(max_length=200)],
    services: ServicesDep,
    _: PlannerDep,
    ctx: ContextDep,
    scope: Literal["workspace", "company"] = "workspace",
    lang: Literal["zh", "en"] = "zh",
) -> list[dict[str, Any]]:
    path = _upload_path(services, name, "" if scope == "company" else ctx.name)
    if not path.is_file():
        raise NotFound(f"no document {name!r} in this workspace")
    return document_red_lines(ctx, path, lang)


@router.post(
    "/knowledge/documents",
    status_code=201,
    summary="Add a document (MD, TXT, PDF, DOCX, XLSX): to this workspace, or (admins) to company knowledge",
)
async def upload_document(
    services: ServicesDep,
    request: Request,
    principal: PlannerDep,
    workspace: WorkspaceDep,
    file: Annotated[UploadFile, File()],
    type: Annotated[Literal["playbook", "case", "policy"], Form()] = "playbook",
    scope: Annotated[Literal["workspace", "company"], Form()] = "workspace",
) -> dict[str, Any]:
    """A workspace's own documents are searched only inside it; company knowledge everywhere."""
    if scope == "company" and not principal.can("admin"):
        raise Forbidden("only an admin adds company-wide knowledge; upload to your workspace instead")
    request.app.state.limits.hit("upload", principal.username)
    owner = "" if scope == "company" else workspace
    path = _upload_path(services, file.filename or "", owner)
    if path.suffix.lower() not in SUPPORTED:
        raise DocumentError(f"{file.filename}: unsupported file type; use {', '.join(sorted(SUPPORTED))}")
    limit = services.settings.max_document_bytes
    data = await file.read(limit + 1)
    if len(data) > limit:
        raise DocumentError(f"{file.filename}: larger than {limit // (1024 * 1024)} MB")
    report = await request.app.state.heavy.run(
        principal.username, _store_and_index, services, path, data, type, owner
    )
    services.accounts.audit("knowledge_upload", principal=principal, workspace=owner, target=path.name)
    return _public(report) | {"path": path.name, "scope": scope}


def _store_and_index(services: Any, path: Path, data: bytes, type: str, workspace: str) -> dict[str, Any]:
    """Parse first (a bad file changes nothing), then store and index; if indexing fails the stored
    copy is removed too. Runs in a worker thread."""
    with tempfile.TemporaryDirectory() as tmp:
        staged = Path(tmp) / path.name
        staged.write_bytes(data)
        try:
            load_file(staged, type=type)
        except DocumentError as e:
            raise DocumentError(str(e).replace(str(staged), path.name)) from None
    return store_upload(services.index, path, data, type=type, workspace=workspace).as_dict()


@router.delete("/knowledge/documents/{name}", summary="Remove an uploaded document from the knowledge base")
def delete_document(
    name: str,
    services: ServicesDep,
    principal: PlannerDep,
    workspace: WorkspaceDep,
    scope: Literal["workspace", "company"] = "workspace",
) -> dict[str, Any]:
    if scope == "company" and not principal.can("admin"):
        raise Forbidden("only an admin removes company-wide knowledge")
    path = _upload_path(services, name, "" if scope == "company" else workspace)
    report = remove_files(services.index, [path])
    path.unlink(missing_ok=True)
    services.accounts.audit("knowledge_delete", principal=principal, target=path.name)
    return _public(report.as_dict())
