"""A department's own documents: every format parsed, cited by page or heading, bad files rejected."""

from __future__ import annotations

from pathlib import Path

import docx
import pytest
from openpyxl import Workbook

from assistant.errors import DocumentError
from assistant.factory import build_embedder
from assistant.kb.index import KnowledgeIndex
from assistant.kb.ingest import ingest, ingest_files, remove_files
from assistant.kb.loaders import load_file
from assistant.settings import Settings
from tests.utils import signed_in
from web.main import create_app


def _pdf(path: Path, pages: list[str]) -> Path:
    """A minimal valid PDF with one text line per page (Helvetica, ASCII)."""
    objects = ["<< /Type /Catalog /Pages 2 0 R >>", ""]
    kids = []
    for i, text in enumerate(pages):
        page_no, content_no = 3 + 2 * i, 4 + 2 * i
        kids.append(f"{page_no} 0 R")
        stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET"
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 {3 + 2 * len(pages)} 0 R >> >> /Contents {content_no} 0 R >>"
        )
        objects.append(f"<< /Length {len(stream)} >>\nstream\n{stream}\nendstream")
    objects[1] = f"<< /Type /Pages /Kids [{' '.join(kids)}] /Count {len(pages)} >>"
    objects.append("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    out, offsets = b"%PDF-1.4\n", []
    for n, obj in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{n} 0 obj\n{obj}\nendobj\n".encode()
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += "".join(f"{o:010d} 00000 n \n" for o in offsets).encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    path.write_bytes(out)
    return path


def test_pdf_pages_become_citable_sections(tmp_path: Path) -> None:
    doc = load_file(_pdf(tmp_path / "plan.pdf", ["Q1 pilot in two regions", "Budget review every quarter"]))
    assert "## 第 2 页 / page 2" in doc.body and "Budget review every quarter" in doc.body


def test_docx_headings_and_tables(tmp_path: Path) -> None:
    d = docx.Document()
    d.add_heading("2025 年度复盘", level=1)
    d.add_paragraph("直播渠道 ROI 连续两个季度领先。")
    table = d.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text, table.rows[0].cells[1].text = "渠道", "直播电商"
    d.save(tmp_path / "review.docx")
    doc = load_file(tmp_path / "review.docx")
    assert "## 2025 年度复盘" in doc.body and "直播电商" in doc.body


def test_xlsx_sheets_become_sections(tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "渠道预算"
    ws.append(["渠道", "预算"])
    ws.append(["信息流广告", 1200])
    wb.save(tmp_path / "budget.xlsx")
    doc = load_file(tmp_path / "budget.xlsx")
    assert "## 渠道预算" in doc.body and "渠道: 信息流广告" in doc.body


def test_department_files_are_indexed_found_and_removed(tmp_path: Path) -> None:
    settings = Settings(var_dir=tmp_path / "var", knowledge_dir=tmp_path / "empty")
    (tmp_path / "empty").mkdir()
    index = KnowledgeIndex(settings, build_embedder(settings))
    notes = tmp_path / "notes.txt"
    notes.write_text("华东大区试点社区团购，三个月后复购率提升明显。", encoding="utf-8")
    report = ingest_files(index, [notes])
    assert report.added and index.search("华东 社区团购", k=1)[0].doc_id.startswith("up-notes-")
    assert not ingest_files(index, [notes]).changed  # unchanged: skipped
    ingest(index, settings.knowledge_dir)  # shipped ingestion keeps department files
    assert index.count() == 1
    remove_files(index, [notes])
    assert index.count() == 0


def test_unparseable_file_is_rejected_and_index_unchanged(tmp_path: Path) -> None:
    settings = Settings(var_dir=tmp_path / "var")
    index = KnowledgeIndex(settings, build_embedder(settings))
    good = tmp_path / "good.txt"
    good.write_text("区域试点先行。", encoding="utf-8")
    bad = tmp_path / "broken.pdf"
    bad.write_bytes(b"this is not a pdf")
    with pytest.raises(DocumentError, match=r"broken\.pdf.*nothing was indexed"):
        ingest_files(index, [good, bad])
    assert index.count() == 0


def test_upload_api(settings: Settings, tmp_path: Path) -> None:
    with signed_in(create_app(settings)) as client:
        before = client.get("/api/health").json()["index_chunks"]
        ok = client.post(
            "/api/knowledge/documents",
            files={"file": ("华南复盘.txt", "华南门店雨季防水系列销量领先。".encode(), "text/plain")},
            data={"type": "case"},
        )
        assert ok.status_code == 201, ok.text
        assert client.get("/api/health").json()["index_chunks"] == before + 1
        hits = client.get("/api/search", params={"q": "华南 雨季 防水系列", "k": 1, "type": "case"}).json()
        assert "防水系列" in hits[0]["text"]
        bad = client.post(
            "/api/knowledge/documents", files={"file": ("x.pdf", b"not a pdf", "application/pdf")}
        )
        assert bad.status_code == 400 and "x.pdf" in bad.json()["detail"]
        wrong = client.post(
            "/api/knowledge/documents", files={"file": ("x.exe", b"MZ", "application/octet-stream")}
        )
        assert wrong.status_code == 400 and "unsupported" in wrong.json()["detail"]
        assert client.get("/api/health").json()["index_chunks"] == before + 1
        assert client.delete(f"/api/knowledge/documents/{ok.json()['path']}").status_code == 200
        assert client.get("/api/health").json()["index_chunks"] == before
