"""What-ifs on a budget: cut or raise a channel, move money between two, add an amount, or set
the period's total ("如果把某渠道预算砍掉20%会怎样", "把A渠道的100万挪到B渠道呢",
"Q1再加500万能多卖多少"), answered by the workspace's mix model (`budget_scenario`)."""

from __future__ import annotations

import re

from assistant.engine.lexicon import CUES, extract_amount, mentions
from assistant.engine.skills import Skill, clean
from tools.periods import parse_period

_CUT, _MOVE, _ADD, _WHAT_IF = CUES["cut"], CUES["move"], CUES["add_money"], CUES["what_if"]
_BUDGET, _WHY = CUES["budget"], CUES["why"]
_SPLIT = r"怎么分|怎么配|如何分|怎么投|按(渠道|区域).{0,4}分|\bsplit\b|\ballocate\b"
_TO = r"到|给|至|\bto\b|\binto\b"
_SET_TOTAL = (
    r"(总预算|预算总额|total budget|the total)\S{0,6}?(增加到|提高到|调整为|调整到|改为|改成|变成|定为|to\b)"
)
_CN_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


def extract_share(text: str) -> float | None:
    """A share the request names: 20%, 百分之二十, 两成, 一半, half."""
    t = text.lower().replace("％", "%")
    if m := re.search(r"(\d+(?:\.\d+)?)\s*%", t):
        return float(m.group(1)) / 100
    if m := re.search(r"百分之([一二两三四五六七八九十]+)", t):
        s = m.group(1)
        tens, _, ones = s.partition("十") if "十" in s else ("", "", s)
        value = (_CN_DIGITS.get(tens, 1) * 10 if "十" in s else 0) + _CN_DIGITS.get(ones, 0)
        return value / 100 if value else None
    if m := re.search(r"([一二两三四五六七八九])成", t):
        return _CN_DIGITS[m.group(1)] / 10
    if re.search(r"一半|\bhalf\b", t):
        return 0.5
    return None


def _action(q: str) -> str | None:
    if re.search(_SET_TOTAL, q):
        return "set_total"
    if re.search(_MOVE, q):
        return "move"
    if re.search(_CUT, q):
        return "cut"
    if re.search(_ADD, q):
        return "add"
    return None


def _detect(intent, vocabulary) -> bool:
    q = intent.query.lower()
    action = _action(q)
    if action is None or re.search(_WHY, q) or re.search(_SPLIT, q):
        return False  # "再投2000万，按区域怎么分" asks for a split, not a what-if
    sized = intent.amount is not None or extract_share(q) is not None
    if action == "move":
        return sized and len(mentions(vocabulary.channels, q)) >= 2
    if action == "set_total":
        return intent.amount is not None
    return sized and bool(re.search(_WHAT_IF, q) or re.search(_BUDGET, q) or mentions(vocabulary.channels, q))


def _source_and_target(q: str, vocabulary) -> tuple[str | None, str | None]:
    """For a move: the channel named after 到/to is where the money goes, the other where it comes from."""
    named = mentions(vocabulary.channels, q)
    if len(named) < 2:
        return (named[0] if named else None), None
    to = [m.end() for m in re.finditer(_TO, q)]
    first_at = {c: min(q.find(w) for w in vocabulary.channels[c] if w in q) for c in named[:2]}
    if to:
        after = [c for c in named[:2] if first_at[c] >= to[-1]]
        if len(after) == 1:
            return next(c for c in named[:2] if c != after[0]), after[0]
    a, b = sorted(named[:2], key=lambda c: first_at[c])
    return a, b


def _period(intent, vocabulary) -> str | None:
    """The period asked; a bare Q1 or 3月 that the data has already passed means next year's."""
    if not intent.period or vocabulary.covered_until is None:
        return intent.period
    p = parse_period(intent.period)
    if p.end.date() <= vocabulary.covered_until and not re.search(
        r"20\d\d|今年|去年|this year|last year", intent.query.lower()
    ):
        return (
            p.next().label
            if p.kind == "year"
            else parse_period(intent.period.replace(str(p.start.year), str(p.start.year + 1), 1)).label
        )
    return intent.period


def _calls(intent, outputs, step, vocabulary) -> list:
    if step:
        return []
    q = intent.query.lower()
    action = _action(q)
    share = extract_share(q)
    args = {"period": _period(intent, vocabulary), "region": intent.region}
    if action == "move":
        source, target = _source_and_target(q, vocabulary)
        args |= {"action": "move", "channel": source, "to_channel": target}
    elif action == "set_total":
        args |= {"action": "set_total"}
    else:
        channel = intent.channel
        args |= {"action": action if action == "cut" or channel is None else "raise", "channel": channel}
    amount = extract_amount(intent.query)  # the what-if's own size, never one a follow-up inherited
    if amount is not None:
        args["amount"] = amount
    elif share is not None:
        args["share"] = share
    return [("budget_scenario", clean(args))]


scenario = Skill(kind="scenario", priority=45, detect=_detect, calls=_calls)
