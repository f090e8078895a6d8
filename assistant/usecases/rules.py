"""The red lines a document states, for a planner to adopt (reading adopts nothing)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from assistant.kb.loaders import load_file
from assistant.usecases.context import WorkspaceContext
from tools.rules import find_red_lines


def document_red_lines(ctx: WorkspaceContext, path: Path, lang: str = "zh") -> list[dict[str, Any]]:
    """Each red line the document at `path` states, in the workspace's regions and channels, with
    the sentence it came from and whether the workspace has adopted it already."""
    doc = load_file(path)
    adopted = {(r.metric, r.region, r.channel, r.value) for r in ctx.policy.red_lines}
    return [
        {
            **c.line.model_dump(),
            "label": c.line.label(lang),
            "sentence": c.sentence,
            "adopted": (c.line.metric, c.line.region, c.line.channel, c.line.value) in adopted,
        }
        for c in find_red_lines(doc.body, regions=ctx.regions, channels=ctx.channels)
    ]
