"""How a segment (a region) should be approached, from its own numbers.

The seeds' rule of thumb: high-value markets (tier-1 cities) are won on brand and experience,
price-sensitive ones (lower-tier markets) on price and channel reach. A workspace's regions have
any names, so the rule reads the data instead: a region whose average order value sits well above
the company's is treated as a brand market, one well below it as a price market.
"""

from __future__ import annotations

from typing import Literal

Focus = Literal["brand", "price", "balanced"]
FOCUS_BAND = 0.05  # ±5% around the company's AOV counts as balanced


def region_focus(region_aov: float | None, company_aov: float | None, *, band: float = FOCUS_BAND) -> Focus:
    if not region_aov or not company_aov:
        return "balanced"
    index = region_aov / company_aov
    if index > 1 + band:
        return "brand"
    if index < 1 - band:
        return "price"
    return "balanced"


PILOT_REGIONS = 2  # the seeds' rule: try a new strategy in one or two regions before rolling it out


def pilot_regions(deviation_pct: dict[str, float | None], n: int = PILOT_REGIONS) -> list[str]:
    """Where to pilot: the `n` regions furthest below target (no deviation counts as on target)."""
    return sorted(deviation_pct, key=lambda r: deviation_pct[r] or 0.0)[:n]
