"""Several uvicorn workers share state through the database: sessions, conversations, data."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import httpx
import pytest

from assistant.services import Services
from assistant.settings import Settings
from testkit.accounts import token_for
from testkit.net import free_port

pytestmark = [pytest.mark.storage, pytest.mark.serial]


@contextmanager
def _workers(settings: Settings, n: int) -> Iterator[tuple[str, dict[str, str]]]:
    """`planner serve --workers n` on these settings, once all n workers answer: (base URL, an
    admin's auth headers)."""
    services = Services(settings)
    services.accounts.ensure_first_admin()
    headers = {"Authorization": f"Bearer {token_for(services, 'admin')}"}
    port = free_port()
    env = {**os.environ, "PLANNER_VAR_DIR": str(settings.var_dir), "PLANNER_DATABASE_URL": settings.db_url}
    proc = subprocess.Popen(
        [sys.executable, "-m", "assistant", "serve", "--port", str(port), "--workers", str(n)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        pids: set[int] = set()
        deadline = time.monotonic() + 120
        while len(pids) < n and time.monotonic() < deadline:
            try:
                pids.add(httpx.get(f"{base}/api/health", headers=headers, timeout=2).json()["worker_pid"])
            except (httpx.HTTPError, ValueError):
                time.sleep(0.3)
        assert len(pids) == n, f"all {n} workers should answer"
        yield base, headers
    finally:
        proc.terminate()
        proc.wait(30)


def _ask(base: str, headers: dict[str, str], message: str, conversation: str | None = None) -> dict:
    """One chat turn; its `done` event."""
    body = {"message": message} | ({"conversation_id": conversation} if conversation else {})
    with httpx.stream("POST", f"{base}/api/chat", json=body, headers=headers, timeout=120) as res:
        text = "".join(res.iter_text())
    return json.loads([line for line in text.splitlines() if line.startswith("data:")][-1][5:])


@pytest.mark.slow
def test_two_workers_serve_the_same_conversations(settings: Settings) -> None:
    with _workers(settings, 2) as (base, headers):
        cid = _ask(base, headers, "预算分配原则")["conversation_id"]
        seen_by = set()
        for _ in range(30):
            r = httpx.get(f"{base}/api/conversations/{cid}", headers=headers, timeout=10)
            assert r.status_code == 200 and len(r.json()["messages"]) == 2
            seen_by.add(httpx.get(f"{base}/api/health", headers=headers, timeout=5).json()["worker_pid"])
    assert len(seen_by) == 2


@pytest.mark.slow
def test_concurrent_turns_of_one_conversation_are_stored_in_order_across_four_workers(
    settings: Settings,
) -> None:
    """Twelve turns sent at once to one conversation, spread over four workers: each question is
    followed by its own answer, sequence numbers run 0..n without a gap or a duplicate."""
    with _workers(settings, 4) as (base, headers):
        cid = _ask(base, headers, "2026年1月的销售额是多少？")["conversation_id"]
        months = list(range(2, 14))  # 2026-02 … 2027-01: twelve questions, each naming its own month
        labels = [f"{2026 + (m - 1) // 12}-{(m - 1) % 12 + 1:02d}" for m in months]
        with ThreadPoolExecutor(12) as pool:
            list(
                pool.map(
                    lambda label: _ask(
                        base, headers, f"{label[:4]}年{int(label[5:])}月的销售额是多少？", cid
                    ),
                    labels,
                )
            )
        messages = httpx.get(f"{base}/api/conversations/{cid}", headers=headers, timeout=10).json()[
            "messages"
        ]
    assert [m["seq"] for m in messages] == list(range(26))
    assert [m["role"] for m in messages] == ["user", "assistant"] * 13
    for question, answer in zip(messages[2::2], messages[3::2], strict=True):
        label = question["content"][:4] + "-" + question["content"][5:].split("月")[0].zfill(2)
        assert answer["content"] and label in answer["content"][:60], (
            question["content"],
            answer["content"][:80],
        )
