"""A data question about a region or channel the workspace does not have ("华东上个月销售额多少"
asked of a company that sells by city tier): said plainly, with the names it does have, instead of
answering for the whole company."""

from __future__ import annotations

import re

from assistant.engine.lexicon import CUES
from assistant.engine.skills import Skill

_ABOUT_METHOD = CUES["definition"] + "|" + CUES["method_question"]

missing = Skill(
    kind="missing",
    priority=40,
    detect=lambda i, v: (
        bool(i.extra.get("absent"))
        and (i.metric is not None or not re.search(_ABOUT_METHOD, i.query.lower()))
    ),
    calls=lambda i, outputs, step, v: [],
)
