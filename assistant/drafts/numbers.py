"""Numbers in text: extraction, normalisation, and the number audit.

A figure is *supported* when it matches a number some tool produced for this draft (with its
inputs, data set version and time) or a number in a passage the draft cites. Matching is on the
normalised value (万 and 亿 expanded, thousands separators dropped), within the rounding the text
shows. Years, period labels (2026-Q3, 2026-09), citation markers [n] and list numbering are not
figures and are skipped.
"""

from __future__ import annotations

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
    r"|\b(?:1|2|3|4|5|6|7|8|9|10)\s*(?:个|名|项|条|步|期|周|月|季度|年|次|折|倍)?(?=[、，。；：\s)|）]|$)",
    re.M,
)
_NUMBER = re.compile(r"(?<![\w.])([-+]?\d{1,3}(?:,\d{3})+(?:\.\d+)?|[-+]?\d+(?:\.\d+)?)\s*(%|万|亿)?")
_YEAR = re.compile(r"^20\d{2}$")


@dataclass(frozen=True)
class Figure:
    text: str
    value: float
    decimals: int


def _decimals(raw: str) -> int:
    return len(raw.split(".")[1]) if "." in raw else 0


def parse_figures(text: str) -> list[Figure]:
    """Every figure in a text, normalised (万 → ×1e4, 亿 → ×1e8, % kept as the percent number)."""
    cleaned = _SKIP.sub(" ", text)
    out = []
    for m in _NUMBER.finditer(cleaned):
        raw, unit = m.group(1), m.group(2) or ""
        if _YEAR.match(raw) and not unit:
            continue
        value = float(raw.replace(",", ""))
        scale = {"万": 1e4, "亿": 1e8}.get(unit, 1.0)
        out.append(
            Figure(
                text=m.group(0).strip(),
                value=value * scale,
                decimals=_decimals(raw) - (4 if unit == "万" else 8 if unit == "亿" else 0),
            )
        )
    return out


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


def _matches(fig: Figure, value: float) -> bool:
    """Equal within the rounding the text shows (e.g. 6,000.0万 matches 60,001,234). The half-unit
    edge counts as a match (-19.25 shown as -19.2% under round-half-even), with a hair of slack for
    binary floating point."""
    tolerance = max(0.5 * 10 ** (-fig.decimals) * (1 + 1e-9) + 1e-12, abs(value) * 1e-9)
    return abs(fig.value - value) <= tolerance or abs(abs(fig.value) - abs(value)) <= tolerance


def audit_text(
    markdown: str, numbers: list[NumberRef], cited_texts: dict[int, str]
) -> tuple[Audit, list[NumberRef]]:
    """Check each figure in the text against the registered numbers and the cited passages.

    Returns the audit and the numbers with provenance found in the text (those from passages
    are added with their citation)."""
    known = [(n, n.value) for n in numbers]
    passage_figures = {k: [f.value for f in parse_figures(t)] for k, t in cited_texts.items()}
    found: list[NumberRef] = []
    unsupported = []
    figures = parse_figures(markdown)
    for fig in figures:
        hit = next((n for n, v in known if _matches(fig, v)), None)
        if hit is not None:
            found.append(NumberRef(text=fig.text, value=fig.value, source=hit.source))
            continue
        cite = next(
            (k for k, values in passage_figures.items() if any(_matches(fig, v) for v in values)), None
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
