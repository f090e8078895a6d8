"""Slot filling for the offline engine: what a planner's request asks, in their own words.

A request becomes an `Intent`: the question type (chosen by the skills in `skills/`), the metric,
region, channel, period (absolute or relative, resolved against today's date and the workspace's
latest data), the comparison base (target, previous period, a year earlier, or a value the planner
names), an amount, a ranking dimension and direction. A follow-up ("那华东呢？", "换成8月份看看",
"And just for tier-1 cities?") inherits the previous turn's slots and overrides what it names: the
dialogue state is the fold of `follow` over the conversation's requests.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, Literal, get_args

from assistant.engine.lexicon import (
    CUES,
    METRICS,
    SECTIONS,
    Vocabulary,
    absent_names,
    detect_lang,
    extract_amount,
    extract_horizon,
    find,
    mentions,
)

_CN = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
_MONTHS = [
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
_MONTH_RE = r"(january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec)\b\.?"


def _cn_int(s: str) -> int:
    if s.isdigit():
        return int(s)
    if s.startswith("十"):
        return 10 + (_CN.get(s[1:], 0) if len(s) > 1 else 0)
    return _CN.get(s, 0)


Kind = Literal[
    "adjustment",
    "budget",
    "diagnose",
    "draft",
    "forecast",
    "knowledge",
    "missing",
    "out_of_scope",
    "rank",
    "refuse",
    "regional",
    "scenario",
    "status",
]
KINDS: tuple[Kind, ...] = get_args(Kind)


@dataclass
class Intent:
    kind: Kind
    lang: str
    query: str
    metric: str | None = None
    period: str | None = None
    period_said: bool = False  # the request named the period (else the answer says which it used)
    region: str | None = None
    channel: str | None = None
    compare: str | float | None = None  # target | previous | year_earlier | a named value
    amount: float | None = None
    horizon: int | None = None
    section: str | None = None
    by: str | None = None  # region | channel, for rankings and budget splits
    order: str | None = None  # desc | asc
    extra: dict[str, str] = field(default_factory=dict)


# -- periods --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Clock:
    """Today's date, against which 上个月 / next quarter resolve."""

    today: date

    def month(self, shift: int = 0) -> str:
        m = self.today.year * 12 + self.today.month - 1 + shift
        return f"{m // 12}-{m % 12 + 1:02d}"

    def quarter(self, shift: int = 0) -> str:
        q = self.today.year * 4 + (self.today.month - 1) // 3 + shift
        return f"{q // 4}-Q{q % 4 + 1}"

    def year(self, shift: int = 0) -> str:
        return str(self.today.year + shift)


_REL_YEAR = {"今年": 0, "本年": 0, "去年": -1, "明年": 1, "this year": 0, "last year": -1, "next year": 1}


def _year_of(prefix: str, clock: Clock) -> int:
    prefix = prefix.strip().lower()
    if re.fullmatch(r"20\d{2}", prefix.rstrip("年")):
        return int(prefix.rstrip("年"))
    return clock.today.year + _REL_YEAR.get(prefix, 0)


def find_periods(text: str, clock: Clock) -> list[tuple[int, str]]:
    """Every period the text names, as (position, label), in order. Relative words resolve
    against `clock`; a bare 9月 or Q3 is this year's."""
    t = text.replace("（", "(").replace("）", ")")
    low = t.lower()
    found: list[tuple[int, int, str]] = []  # (start, end, label)

    def add(m: re.Match[str], label: str) -> None:
        if not any(s <= m.start() < e or m.start() <= s < m.end() for s, e, _ in found):
            found.append((m.start(), m.end(), label))

    rel = [
        (r"上个?月|上月|last month|previous month", lambda: clock.month(-1)),
        (r"这个月|本月|this month", lambda: clock.month(0)),
        (r"下个?月|next month", lambda: clock.month(1)),
        (r"上个?季度|上一季度|last quarter|previous quarter", lambda: clock.quarter(-1)),
        (r"这个季度|本季度|this quarter", lambda: clock.quarter(0)),
        (r"下个?季度|下一季度|next quarter", lambda: clock.quarter(1)),
    ]
    for pattern, label in rel:
        for m in re.finditer(pattern, low):
            add(m, label())
    year_word = r"(20\d{2}\s*年?|今年|本年|去年|明年|this year|last year|next year)"
    # quarters: 2026年第三季度, 今年二季度, 明年一季度, Q3 2026, 2026-Q3, Q3, 三季度
    for m in re.finditer(year_word + r"?\s*(?:的)?\s*(?:第)?\s*([一二三四1-4])\s*季度", low):
        add(m, f"{_year_of(m.group(1) or '', clock)}-Q{_cn_int(m.group(2))}")
    for m in re.finditer(r"(20\d{2})\s*[-年]?\s*q([1-4])(?!\d)", low):
        add(m, f"{m.group(1)}-Q{m.group(2)}")
    for m in re.finditer(
        r"(20\d{2}\s*年?|今年|本年|去年|明年|this year's|next year's|last year's)\s*的?\s*q([1-4])(?!\d)", low
    ):
        year = _year_of(m.group(1).replace("'s", ""), clock)
        add(m, f"{year}-Q{m.group(2)}")
    for m in re.finditer(
        r"(?<![a-z0-9])q([1-4])(?:\s*(?:of\s*)?(20\d{2}|this year|last year|next year))?(?![a-z0-9])", low
    ):
        add(m, f"{_year_of(m.group(2) or '', clock)}-Q{m.group(1)}")
    # months: 2026年9月, 今年9月, 9月份, 十月, 2026-09, September 2026, in September
    for m in re.finditer(year_word + r"?\s*(\d{1,2}|十[一二]?|[一二三四五六七八九十])\s*月(?:份)?", low):
        month = _cn_int(m.group(2))
        if 1 <= month <= 12:
            add(m, f"{_year_of(m.group(1) or '', clock)}-{month:02d}")
    for m in re.finditer(r"(20\d{2})-(\d{1,2})(?![\d])", low):
        if 1 <= int(m.group(2)) <= 12:
            add(m, f"{m.group(1)}-{int(m.group(2)):02d}")
    for m in re.finditer(_MONTH_RE + r"(?:\s*(?:of\s*)?(20\d{2}|this year|last year|next year))?", low):
        idx = next(i for i, name in enumerate(_MONTHS) if name.startswith(m.group(1)[:3]))
        if m.group(1) == "may" and not m.group(2):
            continue  # "may" is usually the verb
        add(m, f"{_year_of(m.group(2) or '', clock)}-{idx + 1:02d}")
    # shopping festivals name their month: 双十一 / 双11 → November, 双十二 → December, 618 → June
    for pattern, month in (
        (r"双十一|双11|double 11|singles'? day", 11),
        (r"双十二|双12|double 12", 12),
        (r"(?<!\d)618(?!\d)", 6),
    ):
        for m in re.finditer(pattern, low):
            year = clock.today.year + (1 if month < clock.today.month else 0)
            add(m, f"{year}-{month:02d}")
    # whole years: 2025, 2027年, 明年全年, 今年, next year
    for m in re.finditer(
        r"(?<![\d.-])(20\d{2})(?![\d.-])(?!\s*(?:万|亿|千|百|块|元|million|k\b))\s*(?:年)?(?:全年|年度)?", low
    ):
        add(m, m.group(1))
    for m in re.finditer(r"year[- ]to[- ]date|\bytd\b|so far this year", low):
        add(m, clock.year())
    for m in re.finditer(r"(今年|去年|明年|this year|last year|next year)(?!同期)", low):
        if m.group(1) in ("去年", "last year") and re.search(r"同期|same (period|quarter|month)", low):
            continue
        add(m, clock.year(_REL_YEAR[m.group(1)]))
    return [(s, label) for s, _, label in sorted(found)]


# -- comparison -----------------------------------------------------------------------------
_YEAR_EARLIER = CUES["year_earlier"]
_PREVIOUS = CUES["previous_period"]
_TARGET = CUES["target"]
_BENCH_WORDS = CUES["benchmark"]
_NUMBER = re.compile(
    r"(?<![\d.\-Qq年])(\d+(?:\.\d+)?)\s*(块钱|块|元|倍|%|个点|yuan|rmb|x\b|times)?",
)


def _named_value(text: str, metric: str | None) -> float | None:
    """A benchmark the planner names: 120块的红线, 破2块, 5倍, 3%, 65% goal, under 100 yuan."""
    low = text.lower()
    if not re.search(_BENCH_WORDS, low):
        return None
    for m in _NUMBER.finditer(low):
        after = low[m.end() : m.end() + 3]
        if re.match(
            r"\s*(月|季|年|周|号|日|万|亿|千|百万|million|billion|weeks?|months?|quarters?|个月)", after
        ):
            continue
        before = low[max(0, m.start() - 1) : m.start()]
        if before in ("q", "第"):
            continue
        value = float(m.group(1))
        if 1900 < value < 2100 and not m.group(2):
            continue  # a year
        window = low[max(0, m.start() - 12) : m.end() + 8]
        if m.group(2) or re.search(_BENCH_WORDS, window):
            return value
    return None


def find_compare(text: str, metric: str | None, periods: list[str]) -> str | float | None:
    low = text.lower()
    if re.search(_YEAR_EARLIER, low):
        return "year_earlier"
    if len(periods) >= 2:
        a, b = periods[0], periods[1]
        return "two_periods" if a != b else None
    if re.search(_PREVIOUS, low):
        return "previous"
    named = _named_value(text, metric)
    if named is not None:
        return named
    if re.search(_TARGET, low):
        return "target"
    return None


# -- the parse ----------------------------------------------------------------------------------
def _rank_slots(text: str) -> tuple[str | None, str | None]:
    low = text.lower()
    by = None
    if re.search(
        r"哪个区域|哪个地区|哪些区域|各区域|各个区域|分区域|按区域|按地区|各大区|按大区|哪个大区|哪个区|区域.{0,4}(排|最)|哪个市场|which (of (our|the) )?regions?|by region|regions? rank|rank (the |our |all )?regions|each region|across regions",
        low,
    ):
        by = "region"
    if re.search(
        r"哪个渠道|哪些渠道|各渠道|各个渠道|分渠道|按渠道|渠道.{0,4}(排|最)|which (of (our|the) )?channels?|by channel|channels? by|rank (the |our |all )?channels|each channel|across channels",
        low,
    ):
        by = "channel"
    order = None
    if by and re.search(CUES["blame"], low):
        return by, "worst"
    if re.search(r"从低到高|升序|ascending|low(est)? to high", low):
        return by, "asc"
    if re.search(r"从高到低|降序|descending|high(est)? to low", low):
        return by, "desc"
    if re.search(r"最高|最多|最大|最贵|最好|最强|highest|most|largest|biggest|best|top|most expensive", low):
        order = "desc"
    if re.search(r"最低|最少|最小|最便宜|最差|最弱|lowest|least|smallest|cheapest|worst|bottom", low):
        order = "asc"
    return by, order


def parse(text: str, vocabulary: Vocabulary, today: date) -> Intent:
    """The slots of one request on its own (no dialogue state)."""
    from assistant.engine.skills import detect_kind, registry

    clock = Clock(today)
    found = find_periods(text, clock)
    periods = [label for _, label in found]
    # a single period named as a comparison's base ("跟去年三季度比一下", "compare with Q3 last year")
    base = None
    if len(found) == 1 and re.search(CUES["compare_before_period"], text[: found[0][0]].lower()):
        base, periods = periods[0], []
    metric = find(METRICS, text)
    compare = find_compare(text, metric, periods)
    period = periods[0] if periods else None
    if compare == "two_periods":
        first, second = periods[0], periods[1]
        if re.search(r"\bfrom\b.*\bto\b|从.*到", text.lower()):
            first, second = second, first
        period = first
        compare = _relation(first, second)
    by, order = _rank_slots(text)
    amount = extract_amount(text)
    intent = Intent(
        kind="knowledge",
        lang=detect_lang(text),
        query=text.strip(),
        metric=metric,
        period=period,
        period_said=period is not None,
        region=find(vocabulary.regions, text),
        channel=find(vocabulary.channels, text),
        compare=compare,
        amount=amount,
        horizon=extract_horizon(text),
        section=find(SECTIONS, text),
        by=by,
        order=order,
    )
    low = text.lower()
    if base:
        intent.extra["base"] = base
    named = mentions(METRICS, text)
    if len(named) >= 2:  # "CAC 和 ROI 分别是多少": one answer, each figure
        intent.extra["metrics"] = ",".join(named)
    if intent.by and re.search(CUES["completion"], low):
        intent.extra["sort"] = "completion"
        intent.metric = intent.metric or "revenue"  # the target planners mean by default
        if re.search(r"离目标最远|差目标最多|furthest|farthest|most (below|behind|short)", low):
            intent.order = "asc"
    if re.search(CUES["vs_company"], low):
        intent.extra["with"] = "company"
    if metric is None and re.search(CUES["every_kpi"], low):
        intent.extra["every"] = "kpi"
    last_weeks = re.search(r"(最近|近|过去|last|past)\s*(\d+)\s*(个)?\s*(周|星期|weeks)", low)
    if (re.search(CUES["weekly"], low) or last_weeks) and not re.search(CUES["forecast"], low):
        intent.extra["weeks"] = last_weeks.group(2) if last_weeks else "period"
    region, channel = absent_names(vocabulary, text)
    if region or channel:
        intent.extra |= {"absent": region or channel or "", "absent_by": "region" if region else "channel"}
        intent.extra["known"] = "、".join(vocabulary.regions if region else vocabulary.channels)
    intent.kind = detect_kind(intent, vocabulary)
    if intent.kind == "knowledge" and registry()["knowledge"].detect(intent, vocabulary):
        intent.extra["asked"] = "knowledge"  # a question about method, not one left to the fallback
    return intent


def _relation(period: str, base: str) -> str | None:
    from tools.periods import parse_period

    p = parse_period(period)
    if p.previous().label == base:
        return "previous"
    if p.year_earlier().label == base:
        return "year_earlier"
    return "previous"


_FOLLOW = re.compile(
    r"^\s*(那|那么|换成|换到|改成|改为|只看|单看|再看|看看|如果|要是|and\b|what about|how about|same (question|thing)?|now\b|just\b|only\b|also\b)"
    r"|呢[？?]?\s*$|\bthen\?\s*$|instead\??\s*$",
    re.I,
)
# what a follow-up points at in the last answer: "第二名那个渠道", "the second one", "that region"
_ORDINALS = (
    (CUES["first_shown"], 0),
    (CUES["second_shown"], 1),
    (CUES["third_shown"], 2),
    (CUES["last_shown"], -1),
)
_POINTER = CUES["pointer"]
_WHOLE = CUES["whole_company"]
_COMPARE_WORDS = CUES["compare_words"]
_BLAME = CUES["blame"]
_VERSUS = CUES["versus"]
_TO_TOTAL = re.compile(
    r"(做到|加到|提到|增加到|提高到|砍到|降到|减到|压到|改成|改为|变成|总共|一共|total(?: of)?|to)\s*(\d+(?:\.\d+)?\s*(万|亿|million|m\b))",
    re.I,
)
_DATA_KINDS = {"status", "rank", "diagnose", "forecast", "budget", "scenario", "missing"}


@dataclass(frozen=True)
class Shown:
    """What an answer showed that the next request can point at: the names it ranked, in the
    order shown (from its tool results, not its text)."""

    by: str | None = None  # region | channel
    names: tuple[str, ...] = ()

    @classmethod
    def of(cls, outputs: list[dict[str, Any]]) -> Shown:
        for out in outputs:
            if out.get("name") != "kpi_rank":
                continue
            result = out.get("result") or {}
            if result.get("rows"):
                return cls(result.get("by"), tuple(str(r["name"]) for r in result["rows"]))
            # an earlier turn comes back as the compact record the model read (JSON, maybe cut short)
            record = str(out.get("error") or "")
            by = re.search(r'"by":\s*"(region|channel)"', record)
            names = re.findall(r'"name":\s*"([^"]+)"', record)
            if by and names:
                return cls(by.group(1), tuple(names))
        return cls()


def is_follow_up(text: str) -> bool:
    return bool(_FOLLOW.search(text.strip())) and len(text.strip()) <= 40


def _asks_anew(current: Intent) -> bool:
    """A request that is a new question whatever came before: about method or rules, or every KPI
    for a period it names ("10月份有哪些KPI偏离目标超过10%了？" is about the whole company)."""
    return current.extra.get("asked") == "knowledge" or bool(
        current.extra.get("every") and current.period_said
    )


def _elliptical(previous: Intent, current: Intent, text: str) -> bool:
    """A request that leaves out what the conversation already set: no metric of its own after a
    data question ("和目标比差多少", "为什么没完成", "Which region is lowest?", "Against target?"),
    or one that points at the last answer ("第二名那个渠道的CPC"). A question about method or
    rules is a new question, never a follow-up."""
    low = text.lower()
    if previous.kind not in _DATA_KINDS or _asks_anew(current):
        return False
    if current.kind in ("out_of_scope", "refuse", "draft", "regional", "adjustment", "scenario"):
        return False
    if current.metric is None and current.kind in (
        "status",
        "diagnose",
        "rank",
        "budget",
        "forecast",
        "knowledge",
    ):
        return True
    return bool(
        current.extra.get("base")
        or re.search(_POINTER, low)
        or any(re.search(p, low) for p, _ in _ORDINALS)
        or re.search(_WHOLE, low)
        or re.search(CUES["pronoun"], low)
    )


def _pointed(text: str, shown: Shown | None) -> tuple[str | None, str | None]:
    """The name a request points at in the last answer, and its dimension."""
    if shown is None or not shown.names or not shown.by:
        return None, None
    low = text.lower()
    for pattern, i in _ORDINALS:
        if re.search(pattern, low):
            return (shown.names[i] if -len(shown.names) <= i < len(shown.names) else None), shown.by
    if re.search(_POINTER, low):
        return shown.names[0], shown.by
    return None, None


def _total(text: str, previous: float | None, said: float | None) -> float | None:
    """The amount a budget follow-up asks for: the total it names ("做到1000万"), or what it adds
    to the previous one ("再加200万")."""
    if m := _TO_TOTAL.search(text):
        return extract_amount(m.group(2))
    if said is not None and previous is not None and re.search(CUES["add_money"], text.lower()):
        return previous + said
    return said


def follow(
    previous: Intent | None, text: str, vocabulary: Vocabulary, today: date, shown: Shown | None = None
) -> Intent:
    """The next dialogue state. A follow-up inherits the previous slots and applies what it says:
    a new scope or period replaces the old one, a comparison is added ("和去年同期比呢", "How does
    that compare with Q2?" keeps Q3 and compares it with Q2), "按渠道看呢" drills down, "全公司呢"
    drops the slice, "第二名那个渠道" picks from the last answer, "再加200万，做到1000万" changes
    the amount. A new data question that names no period keeps the conversation's."""
    from assistant.engine.skills import registry

    skills = registry()
    current = parse(text, vocabulary, today)
    if previous is None or previous.kind not in skills or not skills[previous.kind].followed:
        return current
    # "有没有超过100块？" after a CAC question: no metric of its own, but a slot to apply
    bare = (
        current.metric is None
        and current.kind in ("knowledge", "status")
        and (isinstance(current.compare, float) or current.period_said or current.region or current.channel)
        and not _asks_anew(current)
    )
    if (
        not (is_follow_up(text) and current.extra.get("asked") != "knowledge")
        and not bare
        and not _elliptical(previous, current, text)
    ):
        if (
            current.kind in _DATA_KINDS
            and current.period is None
            and previous.period_said
            and not current.horizon
        ):
            current.period, current.period_said = previous.period, True
        return current
    low = text.lower()
    said = {
        "metric": current.metric,
        "region": current.region,
        "channel": current.channel,
        "order": current.order,
        "by": current.by,
        "section": current.section,
        "horizon": current.horizon,
    }
    merged = replace(previous, query=text.strip(), lang=current.lang, extra=dict(current.extra))
    if "weeks" in previous.extra and current.period is None and "weeks" not in current.extra:
        merged.extra["weeks"] = previous.extra["weeks"]  # "京东呢" after "最近4周每周的CAC"
    for key in ("metrics", "with"):  # "和公司整体比呢" after "CAC和ROI分别是多少" keeps both metrics
        if key in previous.extra and key not in merged.extra and current.metric is None:
            merged.extra[key] = previous.extra[key]
    if "every" in previous.extra and current.metric is None:
        merged.extra["every"] = previous.extra["every"]  # "华南呢" after "哪些KPI偏离目标超过10%"
    for key, value in said.items():
        if value is not None:
            setattr(merged, key, value)
    # a period: a new one replaces the old, unless the request compares the old one with it
    named_base = current.extra.get("base")
    other = current.period or named_base
    if other is not None:
        relation = _related(previous.period, other) if previous.period else None
        said_compare = bool(named_base or re.search(_COMPARE_WORDS, low))
        comparing = said_compare or previous.compare in ("previous", "year_earlier")
        if relation and comparing and current.compare in (None, "target", relation):
            merged.compare = relation
            merged.kind = "status" if merged.kind in ("rank", "diagnose") and not current.by else merged.kind
        elif said_compare and previous.period and merged.kind in ("status", "rank", "diagnose"):
            merged.extra["base_period"] = other  # "比8月呢" after October: both, side by side
            merged.kind = "status"
        else:
            merged.period, merged.period_said = current.period or other, True
    if isinstance(current.compare, float) or current.compare in ("previous", "year_earlier", "target"):
        merged.compare = current.compare
    # the slice: the whole company, a name the last answer showed, or one the request names
    if re.search(_WHOLE, low) and not (current.region or current.channel) and not current.extra.get("with"):
        merged.region = merged.channel = None
    name, by = _pointed(text, shown)
    if name and not (current.region or current.channel):
        setattr(merged, by or "region", name)
        if merged.kind == "rank":
            merged.kind = "status"  # "第二名那个渠道的CPC呢" asks a figure, not a ranking
    # "和华南的即时零售比": the slice asked so far against the one the request names
    if (
        (current.region or current.channel)
        and re.search(_VERSUS, low)
        and (previous.region or previous.channel)
    ):
        merged.extra["with"] = f"{previous.region or ''}|{previous.channel or ''}"
    # "那华东呢" after a question about one channel asks about the region instead (and the
    # reverse); after a question about a region × channel cell it replaces only the region
    if current.region and not current.channel and previous.channel and not previous.region:
        merged.channel = None if previous.kind != "rank" else merged.channel
    if current.channel and not current.region and previous.region and not previous.channel:
        merged.region = None if previous.kind != "rank" else merged.region
    # a follow-up that carries its own question word (为什么, 预测, 排名…) changes the question type
    if current.kind != previous.kind and current.kind in skills and skills[current.kind].asks_anew:
        merged.kind = current.kind
    if previous.kind == "missing" and current.kind != "missing":
        merged.kind = "status" if current.kind in ("knowledge", "missing") else current.kind
    # after a ranking, a follow-up about one of the ranked ("华南的转化量跟去年同期比呢") asks its figure
    if (
        previous.kind == "rank"
        and not current.by
        and current.kind in ("status", "knowledge", "rank", "missing")
        and ((previous.by == "region" and current.region) or (previous.by == "channel" and current.channel))
    ):
        merged.kind = "status"
    # "按渠道看呢", "Which region is lowest?", "具体是哪个渠道拖了后腿": a ranking of the slice asked
    if current.by and merged.kind not in ("budget", "scenario"):
        merged.kind = "rank"
        if current.by == "region" and not current.region:
            merged.region = None
        if current.by == "channel" and not current.channel:
            merged.channel = None
        if current.order is None:
            merged.order = None
    if previous.kind in ("budget",) and current.kind in ("scenario", "budget", "knowledge", "status"):
        if current.amount is not None:
            merged.kind = "budget"
            merged.amount = _total(text, previous.amount, current.amount)
    elif current.amount is not None:
        merged.amount = current.amount
    if current.extra.get("weeks") or current.extra.get("every"):
        merged.kind = "status"  # figures week by week, or every KPI against the line
    if (
        merged.kind == "diagnose"
        and current.kind != "diagnose"
        and current.compare in ("previous", "year_earlier")
    ):
        merged.kind = "status"  # "和去年同期比呢" after a why: the figure against a year earlier
    if isinstance(current.compare, float) and merged.kind not in ("status",):
        merged.kind = "status"
    if merged.kind == "status" and merged.metric is None and previous.metric and current.metric is None:
        merged.metric = previous.metric
    return merged


def _related(period: str, other: str) -> str | None:
    """How `other` relates to `period`: the one before it, or the same one a year earlier."""
    from tools.errors import InvalidArgument
    from tools.periods import parse_period

    try:
        p = parse_period(period)
    except InvalidArgument:  # a label the parser refuses relates to nothing
        return None
    if p.previous().label == other:
        return "previous"
    if p.year_earlier().label == other:
        return "year_earlier"
    return None


def dialogue(
    requests: list[str], vocabulary: Vocabulary, today: date, shown: list[Shown] | None = None
) -> Intent:
    """The dialogue state after a conversation's requests, oldest first; `shown[i]` is what the
    answer to request i showed (the last request has no answer yet)."""
    state: Intent | None = None
    kept: tuple[Intent | None, Shown | None] = (None, None)  # what the next request follows
    for i, text in enumerate(requests):
        before = shown[i - 1] if shown and 0 < i <= len(shown) else None
        previous, pointed = kept
        if state is not None and state.kind not in ("out_of_scope", "refuse"):
            previous, pointed = state, before
        state = follow(previous, text, vocabulary, today, pointed)
        kept = (previous, pointed)
    assert state is not None
    return state
