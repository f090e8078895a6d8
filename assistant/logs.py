"""Standard `logging`, configured once per process with one format for the CLI and the server."""

from __future__ import annotations

import logging
import os

FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"
_handler: logging.Handler | None = None


def configure_logging(level: int | str | None = None) -> None:
    """Log to stderr at `level` (default `PLANNER_LOG_LEVEL`, else WARNING, which keeps the CLI's
    output clean). The handler filters by level too, since some libraries set their own loggers to
    DEBUG. Calling it again only changes the level."""
    global _handler
    level = level or os.environ.get("PLANNER_LOG_LEVEL", "WARNING").upper()
    if _handler is None:
        _handler = logging.StreamHandler()
        _handler.setFormatter(logging.Formatter(FORMAT))
        logging.getLogger().addHandler(_handler)
    _handler.setLevel(level)
    logging.getLogger().setLevel(level)
