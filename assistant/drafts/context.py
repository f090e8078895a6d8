"""The drafting context: the workspace, the language, and every figure with its provenance.

Each figure goes through `Ctx.fig`, which formats it and records where it came from (tool, inputs,
data set version, time), so the number audit of an offline draft passes by construction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from assistant.drafts.document import Block, Citation
from assistant.drafts.numbers import NumberRef, NumberSource
from assistant.engine.compose import excerpt, fmt_num, fmt_pct
from assistant.services import Services
from assistant.usecases import WorkspaceContext, kpis
from tools.kpi import STATUS_ZH, KpiResult

STATUS_EN = {"on_track": "on track", "watch": "watch", "off_target": "off target", "no_target": "no target"}


@dataclass
class Ctx:
    services: Services
    ws: WorkspaceContext
    lang: str
    queries: dict[str, str] = field(default_factory=dict)  # the outline's knowledge-base searches
    numbers: list[NumberRef] = field(default_factory=list)
    citations: list[Citation] = field(default_factory=list)

    @property
    def facts(self) -> pd.DataFrame:
        return self.ws.facts

    @property
    def targets(self) -> pd.DataFrame:
        return self.ws.targets

    @property
    def version(self) -> int:
        return self.ws.data.version

    @property
    def latest_quarter(self) -> str:
        return self.ws.require_data().latest_quarter.label

    @property
    def latest_month(self) -> str:
        return self.ws.require_data().latest_month.label

    def t(self, zh: str, en: str) -> str:
        return zh if self.lang == "zh" else en

    def src(self, tool: str, **inputs: Any) -> NumberSource:
        return NumberSource(
            type="tool",
            tool=tool,
            inputs={k: v for k, v in inputs.items() if v is not None},
            dataset_version=self.version,
            at=datetime.now(UTC).isoformat(timespec="seconds"),
        )

    def fig(
        self, value: float | None, unit: str, source: NumberSource, *, pct: bool = False, digits: int = 2
    ) -> str:
        """Format a figure and record its provenance."""
        if value is None:
            return "—"
        text = fmt_pct(value) if pct else fmt_num(value, unit, digits)
        self.numbers.append(NumberRef(text=text, value=float(value), source=source))
        return text

    def cite(self, query: str, k: int = 2) -> list[Citation]:
        found = []
        for p in self.services.index.search(query, k=k, workspace=self.ws.name):
            existing = next((c for c in self.citations if c.chunk_id == p.chunk_id), None)
            if existing is None:
                existing = Citation(
                    n=len(self.citations) + 1,
                    doc_id=p.doc_id,
                    chunk_id=p.chunk_id,
                    title=p.title,
                    heading=p.heading,
                    text=p.text,
                )
                self.citations.append(existing)
            found.append(existing)
        return found

    def quotes(self, query: str, k: int = 2) -> Block:
        lines = [
            f"- **{c.title}** · {c.heading}：{excerpt(c.text, 160)} [{c.n}]" for c in self.cite(query, k)
        ]
        return Block(type="paragraph", text="\n".join(lines))

    def lookup(
        self, metric: str, period: str, region: str | None = None, channel: str | None = None
    ) -> tuple[KpiResult, NumberSource]:
        r = kpis.lookup(self.ws, metric=metric, period=period, region=region, channel=channel, lang=self.lang)
        return r, self.src("kpi_lookup", metric=metric, period=period, region=region, channel=channel)

    def status(self, s: str) -> str:
        return STATUS_ZH[s] if self.lang == "zh" else STATUS_EN[s]
