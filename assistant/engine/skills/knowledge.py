"""Questions about method, rules and practice: answered from the knowledge base in a few cited
sentences (English answers from the documents' English key points)."""

from __future__ import annotations

import re

from assistant.engine.skills import Skill, search

_DEFINITION = r"定义|口径|怎么算|流程|谁来?(批|审批|签字)|definition|what counts as|the process|who signs off|how do we define"
_QUESTION = (
    r"什么时候|多少的时候|怎么办|什么原则|哪些|有什么|一般|通常|应该|怎么写|怎么做|怎么搭|怎么运营|怎么搞|如何|是什么|多久|多长时间|频率|原则|方法|"
    r"how often|what should|when should|when do|what does|how do we|how should we (set|write|monitor|review|run|build|operate|organi[sz]e)|"
    r"how to (run|build|set up|write)|principles?|best practice|what is the rule|"
    r"案例|先例|区别|差别|case stud|a case|any case|examples? of|difference between|compare .{0,20} with"
)


def _is_method_question(intent, vocabulary) -> bool:
    q = intent.query.lower()
    if re.search(_DEFINITION, q):
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
    priority=35,
    detect=_is_method_question,
    calls=lambda intent, outputs, step, v: [search(intent.query, k=4)] if step == 0 else [],
)
