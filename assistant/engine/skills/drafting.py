"""Written work saved for review: plan sections, regional strategies and adjustment reports."""

from __future__ import annotations

import re

from assistant.engine.lexicon import CUES, mentions
from assistant.engine.skills import Skill, clean, search

_ADJUST = CUES["adjustment"]
_DRAFT = CUES["draft"]
_REGIONAL = CUES["regional"]


def wants_draft(text: str) -> bool:
    if re.search(
        r"不用写|不需要写|不必写|别写|no doc|no need to (write|draft)|don'?t (write|draft)", text, re.I
    ):
        return False
    return bool(re.search(r"起草|草拟|撰写|写一[份段个]|初稿|文档|draft|write|written", text, re.I))


def _regional(intent, vocabulary) -> bool:
    q = intent.query.lower()
    if re.search(_REGIONAL, q):
        return True
    return (
        len(mentions(vocabulary.regions, intent.query)) >= 2 and intent.by is None and intent.metric is None
    )


def _regional_calls(intent, outputs, step, vocabulary):
    if step:
        return []
    period = intent.period
    if wants_draft(intent.query):
        return [
            (
                "create_draft",
                clean({"kind": "regional", "region": intent.region, "period": period, "lang": intent.lang}),
            )
        ]
    lookups = [
        ("kpi_lookup", clean({"metric": m, "period": period, "region": r}))
        for r in vocabulary.region_names
        for m in ("revenue", "cac", "aov")
    ]
    return [
        *lookups,
        ("kpi_lookup", clean({"metric": "aov", "period": period})),
        search("区域分层 差异化 品牌 体验 价格 渠道覆盖", k=3),
        search("小范围 试点 1-2 个区域 再推广", k=2),
    ]


adjustment = Skill(
    kind="adjustment",
    priority=40,
    detect=lambda i, v: bool(re.search(_ADJUST, i.query.lower())),
    calls=lambda i, outputs, step, v: (
        [] if step else [("create_draft", clean({"kind": "adjustment", "period": i.period, "lang": i.lang}))]
    ),
)
regional = Skill(kind="regional", priority=30, detect=_regional, calls=_regional_calls)
draft = Skill(
    kind="draft",
    priority=45,
    detect=lambda i, v: bool(re.search(_DRAFT, i.query.lower())),
    calls=lambda i, outputs, step, v: (
        []
        if step
        else [
            (
                "create_draft",
                clean(
                    {
                        "kind": "section",
                        "section": i.section or "goals",
                        "region": i.region,
                        "period": i.period,
                        "lang": i.lang,
                        "amount": i.amount,
                    }
                ),
            )
        ]
    ),
)
