from __future__ import annotations

import logging
import os
from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy import text

from assistant.errors import PlannerError
from web.deps import ServicesDep, get_principal, is_ready

router = APIRouter(tags=["health"])
log = logging.getLogger("planner.health")


@router.get("/health")
def get_health(services: ServicesDep, request: Request) -> dict[str, Any]:
    """Anyone sees whether the server is up and whether it is ready (warmed up: other requests
    wait until it is); a signed-in user also sees the engine (the UI shows
    it); an admin sees the index size, the database and the worker."""
    db_ok = True
    try:
        with services.sessions() as s:
            s.execute(text("select 1"))
    except Exception:  # any database failure is reported, not raised: this is the health check
        log.exception("health check: the database did not answer")
        db_ok = False
    out: dict[str, Any] = {"status": "ok" if db_ok else "degraded", "ready": is_ready(request.app)}
    try:
        principal = get_principal(request)
    except PlannerError:
        return out
    out |= {"engine": services.engine, "model": services.model_name}
    if principal.can("admin"):
        out |= {
            "index_chunks": services.index.count(),
            "database": {"ok": db_ok, "dialect": services.settings.db_url.split(":", 1)[0]},
            "worker_pid": os.getpid(),
        }
    return out
