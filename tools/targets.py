"""Targets that add up: a company or region target nobody entered is the sum of its parts'.

Planners often set revenue targets per region and per month only. For an additive metric (revenue,
spend, conversions…) a slice with no target of its own for a period gets the sum of its parts'
targets, when every part has one:

- the company: the sum over its regions (else over its channels);
- a region: the sum over the channels it sells through; a channel: over the regions it runs in;
- a quarter: the sum of its three months; a year: of its four quarters.

A ratio (CAC, ROI, a rate) is never summed. A stored target always wins over a sum. Each derived
row says how it was made (`basis`), so answers can say "目标为各区域目标之和".
"""

from __future__ import annotations

from collections import defaultdict

import pandas as pd

from tools.errors import InvalidArgument
from tools.metrics import METRICS
from tools.periods import parse_period

COLUMNS = ["period", "metric", "target", "region", "channel"]
Basis = str  # "" (stored), "regions", "channels", "months", "quarters"
_Key = tuple[str, str, str, str]  # period, metric, region, channel


def roll_up(targets: pd.DataFrame | None, facts: pd.DataFrame) -> pd.DataFrame:
    """The stored targets plus every sum their parts make, with a `basis` column."""
    if targets is None or targets.empty:
        return pd.DataFrame(columns=[*COLUMNS, "basis"])
    known: dict[_Key, tuple[float, Basis]] = {
        (str(p), str(m), str(r), str(c)): (float(v), "")
        for p, m, v, r, c in targets[COLUMNS].itertuples(index=False)
    }
    additive = {m for m in {k[1] for k in known} if m in METRICS and not METRICS[m].derived}
    if additive:
        parts = _parts(facts)
        for _ in range(4):  # months → quarters → years, regions → company: a few passes settle it
            found = _by_time(known, additive) | _by_segment(known, additive, parts)
            found = {k: v for k, v in found.items() if k not in known}
            if not found:
                break
            known.update(found)
    rows = [(p, m, v, r, c, basis) for (p, m, r, c), (v, basis) in known.items()]
    return pd.DataFrame(rows, columns=[*COLUMNS, "basis"])


def _parts(facts: pd.DataFrame) -> dict[tuple[str, str], tuple[str, ...]]:
    """What each slice is made of: (region, channel) → its parts, as (region, channel) pairs."""
    if facts.empty:
        return {}
    pairs = facts[["region", "channel"]].drop_duplicates()
    regions = tuple(sorted(r for r in pairs["region"].unique() if r))
    channels = tuple(sorted(c for c in pairs["channel"].unique() if c))
    out: dict[tuple[str, str], tuple[str, ...]] = {}
    out[("", "")] = regions  # as region names; channels are tried when regions do not add up
    for r in regions:
        out[(r, "")] = tuple(sorted(c for c in pairs.loc[pairs["region"] == r, "channel"] if c))
    for c in channels:
        out[("", c)] = tuple(sorted(r for r in pairs.loc[pairs["channel"] == c, "region"] if r))
    out[("*", "channels")] = channels
    return out


def _by_segment(
    known: dict[_Key, tuple[float, Basis]],
    additive: set[str],
    parts: dict[tuple[str, str], tuple[str, ...]],
) -> dict[_Key, tuple[float, Basis]]:
    found: dict[_Key, tuple[float, Basis]] = {}
    periods = {(k[0], k[1]) for k in known if k[1] in additive}
    for period, metric in periods:

        def total(keys: list[_Key], period: str = period, metric: str = metric) -> float | None:
            values = [known.get(k) for k in keys]
            return round(sum(v[0] for v in values if v), 6) if keys and all(values) else None

        regions, channels = parts.get(("", ""), ()), parts.get(("*", "channels"), ())
        company = total([(period, metric, r, "") for r in regions])
        if company is not None:
            found[(period, metric, "", "")] = (company, "regions")
        elif (by_channel := total([(period, metric, "", c) for c in channels])) is not None:
            found[(period, metric, "", "")] = (by_channel, "channels")
        for r in regions:
            value = total([(period, metric, r, c) for c in parts.get((r, ""), ())])
            if value is not None:
                found[(period, metric, r, "")] = (value, "channels")
        for c in channels:
            value = total([(period, metric, r, c) for r in parts.get(("", c), ())])
            if value is not None:
                found[(period, metric, "", c)] = (value, "regions")
    return found


def _by_time(known: dict[_Key, tuple[float, Basis]], additive: set[str]) -> dict[_Key, tuple[float, Basis]]:
    months: dict[tuple[str, str, str, str], dict[int, float]] = defaultdict(dict)  # by quarter
    quarters: dict[tuple[str, str, str, str], dict[int, float]] = defaultdict(dict)  # by year
    for (label, metric, region, channel), (value, _) in known.items():
        if metric not in additive:
            continue
        try:
            p = parse_period(label)
        except InvalidArgument:
            continue
        if p.kind == "month":
            q = (p.start.month - 1) // 3 + 1
            months[(f"{p.start.year}-Q{q}", metric, region, channel)][p.start.month] = value
        elif p.kind == "quarter":
            quarters[(str(p.start.year), metric, region, channel)][p.start.month] = value
    found: dict[_Key, tuple[float, Basis]] = {}
    for key, values in months.items():
        if len(values) == 3:
            found[key] = (round(sum(values.values()), 6), "months")
    for key, values in quarters.items():
        if len(values) == 4:
            found[key] = (round(sum(values.values()), 6), "quarters")
    return found
