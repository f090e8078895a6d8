from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Form, Query, Request, UploadFile

from assistant.errors import DocumentError, NotFound
from assistant.kb.ingest import ingest_files, remove_files
from assistant.kb.loaders import SUPPORTED, load_file
from web.deps import AdminDep, PrincipalDep, ServicesDep

router = APIRouter(tags=["knowledge"])
MAX_UPLOAD = 20 * 1024 * 1024


@router.get("/search")
def search_knowledge(
    services: ServicesDep,
    _: PrincipalDep,
    q: str = Query(min_length=1, max_length=500),
    k: int = Query(5, ge=1, le=20),
    type: Literal["playbook", "case", "policy"] | None = None,
    lang: Literal["zh", "en"] | None = None,
    tag: Annotated[list[str] | None, Query(max_length=10)] = None,
) -> list[dict[str, Any]]:
    return [p.as_dict() for p in services.index.search(q, k=k, type=type, lang=lang, tags=tag)]


@router.get("/chunks/{chunk_id:path}")
def get_chunk(chunk_id: str, services: ServicesDep, _: PrincipalDep) -> dict[str, Any]:
    got = services.index.collection.get(ids=[chunk_id], include=["documents", "metadatas"])
    if not got["ids"]:
        raise NotFound(f"chunk {chunk_id} not found")
    return {"chunk_id": chunk_id, "text": got["documents"][0], **got["metadatas"][0]}


def _upload_path(services: Any, filename: str) -> Path:
    name = re.sub(r"[^\w.\-]+", "_", filename or "").strip("._") or "document"
    folder = services.settings.var_dir / "uploads" / "default"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / name


@router.post(
    "/knowledge/documents",
    status_code=201,
    summary="Add a department document (MD, TXT, PDF, DOCX, XLSX) to the knowledge base",
)
async def upload_document(
    services: ServicesDep,
    request: Request,
    admin: AdminDep,
    file: Annotated[UploadFile, File()],
    type: Annotated[Literal["playbook", "case", "policy"], Form()] = "playbook",
) -> dict[str, Any]:
    request.app.state.limits.hit("upload", admin.username)
    path = _upload_path(services, file.filename or "")
    if path.suffix.lower() not in SUPPORTED:
        raise DocumentError(f"{file.filename}: unsupported file type; use {', '.join(sorted(SUPPORTED))}")
    data = await file.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        raise DocumentError(f"{file.filename}: larger than {MAX_UPLOAD // (1024 * 1024)} MB")
    with tempfile.TemporaryDirectory() as tmp:  # parse first: a bad file changes nothing
        staged = Path(tmp) / path.name
        staged.write_bytes(data)
        load_file(staged, type=type)
    path.write_bytes(data)
    services.accounts.audit("knowledge_upload", principal=admin, target=path.name)
    return ingest_files(services.index, [path], type=type).as_dict() | {"path": path.name}


@router.delete("/knowledge/documents/{name}", summary="Remove a department document from the knowledge base")
def delete_document(name: str, services: ServicesDep, admin: AdminDep) -> dict[str, Any]:
    path = _upload_path(services, name)
    report = remove_files(services.index, [path])
    path.unlink(missing_ok=True)
    services.accounts.audit("knowledge_delete", principal=admin, target=path.name)
    return report.as_dict()
