from __future__ import annotations

import logging
import os
import shutil
from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy import text

from web.deps import ServicesDep, get_principal, is_ready

router = APIRouter(tags=["health"])
log = logging.getLogger("planner.health")


MIN_FREE_DISK = 200 * 1024 * 1024  # bytes: below this an import or an upload may not fit


@router.get("/health")
def get_health(services: ServicesDep, request: Request) -> dict[str, Any]:
    """Anyone sees whether the server is up and ready (warmed up: other requests wait until it
    is) and which of its storage works: the database, the knowledge index, free disk (`status` is
    `degraded` when one fails); a signed-in user also sees the engine (the UI shows it); an admin
    sees the index size, free disk, the database and the worker."""
    checks: dict[str, bool] = {}
    try:
        with services.sessions() as s:
            s.execute(text("select 1"))
        checks["database"] = True
    except Exception:  # any failure is reported, not raised: this is the health check
        log.exception("health check: the database did not answer")
        checks["database"] = False
    chunks = None
    try:
        chunks = services.index.count()
        checks["index"] = True
    except Exception:
        log.exception("health check: the knowledge index did not answer")
        checks["index"] = False
    try:
        free = shutil.disk_usage(services.settings.var_dir).free
    except OSError:
        free = 0
    checks["disk"] = free >= MIN_FREE_DISK
    out: dict[str, Any] = {
        "status": "ok" if all(checks.values()) else "degraded",
        "ready": is_ready(request.app),
        "checks": checks,
    }
    try:
        principal = get_principal(request)
    except Exception:  # not signed in, or the database cannot tell: the public answer
        return out
    out |= {"engine": services.engine, "model": services.model_name}
    if principal.can("admin"):
        out |= {
            "index_chunks": chunks,
            "free_disk_mb": free // (1024 * 1024),
            "database": {"ok": checks["database"], "dialect": services.settings.db_url.split(":", 1)[0]},
            "worker_pid": os.getpid(),
        }
    return out
