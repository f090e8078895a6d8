"""Render the offline engine's answers from the Jinja2 templates in `prompts/offline/`.

The templates only ever print values that come from tool results or passages; the helpers here
format them (thousands separators, 万/亿, percentages) and never compute new figures, except the
sums and differences a template states explicitly, which the number audit can recompute.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from assistant.engine.intents import Intent
from tools.kpi import STATUS_ZH
from tools.metrics import METRICS
from tools.segments import region_focus

STATUS_EN = {"on_track": "on track", "watch": "watch", "off_target": "off target", "no_target": "no target"}
DIM_ZH = {"region": "区域", "channel": "渠道", "region×channel": "区域×渠道"}


def fmt_num(v: float | None, unit: str = "", digits: int = 2) -> str:
    if v is None:
        return "—"
    if unit == "%":
        return f"{v:.{digits}f}%"
    if unit == "倍":
        return f"{v:.{digits}f}"
    if abs(v) >= 1e8:
        return f"{v / 1e8:,.2f}亿{unit}"
    if abs(v) >= 1e4:
        return f"{v / 1e4:,.1f}万{unit}"
    return f"{v:,.{digits}f}{unit}"


def fmt_pct(v: float | None, digits: int = 1, sign: bool = True) -> str:
    if v is None:
        return "—"
    return f"{v:+.{digits}f}%" if sign else f"{v:.{digits}f}%"


def excerpt(text: str, limit: int = 140) -> str:
    t = re.sub(r"\s+", " ", text).strip()
    if len(t) <= limit:
        return t
    cut = t[:limit]
    stop = max(cut.rfind(p) for p in "。；;.!?！？")
    return (cut[: stop + 1] if stop > limit // 2 else cut + "…").strip()


@lru_cache(maxsize=4)
def composer_for(prompts_dir: Path) -> Composer:
    """One Jinja environment per prompts folder: templates compile once, not on every answer."""
    return Composer(prompts_dir)


class Composer:
    def __init__(self, prompts_dir: Path) -> None:
        self.env = Environment(
            loader=FileSystemLoader(str(Path(prompts_dir) / "offline")),
            trim_blocks=True,
            lstrip_blocks=True,
            undefined=StrictUndefined,
            keep_trailing_newline=False,
        )
        self.env.filters.update(num=fmt_num, pct=fmt_pct, excerpt=excerpt)

    def compose(self, intent: Intent, outputs: list[dict[str, Any]]) -> str:
        zh = intent.lang == "zh"
        passages = sorted(
            (p for o in outputs if o["name"] == "search_knowledge" for p in o.get("passages", [])),
            key=lambda p: p["n"],
        )
        by = lambda name: [o["result"] for o in outputs if o["name"] == name and "result" in o]  # noqa: E731

        def cite(*keywords: str, default: bool = True) -> str:
            """[n] of the first passage mentioning any keyword (else the first passage)."""
            for p in passages:
                hay = p["title"] + p["text"] + p.get("heading", "")
                if any(k in hay for k in keywords):
                    return f"[{p['n']}]"
            return f"[{passages[0]['n']}]" if passages and default else ""

        def status(s: str) -> str:
            return STATUS_ZH[s] if zh else STATUS_EN[s]

        def metric_name(key: str) -> str:
            m = METRICS[key]
            return m.zh if zh else m.en

        def focus(region: str) -> str:
            """brand, price or balanced: the region's AOV against the company's (tools/segments.py)."""
            aov = {
                r["region"]: r["actual"]
                for r in by("kpi_lookup")
                if r["metric"] == "aov" and not r["channel"]
            }
            return region_focus(aov.get(region), aov.get(None))

        ctx = {
            "zh": zh,
            "focus": focus,
            "intent": intent,
            "passages": passages,
            "lookups": by("kpi_lookup"),
            "diagnoses": by("kpi_diagnose"),
            "forecasts": by("forecast"),
            "budgets": by("budget_allocate"),
            "drafts": [o for o in outputs if o["name"] == "create_draft" and "draft" in o],
            "errors": [o["error"] for o in outputs if o.get("error")],
            "cite": cite,
            "status": status,
            "metric_name": metric_name,
            "dim": (lambda d: DIM_ZH[d]) if zh else (lambda d: d),
        }
        drafted = any(o["name"] == "create_draft" for o in outputs)
        template = "draft.md.j2" if intent.kind == "draft" or drafted else f"{intent.kind}.md.j2"
        body = self.env.get_template(template).render(**ctx).strip()
        footer = self.env.get_template("_footer.md.j2").render(**ctx).strip()
        return re.sub(r"\n{3,}", "\n\n", f"{body}\n\n{footer}")
