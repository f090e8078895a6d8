from __future__ import annotations

import logging
import os
from typing import Any

from fastapi import APIRouter
from sqlalchemy import text

from web.deps import ServicesDep

router = APIRouter(tags=["health"])
log = logging.getLogger("planner.health")


@router.get("/health")
def get_health(services: ServicesDep) -> dict[str, Any]:
    db_ok = True
    try:
        with services.sessions() as s:
            s.execute(text("select 1"))
    except Exception:  # any database failure is reported, not raised: this is the health check
        log.exception("health check: the database did not answer")
        db_ok = False
    return {
        "status": "ok" if db_ok else "degraded",
        "engine": services.engine,
        "model": services.model_name,
        "index_chunks": services.index.count(),
        "database": {"ok": db_ok, "dialect": services.settings.db_url.split(":", 1)[0]},
        "worker_pid": os.getpid(),
    }
