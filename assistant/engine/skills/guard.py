"""Requests the assistant declines: attempts on its instructions, secrets or other workspaces,
and questions outside marketing planning."""

from __future__ import annotations

import re

from assistant.engine.skills import Skill

INSTRUCTION_PATTERNS = [
    r"忽略.{0,12}(指令|指示|规则)|系统提示|提示词|密钥|秘钥|api ?key|secret|password|密码|越狱|jailbreak",
    r"ignore (all |your |the )?(previous |prior )?(instructions|rules)|system prompt|you are now|\bdan\b",
    r"(切换|switch) ?(到|to)? ?.{0,12}(工作区|workspace)|(其他|别的|别人|他们的|其它|\w+)工作区的|(their|other|another) (team'?s? )?workspace|workspace's",
]
_OUTSIDE = (
    r"天气|下雨|下雪|气温|股票|股价|\w{0,3}股(?![东份权])\b|彩票|基金净值|诗|绝句|七言|五言|歌词|小说|菜谱|笑话|星座|"
    r"weather|\brain\b|stocks?\b|shares to buy|lottery|poem|lyrics|novel|recipe|joke|horoscope|crypto|bitcoin"
)

refuse = Skill(
    kind="refuse",
    priority=10,
    detect=lambda i, v: any(re.search(p, i.query.lower()) for p in INSTRUCTION_PATTERNS),
    calls=lambda i, outputs, step, v: [],
)
out_of_scope = Skill(
    kind="out_of_scope",
    priority=20,
    detect=lambda i, v: bool(re.search(_OUTSIDE, i.query.lower())) and i.metric is None,
    calls=lambda i, outputs, step, v: [],
)
