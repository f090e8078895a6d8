"""The production setup's vector store: a Chroma server (`chroma run`) instead of the embedded one."""

from __future__ import annotations

import os
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.factory import build_embedder
from assistant.kb.index import KnowledgeIndex
from assistant.kb.ingest import ingest
from assistant.settings import Settings
from testkit.net import free_port

CHROMA = Path(__file__).resolve().parents[2] / ".venv" / "bin" / "chroma"


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    if not CHROMA.exists():
        pytest.skip("the chroma CLI is not installed in .venv")
    port = free_port()
    env = {**os.environ, "ANONYMIZED_TELEMETRY": "False"}
    proc = subprocess.Popen(
        [
            str(CHROMA),
            "run",
            "--path",
            str(tmp_path_factory.mktemp("chroma-server")),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    pytest.fail("chroma server did not start")
                time.sleep(0.2)
        yield port
    finally:
        proc.terminate()
        proc.wait(10)


def test_ingest_and_search_through_a_chroma_server(chroma_server: int, tmp_path: Path) -> None:
    settings = Settings(
        var_dir=tmp_path / "var", chroma_host="127.0.0.1", chroma_port=chroma_server, collection="server_test"
    )
    index = KnowledgeIndex(settings, build_embedder(settings))
    report = ingest(index, settings.knowledge_dir)
    assert report.total_chunks == index.count() > 200
    assert "pb-budget-allocation" in [p.doc_id for p in index.search("预算分配原则", k=5)]
    again = ingest(KnowledgeIndex(settings, build_embedder(settings)), settings.knowledge_dir)
    assert not again.changed and again.unchanged == len(report.added)
