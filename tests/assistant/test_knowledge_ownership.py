"""Knowledge belongs to its owner: the company (shipped and admin uploads) or one workspace. No
upload can take another owner's document id, replace or delete its passages, or learn a server
path; front matter is parsed safely and within the same limits as any other text."""

from __future__ import annotations

import time
from pathlib import Path
from urllib.parse import quote

import pytest

from assistant.errors import DocumentError
from assistant.kb.documents import Chunk, parse_document
from assistant.settings import Settings
from tests.utils import make_user, signed_in
from web.main import create_app

COMPANY_DOC = "case-feed-cpc-rise"  # a shipped company document


def _plan(doc_id: str, text: str) -> bytes:
    return f"---\nid: {doc_id}\ntitle: 计划\ntype: policy\n---\n\n# 计划\n\n{text}\n".encode()


@pytest.fixture
def two_workspaces(settings: Settings):
    app = create_app(settings)
    services = app.state.services
    make_user(services, "ana", "planner", ["drinks"])
    make_user(services, "bo", "planner", ["snacks"])
    with (
        signed_in(app, "ana", headers={"X-Workspace": "drinks"}) as ana,
        signed_in(app, "bo", headers={"X-Workspace": "snacks"}) as bo,
    ):
        yield services, ana, bo


def _texts(services, doc_id: str) -> list[str]:
    got = services.index.collection.get(where={"doc_id": doc_id}, include=["documents"])
    return got["documents"]


def test_an_upload_cannot_take_a_company_or_another_workspaces_document(two_workspaces) -> None:
    services, ana, bo = two_workspaces
    res = bo.post(
        "/api/knowledge/documents", files={"file": ("薯片计划.md", _plan("snack-plan", "薯片旺季在春节。"))}
    )
    assert res.status_code == 201, res.text
    bo_id = services.index.collection.get(where={"workspace": "snacks"}, include=["metadatas"])["metadatas"][
        0
    ]
    bo_doc = bo_id["doc_id"]
    company_before = _texts(services, COMPANY_DOC)

    for victim in (COMPANY_DOC, bo_doc):  # ana's file declares the victims' ids
        res = ana.post(
            "/api/knowledge/documents", files={"file": (f"{victim}.md", _plan(victim, "全部预算投给饮料。"))}
        )
        assert res.status_code == 201, res.text
    assert _texts(services, COMPANY_DOC) == company_before
    assert _texts(services, bo_doc) and "薯片" in _texts(services, bo_doc)[0]
    ana_docs = services.index.collection.get(where={"workspace": "drinks"}, include=["metadatas"])[
        "metadatas"
    ]
    assert {m["doc_id"] for m in ana_docs}.isdisjoint({COMPANY_DOC, bo_doc})  # the server named them
    assert {m["declared_id"] for m in ana_docs if "declared_id" in m} <= {COMPANY_DOC, bo_doc}

    for victim in (COMPANY_DOC, bo_doc):  # deleting ana's uploads leaves the victims whole
        assert ana.delete(f"/api/knowledge/documents/{victim}.md").status_code == 200
    assert _texts(services, COMPANY_DOC) == company_before
    assert "薯片" in _texts(services, bo_doc)[0]
    hits = bo.get("/api/search", params={"q": "薯片 春节 旺季"}).json()
    assert hits and hits[0]["doc_id"] == bo_doc


def test_the_index_refuses_another_owners_passages(services) -> None:
    index = services.index
    victim = index.collection.get(where={"doc_id": COMPANY_DOC}, include=["documents", "metadatas"])
    chunk_id, text = victim["ids"][0], victim["documents"][0]
    forged = Chunk(
        chunk_id=chunk_id,
        doc_id=COMPANY_DOC,
        title="forged",
        title_en="forged",
        tags=[],
        heading="x",
        type="case",
        lang="zh",
        text="全部预算投给饮料。",
        path="/tmp/x.md",
        workspace="drinks",
        origin="upload",
    )
    with pytest.raises(DocumentError, match="another owner"):
        index.upsert([forged])
    with pytest.raises(DocumentError, match="another owner"):
        index.delete([chunk_id], owner="drinks")
    assert index.collection.get(ids=[chunk_id], include=["documents"])["documents"] == [text]


def test_responses_show_file_names_never_server_paths(two_workspaces, settings: Settings) -> None:
    services, ana, _ = two_workspaces
    up = ana.post("/api/knowledge/documents", files={"file": ("笔记.txt", "华东试点社区团购。".encode())})
    chunk = services.index.collection.get(where={"workspace": "drinks"})["ids"][0]
    shown = ana.get(f"/api/chunks/{quote(chunk, safe='')}")
    gone = ana.delete("/api/knowledge/documents/笔记.txt")
    for res in (up, shown, gone):
        assert res.status_code in (200, 201), res.text
        assert str(settings.var_dir) not in res.text and "/uploads/" not in res.text


def _alias_bomb(levels: int) -> str:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]")
    return "---\nid: bomb\ntitle: t\ntype: playbook\n" + "\n".join(lines) + "\n---\n\n# t\n\ntext\n"


@pytest.mark.serial
def test_an_alias_bomb_in_front_matter_is_refused_at_once(two_workspaces, tmp_path: Path) -> None:
    _, ana, _ = two_workspaces
    bomb = _alias_bomb(10)  # 9^10 strings, tens of gigabytes when expanded
    assert len(bomb) < 1000
    assert ana.get("/api/knowledge/documents").json() == []  # the server has warmed up: time the bomb alone
    started = time.perf_counter()
    res = ana.post("/api/knowledge/documents", files={"file": ("bomb.md", bomb.encode())})
    assert time.perf_counter() - started < 1.0
    assert res.status_code == 400 and "alias" in res.text
    path = tmp_path / "bomb.md"
    path.write_text(bomb, encoding="utf-8")
    with pytest.raises(DocumentError, match="alias"):
        parse_document(path)
    assert ana.get("/api/knowledge/documents").json() == []  # nothing stored


def test_front_matter_uploads_keep_the_text_limit(two_workspaces, monkeypatch) -> None:
    from assistant.kb import loaders

    _, ana, _ = two_workspaces
    monkeypatch.setattr(loaders, "MAX_TEXT_CHARS", 1000)
    res = ana.post("/api/knowledge/documents", files={"file": ("long.md", _plan("long", "预算" * 2000))})
    assert res.status_code == 400 and "limit" in res.text


def test_a_failed_upload_leaves_no_file_and_a_replaced_one_comes_back(two_workspaces, monkeypatch) -> None:
    from assistant.kb import index as kb_index

    services, ana, _ = two_workspaces
    assert (
        ana.post(
            "/api/knowledge/documents", files={"file": ("笔记.txt", "第一版：华东试点。".encode())}
        ).status_code
        == 201
    )

    def broken(self, chunks, **_):
        raise OSError("No space left on device")

    monkeypatch.setattr(kb_index.KnowledgeIndex, "upsert", broken)
    new = ana.post("/api/knowledge/documents", files={"file": ("新文件.txt", "新的内容。".encode())})
    again = ana.post("/api/knowledge/documents", files={"file": ("笔记.txt", "第二版：华南试点。".encode())})
    assert new.status_code >= 500 and again.status_code >= 500
    folder = services.settings.var_dir / "uploads" / "drinks"
    assert sorted(p.name for p in folder.iterdir()) == ["笔记.txt"]
    assert (folder / "笔记.txt").read_text(encoding="utf-8") == "第一版：华东试点。"


def test_an_upload_a_killed_worker_left_half_done_is_undone(settings: Settings) -> None:
    from assistant.kb.ingest import recover_uploads

    folder = settings.var_dir / "uploads" / "drinks"
    folder.mkdir(parents=True)
    (folder / "half.md").write_text("half written")
    (folder / ".half.md.pending").write_text("999999999")  # no such process
    (folder / "kept.md").write_text("replaced, not yet indexed")
    (folder / ".kept.md.previous").write_text("the version that was indexed")
    (folder / ".kept.md.pending").write_text("999999999")
    assert sorted(p.name for p in recover_uploads(settings.var_dir / "uploads")) == ["half.md", "kept.md"]
    assert sorted(p.name for p in folder.iterdir()) == ["kept.md"]
    assert (folder / "kept.md").read_text() == "the version that was indexed"
