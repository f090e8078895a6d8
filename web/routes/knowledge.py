from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Query

from web.deps import ServicesDep

router = APIRouter(tags=["knowledge"])


@router.get("/search")
def search_knowledge(
    services: ServicesDep,
    q: str = Query(min_length=1, max_length=500),
    k: int = Query(5, ge=1, le=20),
    type: Literal["playbook", "case", "policy"] | None = None,
) -> list[dict[str, Any]]:
    return [p.as_dict() for p in services.index.search(q, k=k, type=type)]


@router.get("/chunks/{chunk_id:path}")
def get_chunk(chunk_id: str, services: ServicesDep) -> dict[str, Any]:
    from assistant.errors import NotFound

    got = services.index.collection.get(ids=[chunk_id], include=["documents", "metadatas"])
    if not got["ids"]:
        raise NotFound(f"chunk {chunk_id} not found")
    return {"chunk_id": chunk_id, "text": got["documents"][0], **got["metadatas"][0]}
