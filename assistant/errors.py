"""Errors of the application layer, on top of the domain's (`tools/errors.py`), re-exported here so
callers import every error from one place. The web layer maps each to a clear 4xx response; the
CLI prints them on one line."""

from tools.errors import Conflict, DataError, InvalidArgument, NotFound, PlannerError

__all__ = [
    "Conflict",
    "DataError",
    "DocumentError",
    "EngineError",
    "InvalidArgument",
    "NotFound",
    "PlannerError",
]


class DocumentError(PlannerError):
    """A knowledge document cannot be parsed or fails its front-matter schema."""


class EngineError(PlannerError):
    """The chat model failed (timeout, HTTP error, malformed output) after retries."""

    status_code = 502
