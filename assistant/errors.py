"""Domain errors. The web layer maps each to a clear 4xx response; the CLI prints them."""


class PlannerError(Exception):
    """Base class: a problem the user can fix, with a message that says how."""

    status_code = 400


class DocumentError(PlannerError):
    """A knowledge document cannot be parsed or fails its front-matter schema."""


class NotFound(PlannerError):
    status_code = 404


class Conflict(PlannerError):
    """The thing already exists, or changed under the caller (a stale version)."""

    status_code = 409


class DataError(PlannerError):
    """Uploaded or supplied data is malformed; the message names the row and column."""

    status_code = 422

    def __init__(self, message: str, problems: list[dict[str, object]] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []


class EngineError(PlannerError):
    """The chat model failed (timeout, HTTP error, malformed output) after retries."""

    status_code = 502
