"""Red lines a planner's own document states, offered for adoption (never adopted silently).

A plan says "抖音直播 CPC 不超过 1.5 元", "获客成本红线 120 元", "复购率不低于 60%" or "CAC ≤ 95".
Each sentence that names a ratio KPI (through the header names in `headers.yaml` and the
registry's own names), a comparison and a number becomes a candidate `RedLine`, with the
workspace's region or channel the sentence names and the sentence itself as its note. The planner
confirms each one on the page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from tools.layouts import _aliases, _norm
from tools.metrics import METRICS
from tools.policy import RedLine

_CEILING = r"不超过|不高于|不得超过|低于|小于|控制在|上限为?|红线为?|红线是|≤|<=|<|at most|no more than|below|under|≦"
_FLOOR = r"不低于|不少于|至少|高于|大于|下限为?|≥|>=|>|at least|no less than|above|≧"
_NUMBER = r"(\d+(?:\.\d+)?)\s*(?:元|%|％|倍)?"


@dataclass(frozen=True)
class Candidate:
    line: RedLine
    sentence: str


@lru_cache(maxsize=1)
def _ratio_names() -> list[tuple[str, str]]:
    """(name as written, metric key) for ratio KPIs, longest first so 单次点击成本 wins over 点击."""
    names = {n: k for n, k in _aliases()[1].items() if k in METRICS and METRICS[k].derived}
    return sorted(names.items(), key=lambda kv: -len(kv[0]))


def find_red_lines(
    text: str, *, regions: tuple[str, ...] = (), channels: tuple[str, ...] = ()
) -> list[Candidate]:
    """Candidate red lines in a document's text, one per clause, in reading order. A clause's own
    region or channel is its scope ("抖音 CPC 不超过 1.5 元，获客成本红线 22 元" is a 抖音 CPC line
    and a company CAC line)."""
    out: list[Candidate] = []
    seen: set[tuple[str, str, str, float]] = set()
    for sentence in re.split(r"(?<=[。！？；;!?\n])", text):
        for clause in re.split(r"(?<=[，,、])", sentence):
            found = _clause_line(_norm(clause), regions, channels)
            if found is None:
                continue
            key = (found.metric, found.region, found.channel, found.value)
            if key not in seen:
                seen.add(key)
                note = sentence.strip()[:200]
                out.append(
                    Candidate(line=found.model_copy(update={"note": note}), sentence=sentence.strip()[:300])
                )
    return out


def _clause_line(plain: str, regions: tuple[str, ...], channels: tuple[str, ...]) -> RedLine | None:
    for name, key in _ratio_names():  # the longest name that matches: 单次点击成本 before 点击
        at = plain.find(name)
        if at < 0:
            continue
        tail = plain[at + len(name) :][:24]
        m = re.search(rf"(?:{_CEILING}|{_FLOOR})[^\d]{{0,6}}{_NUMBER}", tail, re.I)
        if not m:
            return None
        ceiling = re.match(rf"(?:{_CEILING})", tail[m.start() :], re.I) is not None
        if ceiling != (METRICS[key].direction == "lower"):
            return None  # "CAC 不低于 100" is not a red line of a cost
        region = next((r for r in regions if _norm(r) in plain), "")
        channel = next((c for c in channels if _norm(c) in plain), "")
        return RedLine(metric=key, value=float(m.group(1)), region=region, channel=channel)
    return None
