"""Bilingual intent rules and parameter extraction for the offline engine.

The rules are ordered: the first intent whose patterns match wins. Parameters (metric, period,
region, channel, amount, horizon, plan section) are pulled from the request with small regexes and
vocabularies. Regions and channels are the workspace's own (a `Vocabulary` built from its data);
the metric and section words below, and `segment_aliases.yaml`, are data a planner can extend.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

METRICS = {
    "cac": ["获客成本", "cac", "acquisition cost", "cost per acquisition", "cpa"],
    "roi": ["roi", "投资回报", "投入产出", "回报率", "return on"],
    "cpc": ["cpc", "点击成本", "cost per click"],
    "cvr": ["转化率", "cvr", "conversion rate"],
    "ctr": ["点击率", "ctr", "click-through"],
    "repurchase_rate": ["复购率", "复购", "repurchase", "repeat purchase"],
    "aov": ["客单价", "aov", "order value"],
    "conversions": ["转化量", "转化数", "conversions", "订单量"],
    "revenue": ["销售额", "销量", "营收", "收入", "gmv", "revenue", "sales"],
    "spend": ["花费", "消耗", "投放费用", "spend"],
}
SECTIONS = {
    "responsibilities": [
        "职责分工",
        "职责",
        "分工",
        "时间表",
        "responsibilities",
        "who does what",
        "timeline",
    ],
    "goals": ["背景与目标", "目标", "kpi 体系", "goals", "objectives", "background"],
    "market": ["市场环境", "竞争", "swot", "竞品", "market", "competition", "competitor"],
    "strategy": ["核心策略", "策略与举措", "strategy", "initiatives"],
    "budget": ["资源与预算", "预算", "资源", "budget", "resources"],
    "monitoring": ["监控", "评估", "复盘", "monitoring", "evaluation"],
}

_SUFFIXES = ("城市", "市场", "地区", "区域", "大区", "广告", "渠道")


@lru_cache(maxsize=1)
def _aliases() -> dict[str, list[str]]:
    data = yaml.safe_load((Path(__file__).parent / "segment_aliases.yaml").read_text(encoding="utf-8"))
    return {str(k): [str(v).lower() for v in vs] for k, vs in (data or {}).items()}


def _words_for(name: str) -> list[str]:
    words = [name.lower()]
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            words.append(name[: -len(suffix)].lower())
    return words + _aliases().get(name, [])


@dataclass(frozen=True)
class Vocabulary:
    """A workspace's regions and channels with the words that name them in a request."""

    regions: dict[str, list[str]] = field(default_factory=dict)
    channels: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def of(cls, regions: Iterable[str] = (), channels: Iterable[str] = ()) -> Vocabulary:
        return cls(regions={r: _words_for(r) for r in regions}, channels={c: _words_for(c) for c in channels})

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


@dataclass
class Intent:
    kind: str
    lang: str
    query: str
    metric: str | None = None
    period: str | None = None
    region: str | None = None
    channel: str | None = None
    amount: float | None = None
    horizon: int | None = None
    section: str | None = None
    extra: dict[str, str] = field(default_factory=dict)


def detect_lang(text: str) -> str:
    cjk = len(re.findall(r"[\u4e00-\u9fff]", text))
    latin = len(re.findall(r"[A-Za-z]", text))
    return "zh" if cjk * 3 >= latin else "en"


def _find(vocab: dict[str, list[str]], text: str) -> str | None:
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


def _mentions(vocab: dict[str, list[str]], text: str) -> list[str]:
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


def _count(vocab: dict[str, list[str]], text: str) -> int:
    return len(_mentions(vocab, text))


def extract_period(text: str) -> str | None:
    t = text.replace("（", "(").replace("）", ")")
    if m := re.search(r"(20\d{2})\s*[-年]?\s*(?:第)?\s*[qQ]\s*([1-4])", t) or re.search(
        r"[qQ]([1-4])\s*(20\d{2})", t
    ):
        y, q = (m.group(1), m.group(2)) if len(m.group(1)) == 4 else (m.group(2), m.group(1))
        return f"{y}-Q{q}"
    if m := re.search(r"(20\d{2})\s*年\s*第?\s*([一二三四1-4])\s*季度", t):
        q = m.group(2)
        return f"{m.group(1)}-Q{_CN_NUM.get(q, q)}"
    if m := re.search(r"(?<!\d)(\d{2})\s*年\s*(\d{1,2})\s*月", t):
        return f"20{m.group(1)}-{int(m.group(2)):02d}"
    if m := re.search(r"(20\d{2})\s*年\s*(\d{1,2}|十[一二]?|[一二三四五六七八九十])\s*月", t):
        mo = int(_CN_NUM.get(m.group(2), m.group(2)))
        return f"{m.group(1)}-{mo:02d}"
    if m := re.search(r"(20\d{2})-(\d{1,2})(?!\d)", t):
        return f"{m.group(1)}-{int(m.group(2)):02d}"
    months = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ]
    if m := re.search(
        r"(" + "|".join(months) + r"|sept|sep|oct|nov|dec|aug|jul|jun)[a-z]*\.?\s+(20\d{2})", t.lower()
    ):
        idx = next(i for i, name in enumerate(months) if name.startswith(m.group(1)[:3]))
        return f"{m.group(2)}-{idx + 1:02d}"
    if m := re.search(r"(20\d{2})\s*年?(?:全年|年度)?", t):
        return m.group(1)
    return None


def extract_amount(text: str) -> float | None:
    t = text.replace(",", "").replace("，", "")
    if m := re.search(r"(\d+(?:\.\d+)?)\s*亿", t):
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


_RULES: list[tuple[str, list[str]]] = [
    (
        "refuse",
        [
            r"忽略.{0,12}(指令|指示|规则)|系统提示|提示词|密钥|秘钥|api ?key|secret|password|密码|越狱|jailbreak",
            r"ignore (all |your |the )?(previous |prior )?(instructions|rules)|system prompt|you are now|\bdan\b",
            r"(切换|switch) ?(到|to)? ?.{0,12}(工作区|workspace)|(其他|别的|别人|他们的|其它|\w+)工作区的|(their|other|another) (team'?s? )?workspace|workspace's",
        ],
    ),
    (
        "out_of_scope",
        [
            r"天气|股票|彩票|诗|绝句|七言|五言|歌词|小说|菜谱|笑话|星座|weather|stock price|lottery|poem|lyrics|novel|recipe|joke|horoscope"
        ],
    ),
    (
        "knowledge",
        [
            r"定义|口径|怎么算|流程|谁来?(批|审批|签字)|definition|what counts as|the process|who signs off|how do we define"
        ],
    ),
    ("adjustment", [r"调整报告|计划调整|纠偏|adjustment report|deviation report|adjust(ment)? (the )?plan"]),
    (
        "draft",
        [
            r"起草|草拟|撰写|写一[份段个]|写个|拟一[份段个]|初稿|补一版|出一版|生成.*(章节|部分|方案)|draft|write[- ]?up|write (the|a|our) .*(section|strategy|plan|doc)|outline",
        ],
    ),
    (
        "regional",
        [
            r"区域策略|区域.*(策略|打法|主攻|侧重)|分区域|各区域|各个区域|各类市场|regional strateg|by region|per region|each region|pilot",
        ],
    ),
    (
        "diagnose",
        [
            r"为什么|为何|原因|偏离|没达标|未达标|超标|诊断|拆解|低于目标|比目标低|高于目标|咋回事|怎么回事|为啥|掉了|off[- ]target|why|diagnos|root cause|driv(es|ers?)|below target|above target|miss(ed|ing)? (the )?target|what'?s behind|what happened",
        ],
    ),
    (
        "forecast",
        [
            r"预测|预估|展望|接下来.{0,6}\d+\s*(周|个月|月)|能到多少|forecast|predict|projection|next \d+ (weeks|months)|未来\s*\d+"
        ],
    ),
    (
        "budget",
        [
            r"预算|分配|资金|花多少|budget|allocat|split .{0,30}between|spend split|how much (money|should we spend)"
        ],
    ),
    (
        "kpi",
        [
            r"多少|现状|表现|达成|达标|进度|实际|kpi|how (is|are|did|'s)|how's|tracking|what (is|was|were)\b|status|performance|pull up|show me|at target|on target|are we",
        ],
    ),
]


def classify(text: str, vocabulary: Vocabulary | None = None) -> Intent:
    """Pick the intent and extract its parameters from one planner request, naming regions and
    channels in the workspace's own vocabulary."""
    vocabulary = vocabulary or Vocabulary()
    lang = detect_lang(text)
    low = text.lower()
    kind = "knowledge"
    for name, patterns in _RULES:
        if any(re.search(p, low) for p in patterns) or (
            name == "regional" and _count(vocabulary.regions, text) >= 2  # 华北和华南比一比
        ):
            kind = name
            break
    intent = Intent(
        kind=kind,
        lang=lang,
        query=text.strip(),
        metric=_find(METRICS, text),
        period=extract_period(text),
        region=_find(vocabulary.regions, text),
        channel=_find(vocabulary.channels, text),
        amount=extract_amount(text),
        horizon=extract_horizon(text),
        section=_find(SECTIONS, text),
    )
    if kind == "draft" and re.search(r"区域.{0,4}(推广)?策略|regional strateg", low):
        intent.kind = "regional"  # a written regional strategy is its own kind of draft
    if kind == "kpi" and intent.metric is None:
        intent.kind = "knowledge"
    if kind == "budget" and intent.metric in ("cac", "roi") and re.search(r"为什么|why", low):
        intent.kind = "diagnose"
    return intent
