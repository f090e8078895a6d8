"""Questions about method, rules and practice: answered from the knowledge base in a few cited
sentences (English answers from the documents' English key points)."""

from __future__ import annotations

import re

from assistant.engine.lexicon import CUES
from assistant.engine.skills import Skill, search

_DEFINITION = CUES["definition"]
_QUESTION = CUES["method_question"]
_RULE = CUES["rule_question"]
_PLAN = CUES["plan_question"]


def _is_method_question(intent, vocabulary) -> bool:
    q = intent.query.lower()
    if re.search(_DEFINITION, q) or re.search(_RULE, q):
        return True
    # a question about the plan or a method may name a metric or a channel
    # ("KOC矩阵三层达人分别怎么合作"), but not a period or an amount
    if re.search(_PLAN, q) and not (intent.period_said or intent.amount):
        return True
    # a method question may name a channel ("三级KOC矩阵怎么搭建"), but not a figure, period or amount
    no_data = not (intent.metric or intent.period_said or intent.amount or isinstance(intent.compare, float))
    return (
        no_data
        and bool(re.search(_QUESTION, q))
        and not re.search(r"起草|草拟|写一|draft|write (a|the|our)", q)
    )


knowledge = Skill(
    kind="knowledge",
    followed=False,
    asks_anew=False,
    priority=35,
    detect=_is_method_question,
    calls=lambda intent, outputs, step, v: [search(intent.query, k=4)] if step == 0 else [],
)
