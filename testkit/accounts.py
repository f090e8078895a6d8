"""API tokens for scripted clients (tests, load benchmarks)."""

from __future__ import annotations

from sqlalchemy import select

from assistant.db import User
from assistant.services import Services


def token_for(services: Services, username: str) -> str:
    with services.sessions() as s:
        uid = s.scalar(select(User.id).where(User.username == username))
    assert uid is not None, f"no user {username}"
    return services.accounts.issue(uid, "api", label="test")
