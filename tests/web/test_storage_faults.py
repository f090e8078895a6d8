"""When storage fails (a full disk, a stopped database, a broken index) a request gets 503 and what
it means, a chat stream ends with an `error` event, and /api/health says which part is down."""

from __future__ import annotations

import errno
import json
from pathlib import Path

import pytest
from sqlalchemy import event, text

from assistant.settings import Settings
from tests.utils import signed_in
from web.main import create_app
from web.routes import health

pytestmark = pytest.mark.storage


def _events(res) -> list[tuple[str, dict]]:
    out, kind = [], None
    for line in res.text.splitlines():
        if line.startswith("event:"):
            kind = line.split(":", 1)[1].strip()
        elif line.startswith("data:") and kind:
            out.append((kind, json.loads(line.split(":", 1)[1])))
    return out


def _fill_sqlite(engine) -> None:
    """SQLite's own "database or disk is full": no page beyond those the file has now."""

    @event.listens_for(engine, "connect")
    def _full(conn, _record) -> None:
        cur = conn.cursor()
        pages = cur.execute("PRAGMA page_count").fetchone()[0]
        cur.execute(f"PRAGMA max_page_count = {pages}")
        cur.close()

    engine.dispose()


def test_a_full_disk_ends_the_chat_stream_with_an_error_and_refuses_writes(settings: Settings) -> None:
    if settings.database_url:
        pytest.skip("SQLite's page limit stands in for a full disk")
    app = create_app(settings)
    with signed_in(app) as client:
        client.get("/api/health")
        _fill_sqlite(app.state.services.sessions.kw["bind"])
        res = client.post("/api/chat", json={"message": "华东大区十月销售额是多少？" + "。" * 7000})
        events = _events(res)
        edit = client.put(
            "/api/kpis/targets",
            json={
                "set": [
                    {"period": f"{y}-{m:02d}", "metric": "revenue", "target": 1e8}
                    for y in range(2030, 2060)
                    for m in range(1, 13)
                ]
            },
        )
    assert res.status_code == 200
    assert events[-1][0] == "error" and "磁盘已满" in events[-1][1]["message"]
    assert edit.status_code == 503 and "disk is full" in edit.json()["detail"], edit.text


def test_a_stopped_database_is_503_and_health_says_so(settings: Settings) -> None:
    if not settings.database_url:
        pytest.skip("a PostgreSQL database is stopped here")
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    app = create_app(settings)
    url = make_url(settings.database_url)
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with signed_in(app) as client:
        assert client.get("/api/health").json()["status"] == "ok"
        with admin.connect() as c:  # refuse new connections and drop the open ones: as if it stopped
            c.execute(text(f'ALTER DATABASE "{url.database}" ALLOW_CONNECTIONS false'))
            c.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :d"),
                {"d": url.database},
            )
        try:
            app.state.services.sessions.kw["bind"].dispose()
            lookup = client.get("/api/kpis/lookup", params={"metric": "revenue", "period": "2026-09"})
            chat = client.post("/api/chat", json={"message": "九月销售额是多少？"})
            state = client.get("/api/health")
        finally:
            with admin.connect() as c:
                c.execute(text(f'ALTER DATABASE "{url.database}" ALLOW_CONNECTIONS true'))
            admin.dispose()
    assert lookup.status_code == 503 and "数据库暂时无法访问" in lookup.json()["detail"]
    assert chat.status_code == 503
    assert state.status_code == 200
    assert state.json()["status"] == "degraded" and state.json()["checks"]["database"] is False


def test_health_reports_low_disk_and_a_broken_index(settings: Settings, monkeypatch) -> None:
    app = create_app(settings)
    with signed_in(app) as client:
        assert client.get("/api/health").json()["checks"] == {"database": True, "index": True, "disk": True}
        monkeypatch.setattr(health, "MIN_FREE_DISK", 1 << 62)

        def broken() -> int:
            raise RuntimeError("index files are damaged")

        monkeypatch.setattr(app.state.services.index, "count", broken)
        got = client.get("/api/health").json()
    assert got["status"] == "degraded" and got["checks"] == {"database": True, "index": False, "disk": False}


def test_an_upload_on_a_full_disk_is_503_and_leaves_no_file(settings: Settings, monkeypatch) -> None:
    app = create_app(settings)
    real = Path.write_bytes

    def full(self: Path, data: bytes) -> int:
        if "uploads" in self.parts:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(self, data)

    with signed_in(app) as client:
        monkeypatch.setattr(Path, "write_bytes", full)
        res = client.post("/api/knowledge/documents", files={"file": ("笔记.txt", "华东试点。".encode())})
        listed = client.get("/api/knowledge/documents").json()
    assert res.status_code == 503 and "磁盘已满" in res.json()["detail"]
    assert listed == []
