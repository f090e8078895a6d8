"""Numbers in text: extraction, normalisation, and the number audit.

A figure is *supported* when it matches a number some tool produced for this draft (with its
inputs, data set version and time) or a number in a passage the draft cites. Matching is on the
normalised value (万 and 亿 expanded, thousands separators dropped, Chinese numerals, 成 and 百分之
converted with cn2an) and on the unit (a 12% figure does not support "12 元"), within the
rounding the text shows but never more than 5% off (so "1亿" does not pass for 1.4亿). Years, period
labels (2026-Q3, 2026-09), citation markers [n] and list numbering are not figures and are
skipped; ratios ("ROI 8", "9倍") are figures.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

_SKIP = re.compile(
    r"\[\d{1,3}\]"  # citation markers
    r"|\b20\d{2}-?(?:Q[1-4]|W\d{1,2}|\d{2})(?:-\d{2})?\b"  # periods and dates
    r"|\b20\d{2}\s*年"  # years written in Chinese
    r"|\bQ[1-4]\b"
    r"|(?<![\d.])\d{1,2}\.\s|^\s*#+\s*\d+[.、]"  # list and heading numbering
    r"|\b(?:ETS|YoY|Harmonic)\([^)]*\)"  # model names
    r"|第\s*\d+"  # ordinals
    r"|(?<![\d.])618(?=[）)」”]|\s*(?:大促|购物节|活动))|双1[12]"  # shopping festivals' names
    r"|(?<![0-9.])(?:[1-9]|10|1[1-2])\s*(?:个|名|项|条|步|期|周|月|季度|年|次|折|大|类|家|种|层|级|轮)"  # counts
    r"|(?<!ROI )(?<!ROI)(?<!roi )(?<!roi)(?<!投产比 )(?<!投产比)(?<![0-9.])(?:1|2|3|4|5|6|7|8|9|10)(?=[、，。；：\s)|）]|$)",
    re.M,
)
_NUMBER = re.compile(
    r"(?:(RMB|CNY|¥|￥)\s*)?"  # English money: RMB 52.89 million, ¥3.2M
    r"(?<![A-Za-z0-9_.])([-+]?\d{1,3}(?:,\d{3})+(?:\.\d+)?|[-+]?\d+(?:\.\d+)?)"
    r"\s*(%|万|亿|million\b|mn\b|M\b|billion\b|bn\b|thousand\b|k\b)?"
    r"\s*(元|块|倍|x(?![a-z])|次|人|yuan\b|RMB\b|CNY\b|times\b)?"
)
_SCALE = {"万": 1e4, "亿": 1e8, "thousand": 1e3, "k": 1e3, "million": 1e6, "mn": 1e6, "M": 1e6}
_SCALE |= {"billion": 1e9, "bn": 1e9}
_UNIT = {
    "%": "percent",
    "元": "money",
    "块": "money",
    "倍": "ratio",
    "x": "ratio",
    "次": "count",
    "人": "count",
    "yuan": "money",
    "RMB": "money",
    "CNY": "money",
    "times": "ratio",
}
_YEAR = re.compile(r"^20\d{2}$")


@dataclass(frozen=True)
class Figure:
    text: str
    value: float
    decimals: int
    unit: str = ""  # percent | money | ratio | count, when the text says


_CN_DIGITS = "零〇一二两三四五六七八九十百千点"


def _cn(numeral: str) -> float | None:
    import cn2an

    try:
        return float(cn2an.cn2an(numeral, "smart"))
    except (ValueError, KeyError):
        return None


def normalise(text: str) -> str:
    """Chinese numerals written as figures become digits: 百分之十 → 10%, 三成 → 30%, 九倍 → 9倍,
    二点五亿 → 2.5亿 (cn2an). Numerals in names stay (三线城市, 双十一): only a numeral followed by a
    unit, or after 百分之, is a figure."""

    def percent(m: re.Match[str]) -> str:
        v = _cn(m.group(1))
        return m.group(0) if v is None else f"{v:g}%"

    def with_unit(m: re.Match[str]) -> str:
        v = _cn(m.group(1))
        if v is None:
            return m.group(0)
        return f"{v * 10:g}%" if m.group(2) == "成" else f"{v:g}{m.group(2)}"

    text = re.sub(f"百分之([{_CN_DIGITS}]+)", percent, text)
    text = re.sub(f"([{_CN_DIGITS}]+)(成|倍|亿|万元|元|块)(?![本交员果])", with_unit, text)
    return re.sub(
        r"(?<![\d.])(\d+(?:\.\d+)?)\s*成(?![本交员果])", lambda m: f"{float(m.group(1)) * 10:g}%", text
    )


def _decimals(raw: str) -> int:
    return len(raw.split(".")[1]) if "." in raw else 0


def parse_figures(text: str) -> list[Figure]:
    """Every figure in a text, normalised (万 → ×1e4, 亿 → ×1e8, million → ×1e6, % kept as the
    percent number); RMB/¥ before a figure or yuan after it make it money."""
    cleaned = _SKIP.sub(" ", normalise(text))
    out = []
    for m in _NUMBER.finditer(cleaned):
        money, raw, unit, measure = m.group(1), m.group(2), m.group(3) or "", m.group(4) or ""
        if _YEAR.match(raw) and not unit and not money:
            continue
        value = float(raw.replace(",", ""))
        scale = _SCALE.get(unit, 1.0)
        out.append(
            Figure(
                text=m.group(0).strip(),
                value=value * scale,
                decimals=_decimals(raw) - round(math.log10(scale)),
                unit="percent" if unit == "%" else "money" if money else _UNIT.get(measure, ""),
            )
        )
    return out


def unit_of(text: str) -> str:
    """The unit a formatted figure states ("12.00%" → percent, "132.32元" → money), or ""."""
    figures = parse_figures(text)
    return figures[0].unit if figures else ""


class NumberSource(BaseModel):
    type: str  # tool | chunk
    tool: str | None = None
    inputs: dict[str, Any] | None = None
    dataset_version: int | None = None
    at: str | None = None
    chunk_id: str | None = None
    citation: int | None = None


class NumberRef(BaseModel):
    text: str
    value: float
    source: NumberSource


class Audit(BaseModel):
    supported: int
    unsupported: list[dict[str, Any]]
    checked: int


def _matches(fig: Figure, value: float, unit: str = "") -> bool:
    """Same unit (when both say) and equal within the rounding the text shows (6,000.0万 matches
    60,001,234), but never more than 5% off: "1亿" is not 1.4亿. The half-unit edge counts as a
    match (-19.25 shown as -19.2% under round-half-even), with a hair of slack for floating point."""
    if fig.unit and unit and fig.unit != unit:
        return False
    rounding = 0.5 * 10 ** (-fig.decimals) * (1 + 1e-9) + 1e-12
    tolerance = max(min(rounding, abs(value) * 0.05), abs(value) * 1e-9, 1e-12)
    return abs(fig.value - value) <= tolerance or abs(abs(fig.value) - abs(value)) <= tolerance


def audit_text(
    markdown: str, numbers: list[NumberRef], cited_texts: dict[int, str]
) -> tuple[Audit, list[NumberRef]]:
    """Check each figure in the text against the registered numbers and the cited passages.

    Returns the audit and the numbers with provenance found in the text (those from passages
    are added with their citation)."""
    known = [(n, n.value, unit_of(n.text)) for n in numbers]
    passage_figures = {k: parse_figures(t) for k, t in cited_texts.items()}
    found: list[NumberRef] = []
    unsupported = []
    figures = parse_figures(markdown)
    for fig in figures:
        hit = next((n for n, v, u in known if _matches(fig, v, u)), None)
        if hit is not None:
            found.append(NumberRef(text=fig.text, value=fig.value, source=hit.source))
            continue
        cite = next(
            (k for k, figs in passage_figures.items() if any(_matches(fig, f.value, f.unit) for f in figs)),
            None,
        )
        if cite is not None:
            found.append(
                NumberRef(text=fig.text, value=fig.value, source=NumberSource(type="chunk", citation=cite))
            )
            continue
        unsupported.append({"text": fig.text, "value": fig.value})
    return Audit(
        supported=len(figures) - len(unsupported), unsupported=unsupported, checked=len(figures)
    ), found
