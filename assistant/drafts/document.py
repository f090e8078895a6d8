"""The structured draft document and its Markdown rendering."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

from pydantic import BaseModel, Field

from assistant.drafts.numbers import Audit, NumberRef


class Block(BaseModel):
    type: Literal["paragraph", "table", "chart"]
    text: str = ""
    columns: list[str] = Field(default_factory=list)
    rows: list[list[str]] = Field(default_factory=list)
    chart: dict[str, Any] | None = None


class Section(BaseModel):
    id: str
    title: str
    blocks: list[Block] = Field(default_factory=list)

    def markdown(self, level: int = 2, chart: Callable[[dict], str] | None = None) -> str:
        """The section as Markdown; `chart` renders a chart block (the export embeds an image)."""
        parts = [f"{'#' * level} {self.title}"]
        for b in self.blocks:
            if b.type == "paragraph":
                parts.append(b.text)
            elif b.type == "table":
                parts.append(
                    "\n".join(
                        ["| " + " | ".join(b.columns) + " |", "|" + "---|" * len(b.columns)]
                        + ["| " + " | ".join(r) + " |" for r in b.rows]
                    )
                )
            elif b.type == "chart" and b.chart:
                parts.append(
                    chart(b.chart) if chart else f"*{b.chart.get('title', 'chart')}*{b.chart.get('note', '')}"
                )
        return "\n\n".join(parts)


class Citation(BaseModel):
    n: int
    doc_id: str
    chunk_id: str
    title: str
    heading: str = ""
    text: str


class DraftDoc(BaseModel):
    kind: Literal["section", "regional", "adjustment"]
    workspace: str = ""  # whose data it is built from: revising and regenerating use the same
    section: str | None = None
    title: str
    lang: Literal["zh", "en"] = "zh"
    scope: dict[str, str] = Field(default_factory=dict)
    period: str | None = None
    sections: list[Section]
    citations: list[Citation] = Field(default_factory=list)
    numbers: list[NumberRef] = Field(default_factory=list)
    audit: Audit | None = None
    engine: str = "offline"
    model: str = ""

    def markdown_body(self) -> str:
        """The text the number audit checks: the sections, without the reference list."""
        return "\n\n".join(s.markdown() for s in self.sections)

    def markdown(self, chart: Callable[[dict], str] | None = None) -> str:
        parts = [f"# {self.title}"]
        parts += [s.markdown(chart=chart) for s in self.sections]
        if self.citations and not any(s.id == "basis" for s in self.sections):
            head = "## 参考资料" if self.lang == "zh" else "## References"
            parts.append(
                head
                + "\n\n"
                + "\n".join(f"[{c.n}] {c.title}（{c.doc_id}，{c.chunk_id}）" for c in self.citations)
            )
        return "\n\n".join(parts)
