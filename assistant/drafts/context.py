"""The drafting context: the workspace, the language, and every figure with its provenance.

Each figure goes through `Ctx.fig`, which formats it and records where it came from (tool, inputs,
data set version, time), so the number audit of an offline draft passes by construction.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd
import yaml
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from assistant.drafts.document import Block, Citation
from assistant.drafts.numbers import NumberRef, NumberSource
from assistant.presentation import STATUS_EN, excerpt, fmt_num, fmt_pct
from assistant.services import Services
from assistant.usecases import WorkspaceContext, kpis
from tools.kpi import STATUS_ZH, KpiResult
from tools.metrics import get_metric


@lru_cache(maxsize=4)
def _prose(prompts_dir: str) -> Environment:
    """The drafts' prose: `prompts/drafts/<lang>/<template>.md.j2`, one macro per sentence."""
    return Environment(
        loader=FileSystemLoader(str(Path(prompts_dir) / "drafts")),
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=StrictUndefined,
        autoescape=False,
    )


@lru_cache(maxsize=4)
def _labels(prompts_dir: str) -> dict[str, dict[str, str]]:
    path = Path(prompts_dir) / "drafts" / "labels.yaml"
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@dataclass
class Ctx:
    services: Services
    ws: WorkspaceContext
    lang: str
    outline: dict[str, Any] = field(default_factory=dict)  # prompts/outlines/<kind>.yaml
    numbers: list[NumberRef] = field(default_factory=list)
    citations: list[Citation] = field(default_factory=list)
    _modules: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def facts(self) -> pd.DataFrame:
        return self.ws.facts

    @property
    def targets(self) -> pd.DataFrame:
        return self.ws.targets

    @property
    def queries(self) -> dict[str, str]:
        """The outline's knowledge-base searches, by name (content, not code)."""
        return self.outline.get("queries", {})

    @property
    def threshold_pct(self) -> float:
        return self.ws.threshold * 100

    @property
    def version(self) -> int:
        return self.ws.data.version

    @property
    def latest_quarter(self) -> str:
        return self.ws.require_data().latest_quarter.label

    @property
    def latest_month(self) -> str:
        return self.ws.require_data().latest_month.label

    def say(self, template: str, macro: str, **facts: Any) -> str:
        """A sentence from the draft templates, given typed facts. Figures go through `fig` inside
        the template, so each one printed is registered with its provenance."""
        module = self._modules.get(template)
        if module is None:
            env = _prose(str(self.services.settings.prompts_dir))
            module = env.get_template(f"{self.lang}/{template}.md.j2").make_module(
                {"fig": self.fig, "status": self.status, "metric": self.metric_name}
            )
            self._modules[template] = module
        # a macro is one paragraph: its line breaks are for reading the template only (they join
        # Chinese with nothing and English with a space)
        text = str(getattr(module, macro)(**facts))
        return re.sub(r"\s*\n\s*", "" if self.lang == "zh" else " ", text.strip())

    def label(self, key: str) -> str:
        """A table heading or short label from `prompts/drafts/labels.yaml`."""
        return _labels(str(self.services.settings.prompts_dir))[key][self.lang]

    def metric_name(self, key: str) -> str:
        return get_metric(key).name(self.lang)

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
        text = fmt_pct(value) if pct else fmt_num(value, unit, digits, self.lang)
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

    def point(self, query: str) -> str:
        """The sentence of the best passage for `query` that shares most of its words, cited: a
        SWOT cell states the opportunity itself, not the passage's heading."""
        c = self.cite(query, 1)[0]
        words = query.split()
        sentences = [x.strip(" -•") for x in re.split(r"[。；;，\n]|,(?!\d)", c.text) if x.strip(" -•")]
        best = max(sentences, key=lambda x: sum(w in x for w in words), default=c.heading)
        return f"{excerpt(best, 40)} [{c.n}]"

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
