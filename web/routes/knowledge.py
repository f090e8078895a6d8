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
    report = await request.app.state.heavy.run(admin.username, _store_and_index, services, path, data, type)
    services.accounts.audit("knowledge_upload", principal=admin, target=path.name)
    return report | {"path": path.name}


def _store_and_index(services: Any, path: Path, data: bytes, type: str) -> dict[str, Any]:
    """Parse first (a bad file changes nothing), then store and index; if indexing fails the stored
    copy is removed too. Runs in a worker thread."""
    with tempfile.TemporaryDirectory() as tmp:
        staged = Path(tmp) / path.name
        staged.write_bytes(data)
        try:
            load_file(staged, type=type)
        except DocumentError as e:
            raise DocumentError(str(e).replace(str(staged), path.name)) from None
    existed = path.exists()
    path.write_bytes(data)
    try:
        return ingest_files(services.index, [path], type=type).as_dict()
    except Exception:
        if not existed:
            path.unlink(missing_ok=True)
        raise


@router.delete("/knowledge/documents/{name}", summary="Remove a department document from the knowledge base")
def delete_document(name: str, services: ServicesDep, admin: AdminDep) -> dict[str, Any]:
    path = _upload_path(services, name)
    report = remove_files(services.index, [path])
    path.unlink(missing_ok=True)
    services.accounts.audit("knowledge_delete", principal=admin, target=path.name)
    return report.as_dict()
