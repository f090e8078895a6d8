"""Standard `logging`, configured once per process with one format for the CLI and the server."""

from __future__ import annotations

import logging
import os

FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"


def configure_logging(level: int | str | None = None) -> None:
    """Log to stderr at `level` (default `PLANNER_LOG_LEVEL`, else WARNING for the CLI's quiet
    output). Safe to call twice: the first configuration stays, only the level changes."""
    level = level or os.environ.get("PLANNER_LOG_LEVEL", "WARNING").upper()
    logging.basicConfig(format=FORMAT, level=level)
    logging.getLogger("planner").setLevel(level)
