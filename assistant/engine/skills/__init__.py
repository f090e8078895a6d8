"""The offline engine's skills: one module per question type, found by registry.

A skill says when a request is its kind (`detect`, tried in `PRIORITY` order, lowest first), which
tools to call at each step (`calls`), and which template in `prompts/offline/` writes the answer
(`<kind>.md.j2`). Adding a question type is adding one module here and one template.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from assistant.engine.lexicon import Vocabulary
from assistant.engine.understand import Intent, Kind

Call = tuple[str, dict[str, Any]]


@dataclass(frozen=True)
class Skill:
    kind: Kind
    priority: int
    detect: Callable[[Intent, Vocabulary], bool]
    calls: Callable[[Intent, list[dict[str, Any]], int, Vocabulary], list[Call]]
    template: str = ""
    # the skill's follow-up behaviour: does a follow-up after it inherit its slots ("那华东呢"),
    # and does a follow-up that asks its kind of question ("为什么", "预测一下") change the question
    followed: bool = True
    asks_anew: bool = True

    @property
    def template_name(self) -> str:
        return self.template or f"{self.kind}.md.j2"


@cache
def registry() -> dict[str, Skill]:
    skills = []
    for info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{info.name}")
        skills += [v for v in vars(module).values() if isinstance(v, Skill)]
    return {s.kind: s for s in sorted(skills, key=lambda s: s.priority)}


def detect_kind(intent: Intent, vocabulary: Vocabulary) -> Kind:
    for skill in registry().values():
        if skill.detect(intent, vocabulary):
            return skill.kind
    return "knowledge"


def clean(args: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in args.items() if v is not None}


def search(query: str, k: int = 4, type: str | None = None) -> Call:
    return "search_knowledge", clean({"query": query, "k": k, "type": type})
