"""Errors of the application layer, on top of the domain's (`tools/errors.py`), re-exported here so
callers import every error from one place. The web layer maps each to a clear 4xx response; the
CLI prints them on one line."""

import errno

from tools.errors import Busy, Conflict, DataError, InvalidArgument, NotFound, PlannerError

__all__ = [
    "Busy",
    "Conflict",
    "DataError",
    "DocumentError",
    "EngineError",
    "InvalidArgument",
    "NotFound",
    "PlannerError",
    "Unavailable",
    "storage_fault",
]


class DocumentError(PlannerError):
    """A knowledge document cannot be parsed or fails its front-matter schema."""


class EngineError(PlannerError):
    """The chat model failed (timeout, HTTP error, malformed output) after retries."""

    status_code = 502


class Unavailable(PlannerError):
    """Storage the server needs is failing (the database, the knowledge index, the disk): nothing
    the user did wrong, and trying again later may work."""

    status_code = 503


_DISK_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EIO}


def storage_fault(exc: BaseException) -> str | None:
    """What a storage failure means for the user, in both languages (None: not a storage fault).
    A stopped database, a full or read-only disk and a broken index each get their own words."""
    import sqlalchemy.exc

    if isinstance(exc, Unavailable):
        return str(exc)
    if isinstance(
        exc, sqlalchemy.exc.OperationalError | sqlalchemy.exc.InterfaceError | sqlalchemy.exc.TimeoutError
    ):
        if isinstance(exc, sqlalchemy.exc.OperationalError) and _disk_full(str(exc.orig)):
            return DISK_FULL
        return "数据库暂时无法访问，请稍后再试；您的内容没有丢失。 / The database is unavailable; try again shortly: nothing you sent was lost."
    if isinstance(exc, OSError) and exc.errno in _DISK_ERRNOS:
        return DISK_FULL
    if type(exc).__module__.startswith("chromadb"):
        return "知识库索引暂时无法访问，请稍后再试。 / The knowledge index is unavailable; try again shortly."
    return None


DISK_FULL = "服务器磁盘已满或不可写，请联系管理员；本次内容未保存。 / The server's disk is full or read-only: ask an admin; this change was not saved."


def _disk_full(message: str) -> bool:
    return any(
        s in message.lower() for s in ("disk is full", "no space left", "disk full", "readonly database")
    )
