"""Knowledge documents: front matter schema, parsing and heading-based chunking."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any, Literal

import frontmatter
import yaml
from frontmatter.default_handlers import YAMLHandler
from pydantic import BaseModel, Field, ValidationError, field_validator

from assistant.errors import DocumentError
from assistant.kb.tokens import count_tokens

DocType = Literal["playbook", "case", "policy", "upload"]


class DocMeta(BaseModel):
    """The front matter every knowledge document carries."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9\-_.]*$")
    title: str = Field(min_length=1)
    title_en: str = ""
    type: DocType
    lang: Literal["zh", "en"] = "zh"
    tags: list[str] = []
    sources: list[str] = []
    # English key points per section heading, in our own words: English answers quote these and
    # cite the Chinese passage; English queries retrieve through them.
    key_points_en: dict[str, list[str]] = {}
    # a shipped document that is one workspace's own (the demo company's 2026 plan is the demo
    # workspace's): searched only there. Ignored on uploads, which belong to their uploader's.
    workspace: str = Field(default="", max_length=64)
    declared_id: str = ""  # the id an uploaded file's own front matter gave (kept, never used as its id)

    @field_validator("tags", "sources", mode="before")
    @classmethod
    def _as_strings(cls, v: object) -> list[str]:
        return [str(x) for x in v] if isinstance(v, list) else v  # type: ignore[return-value]


class Chunk(BaseModel):
    chunk_id: str
    doc_id: str
    title: str
    title_en: str
    type: str
    lang: str
    tags: list[str]
    heading: str
    text: str
    path: str
    key_points_en: list[str] = []
    workspace: str = ""  # "" for company knowledge, searched everywhere; else only in that workspace
    origin: str = "shipped"  # shipped | upload: a chunk is only ever replaced by its own origin and owner

    def index_text(self) -> str:
        """What the dense embedding sees: the passage plus its titles and tags in both languages.

        Titles and bilingual tags let an English query reach a Chinese passage. The English key
        points go to the lexical index only (`KnowledgeIndex._index_text`): in the hashing
        embedding they diluted Chinese queries (zh MRR@10 0.867 → 0.830), in BM25 they lift
        English ones (en MRR@10 0.852 → 0.868) and leave Chinese ones as they were.
        """
        return "\n".join([self.title, self.title_en, " ".join(self.tags), self.heading, self.text])


class Document(BaseModel):
    meta: DocMeta
    body: str
    path: str
    sha: str


_HEADING = re.compile(r"^(#{1,3})\s+(.+?)\s*$", re.M)


MAX_FRONT_MATTER = 64 * 1024  # characters: the longest shipped front matter is under 8 KB


class _PlainYAML(yaml.SafeLoader):
    """Safe YAML without anchors and aliases: 352 bytes of nested aliases expand to gigabytes,
    and front matter never needs them."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent) or getattr(self.peek_event(), "anchor", None):
            raise yaml.YAMLError("anchors and aliases (& and *) are not allowed in front matter")
        return super().compose_node(parent, index)


class _FrontMatter(YAMLHandler):
    def load(self, fm: str, **kwargs: object) -> Any:
        if len(fm) > MAX_FRONT_MATTER:
            raise yaml.YAMLError(f"front matter longer than {MAX_FRONT_MATTER:,} characters")
        return yaml.load(fm, Loader=_PlainYAML)


def parse_document(path: Path, *, root: Path | None = None) -> Document:
    raw = path.read_text(encoding="utf-8")
    try:
        post = frontmatter.loads(raw, handler=_FrontMatter())
        meta = DocMeta.model_validate(post.metadata)
    except ValidationError as e:
        problems = "; ".join(
            f"{'.'.join(map(str, err['loc'])) or 'front matter'}: {err['msg']}" for err in e.errors()
        )
        raise DocumentError(f"{path}: invalid front matter: {problems}") from e
    except Exception as e:  # YAML errors come in many classes
        raise DocumentError(f"{path}: cannot read front matter: {e}") from e
    rel = str(path.relative_to(root)) if root else str(path)
    return Document(meta=meta, body=post.content, path=rel, sha=hashlib.sha256(raw.encode()).hexdigest())


def split_sections(body: str) -> list[tuple[str, str]]:
    """Split Markdown at `##`/`###` headings into (heading, text); the `#` title is dropped."""
    sections: list[tuple[str, str]] = []
    heading, start = "", 0
    for m in _HEADING.finditer(body):
        sections.append((heading, body[start : m.start()]))
        heading = m.group(2) if len(m.group(1)) > 1 else ""
        start = m.end()
    sections.append((heading, body[start:]))
    return [(h, t.strip()) for h, t in sections if t.strip()]


def _split_long(text: str, max_tokens: int) -> list[str]:
    """Split an over-long section at paragraph, then sentence boundaries."""
    if count_tokens(text) <= max_tokens:
        return [text]
    pieces = [p for p in re.split(r"\n\s*\n", text) if p.strip()]
    if len(pieces) == 1:
        pieces = [s for s in re.split(r"(?<=[。！？.!?；;])", text) if s.strip()]
    out: list[str] = []
    current = ""
    for piece in pieces:
        candidate = f"{current}\n\n{piece}" if current else piece
        if current and count_tokens(candidate) > max_tokens:
            out.append(current)
            current = piece
        else:
            current = candidate
    if current:
        out.append(current)
    return out


def chunk_document(doc: Document, *, max_tokens: int) -> list[Chunk]:
    m = doc.meta
    chunks: list[Chunk] = []
    for heading, text in split_sections(doc.body):
        for piece in _split_long(text, max_tokens):
            chunks.append(
                Chunk(
                    chunk_id=f"{m.id}#{len(chunks)}",
                    doc_id=m.id,
                    title=m.title,
                    title_en=m.title_en,
                    type=m.type,
                    lang=m.lang,
                    tags=m.tags,
                    heading=heading,
                    text=piece.strip(),
                    path=doc.path,
                    key_points_en=m.key_points_en.get(heading, []),
                )
            )
    return chunks
