"""Which tools the offline engine calls for a request, step by step: the skill of its kind decides.

Step 0 gathers what the request needs; step 1 follows up on what step 0 found (diagnose the KPIs
that came back off target). No calls means: write the answer.
"""

from __future__ import annotations

from typing import Any

from assistant.engine.lexicon import Vocabulary
from assistant.engine.skills import Call, registry
from assistant.engine.understand import Intent


def next_calls(
    intent: Intent, outputs: list[dict[str, Any]], *, step: int, vocabulary: Vocabulary | None = None
) -> list[Call]:
    skill = registry().get(intent.kind) or registry()["knowledge"]
    return skill.calls(intent, outputs, step, vocabulary or Vocabulary())
