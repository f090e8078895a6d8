"""Incremental ingestion of `knowledge/**/*.md` into the hybrid index.

Content hashes decide the work: unchanged files are skipped, changed files have their old chunks
replaced, removed files have their chunks deleted. All files are parsed and validated before the
index is touched, so one bad document leaves the index as it was.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from assistant.errors import DocumentError
from assistant.kb.documents import Document, chunk_document, parse_document
from assistant.kb.index import KnowledgeIndex

Progress = Callable[[int, int, str], None]


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    unchanged: int = 0
    chunks_written: int = 0
    total_chunks: int = 0
    reindexed: bool = False

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.deleted or self.reindexed)

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def knowledge_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.md") if p.name.lower() != "readme.md")


def _manifest_path(index: KnowledgeIndex) -> Path:
    return index.lexical_dir.parent / f"{index.settings.collection}.manifest.json"


def _load_manifest(index: KnowledgeIndex) -> dict[str, dict[str, object]]:
    path = _manifest_path(index)
    if not path.exists():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    if data.get("embedder") != index.signature:
        return {}
    return data.get("files", {})


def _save_manifest(index: KnowledgeIndex, files: dict[str, dict[str, object]]) -> None:
    path = _manifest_path(index)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {"embedder": index.signature, "files": files}
    path.write_text(json.dumps(payload, ensure_ascii=False, indent=1), encoding="utf-8")


def parse_all(paths: list[Path], root: Path) -> list[Document]:
    docs, errors, seen = [], [], {}
    for path in paths:
        try:
            doc = parse_document(path, root=root)
        except DocumentError as e:
            errors.append(str(e))
            continue
        if doc.meta.id in seen:
            errors.append(f"{path}: duplicate id {doc.meta.id!r} (also in {seen[doc.meta.id]})")
        seen[doc.meta.id] = doc.path
        docs.append(doc)
    if errors:
        raise DocumentError("; ".join(errors))
    return docs


def ingest(index: KnowledgeIndex, root: Path, *, progress: Progress | None = None) -> IngestReport:
    docs = parse_all(knowledge_files(root), root)
    report = IngestReport()
    if index.stored_signature() not in (None, index.signature) or (
        index.count() and not _manifest_path(index).exists()
    ):
        index.reset()
        report.reindexed = True
    manifest = {} if report.reindexed else _load_manifest(index)
    if not manifest and index.count():
        index.reset()
        report.reindexed = True

    current = {d.path: d for d in docs}
    for path in sorted(set(manifest) - set(current)):
        index.delete(manifest.pop(path)["chunks"])  # type: ignore[arg-type]
        report.deleted.append(path)

    for n, doc in enumerate(docs, start=1):
        old = manifest.get(doc.path)
        if old and old["sha"] == doc.sha:
            report.unchanged += 1
        else:
            chunks = chunk_document(doc, max_tokens=index.settings.chunk_tokens)
            new_ids = [c.chunk_id for c in chunks]
            if old:
                index.delete(set(old["chunks"]) - set(new_ids))  # type: ignore[arg-type]
            index.upsert(chunks)
            manifest[doc.path] = {"sha": doc.sha, "doc_id": doc.meta.id, "chunks": new_ids}
            (report.updated if old else report.added).append(doc.path)
            report.chunks_written += len(chunks)
        if progress:
            progress(n, len(docs), doc.path)

    if report.changed or not index.lexical_dir.joinpath("chunks.json").exists():
        report.total_chunks = index.rebuild_lexical()
    else:
        report.total_chunks = index.count()
    _save_manifest(index, manifest)
    return report
