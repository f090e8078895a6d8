"""Embedding backends: the offline default, and any OpenAI-compatible /embeddings endpoint."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import numpy as np
import respx

from assistant.factory import build_embedder, embedder_signature
from assistant.kb.index import KnowledgeIndex
from assistant.kb.ingest import ingest
from assistant.settings import Settings

EMB_URL = "http://emb.test/v1"


def test_offline_embedder_handles_chinese_and_is_deterministic() -> None:
    emb = build_embedder(Settings())
    a, b, c = emb.embed_documents(["下沉市场以价格为主", "下沉市场主打价格", "数据安全等级保护"])
    assert np.dot(a, b) > np.dot(a, c)
    assert emb.embed_query("下沉市场以价格为主") == a
    assert abs(np.linalg.norm(a) - 1) < 1e-5


def _fake_embeddings(request: httpx.Request) -> httpx.Response:
    texts = json.loads(request.content)["input"]
    vectors = [[float(len(t) % 7 + 1), float("预算" in t), 1.0] for t in texts]
    return httpx.Response(
        200,
        json={
            "object": "list",
            "model": "bge-m3",
            "data": [{"object": "embedding", "index": i, "embedding": v} for i, v in enumerate(vectors)],
            "usage": {"prompt_tokens": 1, "total_tokens": 1},
        },
    )


def test_openai_compatible_embedder_indexes_through_the_endpoint(tmp_path: Path) -> None:
    kb = tmp_path / "kb" / "playbooks"
    kb.mkdir(parents=True)
    (kb / "a.md").write_text(
        "---\nid: a\ntitle: 预算\ntype: playbook\n---\n# 预算\n\n## 原则\n预算按季度调整。\n",
        encoding="utf-8",
    )
    settings = Settings(
        var_dir=tmp_path / "var",
        knowledge_dir=tmp_path / "kb",
        embedding_backend="openai",
        embedding_model="bge-m3",
        embedding_base_url=EMB_URL,
        llm_api_key="sk-test",
    )
    embedder = build_embedder(settings)
    assert embedder_signature(embedder).endswith("bge-m3")
    with respx.mock(assert_all_called=True) as mock:
        route = mock.post(f"{EMB_URL}/embeddings").mock(side_effect=_fake_embeddings)
        index = KnowledgeIndex(settings, embedder)
        report = ingest(index, settings.knowledge_dir)
        hits = index.search("预算", k=1)
    assert report.total_chunks == 1 and hits[0].doc_id == "a"
    assert json.loads(route.calls[0].request.content)["model"] == "bge-m3"
    assert route.calls[0].request.headers["authorization"] == "Bearer sk-test"
