"""An isolated place for evals to run: a temporary copy of the knowledge index and a fresh
database with the demo company, so an eval never writes into the user's data."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

from assistant.services import Services
from assistant.settings import Settings


def eval_services(services: Services, **overrides: Any) -> Services:
    """Services over a temporary var dir that shares the index content and the chat model."""
    src = services.settings
    tmp = Path(tempfile.mkdtemp(prefix="planner-eval-"))
    for sub in ("chroma", "lexical"):
        if (src.var_dir / sub).exists():
            shutil.copytree(src.var_dir / sub, tmp / sub)
    manifest = src.var_dir / "lexical" / f"{src.collection}.manifest.json"
    if manifest.exists():
        shutil.copy(manifest, tmp / "lexical" / manifest.name)
    settings: Settings = src.model_copy(
        update={"var_dir": tmp, "database_url": None, "chroma_path": None, "secret_key": None} | overrides
    )
    return Services(settings, chat_model=services.chat_model)
