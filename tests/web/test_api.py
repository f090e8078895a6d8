"""The HTTP API: SSE chat, conversations that survive a restart, health, clear 4xx errors."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import quote

import pytest

from assistant.chat import Event
from assistant.services import Services
from assistant.settings import ROOT, Settings
from tests.utils import signed_in
from web.main import create_app
from web.routes.chat import merged_text


def _events(text: str) -> list[tuple[str, dict]]:
    out = []
    for frame in text.replace("\r\n", "\n").split("\n\n"):
        event = data = None
        for line in frame.splitlines():
            if line.startswith("event:"):
                event = line[6:].strip()
            elif line.startswith("data:"):
                data = line[5:].strip()
        if event and data:
            out.append((event, json.loads(data)))
    return out


def test_chat_streams_sse_events_and_conversation_survives_restart(settings: Settings) -> None:
    with signed_in(create_app(settings)) as client:
        res = client.post("/api/chat", json={"message": "预算分配应该遵循哪些原则？"})
        assert res.status_code == 200 and res.headers["content-type"].startswith("text/event-stream")
        events = _events(res.text)
    kinds = [k for k, _ in events]
    assert kinds[0] == "tool_start" and "tool_end" in kinds and "token" in kinds and "citation" in kinds
    assert kinds[-1] == "done"
    done = events[-1][1]
    assert done["engine"] == "offline"
    streamed = "".join(d["text"] for k, d in events if k == "token")
    assert streamed == done["answer"]
    cid = done["conversation_id"]

    with signed_in(create_app(settings)) as client:  # a new app on the same database
        conv = client.get(f"/api/conversations/{cid}").json()
        assert [m["role"] for m in conv["messages"]] == ["user", "assistant"]
        assert conv["messages"][1]["content"] == streamed
        assert conv["messages"][1]["citations"] and conv["messages"][1]["engine"] == "offline"
        assert cid in [c["id"] for c in client.get("/api/conversations").json()]
        chunk = conv["messages"][1]["citations"][0]["chunk_id"]
        assert client.get(f"/api/chunks/{quote(chunk, safe='')}").json()["chunk_id"] == chunk


def test_health_reports_engine_index_and_database(settings: Settings) -> None:
    with signed_in(create_app(settings)) as client:
        h = client.get("/api/health").json()
    assert h["engine"] == "offline" and h["index_chunks"] > 100 and h["database"]["ok"]


def test_health_answers_while_the_worker_warms_up_and_other_requests_wait_for_it(
    settings: Settings,
) -> None:
    warm_up_may_finish = threading.Event()

    class SlowToWarm(Services):  # the real services, with an engine that takes its time to build
        @property
        def chat_model(self):
            warm_up_may_finish.wait(10)
            return super().chat_model

    app = create_app(services=SlowToWarm(settings))
    with signed_in(app) as client, ThreadPoolExecutor(1) as pool:
        health = client.get("/api/health").json()
        assert health["status"] == "ok" and health["ready"] is False
        listing = pool.submit(client.get, "/api/conversations")
        time.sleep(0.3)
        assert not listing.done()  # held until the worker is ready, not refused
        warm_up_may_finish.set()
        assert listing.result(10).status_code == 200
        assert client.get("/api/health").json()["ready"] is True


def test_a_served_worker_collects_garbage_again_once_warm_with_its_start_up_frozen(
    indexed_var: Path, tmp_path: Path
) -> None:
    script = """
import gc, time
import web.app  # what uvicorn imports: the collector is off while the worker starts
from fastapi.testclient import TestClient
assert not gc.isenabled()
with TestClient(web.app.app) as client:
    deadline = time.monotonic() + 60
    while not client.get("/api/health").json()["ready"] and time.monotonic() < deadline:
        time.sleep(0.05)
    assert gc.isenabled(), "the collector stayed off after the warm-up"
    assert gc.get_freeze_count() > 100_000, gc.get_freeze_count()
"""
    shutil.copytree(indexed_var, tmp_path / "var")
    env = {**os.environ, "PLANNER_VAR_DIR": str(tmp_path / "var")}
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]


async def test_tokens_waiting_to_be_sent_go_as_one_event_and_every_other_event_keeps_its_place() -> None:
    def burst():  # all queued before the first is sent: a server behind its stream
        yield Event("tool_start", {"id": "c1", "name": "search_knowledge"})
        yield Event("tool_end", {"id": "c1", "status": "success"})
        yield from (Event("thinking", {"text": t}) for t in ("先", "查"))
        yield from (Event("token", {"text": t}) for t in ("预算", "按", "目标", "[1]"))
        yield Event("citation", {"n": 1})
        yield Event("token", {"text": "。"})
        yield Event("done", {"answer": "预算按目标[1]。"})

    async def at_once():
        for ev in burst():
            yield ev

    sent = [(ev.type, ev.data) async for ev in merged_text(at_once())]
    assert sent == [
        ("tool_start", {"id": "c1", "name": "search_knowledge"}),
        ("tool_end", {"id": "c1", "status": "success"}),
        ("thinking", {"text": "先查"}),
        ("token", {"text": "预算按目标[1]"}),
        ("citation", {"n": 1}),
        ("token", {"text": "。"}),
        ("done", {"answer": "预算按目标[1]。"}),
    ]

    async def paced():  # a server that keeps up sends each token as it comes
        for ev in burst():
            await asyncio.sleep(0.01)
            yield ev

    assert [ev async for ev in merged_text(paced())] == list(burst())

    async def fails():
        yield Event("token", {"text": "预算"})
        raise RuntimeError("the turn broke")

    with pytest.raises(RuntimeError, match="the turn broke"):
        [ev async for ev in merged_text(fails())]


def test_bad_requests_get_clear_4xx(settings: Settings) -> None:
    with signed_in(create_app(settings)) as client:
        assert client.post("/api/chat", json={"message": ""}).status_code == 422
        missing = client.post("/api/chat", json={"message": "hi", "conversation_id": "nope"})
        assert missing.status_code == 404 and "not found" in missing.json()["detail"]
        assert client.get("/api/conversations/nope").status_code == 404


def test_page_is_served(settings: Settings) -> None:
    with signed_in(create_app(settings)) as client:
        page = client.get("/")
        assert page.status_code == 200 and "推广计划助手" in page.text
        assert client.get("/static/app.js").status_code == 200


def test_period_or_horizon_is_decided_once_for_the_api_the_cli_and_the_agent(
    services, monkeypatch, settings
) -> None:
    """A period wins over a horizon; a horizon alone is steps ahead; the same query gives the same
    numbers through the route, `planner forecast --json` and the agent's tool."""
    from typer.testing import CliRunner

    from assistant.agent_tools import build_tools
    from assistant.cli import app as cli
    from assistant.usecases import forecasts, workspace_context
    from tests.utils import point_cli_at

    ctx = workspace_context(services, "default")
    both = forecasts.run(ctx, forecasts.ForecastQuery(metric="revenue", period="2027-Q1", horizon=8))
    steps = forecasts.run(ctx, forecasts.ForecastQuery(metric="revenue", horizon=8))
    neither = forecasts.run(ctx, forecasts.ForecastQuery(metric="revenue"))
    assert isinstance(both, forecasts.PeriodForecast) and both.period == "2027-Q1"
    assert isinstance(steps, forecasts.Forecast) and len(steps.points) == 8
    assert isinstance(neither, forecasts.PeriodForecast)

    app = create_app(settings)
    with signed_in(app) as client:
        api = client.post(
            "/api/forecast", json={"metric": "revenue", "period": "2027-Q1", "horizon": 8}
        ).json()
    point_cli_at(monkeypatch, settings)
    out = CliRunner().invoke(
        cli, ["forecast", "--metric", "revenue", "--period", "2027-Q1", "--horizon", "8", "--json"]
    )
    tool = next(t for t in build_tools(services, workspace="default") if t.name == "forecast")
    agent = json.loads(tool.invoke({"metric": "revenue", "period": "2027-Q1", "horizon": 8}))
    assert api["value"] == json.loads(out.stdout)["value"] == agent["value"] == both.value
