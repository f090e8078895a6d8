"""Understanding one request: the question type and its slots (see `understand.py` and `skills/`).

Kept as the stable import point for the vocabulary and `classify`.
"""

from __future__ import annotations

from datetime import date

from assistant.engine.lexicon import METRICS, SECTIONS, Vocabulary, detect_lang, mentions
from assistant.engine.understand import Intent, dialogue, parse

__all__ = ["METRICS", "SECTIONS", "Intent", "Vocabulary", "classify", "detect_lang", "dialogue", "mentions"]


def classify(text: str, vocabulary: Vocabulary | None = None, today: date | None = None) -> Intent:
    """The question type and slots of one request, in the workspace's vocabulary."""
    vocabulary = vocabulary or Vocabulary()
    return parse(text, vocabulary, today or vocabulary.today or date.today())
