"""Synthetic companies whose true channel response is known, to judge a budget split on ground truth.

Each world has 5 channels of very different sizes (20x apart) and 2 regions over 91 weeks (to the end of 2026-Q3). A channel's weekly revenue is its adstocked
spend (geometric carry-over, decay per channel) through a saturating curve (1 - exp(-A/k), its own
half-saturation point), times the week's demand (a yearly season plus promotion peaks: 618 and
双十一), plus organic revenue; planners spend more when demand is high (the classic confounder),
with noise. The next quarter's true revenue of any split is simulated week by week with the
carry-over from the data's end, so the true optimum under the workspace's bounds is known and a
split's regret is 1 - its true revenue / the optimum's. The baselines are what a planner does
without us: last year's shares of the same quarter, and an equal split.

Worlds 0-4 are for tuning; worlds 100-104 are only scored (`HELD_OUT`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import minimize

CHANNELS = ("信息流广告", "短视频", "直播电商", "搜索广告", "KOC种草")
REGIONS = ("华东", "华南")
WEEKS = 91  # to the end of 2026-Q3: the next quarter is a whole one, 13 weeks
START = pd.Timestamp("2025-01-06")  # a Monday
QUARTER_WEEKS = 13
TUNING = tuple(range(5))
HELD_OUT = tuple(range(100, 105))


@dataclass(frozen=True)
class World:
    seed: int
    decay: np.ndarray  # per channel, 0..1: the share of last week's adstock carried over
    scale: np.ndarray  # per channel: revenue at full saturation per week (at demand 1)
    half: np.ndarray  # per channel: adstock at which the curve reaches 1 - 1/e
    region_weight: np.ndarray  # per region: its share of demand
    spend: np.ndarray  # weeks × channels × regions: what the planners spent
    demand: np.ndarray  # weeks + a quarter: the season and promotion peaks
    facts: pd.DataFrame  # the long facts a workspace imports (spend, revenue by week × region × channel)

    @property
    def dates(self) -> pd.DatetimeIndex:
        return pd.date_range(START, periods=WEEKS, freq="W-MON")

    @property
    def next_quarter(self) -> str:
        first = self.dates[-1] + pd.Timedelta(weeks=1)
        q = (first.month - 1) // 3 + 1
        return f"{first.year}-Q{q}"

    def carry(self) -> np.ndarray:
        """Adstock per channel × region at the data's end."""
        a = np.zeros((len(CHANNELS), len(REGIONS)))
        for t in range(WEEKS):
            a = self.decay[:, None] * a + self.spend[t]
        return a

    def revenue_of(self, split: np.ndarray, *, region_shares: np.ndarray | None = None) -> float:
        """True channel revenue over the next quarter of spending `split` (per channel, the
        quarter's total), spread evenly over its weeks and across regions by `region_shares`."""
        shares = self.region_weight if region_shares is None else region_shares
        weekly = np.asarray(split, dtype=float)[:, None] * shares[None, :] / QUARTER_WEEKS
        a = self.carry()
        total = 0.0
        for t in range(QUARTER_WEEKS):
            a = self.decay[:, None] * a + weekly
            d = self.demand[WEEKS + t]
            total += float(
                (
                    d
                    * self.region_weight[None, :]
                    * self.scale[:, None]
                    * (1 - np.exp(-a / self.half[:, None]))
                ).sum()
            )
        return total

    def budget(self) -> float:
        """The quarter's budget: last year's spend in the same quarter."""
        return float(self._last_year().sum())

    def _last_year(self) -> np.ndarray:
        weeks = self._same_quarter_last_year()
        return self.spend[weeks].sum(axis=(0, 2))

    def _same_quarter_last_year(self) -> np.ndarray:
        first = self.dates[-1] + pd.Timedelta(weeks=1)
        q = (first.month - 1) // 3
        mask = (self.dates.year == first.year - 1) & ((self.dates.month - 1) // 3 == q)
        return np.flatnonzero(mask)

    def last_year_split(self, total: float) -> np.ndarray:
        ly = self._last_year()
        return total * ly / ly.sum()

    def optimum(self, total: float, min_share: float = 0.05, max_share: float = 0.40) -> np.ndarray:
        """The best split under the bounds, by the true response (SLSQP from several starts)."""
        n = len(CHANNELS)
        bounds = [(min_share, max_share)] * n  # on shares: the optimiser works on a unit scale
        cons = [{"type": "eq", "fun": lambda s: s.sum() - 1}]
        base = self.revenue_of(np.full(n, total / n))
        best, best_value = None, -np.inf
        for s0 in (np.full(n, 1 / n), self.last_year_split(1.0)):
            s0 = np.clip(s0, min_share, max_share)
            s0 = s0 / s0.sum()
            res = minimize(
                lambda s: -self.revenue_of(s * total) / base,
                s0,
                bounds=bounds,
                constraints=cons,
                method="SLSQP",
                options={"ftol": 1e-10, "maxiter": 300},
            )
            value = self.revenue_of(res.x * total)
            if value > best_value:
                best, best_value = res.x * total, value
        assert best is not None
        return best

    def regret(self, split: np.ndarray, optimum: np.ndarray) -> float:
        return 1 - self.revenue_of(split) / self.revenue_of(optimum)


def make_world(seed: int) -> World:
    rng = np.random.default_rng(seed)
    n, r = len(CHANNELS), len(REGIONS)
    t = np.arange(WEEKS + QUARTER_WEEKS)
    dates = pd.date_range(START, periods=WEEKS + QUARTER_WEEKS, freq="W-MON")
    demand = 1 + 0.2 * np.sin(2 * np.pi * (t - 10) / 52) + 0.002 * t  # season and a slow trend
    for m, day, lift in ((6, 18, 0.5), (11, 11, 0.9)):  # 618 and 双十一 weeks
        for y in (2025, 2026):
            week = np.argmin(np.abs(dates - pd.Timestamp(y, m, day)))
            demand[week] += lift
            demand[max(week - 1, 0)] += lift / 3
    decay = rng.uniform(0.1, 0.7, n)
    base = rng.uniform(0.2e6, 4e6, n)  # typical weekly spend per channel: small and big channels, 20x apart
    half = base * rng.uniform(0.2, 4.0, n) / (1 - decay)  # some channels saturate early, some late
    roi_at_base = rng.uniform(1.0, 6.0, n)
    scale = roi_at_base * base / (1 - np.exp(-(base / (1 - decay)) / half))
    region_weight = rng.dirichlet([6, 6])
    spend = np.empty((WEEKS, n, r))
    for w in range(WEEKS):  # planners spend with demand: the confounder
        spend[w] = base[:, None] * region_weight[None, :] * demand[w] ** 1.5 * rng.lognormal(0, 0.15, (n, r))
    rows = []
    a = np.zeros((n, r))
    for w in range(WEEKS):
        a = decay[:, None] * a + spend[w]
        channel_revenue = (
            demand[w] * region_weight[None, :] * scale[:, None] * (1 - np.exp(-a / half[:, None]))
        )
        organic = demand[w] * region_weight[None, :] * 0.3 * scale.mean() / n
        revenue = (channel_revenue + organic) * rng.lognormal(0, 0.05, (n, r))
        for i, c in enumerate(CHANNELS):
            for j, g in enumerate(REGIONS):
                rows += [
                    {
                        "date": dates[w],
                        "region": g,
                        "channel": c,
                        "metric": "spend",
                        "value": float(spend[w, i, j]),
                    },
                    {
                        "date": dates[w],
                        "region": g,
                        "channel": c,
                        "metric": "revenue",
                        "value": float(revenue[i, j]),
                    },
                ]
    facts = pd.DataFrame(rows)
    return World(seed, decay, scale, half, region_weight, spend, demand, facts)


def workspace(world: World):  # -> WorkspaceContext, with its mix model fitted
    """A workspace over the world's data with its mix model fitted, as after an import."""
    from dataclasses import replace

    from assistant.usecases import from_frames, mixmodel

    ctx = from_frames(world.facts, None, name=f"world-{world.seed}")
    return replace(ctx, mix=mixmodel.fit_facts(world.facts))


def ours(ctx, world: World, total: float) -> np.ndarray:
    """The product's split: its budget use case on the workspace."""
    from assistant.usecases import budgets

    plan = budgets.allocate(ctx, total=total, period=world.next_quarter)
    amounts = {c.channel: c.amount for c in plan.channels}
    return np.array([amounts.get(c, 0.0) for c in _channels(world)])


def _channels(world: World) -> tuple[str, ...]:
    return tuple(getattr(world, "channels", CHANNELS))


def what_ifs(ctx, world: World) -> list[dict[str, float]]:
    """The product's predicted revenue change against the true change, for what-ifs planners ask:
    cut the biggest channel by 20%, move a fifth of it to the second biggest, add 20% to the
    total, and an extreme one the answer flags as beyond the data (a tenth of the budget into the
    smallest channel, several times its usual spend). The base is the product's own (last year's
    same weeks)."""
    from assistant.usecases import budgets

    channels = _channels(world)
    base = world.last_year_split(world.budget())
    order = [channels[i] for i in np.argsort(-base)]
    asks = {
        "cut": [budgets.Change(action="cut", channel=order[0], share=0.2)],
        "move": [budgets.Change(action="move", channel=order[0], to_channel=order[1], share=0.2)],
        "add": [budgets.Change(action="add", amount=0.2 * world.budget())],
        "extreme": [
            budgets.Change(action="move", channel=order[0], to_channel=order[-1], amount=0.1 * world.budget())
        ],
    }
    rows = []
    for name, changes in asks.items():
        s = budgets.scenario(ctx, changes, period=world.next_quarter)
        by = {line.channel: line for line in s.lines}
        before = np.array([by[c].base for c in channels])
        after = np.array([by[c].new for c in channels])
        truth = world.revenue_of(after) - world.revenue_of(before)
        # a move's net effect can be near zero while each leg is large: its error is measured
        # against the size of the legs' effects (for a one-way change that is the change itself)
        legs = sum(
            abs(
                world.revenue_of(np.where(np.arange(len(channels)) == i, after, before))
                - world.revenue_of(before)
            )
            for i in np.flatnonzero(np.abs(after - before) > 0.5)
        )
        predicted = s.revenue_change.mean if s.revenue_change else 0.0
        rows.append(
            {
                "world": float(world.seed),
                "what_if": name,  # type: ignore[dict-item]
                "true": round(truth, 2),
                "predicted": round(predicted, 2),
                "error": round(abs(predicted - truth) / max(legs, abs(truth), 1.0), 4),
                "flagged": float(bool(s.beyond)),
            }
        )
    return rows


def evaluate(seeds: tuple[int, ...], make=None) -> tuple[dict[str, float], list[dict[str, float]]]:
    """Regret of our split, last year's shares and an equal split, per world and on average, and
    the error of our what-if predictions against the true change. `make` builds a world from a
    seed (default this module's; `evals.budget_worlds_blind.make_world` for the blind worlds)."""
    make = make or make_world
    rows: list[dict[str, float]] = []
    errors: list[float] = []
    extreme: list[dict[str, float]] = []
    for seed in seeds:
        world = make(seed)
        ctx = workspace(world)
        total = world.budget()
        best = world.optimum(total)
        splits = {
            "ours": ours(ctx, world, total),
            "last_year": world.last_year_split(total),
            "equal": np.full(len(_channels(world)), total / len(_channels(world))),
        }
        checks = what_ifs(ctx, world)
        errors += [c["error"] for c in checks if c["what_if"] != "extreme"]
        extreme += [c for c in checks if c["what_if"] == "extreme"]
        rows.append(
            {
                "world": float(seed),
                **{k: round(world.regret(v, best), 4) for k, v in splits.items()},
                "what_if_error": round(
                    float(np.mean([c["error"] for c in checks if c["what_if"] != "extreme"])), 4
                ),
            }
        )
    metrics = {f"regret.{k}": float(np.mean([r[k] for r in rows])) for k in ("ours", "last_year", "equal")}
    metrics |= {
        "worst.ours": max(r["ours"] for r in rows),
        "beats_last_year": float(np.mean([r["ours"] <= r["last_year"] for r in rows])),
        "what_if.error": float(np.mean(errors)),
        "what_if.extreme_error": float(np.mean([c["error"] for c in extreme])),
        "what_if.extreme_flagged": float(np.mean([c["flagged"] for c in extreme])),
        "n": float(len(rows)),
    }
    return metrics, rows
