"""Per-user rate limits (the `limits` library): in memory by default, Redis to share across workers."""

from __future__ import annotations

from limits import parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from assistant.errors import PlannerError


class RateLimited(PlannerError):
    status_code = 429


class RateLimits:
    def __init__(self, storage_uri: str, rules: dict[str, str]) -> None:
        self.limiter = MovingWindowRateLimiter(storage_from_string(storage_uri))
        self.rules = {name: parse(rule) for name, rule in rules.items()}

    def hit(self, name: str, user: str) -> None:
        rule = self.rules[name]
        if not self.limiter.hit(rule, name, user):
            raise RateLimited(f"too many {name} requests: the limit is {rule}; try again shortly")
