"""The words planners use: metrics, plan sections, the workspace's regions and channels, amounts.

Metric and section words are data a planner can extend (`lexicon.yaml`, checked at load); regions and channels are the workspace's
own (a `Vocabulary` built from its data) plus the trade glossary in `segment_aliases.yaml`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ValidationInfo, field_validator


class _Lexicon(BaseModel):
    """`lexicon.yaml`, checked: known metrics and sections, each with at least one word."""

    metrics: dict[str, list[str]]
    sections: dict[str, list[str]]

    @field_validator("metrics", "sections")
    @classmethod
    def _known(cls, v: dict[str, list[str]], info: ValidationInfo) -> dict[str, list[str]]:
        from assistant.drafts.builder import SECTIONS as PLAN_SECTIONS
        from tools.metrics import METRICS as CATALOGUE

        known = sorted(CATALOGUE) if info.field_name == "metrics" else list(PLAN_SECTIONS)
        unknown = sorted(set(v) - set(known))
        if unknown:
            raise ValueError(f"lexicon.yaml: unknown {info.field_name} {unknown}; they are {known}")
        return v

    @field_validator("metrics", "sections")
    @classmethod
    def _words(cls, v: dict[str, list[str]]) -> dict[str, list[str]]:
        empty = [k for k, words in v.items() if not [w for w in words if str(w).strip()]]
        if empty:
            raise ValueError(f"lexicon.yaml: no words for {empty}")
        return {k: [str(w).strip().lower() for w in words if str(w).strip()] for k, words in v.items()}


@lru_cache(maxsize=1)
def _lexicon() -> _Lexicon:
    raw = yaml.safe_load((Path(__file__).parent / "lexicon.yaml").read_text(encoding="utf-8"))
    return _Lexicon.model_validate(raw)


METRICS = _lexicon().metrics
SECTIONS = _lexicon().sections


def load_cues(path: Path) -> dict[str, str]:
    """`cues.yaml` as one alternation per cue; a pattern that does not compile is refused by name."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    cues = {}
    for name, parts in raw.items():
        if not isinstance(parts, list) or not parts or not all(isinstance(p, str) and p for p in parts):
            raise ValueError(f"{path.name}: {name} must be a list of patterns")
        pattern = "|".join(parts)
        try:
            re.compile(pattern)
        except re.error as e:
            raise ValueError(f"{path.name}: {name} does not compile: {e}") from e
        cues[str(name)] = pattern
    return cues


CUES = load_cues(Path(__file__).parent / "cues.yaml")

_SUFFIXES = ("城市", "市场", "地区", "区域", "大区", "广告", "渠道")


class _Glossary(BaseModel):
    """`segment_aliases.yaml`: the trade's region and channel names with their aliases, and the
    words for parts of a name."""

    regions: dict[str, list[str]]
    channels: dict[str, list[str]]
    parts: dict[str, list[str]]
    generic: list[str] = []

    @field_validator("regions", "channels", "parts")
    @classmethod
    def _lower(cls, v: dict[str, list[str]]) -> dict[str, list[str]]:
        return {str(k): [str(w).strip().lower() for w in words if str(w).strip()] for k, words in v.items()}


@lru_cache(maxsize=1)
def glossary() -> _Glossary:
    raw = yaml.safe_load((Path(__file__).parent / "segment_aliases.yaml").read_text(encoding="utf-8"))
    return _Glossary.model_validate(raw)


def _cjk(s: str) -> bool:
    return bool(re.fullmatch(r"[\u4e00-\u9fff]+", s))


def _words_for(name: str, others: Iterable[str] = ()) -> list[str]:
    """The words that name `name` in a request: itself, itself without a generic suffix, the
    glossary's aliases, the start of a Chinese name (抖音直播 → 抖音, 小红书种草 → 小红书) and the
    English words of its parts (即时零售 → instant retail), each only when no other of the
    workspace's names (`others`) shares it."""
    g = glossary()
    others = [o for o in others if o != name]
    words = [name.lower()]
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            words.append(name[: -len(suffix)].lower())
    stem = words[-1] if len(words) > 1 else name  # the name without its generic suffix
    words += g.regions.get(name, []) + g.channels.get(name, [])
    if _cjk(stem) and len(stem) >= 4:
        # a word at its start or its end (抖音直播 → 抖音, 东南沿海 → 沿海, 微信视频号 → 视频号): at
        # least two characters, with two left over
        parts = [stem[:n] for n in range(2, len(stem) - 1)] + [stem[-n:] for n in range(2, len(stem) - 1)]
        words += [w for w in parts if w not in g.generic and not any(w in o for o in others)]
    latin = re.match(r"[A-Za-z]+[\u4e00-\u9fff]", name)  # B站UP主合作 → b站
    if latin and not any(latin.group(0).lower() in o.lower() for o in others):
        words.append(latin.group(0).lower())
    for part, english in g.parts.items():
        if part in name and not any(part in o for o in others):
            words += english
    return list(dict.fromkeys(words))


def absent_names(vocabulary: Vocabulary, text: str) -> tuple[str | None, str | None]:
    """A region and a channel of the trade's glossary that the request names but the workspace
    does not have ("华东" asked of a company that sells by city tier), so the answer can say so
    instead of answering for the whole company."""
    if not (vocabulary.regions or vocabulary.channels):
        return None, None
    g = glossary()
    out: list[str | None] = []
    for own, trade in ((vocabulary.regions, g.regions), (vocabulary.channels, g.channels)):
        if find(own, text):
            out.append(None)
            continue
        spoken = {
            k: [k.lower()] + [w for w in ws if re.search(r"[\u4e00-\u9fff]{2}|\s", w)]
            for k, ws in trade.items()
            if k not in own
        }
        out.append(find(spoken, text))
    return out[0], out[1]


@dataclass(frozen=True)
class Vocabulary:
    """A workspace's regions and channels with the words that name them in a request."""

    regions: dict[str, list[str]] = field(default_factory=dict)
    channels: dict[str, list[str]] = field(default_factory=dict)
    covered_until: date | None = None  # the last day the data measures: later periods are forecasts
    today: date | None = None  # what 上个月 / next quarter resolve against (None: the system date)
    targeted: tuple[str, ...] = ()  # the metrics the workspace has targets or red lines for

    @classmethod
    def of(
        cls,
        regions: Iterable[str] = (),
        channels: Iterable[str] = (),
        *,
        covered_until: date | None = None,
        today: date | None = None,
        targeted: Iterable[str] = (),
        aliases: dict[str, list[str]] | None = None,
    ) -> Vocabulary:
        """`aliases`: the workspace's own words for its names (its settings), on top of those
        derived here."""
        regions, channels = list(regions), list(channels)
        names = regions + channels
        own = {k: [w.strip().lower() for w in ws if w.strip()] for k, ws in (aliases or {}).items()}
        return cls(
            regions={r: _words_for(r, names) + own.get(r, []) for r in regions},
            channels={c: _words_for(c, names) + own.get(c, []) for c in channels},
            covered_until=covered_until,
            today=today,
            targeted=tuple(targeted),
        )

    @property
    def region_names(self) -> list[str]:
        return list(self.regions)


_CN_NUM = {
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
    "十": 10,
    "十一": 11,
    "十二": 12,
}


def detect_lang(text: str) -> str:
    cjk = len(re.findall(r"[\u4e00-\u9fff]", text))
    latin = len(re.findall(r"[A-Za-z]", text))
    return "zh" if cjk * 3 >= latin else "en"


def find(vocab: dict[str, list[str]], text: str) -> str | None:
    low = text.lower()
    best: tuple[int, int, str] | None = None
    for key, words in vocab.items():
        for w in words:
            pattern = (
                re.escape(w) if re.search(r"[\u4e00-\u9fff]", w) else rf"(?<![a-z]){re.escape(w)}(?![a-z])"
            )
            m = re.search(pattern, low)
            if m and (best is None or (m.start(), -len(w)) < (best[0], best[1])):
                best = (m.start(), -len(w), key)
    return best[2] if best else None


def mentions(vocab: dict[str, list[str]], text: str) -> list[str]:
    """The vocabulary's names the text mentions, in order, longest match first where two overlap
    (a request naming 新一线 does not also name 一线)."""
    low = text.lower()
    spans = []
    for key, words in vocab.items():
        for w in words:
            pattern = (
                re.escape(w) if re.search(r"[\u4e00-\u9fff]", w) else rf"(?<![a-z]){re.escape(w)}(?![a-z])"
            )
            spans += [(m.start(), -len(w), key) for m in re.finditer(pattern, low)]
    found, end = [], -1
    for start, neg_len, key in sorted(spans):
        if start >= end:
            end = start - neg_len
            if key not in found:
                found.append(key)
    return found


def extract_amount(text: str) -> float | None:
    t = text.replace(",", "").replace("，", "")
    if m := re.search(r"(\d+(?:\.\d+)?)\s*个?亿", t):
        return float(m.group(1)) * 1e8
    if m := re.search(r"(\d+(?:\.\d+)?)\s*万", t):
        return float(m.group(1)) * 1e4
    if m := re.search(r"(\d+(?:\.\d+)?)\s*(million|m\b)", t, re.I):
        return float(m.group(1)) * 1e6
    if m := re.search(r"(\d+(?:\.\d+)?)\s*(billion|bn)", t, re.I):
        return float(m.group(1)) * 1e9
    if m := re.search(r"(?<![\d-])(\d{6,})(?![\d-])", t):
        return float(m.group(1))
    return None


def extract_horizon(text: str) -> int | None:
    t = text.lower()
    if m := re.search(r"(\d+)\s*(?:个)?\s*(周|星期|weeks?)", t):
        return int(m.group(1))
    if m := re.search(r"(\d+)\s*(?:个)?\s*(月|months?)", t):
        return int(m.group(1)) * 4 + int(m.group(1)) // 3  # weekly data: months to weeks
    if m := re.search(r"(\d+|[一二三四])\s*(?:个)?\s*(季度|quarters?)", t):
        return int(_CN_NUM.get(m.group(1), m.group(1))) * 13
    return None
