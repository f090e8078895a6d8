"""Several uvicorn workers share state through the database: sessions, conversations, data."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from assistant.services import Services
from assistant.settings import Settings
from testkit.accounts import token_for
from testkit.net import free_port


@pytest.mark.slow
def test_two_workers_serve_the_same_conversations(settings: Settings, tmp_path: Path) -> None:
    services = Services(settings)
    services.accounts.ensure_first_admin()
    token = token_for(services, "admin")
    port = free_port()
    env = {**os.environ, "PLANNER_VAR_DIR": str(settings.var_dir), "PLANNER_DATABASE_URL": settings.db_url}
    proc = subprocess.Popen(
        [sys.executable, "-m", "assistant", "serve", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    headers = {"Authorization": f"Bearer {token}"}
    try:
        pids: set[int] = set()
        deadline = time.monotonic() + 90
        while len(pids) < 2 and time.monotonic() < deadline:
            try:
                pids.add(httpx.get(f"{base}/api/health", headers=headers, timeout=2).json()["worker_pid"])
            except (httpx.HTTPError, ValueError):
                time.sleep(0.3)
        assert len(pids) == 2, "both workers should answer"
        with httpx.stream(
            "POST", f"{base}/api/chat", json={"message": "预算分配原则"}, headers=headers, timeout=60
        ) as res:
            body = "".join(res.iter_text())
        done = json.loads([line for line in body.splitlines() if line.startswith("data:")][-1][5:])
        cid = done["conversation_id"]
        seen_by = set()
        for _ in range(30):
            r = httpx.get(f"{base}/api/conversations/{cid}", headers=headers, timeout=10)
            assert r.status_code == 200 and len(r.json()["messages"]) == 2
            seen_by.add(httpx.get(f"{base}/api/health", headers=headers, timeout=5).json()["worker_pid"])
        assert len(seen_by) == 2
    finally:
        proc.terminate()
        proc.wait(20)
