"""Per-user rate limits (the `limits` library): in memory by default, Redis to share across workers."""

from __future__ import annotations

from typing import ClassVar

from limits import parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from assistant.errors import PlannerError


class RateLimited(PlannerError):
    status_code = 429
    headers: ClassVar[dict[str, str]] = {"Retry-After": "60"}


class RateLimits:
    def __init__(self, storage_uri: str, rules: dict[str, str]) -> None:
        self.limiter = MovingWindowRateLimiter(storage_from_string(storage_uri))
        self.rules = {name: parse(rule) for name, rule in rules.items()}

    def allowed(self, name: str, key: str) -> bool:
        """Whether `key` is under the limit, without counting this call."""
        return self.limiter.test(self.rules[name], name, key)

    def count(self, name: str, key: str) -> None:
        """Count one event (a failed login) against `key`."""
        self.limiter.hit(self.rules[name], name, key)

    def hit(self, name: str, user: str) -> None:
        rule = self.rules[name]
        if not self.limiter.hit(rule, name, user):
            raise RateLimited(f"too many {name} requests: the limit is {rule}; try again shortly")
