"""Requests the assistant declines: attempts on its instructions, secrets or other workspaces,
and questions outside marketing planning."""

from __future__ import annotations

import re

from assistant.engine.lexicon import CUES
from assistant.engine.skills import Skill

INSTRUCTION_PATTERNS = [
    r"忽略.{0,12}(指令|指示|规则)|系统提示|提示词|密钥|秘钥|api ?key|secret|password|密码|越狱|jailbreak",
    r"ignore (all |your |the )?(previous |prior )?(instructions|rules)|system prompt|you are now|\bdan\b",
    r"(切换|switch) ?(到|to)? ?.{0,12}(工作区|workspace)|(其他|别的|别人|他们的|其它|\w+)工作区的|(their|other|another) (team'?s? )?workspace|workspace's",
]
_OUTSIDE = CUES["outside_planning"]

refuse = Skill(
    kind="refuse",
    followed=False,
    asks_anew=False,
    priority=10,
    detect=lambda i, v: any(re.search(p, i.query.lower()) for p in INSTRUCTION_PATTERNS),
    calls=lambda i, outputs, step, v: [],
)
out_of_scope = Skill(
    kind="out_of_scope",
    followed=False,
    asks_anew=False,
    priority=20,
    detect=lambda i, v: bool(re.search(_OUTSIDE, i.query.lower())) and i.metric is None,
    calls=lambda i, outputs, step, v: [],
)
