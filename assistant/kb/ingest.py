"""Incremental ingestion of `knowledge/**/*.md` into the hybrid index.

Content hashes decide the work: unchanged files are skipped, changed files have their old chunks
replaced, removed files have their chunks deleted. All files are parsed and validated before the
index is touched, so one bad document leaves the index as it was.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.errors import DocumentError
from assistant.kb.documents import Document, chunk_document, parse_document

if TYPE_CHECKING:  # the index (Chroma, BM25) is imported where it is built, not by every upload route
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


def _load_manifest(index: KnowledgeIndex, *, any_embedder: bool = False) -> dict[str, dict[str, Any]]:
    path = _manifest_path(index)
    if not path.exists():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    if data.get("embedder") != index.signature and not any_embedder:
        return {}
    return data.get("files", {})


def _save_manifest(index: KnowledgeIndex, files: dict[str, dict[str, Any]]) -> None:
    path = _manifest_path(index)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {"embedder": index.signature, "files": files}
    path.write_text(json.dumps(payload, ensure_ascii=False, indent=1), encoding="utf-8")


def _current_total(
    index: KnowledgeIndex, docs: list[Document], manifest: dict[str, dict[str, Any]]
) -> int | None:
    """The number of chunks indexed, when the manifest (written with the index, for this embedder)
    records exactly these shipped documents with this content; else None. Then nothing is opened:
    `planner serve` checks the index before it starts, and Chroma's import alone takes 0.8 s."""
    shipped = {p: e for p, e in manifest.items() if e.get("origin", "shipped") == "shipped"}
    if not (manifest and index.lexical_dir.joinpath("chunks.json").exists()):
        return None
    if set(shipped) != {d.path for d in docs}:
        return None
    if any(
        shipped[d.path]["sha"] != d.sha or shipped[d.path].get("workspace", "") != d.meta.workspace
        for d in docs
    ):
        return None
    return sum(len(e["chunks"]) for e in manifest.values())


def parse_all(paths: list[Path], root: Path) -> list[Document]:
    docs: list[Document] = []
    errors: list[str] = []
    seen: dict[str, str] = {}
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


def ingest(
    index: KnowledgeIndex,
    root: Path,
    *,
    progress: Progress | None = None,
    rebuild: bool = False,
    uploads_dir: Path | None = None,
) -> IngestReport:
    """Index the shipped knowledge incrementally. `rebuild` empties the index first and indexes the
    shipped documents and the stored uploads (`uploads_dir`) again: whatever else the index held
    (chunks of a failed upload, say) is gone."""
    from assistant.kb.loaders import SUPPORTED

    if uploads_dir is not None:
        recover_uploads(uploads_dir)
    docs = parse_all(knowledge_files(root), root)
    recorded = _load_manifest(index)  # {} when the index was built with another embedder
    if not rebuild and (total := _current_total(index, docs, recorded)) is not None:
        return IngestReport(unchanged=len(docs), total_chunks=total)
    uploads = {
        Path(p): str(e.get("workspace", ""))
        for p, e in _load_manifest(index, any_embedder=True).items()
        if e.get("origin") == "upload"
    }
    if uploads_dir is not None and uploads_dir.is_dir():
        for f in uploads_dir.rglob("*"):
            if f.suffix.lower() in SUPPORTED and not f.name.startswith(".") and f.resolve() not in uploads:
                uploads[f.resolve()] = upload_workspace(uploads_dir, f)
    report = IngestReport()
    if (
        rebuild
        or index.stored_signature() not in (None, index.signature)
        or (index.count() and not _manifest_path(index).exists())
    ):
        index.reset()
        report.reindexed = True
    manifest = {} if report.reindexed else recorded
    if not manifest and index.count():
        index.reset()
        report.reindexed = True

    current = {d.path: d for d in docs}
    shipped = {p for p, entry in manifest.items() if entry.get("origin", "shipped") == "shipped"}
    for path in sorted(shipped - set(current)):
        index.delete(manifest.pop(path)["chunks"])
        report.deleted.append(path)
    _index_docs(index, docs, manifest, report, origin="shipped", progress=progress)
    if report.reindexed:  # the embedder changed or a rebuild: bring the uploaded files along
        from assistant.kb.loaders import load_file

        for upload, workspace in sorted(uploads.items()):
            if upload.is_file():
                _index_docs(
                    index,
                    [load_file(upload)],
                    manifest,
                    report,
                    origin="upload",
                    progress=None,
                    workspace=workspace,
                )
    _finish(index, manifest, report)
    return report


def _index_docs(
    index: KnowledgeIndex,
    docs: list[Document],
    manifest: dict[str, dict[str, Any]],
    report: IngestReport,
    *,
    origin: str,
    progress: Progress | None,
    workspace: str = "",
) -> None:
    for n, doc in enumerate(docs, start=1):
        old = manifest.get(doc.path)
        # a shipped document may belong to one workspace; an upload always to its uploader's
        owner = doc.meta.workspace if origin == "shipped" else workspace
        if old and old["sha"] == doc.sha and old.get("workspace", "") == owner:
            report.unchanged += 1
        else:
            chunks = [
                c.model_copy(update={"workspace": owner, "origin": origin})
                for c in chunk_document(doc, max_tokens=index.settings.chunk_tokens)
            ]
            limit = index.settings.upload_max_chunks
            if origin == "upload" and len(chunks) > limit:
                raise DocumentError(
                    f"{doc.path}: {len(chunks):,} passages; the limit is {limit:,} per document; nothing was indexed"
                )
            new_ids = [c.chunk_id for c in chunks]
            try:  # a document is indexed whole or not at all
                index.upsert(chunks)
            except DocumentError:
                raise  # refused before anything was written
            except Exception:
                index.delete(set(new_ids) - set(old["chunks"] if old else []), owner=owner)
                raise
            if old:
                index.delete(set(old["chunks"]) - set(new_ids), owner=owner)
            manifest[doc.path] = {
                "sha": doc.sha,
                "doc_id": doc.meta.id,
                "chunks": new_ids,
                "origin": origin,
                "workspace": owner,
            }
            (report.updated if old else report.added).append(doc.path)
            report.chunks_written += len(chunks)
        if progress:
            progress(n, len(docs), doc.path)


def _finish(index: KnowledgeIndex, manifest: dict[str, dict[str, Any]], report: IngestReport) -> None:
    if report.changed or not index.lexical_dir.joinpath("chunks.json").exists():
        report.total_chunks = index.rebuild_lexical()
    else:
        report.total_chunks = index.count()
    _save_manifest(index, manifest)


COMPANY = "_company"  # the uploads folder of company-wide documents (searched in every workspace)


def upload_workspace(uploads_dir: Path, path: Path) -> str:
    """The workspace of a stored upload, from its folder: uploads/<workspace>/file."""
    folder = path.resolve().relative_to(uploads_dir.resolve()).parts[0] if path.parent != uploads_dir else ""
    return "" if folder in ("", COMPANY) else folder


_PENDING, _PREVIOUS = ".pending", ".previous"


def store_upload(
    index: KnowledgeIndex, path: Path, data: bytes, *, type: str = "playbook", workspace: str = ""
) -> IngestReport:
    """Store an uploaded file at `path` and index it, all or nothing: a file that fails to index
    is removed (a replaced one comes back), and a marker left by a killed process lets
    `recover_uploads` undo it before the folder is read again."""
    pending, previous = (path.with_name(f".{path.name}{s}") for s in (_PENDING, _PREVIOUS))
    pending.write_text(str(os.getpid()))
    if path.exists():
        path.replace(previous)
    try:
        path.write_bytes(data)
        report = ingest_files(index, [path], type=type, workspace=workspace)
    except BaseException:
        _undo(path)
        raise
    previous.unlink(missing_ok=True)
    pending.unlink()
    return report


def _undo(path: Path) -> None:
    previous = path.with_name(f".{path.name}{_PREVIOUS}")
    if previous.exists():
        previous.replace(path)
    else:
        path.unlink(missing_ok=True)
    path.with_name(f".{path.name}{_PENDING}").unlink(missing_ok=True)


def recover_uploads(uploads_dir: Path) -> list[Path]:
    """Undo the uploads a killed process left half done (their marker is still there): the file
    is removed, or the one it replaced is put back. Returns the files undone."""
    undone = []
    for marker in uploads_dir.rglob(f".*{_PENDING}") if uploads_dir.is_dir() else []:
        if _alive(marker.read_text().strip()):
            continue  # another worker's upload, still running
        path = marker.with_name(marker.name[1 : -len(_PENDING)])
        _undo(path)
        undone.append(path)
    return undone


def _alive(pid: str) -> bool:
    if not pid.isdigit() or int(pid) == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def stored_uploads(folder: Path) -> list[Path]:
    """The documents stored in an uploads folder (markers and kept copies are not documents)."""
    return (
        sorted(p for p in folder.glob("*") if p.is_file() and not p.name.startswith("."))
        if folder.is_dir()
        else []
    )


def ingest_files(
    index: KnowledgeIndex,
    paths: list[Path],
    *,
    type: str = "playbook",
    progress: Progress | None = None,
    workspace: str = "",
) -> IngestReport:
    """Index a department's own files (MD, TXT, PDF, DOCX, XLSX; folders are searched).

    Every file is parsed first; if any fails, nothing is indexed and the error names each file.
    Re-ingesting an unchanged file is a no-op; a changed file replaces its chunks. With
    `workspace`, the documents are that workspace's own (searched only there); without, company
    knowledge.
    """
    from assistant.kb.loaders import SUPPORTED, load_file

    files: list[Path] = []
    for p in paths:
        files += sorted(f for f in p.rglob("*") if f.suffix.lower() in SUPPORTED) if p.is_dir() else [p]
    docs, errors = [], []
    for f in files:
        try:
            docs.append(load_file(f, type=type))
        except DocumentError as e:
            errors.append(str(e))
    if errors:
        raise DocumentError("; ".join(errors) + "; nothing was indexed")
    report = IngestReport()
    manifest = _load_manifest(index)
    _index_docs(index, docs, manifest, report, origin="upload", progress=progress, workspace=workspace)
    _finish(index, manifest, report)
    return report


def remove_files(index: KnowledgeIndex, paths: list[Path]) -> IngestReport:
    """Remove previously ingested department files from the index."""
    manifest = _load_manifest(index)
    report = IngestReport()
    for p in paths:
        key = str(p.resolve())
        if key not in manifest:
            raise DocumentError(f"{p}: not in the index")
        entry = manifest[key]
        index.delete(entry["chunks"], owner=str(entry.get("workspace", "")))
        manifest.pop(key)
        report.deleted.append(key)
    _finish(index, manifest, report)
    return report
