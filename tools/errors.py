"""Domain errors: bad input a person can fix, each with a message that says how.

They live beside the domain so `tools/` stays free of our other packages; the web layer maps each
to its `status_code`, the CLI prints the message on one line and exits with status 2, and the agent
returns it to the model as a tool error it can correct.
"""

from __future__ import annotations


class PlannerError(Exception):
    """Base class: a problem the user can fix, with a message that says how."""

    status_code = 400


class NotFound(PlannerError):
    status_code = 404


class Conflict(PlannerError):
    """The thing already exists, or changed under the caller (a stale version)."""

    status_code = 409


class DataError(PlannerError):
    """Uploaded or supplied data is malformed, or too thin for the request; the message names the
    row and column where it comes from a file."""

    status_code = 422

    def __init__(self, message: str, problems: list[dict[str, object]] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []


class InvalidArgument(PlannerError):
    """A parameter outside what the domain accepts: an unknown metric, a malformed period, a
    region or channel the workspace does not have, a non-positive budget."""

    status_code = 422


class Busy(PlannerError):
    """The caller already has heavy work running (an upload being parsed or indexed): retry when it ends."""

    status_code = 429
