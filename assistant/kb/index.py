"""The hybrid knowledge index: dense vectors in Chroma plus BM25, fused by reciprocal rank.

The BM25 index is built at ingestion from the chunks stored in Chroma and persisted beside it, so a
query never rebuilds it, and it always mirrors what Chroma holds after incremental updates.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import shutil
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import numpy as np

from assistant.errors import DocumentError
from assistant.factory import Embedder, embedder_signature
from assistant.kb.documents import Chunk
from assistant.kb.tokens import expand_query, keep_dictionary_cache_in, lexical_tokens
from assistant.settings import Settings

if TYPE_CHECKING:  # Chroma and bm25s (0.5 s) are imported when the index is first opened
    import bm25s
    from bm25s.tokenization import Tokenized

RRF_K = 60


@dataclass(frozen=True)
class Passage:
    chunk_id: str
    doc_id: str
    title: str
    title_en: str
    type: str
    lang: str
    heading: str
    text: str
    score: float
    path: str = ""
    key_points_en: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "doc_id": self.doc_id,
            "title": self.title,
            "type": self.type,
            "chunk_id": self.chunk_id,
            "score": round(self.score, 4),
            "text": self.text,
            "heading": self.heading,
            "title_en": self.title_en,
            "key_points_en": list(self.key_points_en),
        }


_OTLP_EXPORTER = "opentelemetry.exporter.otlp.proto.grpc.trace_exporter"


def _defer_otlp_exporter() -> None:
    """Chroma imports OpenTelemetry's gRPC span exporter when it is imported (grpc and protobuf:
    12 MB a worker, 70 ms a process) and builds one only when its own OTel endpoint is set, which
    this product never sets. Until then the module stands in: building the exporter, or reading
    anything else from the module, imports the real one."""
    if _OTLP_EXPORTER in sys.modules:
        return

    def real() -> ModuleType:
        sys.modules.pop(_OTLP_EXPORTER, None)
        return importlib.import_module(_OTLP_EXPORTER)

    class Deferred(ModuleType):
        def __getattr__(self, name: str) -> Any:
            if name.startswith("__"):  # what the import system asks of a module (`__path__`)
                raise AttributeError(name)
            return getattr(real(), name)

    module = Deferred(_OTLP_EXPORTER)
    module.OTLPSpanExporter = lambda *args, **kwargs: real().OTLPSpanExporter(*args, **kwargs)  # type: ignore[attr-defined]
    sys.modules[_OTLP_EXPORTER] = module


def _chroma_client(settings: Settings) -> Any:
    _defer_otlp_exporter()
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if settings.chroma_host:
        return chromadb.HttpClient(
            host=settings.chroma_host, port=settings.chroma_port, settings=chroma_settings
        )
    settings.chroma_dir.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(settings.chroma_dir), settings=chroma_settings)


def _sharing() -> Callable[[dict[str, Any]], dict[str, Any]]:
    """A JSON object hook that stores equal values once. A document's title, tags, path and
    English key points repeat on each of its chunks: at 100k chunks, sharing them as the file is
    read saves about 150 MB a worker (sharing after reading frees the copies, but not the memory)."""
    seen: dict[str, str] = {}

    def share(m: dict[str, Any]) -> dict[str, Any]:
        for key, value in m.items():
            if key != "text" and isinstance(value, str):
                m[key] = seen.setdefault(value, value)
        return m

    return share


def _open_bm25(path: Path) -> bm25s.BM25:
    """The BM25 index memory-mapped: a query reads only its terms' columns, so a worker holds
    those pages, not the whole matrix (about 200 MB at 100k chunks)."""
    import bm25s

    return bm25s.BM25.load(str(path), mmap=True)


OWN_BOOST = 1.05  # about two ranks near the top of a reciprocal-rank fusion


def rrf_fuse(rankings: Sequence[Sequence[str]], *, k: int = RRF_K) -> list[tuple[str, float]]:
    """Reciprocal rank fusion (Cormack et al., 2009): sum of 1/(k + rank) over the rankings."""
    scores: dict[str, float] = {}
    for ranking in rankings:
        for rank, key in enumerate(ranking, start=1):
            scores[key] = scores.get(key, 0.0) + 1.0 / (k + rank)
    return sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))


class KnowledgeIndex:
    """Chroma collection + persisted BM25 over the same chunks."""

    def __init__(self, settings: Settings, embedder: Embedder) -> None:
        self.settings = settings
        self.embedder = embedder
        self.signature = embedder_signature(embedder)
        self.lexical_dir = settings.var_dir / "lexical" / settings.collection
        keep_dictionary_cache_in(settings.var_dir / "cache")
        self._collection: Any = None
        self._bm25: bm25s.BM25 | None = None
        self._meta: list[dict[str, Any]] = []
        self._scoped = False
        self._by_id: dict[str, dict[str, Any]] = {}

    # -- Chroma -----------------------------------------------------------------------------
    @cached_property
    def client(self) -> Any:
        """Opened on first use: a command that finds the index current never imports Chroma."""
        return _chroma_client(self.settings)

    @property
    def collection(self) -> Any:
        if self._collection is None:
            # embedding_function=None: we always pass vectors, and Chroma's default function
            # would try to download an ONNX model.
            self._collection = self.client.get_or_create_collection(
                self.settings.collection,
                embedding_function=None,
                metadata={"hnsw:space": "cosine", "embedder": self.signature},
            )
        return self._collection

    def stored_signature(self) -> str | None:
        return (self.collection.metadata or {}).get("embedder")

    def reset(self) -> None:
        """Drop everything: used when the embedder changes, since vectors are not comparable."""
        # chroma raises different classes for "does not exist" across versions
        with contextlib.suppress(Exception):
            self.client.delete_collection(self.settings.collection)
        self._collection = None
        shutil.rmtree(self.lexical_dir, ignore_errors=True)
        self._bm25, self._meta, self._by_id, self._scoped = None, [], {}, False

    def count(self) -> int:
        return int(self.collection.count())

    def upsert(self, chunks: Sequence[Chunk], *, batch: int = 256) -> None:
        """Write chunks; a chunk id already held by another owner (a workspace, or company
        knowledge) or another origin (shipped, upload) is refused before anything is written."""
        self._check_owner({c.chunk_id: (c.workspace, c.origin) for c in chunks})
        for i in range(0, len(chunks), batch):
            part = chunks[i : i + batch]
            texts = [c.index_text() for c in part]
            self.collection.upsert(
                ids=[c.chunk_id for c in part],
                embeddings=self.embedder.embed_documents(texts),
                documents=[c.text for c in part],
                metadatas=[
                    {
                        "doc_id": c.doc_id,
                        "title": c.title,
                        "title_en": c.title_en,
                        "type": c.type,
                        "lang": c.lang,
                        "tags": "|".join(c.tags),
                        "heading": c.heading,
                        "path": c.path,
                        "key_points_en": "\n".join(c.key_points_en),
                        "workspace": c.workspace,
                        "origin": c.origin,
                    }
                    for c in part
                ],
            )

    def delete(self, chunk_ids: Iterable[str], *, owner: str | None = None) -> None:
        """Delete chunks; with `owner` ("" for company knowledge), only chunks that owner holds:
        another owner's id is refused and nothing is deleted."""
        ids = list(chunk_ids)
        if not ids:
            return
        if owner is not None:
            self._check_owner(dict.fromkeys(ids, (owner, None)))
        self.collection.delete(ids=ids)

    def _check_owner(self, wanted: dict[str, tuple[str, str | None]]) -> None:
        ids = list(wanted)
        for i in range(0, len(ids), 5000):
            got = self.collection.get(ids=ids[i : i + 5000], include=["metadatas"])
            for chunk_id, meta in zip(got["ids"], got["metadatas"], strict=True):
                owner, origin = wanted[chunk_id]
                held = (meta or {}).get("workspace", ""), (meta or {}).get("origin", "shipped")
                if held[0] != owner or (origin is not None and held[1] != origin):
                    raise DocumentError(f"passage {chunk_id} belongs to another owner; nothing was changed")

    # -- BM25 -------------------------------------------------------------------------------
    def rebuild_lexical(self) -> int:
        """Rebuild BM25 from exactly what Chroma holds, and persist it."""
        ids, docs, metas = [], [], []
        page = 5000  # Chroma's SQLite backend limits how many rows one get() may return
        for offset in range(0, self.count(), page):
            got = self.collection.get(include=["documents", "metadatas"], limit=page, offset=offset)
            ids += got["ids"]
            docs += got["documents"]
            metas += got["metadatas"]
        order = sorted(range(len(ids)), key=lambda i: ids[i])
        share = _sharing()
        meta = [share({**metas[i], "chunk_id": ids[i], "text": docs[i]}) for i in order]
        shutil.rmtree(self.lexical_dir, ignore_errors=True)
        self.lexical_dir.mkdir(parents=True, exist_ok=True)
        (self.lexical_dir / "chunks.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
        self._bm25 = None
        if meta:
            import bm25s

            retriever = bm25s.BM25()
            retriever.index(self._token_ids(meta), show_progress=False)
            retriever.save(str(self.lexical_dir / "bm25"))
            del retriever
            self._bm25 = _open_bm25(self.lexical_dir / "bm25")
        self._meta = meta
        self._by_id = {m["chunk_id"]: m for m in meta}
        self._scoped = any(m.get("workspace") for m in meta)
        return len(meta)

    @classmethod
    def _token_ids(cls, meta: list[dict[str, Any]]) -> Tokenized:
        """Each chunk's tokens as an array of vocabulary ids, made one chunk at a time: lists of
        token strings for every chunk at once took about 2 GB at 100k chunks."""
        vocab: dict[str, int] = {}
        ids = [
            np.fromiter(
                (vocab.setdefault(t, len(vocab)) for t in lexical_tokens(cls._index_text(m))), dtype=np.int32
            )
            for m in meta
        ]
        from bm25s.tokenization import Tokenized

        return Tokenized(ids=ids, vocab=vocab)

    @staticmethod
    def _index_text(m: dict[str, Any]) -> str:
        return "\n".join(
            [
                m["title"],
                m.get("title_en", ""),
                m.get("tags", "").replace("|", " "),
                m.get("heading", ""),
                m["text"],
                m.get("key_points_en", ""),
            ]
        )

    def _load_lexical(self) -> None:
        if self._meta:
            return
        path = self.lexical_dir / "chunks.json"
        if not path.exists():
            return
        self._meta = json.loads(path.read_text(encoding="utf-8"), object_hook=_sharing())
        self._by_id = {m["chunk_id"]: m for m in self._meta}
        self._scoped = any(m.get("workspace") for m in self._meta)  # any workspace's own documents
        if self._meta and (self.lexical_dir / "bm25").exists():
            self._bm25 = _open_bm25(self.lexical_dir / "bm25")

    # -- search -----------------------------------------------------------------------------
    def search(
        self,
        query: str,
        *,
        k: int = 5,
        type: str | None = None,
        lang: str | None = None,
        tags: Sequence[str] | None = None,
        workspace: str | None = None,
    ) -> list[Passage]:
        """The best passages for a query. With `workspace`, company knowledge plus that
        workspace's own documents, its own first among about equally relevant ones (their fused
        score counts `OWN_BOOST` times: the planner's own plan outranks a general playbook that
        says the same, not one that answers the question better); without, company knowledge only."""
        self._load_lexical()
        if not self._meta:
            return []
        query = expand_query(query)
        depth = max(k * 4, 20)
        allowed = self._filter_mask(type=type, lang=lang, tags=tags, workspace=workspace)
        lexical = self._lexical_ranking(query, depth, allowed)
        dense = self._dense_ranking(query, depth, type=type, lang=lang, allowed=allowed)
        by_id = self._by_id
        fused = rrf_fuse([dense, lexical])
        if workspace and self._scoped:  # the workspace's own passages first among near-equals
            fused = sorted(
                (
                    (c, s * (OWN_BOOST if by_id.get(c, {}).get("workspace") == workspace else 1.0))
                    for c, s in fused
                ),
                key=lambda kv: (-kv[1], kv[0]),
            )
        out: list[Passage] = []
        for chunk_id, score in fused[:k]:
            m = by_id.get(chunk_id)
            if m is None:
                continue
            out.append(
                Passage(
                    chunk_id=chunk_id,
                    doc_id=m["doc_id"],
                    title=m["title"],
                    title_en=m.get("title_en", ""),
                    type=m["type"],
                    lang=m.get("lang", "zh"),
                    heading=m.get("heading", ""),
                    text=m["text"],
                    score=score,
                    path=m.get("path", ""),
                    key_points_en=tuple(p for p in m.get("key_points_en", "").split("\n") if p),
                )
            )
        return out

    def _filter_mask(
        self, *, type: str | None, lang: str | None, tags: Sequence[str] | None, workspace: str | None = None
    ) -> np.ndarray | None:
        if not (type or lang or tags or self._scoped):
            return None
        wanted = {t.lower() for t in tags or ()}

        def keep(m: dict[str, Any]) -> bool:
            if m.get("workspace") and m.get("workspace") != workspace:
                return False
            if type and m["type"] != type:
                return False
            if lang and m.get("lang") != lang:
                return False
            return not wanted or bool(wanted & {t.lower() for t in m.get("tags", "").split("|")})

        return np.array([keep(m) for m in self._meta], dtype=np.float32)

    def _lexical_ranking(self, query: str, depth: int, allowed: np.ndarray | None) -> list[str]:
        tokens = lexical_tokens(query)
        if self._bm25 is None or not tokens:
            return []
        n = min(depth, len(self._meta))
        docs, scores = self._bm25.retrieve(
            [tokens], k=n, show_progress=False, weight_mask=allowed, n_threads=0
        )
        return [self._meta[int(i)]["chunk_id"] for i, s in zip(docs[0], scores[0], strict=True) if s > 0]

    def _dense_ranking(
        self, query: str, depth: int, *, type: str | None, lang: str | None, allowed: np.ndarray | None
    ) -> list[str]:
        if allowed is not None and not allowed.any():
            return []
        where_terms = [{"type": type}] if type else []
        where_terms += [{"lang": lang}] if lang else []
        where = where_terms[0] if len(where_terms) == 1 else ({"$and": where_terms} if where_terms else None)
        res = self.collection.query(
            query_embeddings=[self.embedder.embed_query(query)],
            n_results=min(depth, self.count()),
            where=where,
            include=["distances"],
        )
        ids = res["ids"][0]
        if allowed is not None:  # tag and workspace filters: applied here, over what Chroma returns
            ok = {m["chunk_id"] for m, a in zip(self._meta, allowed, strict=True) if a}
            ids = [i for i in ids if i in ok]
        return ids

    def workspace_of(self, chunk_id: str) -> str | None:
        """The workspace a chunk belongs to ("" for company knowledge); None when unknown."""
        self._load_lexical()
        m = self._by_id.get(chunk_id)
        return None if m is None else m.get("workspace", "")
