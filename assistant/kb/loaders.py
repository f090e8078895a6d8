"""A department's own documents: Markdown, TXT, PDF, DOCX and XLSX turned into knowledge Documents.

Each format keeps what a citation needs: PDF pages and DOCX/Markdown headings become section
headings ("第 3 页 / page 3", the heading text), XLSX sheets become sections. Parsers are the
well-kept libraries of each format (pypdf, python-docx, openpyxl). A file that cannot be parsed
raises DocumentError naming the file and the reason.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from assistant.errors import DocumentError
from assistant.kb.documents import DocMeta, Document, parse_document
from tools.errors import DataError
from tools.files import check_zip

SUPPORTED = {".md", ".markdown", ".txt", ".pdf", ".docx", ".xlsx"}
MAX_TEXT_CHARS = 3_000_000  # about 1,500 pages: beyond it a "document" is a data dump


def _doc_id(path: Path) -> str:
    stem = re.sub(r"[^a-z0-9]+", "-", path.stem.lower()).strip("-") or "doc"
    digest = hashlib.sha1(str(path.resolve()).encode()).hexdigest()[:8]
    return f"up-{stem[:40]}-{digest}"


def _pdf(path: Path) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(str(path))
        pages = [(page.extract_text() or "").strip() for page in reader.pages]
    except (PdfReadError, ValueError, KeyError, OSError) as e:
        raise DocumentError(f"{path.name}: not a readable PDF ({e})") from e
    if not any(pages):
        raise DocumentError(f"{path.name}: the PDF has no extractable text (scanned images need OCR first)")
    return "\n\n".join(f"## 第 {i} 页 / page {i}\n\n{text}" for i, text in enumerate(pages, start=1) if text)


def _docx(path: Path) -> str:
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(str(path))
    except (PackageNotFoundError, ValueError, KeyError, OSError) as e:
        raise DocumentError(f"{path.name}: not a readable Word document ({e})") from e
    lines = []
    for para in document.paragraphs:
        text = para.text.strip()
        if not text:
            continue
        style = (para.style.name or "").lower() if para.style is not None else ""
        if style.startswith(("heading", "标题", "title")):
            lines.append(f"\n## {text}\n")
        else:
            lines.append(text)
    for table in document.tables:
        for row in table.rows:
            lines.append(" | ".join(cell.text.strip() for cell in row.cells))
    return "\n".join(lines)


def _xlsx(path: Path) -> str:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(str(path), read_only=True, data_only=True)
    except Exception as e:  # openpyxl raises zipfile, KeyError and its own errors for bad files
        raise DocumentError(f"{path.name}: not a readable Excel workbook ({e})") from e
    parts = []
    for ws in wb.worksheets:
        rows = [[("" if v is None else str(v)) for v in row] for row in ws.iter_rows(values_only=True)]
        rows = [r for r in rows if any(c.strip() for c in r)]
        if not rows:
            continue
        header, body = rows[0], rows[1:]
        lines = (
            ["；".join(f"{h}: {c}" for h, c in zip(header, r, strict=False) if c) for r in body]
            if body
            else ["；".join(header)]
        )
        parts.append(f"## {ws.title}\n\n" + "\n".join(lines))
    wb.close()
    return "\n\n".join(parts)


def load_file(path: Path, *, type: str = "playbook", tags: list[str] | None = None) -> Document:
    """Read one department document into a Document ready for chunking."""
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED:
        raise DocumentError(
            f"{path.name}: unsupported file type {suffix or '(none)'}; use {', '.join(sorted(SUPPORTED))}"
        )
    if not path.is_file():
        raise DocumentError(f"{path}: file not found")
    raw = path.read_bytes()
    if suffix in (".docx", ".xlsx"):  # zips: their declared sizes are checked before parsing
        try:
            check_zip(raw, path.name)
        except DataError as e:
            raise DocumentError(str(e)) from e
    if suffix in (".md", ".markdown") and raw.startswith(b"---"):
        doc = parse_document(path)
        if len(doc.body) > MAX_TEXT_CHARS:
            raise DocumentError(
                f"{path.name}: {len(doc.body):,} characters of text; the limit is {MAX_TEXT_CHARS:,} per document"
            )
        # the server names an upload: an id its front matter declares is kept as metadata only, so
        # no upload can take the id of a company document or of another workspace's
        meta = doc.meta.model_copy(update={"id": _doc_id(path), "declared_id": doc.meta.id, "workspace": ""})
        return doc.model_copy(update={"meta": meta, "path": str(path.resolve())})
    if suffix in (".md", ".markdown", ".txt"):
        try:
            body = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                body = raw.decode("gb18030")  # common for files saved by Chinese Windows editors
            except UnicodeDecodeError as e:
                raise DocumentError(f"{path.name}: text is neither UTF-8 nor GB18030") from e
    elif suffix == ".pdf":
        body = _pdf(path)
    elif suffix == ".docx":
        body = _docx(path)
    else:
        body = _xlsx(path)
    if not body.strip():
        raise DocumentError(f"{path.name}: no text found")
    if len(body) > MAX_TEXT_CHARS:
        raise DocumentError(
            f"{path.name}: {len(body):,} characters of text; the limit is {MAX_TEXT_CHARS:,} per document"
        )
    heading = re.search(r"^#\s+(.+)$", body, re.M)
    title = heading.group(1).strip() if heading else path.stem
    meta = DocMeta(
        id=_doc_id(path),
        title=title,
        title_en=path.stem,
        type=type,  # type: ignore[arg-type]  # a str, checked against DocType by pydantic
        lang="zh",
        tags=[*(tags or []), "department", "部门资料"],
        sources=[str(path.name)],
    )
    return Document(meta=meta, body=body, path=str(path.resolve()), sha=hashlib.sha256(raw).hexdigest())
