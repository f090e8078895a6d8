"""How figures and text are shown to a planner, the same for both engines and the drafts:
numbers with 万/亿 and units, percentages, status labels, excerpts. Formatting only: nothing here
computes a figure."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context

__all__ = ["DIM_ZH", "STATUS_EN", "excerpt", "fmt_num", "fmt_pct", "templates"]

STATUS_EN = {"on_track": "on track", "watch": "watch", "off_target": "off target", "no_target": "no target"}
DIM_ZH = {"region": "区域", "channel": "渠道", "region×channel": "区域×渠道"}


def fmt_num(v: float | None, unit: str = "", digits: int = 2, lang: str = "zh") -> str:
    """A figure as a planner writes it: 5,289.4万元 / 1.32亿元 in Chinese, RMB 52.89 million in English."""
    if v is None:
        return "—"
    if unit == "%":
        return f"{v:.{digits}f}%"
    if unit in ("次", "人"):  # counts are whole
        digits = 0
    if unit == "倍":
        return f"{v:.{digits}f}" if lang == "zh" else f"{v:.{digits}f}x"
    if lang == "en":
        money = unit == "元"
        if abs(v) >= 1e6:
            text = f"{v / 1e6:,.2f} million"
        else:
            text = f"{v:,.{digits}f}" if abs(v) < 1e4 else f"{v:,.0f}"
        return f"RMB {text}" if money else text
    if abs(v) >= 1e8:
        return f"{v / 1e8:,.2f}亿{unit}"
    if abs(v) >= 1e6:
        return f"{v / 1e4:,.1f}万{unit}"
    if abs(v) >= 1e4:  # 22,416次, not 2.2万次: four significant figures at least
        return f"{v:,.0f}{unit}"
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


@lru_cache(maxsize=8)
def templates(folder: Path) -> Environment:
    """A Jinja environment over one folder of content templates, with the filters above (`num`
    follows the template's `zh`); compiled once per folder."""
    env = Environment(
        loader=FileSystemLoader(str(folder)),
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=StrictUndefined,
        keep_trailing_newline=False,
    )

    @pass_context
    def num(context: Any, v: float | None, unit: str = "", digits: int = 2) -> str:
        return fmt_num(v, unit, digits, "zh" if context.get("zh", True) else "en")

    env.filters.update(num=num, pct=fmt_pct, excerpt=excerpt)
    return env
