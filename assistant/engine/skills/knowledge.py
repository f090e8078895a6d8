"""Questions about method, rules and practice: answered from the knowledge base in a few cited
sentences (English answers from the documents' English key points)."""

from __future__ import annotations

import re

from assistant.engine.skills import Skill, search

_DEFINITION = r"定义|口径|怎么算|流程|谁来?(批|审批|签字)|definition|what counts as|the process|who signs off|how do we define"
_QUESTION = (
    r"什么时候|多少的时候|怎么办|什么原则|哪些|有什么|一般|通常|应该|怎么写|怎么做|如何|是什么|多久|多长时间|频率|原则|方法|"
    r"how often|what should|when should|when do|what does|how do we|how should we (set|write|monitor|review)|principles?|best practice|what is the rule"
)


def _is_method_question(intent, vocabulary) -> bool:
    q = intent.query.lower()
    if re.search(_DEFINITION, q):
        return True
    no_data = not (intent.period_said or intent.region or intent.channel or intent.amount)
    return (
        no_data
        and bool(re.search(_QUESTION, q))
        and not re.search(r"起草|草拟|写一|draft|write (a|the|our)", q)
    )


knowledge = Skill(
    kind="knowledge",
    priority=35,
    detect=_is_method_question,
    calls=lambda intent, outputs, step, v: [search(intent.query, k=4)] if step == 0 else [],
)
