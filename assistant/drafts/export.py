"""Export a draft to Markdown or Word (.docx, python-docx): headings, tables, citations as a
reference list, and charts drawn as images (matplotlib, headless)."""

from __future__ import annotations

import base64
import contextlib
import functools
import io
import re

from assistant.drafts.document import Block, DraftDoc

CJK_FONTS = [
    "Noto Sans CJK SC",
    "Noto Serif CJK SC",
    "Microsoft YaHei",
    "PingFang SC",
    "WenQuanYi Micro Hei",
    "DejaVu Sans",
]


def to_markdown(doc: DraftDoc) -> str:
    """The draft as one Markdown file, its charts embedded as PNG images (data URIs)."""

    def image(chart: dict) -> str:
        encoded = base64.b64encode(chart_png(chart, doc.lang)).decode("ascii")
        return f"![{chart.get('title', 'chart')}](data:image/png;base64,{encoded})"

    return safe_markdown(doc.markdown(chart=image)) + "\n"


_UNSAFE_LINK = re.compile(
    r"\]\(\s*<?\s*(?!https?:|mailto:|#|/|data:image/png;base64,)[a-z][a-z0-9+.\-]*:", re.I
)


def safe_markdown(text: str) -> str:
    """Markdown that a viewer cannot turn into script: raw HTML is shown as text (`<` escaped, so
    no <script>, <iframe> or autolink survives) and a link may only go to http(s), mailto, an
    anchor, a path or our own embedded PNG charts (`javascript:` and the like become `#`)."""
    text = re.sub(r"(?<!\\)<", r"\\<", text)
    return _UNSAFE_LINK.sub("](#", text)


@functools.cache
def _register_cjk_fonts() -> None:
    """matplotlib's font cache may predate the system's CJK fonts: add them, once per process."""
    from matplotlib import font_manager

    for path in font_manager.findSystemFonts():
        if "cjk" in path.lower():
            with contextlib.suppress(Exception):
                font_manager.fontManager.addfont(path)


LABELS = {"zh": {"actual": "实际", "target": "目标", "forecast": "预测"}}


def chart_png(chart: dict, lang: str = "zh") -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    _register_cjk_fonts()
    plt.rcParams["font.sans-serif"] = CJK_FONTS
    plt.rcParams["axes.unicode_minus"] = False
    fig, ax = plt.subplots(figsize=(7, 3.2), dpi=120)
    x = list(range(len(chart["x"])))
    for key, style in (("actual", "-o"), ("target", "--"), ("forecast", ":s")):
        ys = [float("nan") if v is None else v for v in chart.get(key, [])]
        if any(v == v for v in ys):
            ax.plot(x, ys, style, label=LABELS.get(lang, {}).get(key, key))
    ax.set_xticks(x, chart["x"], rotation=45, fontsize=7)
    ax.set_title(chart.get("title", ""), fontsize=10)
    ax.legend(fontsize=8)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return buf.getvalue()


def _table(document, block: Block) -> None:
    table = document.add_table(rows=1, cols=len(block.columns))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, block.columns, strict=True):
        cell.text = text
        for run in cell.paragraphs[0].runs:
            run.bold = True
    for row in block.rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, row, strict=False):
            cell.text = text


def _runs(paragraph, text: str) -> None:
    """A line of the draft's Markdown as runs: **bold** spans bold, the rest plain."""
    for i, part in enumerate(re.split(r"\*\*(.+?)\*\*", text)):
        if part:
            paragraph.add_run(part).bold = i % 2 == 1


def to_docx(doc: DraftDoc) -> bytes:
    import docx
    from docx.oxml.ns import qn
    from docx.shared import Inches, Pt

    document = docx.Document()
    style = document.styles["Normal"]
    style.font.name = "Microsoft YaHei"
    style.element.rPr.rFonts.set(
        qn("w:eastAsia"), "Microsoft YaHei"
    )  # Chinese text needs the East Asian font slot
    style.paragraph_format.space_before = Pt(6)  # a paragraph after a table does not touch it
    document.add_heading(doc.title, level=0)
    meta = ("草稿，待评审" if doc.lang == "zh" else "Draft for review") + f" · {doc.model}"
    document.add_paragraph().add_run(meta + (f" · {doc.period}" if doc.period else "")).italic = True
    for section in doc.sections:
        document.add_heading(section.title, level=1)
        for block in section.blocks:
            if block.type == "paragraph":
                for line in block.text.splitlines():
                    if line.startswith("- "):
                        _runs(document.add_paragraph(style="List Bullet"), line[2:])
                    elif line.strip():
                        _runs(document.add_paragraph(), line)
            elif block.type == "table":
                _table(document, block)
            elif block.type == "chart" and block.chart:
                document.add_picture(io.BytesIO(chart_png(block.chart, doc.lang)), width=Inches(6))
    if doc.citations and not any(s.id == "basis" for s in doc.sections):
        document.add_heading("参考资料" if doc.lang == "zh" else "References", level=1)
        for c in doc.citations:
            document.add_paragraph(f"[{c.n}] {c.title} · {c.heading}（{c.doc_id}, {c.chunk_id}）")
    if doc.audit and doc.audit.unsupported:
        document.add_heading("数字核查" if doc.lang == "zh" else "Number audit", level=1)
        document.add_paragraph(", ".join(u["text"] for u in doc.audit.unsupported))
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()
