"""Blind ground-truth worlds for checking the budget optimiser.

Written independently of the model under test (``tools/mmm.py``, ``tools/budget.py``) and of its
own generator (``evals/budget_worlds.py``): nothing here was copied from or tuned against them.

Each seed is one synthetic company selling through 5-6 channels (Chinese names, e.g. 抖音直播,
小红书种草, 即时零售) in 2-4 regions (华北, 西南, 华中, 华东, ...), observed for 80-100 weeks,
each week dated by its Monday (pandas ``freq="W-MON"``), starting on some Monday in 2025.

True process, per region r, channel c, week t:

* demand ``D[t, r]`` = yearly seasonality (cosine with a random phase plus a small second
  harmonic; each region has its own amplitude) x trend (+-15 %/year, compounded) x promotion
  events: 618 (the week containing June 18, with a smaller pre-sale week before), 双十一 (the
  week containing Nov 11, larger, with a pre-sale week) and 春节 on its lunar date
  (2025-01-29, 2026-02-17, 2027-02-06, 2028-01-26), which per seed is either a dip (logistics
  stop; the week after recovers slowly) or a peak (年货节 in the week before);
* spend ``x[t, r, c]`` = size_c x region_r x (D / mean D) ** gamma_c (gamma_c in [0.8, 2]:
  planners chase demand, so spend is confounded with demand) x lognormal(sigma in [0.1, 0.3]),
  with, in some seeds, flighting: a channel switched off or doubled for 2-5 weeks;
  channel sizes span 10-30x from the smallest to the largest;
* adstock ``a[t] = x[t] + lambda_c * a[t-1]`` (geometric, lambda_c in [0, 0.8]);
* response = D x beta[r, c] x sat_c(a), where sat_c is a Hill curve
  ``a**s / (a**s + k**s)`` (s in [0.8, 2.5]) for some channels and ``1 - exp(-a / k)`` for the
  others; the half-saturation k[r, c] scales with the region's size times a random factor,
  so the same channel saturates at different spend levels in different regions; Hill channels
  sit past their inflection at typical spend; the average ROI at typical spend differs by channel,
  and small channels tend to be the under-invested ones (more headroom, higher ROI);
* organic revenue per cell = level[r, c] x D (no advertising needed);
* observed revenue = (response + organic) x lognormal(sigma in [0.03, 0.10]);
  observed conversions = revenue / AOV, with AOV per channel and weekly noise.

``World.revenue_of`` evaluates the TRUE response (organic excluded) for the quarter after the
data: the quarter's total per channel is spread evenly over the weeks whose Monday falls in it,
across regions by each region's share of that channel's spend in the last 13 weeks, with adstock
carried from the data's end (weeks between the data's end and the quarter continue at the last
13 weeks' average per cell), under the quarter's true demand (events and trend included).

``World.optimum`` maximises that under share bounds (default 5 %-40 % per channel). Last year's
split may lie outside those bounds (channel sizes span 10-30x), so its regret against the bounded
optimum can in principle be negative.

Run ``.venv/bin/python evals/budget_worlds_blind.py`` for a summary table per seed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import minimize

SEEDS: tuple[int, ...] = tuple(range(200, 206))

CHANNEL_POOL: tuple[str, ...] = (
    "抖音直播",
    "小红书种草",
    "即时零售",
    "便利店",
    "搜索广告",
    "信息流",
    "天猫旗舰店",
    "社群团购",
)
REGION_POOL: tuple[str, ...] = ("华北", "西南", "华中", "华东", "华南", "东北")
CNY: tuple[str, ...] = ("2025-01-29", "2026-02-17", "2027-02-06", "2028-01-26")
METRICS: tuple[str, ...] = ("spend", "revenue", "conversions")
RECENT_WEEKS = 13
HEADROOM = 0.25


def _week_of(dates: pd.DatetimeIndex, day: pd.Timestamp) -> np.ndarray:
    """Boolean mask of the weeks (dated by Monday) that contain ``day``."""
    delta = (day - dates).days
    return (delta >= 0) & (delta < 7)


@dataclass(frozen=True)
class _Truth:
    """The hidden parameters of one world."""

    start: pd.Timestamp
    region_size: np.ndarray  # (R,)
    season_amp: np.ndarray  # (R,)
    season_phase: float  # day of year of the seasonal peak
    season_amp2: float
    trend: float  # per year
    lift_618: float
    lift_618_pre: float
    lift_1111: float
    lift_1111_pre: float
    cny_peak: bool
    cny_main: float
    cny_side: float
    decay: np.ndarray  # (C,)
    hill: np.ndarray  # (C,) bool: Hill curve, else exponential
    shape: np.ndarray  # (C,) Hill shape (unused for exponential)
    half_sat: np.ndarray  # (R, C)
    beta: np.ndarray  # (R, C) revenue at full saturation, per unit demand

    def demand(self, dates: pd.DatetimeIndex) -> np.ndarray:
        """True demand multiplier, shape (len(dates), R)."""
        doy = dates.day_of_year.to_numpy(float)
        ang = 2 * np.pi * (doy - self.season_phase) / 365.25
        years = (dates - self.start).days.to_numpy(float) / 365.25
        season = (
            1 + self.season_amp[None, :] * np.cos(ang)[:, None] + self.season_amp2 * np.cos(2 * ang)[:, None]
        )
        events = np.ones(len(dates))
        for year in sorted(set(dates.year) | {dates.year.min() - 1, dates.year.max() + 1}):
            d618 = pd.Timestamp(year=year, month=6, day=18)
            d1111 = pd.Timestamp(year=year, month=11, day=11)
            events[_week_of(dates, d618)] *= 1 + self.lift_618
            events[_week_of(dates, d618 - pd.Timedelta(days=7))] *= 1 + self.lift_618_pre
            events[_week_of(dates, d1111)] *= 1 + self.lift_1111
            events[_week_of(dates, d1111 - pd.Timedelta(days=7))] *= 1 + self.lift_1111_pre
        for day in CNY:
            d = pd.Timestamp(day)
            if self.cny_peak:  # 年货节 before, the holiday week itself mildly up
                events[_week_of(dates, d - pd.Timedelta(days=7))] *= 1 + self.cny_main
                events[_week_of(dates, d)] *= 1 + self.cny_side
            else:  # logistics stop, slow recovery
                events[_week_of(dates, d)] *= self.cny_main
                events[_week_of(dates, d + pd.Timedelta(days=7))] *= self.cny_side
        return season * ((1 + self.trend) ** years)[:, None] * events[:, None]

    def saturation(self, a: np.ndarray) -> np.ndarray:
        """sat(a) for adstock ``a`` of shape (..., R, C)."""
        a = np.maximum(a, 0.0)
        ratio = a / self.half_sat
        hill = np.where(self.hill, ratio**self.shape / (ratio**self.shape + 1), 0.0)
        expo = np.where(self.hill, 0.0, 1 - np.exp(-ratio))
        return np.where(self.hill, hill, expo)

    def saturation_grad(self, a: np.ndarray) -> np.ndarray:
        """d sat / d a."""
        a = np.maximum(a, 1e-12)
        ratio = a / self.half_sat
        s = self.shape
        hill = s * ratio ** (s - 1) / (ratio**s + 1) ** 2 / self.half_sat
        expo = np.exp(-ratio) / self.half_sat
        return np.where(self.hill, hill, expo)

    def adstock(self, x: np.ndarray, init: np.ndarray | None = None) -> np.ndarray:
        """Geometric adstock along axis 0 of x (T, R, C), starting from state ``init`` (R, C)."""
        out = np.empty_like(x)
        prev = np.zeros(x.shape[1:]) if init is None else init
        for t in range(x.shape[0]):
            prev = x[t] + self.decay * prev
            out[t] = prev
        return out


@dataclass
class World:
    """One synthetic company with a known response; see the module docstring."""

    seed: int
    facts: pd.DataFrame
    next_quarter: str
    channels: tuple[str, ...]
    regions: tuple[str, ...]
    _truth: _Truth = field(repr=False)
    _dates: pd.DatetimeIndex = field(repr=False)
    _spend: np.ndarray = field(repr=False)  # (T, R, C) true (= observed) spend
    _end_state: np.ndarray = field(repr=False)  # (R, C) adstock after the data's last week
    _recent_mean: np.ndarray = field(repr=False)  # (R, C) last 13 weeks' mean weekly spend
    _region_share: np.ndarray = field(repr=False)  # (R, C) share of channel's recent spend
    _gap_weeks: pd.DatetimeIndex = field(repr=False)
    _quarter_weeks: pd.DatetimeIndex = field(repr=False)

    # ----- budget and baselines -------------------------------------------------------------
    def _year_earlier_mask(self) -> np.ndarray:
        q = pd.Period(self.next_quarter.replace("-", ""), freq="Q") - 4
        mask = np.asarray(self._dates.to_period("Q") == q)
        assert mask.any(), "year-earlier quarter must lie in the data"
        return mask

    def budget(self) -> float:
        """Total spend (all channels and regions) in the same quarter a year earlier."""
        return float(self._spend[self._year_earlier_mask()].sum())

    def last_year_split(self, total: float) -> np.ndarray:
        """``total`` split by each channel's share of spend in the quarter a year earlier."""
        per_channel = self._spend[self._year_earlier_mask()].sum(axis=(0, 1))
        return total * per_channel / per_channel.sum()

    # ----- truth ----------------------------------------------------------------------------
    def _quarter_adstock(self, split: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Adstock over the quarter's weeks (Q, R, C) and d a / d split_c (Q, R, C)."""
        tr = self._truth
        state = self._end_state.copy()
        for _ in range(len(self._gap_weeks)):
            state = self._recent_mean + tr.decay * state
        n = len(self._quarter_weeks)
        weekly = np.asarray(split, float)[None, :] / n * self._region_share  # (R, C)
        x = np.broadcast_to(weekly, (n, *weekly.shape)).copy()
        a = tr.adstock(x, init=state)
        geo = np.cumsum(tr.decay[None, :] ** np.arange(n)[:, None], axis=0)  # (Q, C)
        da = geo[:, None, :] * self._region_share[None] / n
        return a, da

    def _revenue_and_grad(self, split: np.ndarray) -> tuple[float, np.ndarray]:
        tr = self._truth
        a, da = self._quarter_adstock(split)
        dem = tr.demand(self._quarter_weeks)[:, :, None]  # (Q, R, 1)
        rev = float((dem * tr.beta * tr.saturation(a)).sum())
        grad = (dem * tr.beta * tr.saturation_grad(a) * da).sum(axis=(0, 1))
        return rev, grad

    def revenue_of(self, split: np.ndarray) -> float:
        """True channel-attributable revenue (organic excluded) of ``split`` over next quarter."""
        split = np.asarray(split, float)
        if split.shape != (len(self.channels),):
            raise ValueError(f"split must have {len(self.channels)} entries, in World.channels order")
        return self._revenue_and_grad(split)[0]

    def optimum(self, total: float, min_share: float = 0.05, max_share: float = 0.40) -> np.ndarray:
        """True best split of ``total`` with each channel's share in [min_share, max_share]."""
        n = len(self.channels)
        lo, hi = min_share, max_share
        if n * lo > 1 + 1e-12 or n * hi < 1 - 1e-12:
            raise ValueError("share bounds are infeasible")
        scale = self.revenue_of(np.full(n, total / n))

        def neg(w: np.ndarray) -> tuple[float, np.ndarray]:
            rev, grad = self._revenue_and_grad(w * total)
            return -rev / scale, -grad * total / scale

        rng = np.random.default_rng(self.seed + 7919)
        starts = [np.full(n, 1 / n), self.last_year_split(1.0)]
        starts += [rng.dirichlet(np.ones(n)) for _ in range(6)]
        starts += [np.eye(n)[i] * 0.5 + 0.5 / n for i in range(n)]
        best_w, best_f = None, np.inf
        cons = ({"type": "eq", "fun": lambda w: w.sum() - 1.0, "jac": lambda w: np.ones_like(w)},)
        for w0 in starts:
            w0 = _project(w0, lo, hi)
            res = minimize(
                neg,
                w0,
                jac=True,
                method="SLSQP",
                bounds=[(lo, hi)] * n,
                constraints=cons,
                options={"ftol": 1e-13, "maxiter": 500},
            )
            w = _project(res.x, lo, hi)
            f = neg(w)[0]
            if f < best_f:
                best_w, best_f = w, f
        assert best_w is not None
        return best_w * total

    def regret(self, split: np.ndarray, optimum: np.ndarray) -> float:
        """1 - revenue_of(split) / revenue_of(optimum)."""
        return 1.0 - self.revenue_of(split) / self.revenue_of(optimum)


def _project(v: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """Euclidean projection of v onto {w : sum w = 1, lo <= w <= hi} (bisection on the shift)."""
    v = np.asarray(v, float)
    a, b = lo - v.max() - 1, hi - v.min() + 1
    for _ in range(100):
        tau = (a + b) / 2
        if np.clip(v + tau, lo, hi).sum() > 1:
            b = tau
        else:
            a = tau
    return np.clip(v + (a + b) / 2, lo, hi)


def make_world(seed: int) -> World:
    """Build the world for ``seed`` (deterministic)."""
    rng = np.random.default_rng([seed, 20250106])

    n_ch = int(rng.integers(5, 7))
    n_rg = int(rng.integers(2, 5))
    channels = tuple(str(c) for c in rng.choice(CHANNEL_POOL, size=n_ch, replace=False))
    regions = tuple(str(r) for r in rng.choice(REGION_POOL, size=n_rg, replace=False))
    n_weeks = int(rng.integers(80, 101))
    start = pd.Timestamp("2025-01-06") + pd.Timedelta(weeks=int(rng.integers(0, 52)))
    dates = pd.date_range(start, periods=n_weeks, freq="W-MON")

    # regions: sizes differ up to ~4x
    region_size = rng.lognormal(0.0, 0.45, n_rg)
    region_size /= region_size.mean()

    # channel sizes: smallest to largest spans 10-30x
    span = float(np.exp(rng.uniform(np.log(10), np.log(30))))
    inner = np.sort(rng.uniform(0.3, 1, n_ch - 2))  # one small channel, the rest closer together
    logpos = np.concatenate([[0.0], inner, [1.0]])
    rng.shuffle(logpos)
    ch_size = 8_000.0 * span**logpos  # weekly spend (yuan) per average region, smallest ~8k

    cny_peak = bool(rng.random() < 0.5)
    truth_kwargs: dict[str, Any] = dict(
        start=start,
        region_size=region_size,
        season_amp=rng.uniform(0.08, 0.28) * rng.lognormal(0, 0.2, n_rg),
        season_phase=float(rng.uniform(0, 365)),
        season_amp2=float(rng.uniform(-0.06, 0.06)),
        trend=float(rng.uniform(-0.15, 0.15)),
        lift_618=float(rng.uniform(0.25, 0.65)),
        lift_618_pre=float(rng.uniform(0.05, 0.2)),
        lift_1111=float(rng.uniform(0.8, 1.5)),
        lift_1111_pre=float(rng.uniform(0.1, 0.35)),
        cny_peak=cny_peak,
        cny_main=float(rng.uniform(0.3, 0.7) if cny_peak else rng.uniform(0.5, 0.8)),
        cny_side=float(rng.uniform(0.05, 0.25) if cny_peak else rng.uniform(0.75, 0.92)),
    )

    decay = rng.uniform(0.0, 0.8, n_ch)
    hill_idx = rng.permutation(n_ch)
    hill = np.zeros(n_ch, bool)
    hill[hill_idx[: int(rng.integers(2, n_ch - 1))]] = True  # both curve families present
    shape = np.where(hill, rng.uniform(0.8, 2.5, n_ch), 1.0)

    base_spend = ch_size[None, :] * region_size[:, None]  # (R, C) typical weekly spend
    steady = base_spend / (1 - decay)  # typical adstock level
    # half-saturation relative to typical adstock: channel factor x region factor
    # (Hill channels start near their inflection, not deep in the convex part; small channels
    # have relatively more headroom than big ones)
    k_mult = np.where(
        hill,
        np.exp(rng.uniform(np.log(0.6), np.log(1.5), n_ch)),
        np.exp(rng.uniform(np.log(0.8), np.log(2.5), n_ch)),
    )
    k_mult = k_mult * (ch_size.max() / ch_size) ** HEADROOM
    k_mult = np.where(hill, np.minimum(k_mult, 1.4), k_mult)
    half_sat = steady * k_mult[None, :] * rng.lognormal(0.0, 0.3, (n_rg, n_ch))
    # average ROI at typical spend per channel; smaller channels tend to be richer
    size_rank = np.argsort(np.argsort(ch_size)) / (n_ch - 1)  # 0 smallest .. 1 largest
    roi = np.exp(rng.normal(0.0, 0.25, n_ch) + 0.6 * (0.5 - size_rank)) * rng.uniform(1.2, 2.5)
    truth_tmp = _Truth(
        **truth_kwargs, decay=decay, hill=hill, shape=shape, half_sat=half_sat, beta=np.ones((n_rg, n_ch))
    )
    sat_typ = truth_tmp.saturation(steady)
    beta = roi[None, :] * base_spend / sat_typ * rng.lognormal(0.0, 0.15, (n_rg, n_ch))
    truth = _Truth(**truth_kwargs, decay=decay, hill=hill, shape=shape, half_sat=half_sat, beta=beta)

    # spend: chases demand, with noise and flighting
    dem = truth.demand(dates)  # (T, R)
    rel = dem / dem.mean(axis=0, keepdims=True)
    gamma = rng.uniform(0.8, 2.0, n_ch)
    sigma_spend = rng.uniform(0.1, 0.3)
    spend = (
        base_spend[None]
        * rel[:, :, None] ** gamma[None, None, :]
        * rng.lognormal(0.0, sigma_spend, (n_weeks, n_rg, n_ch))
    )
    if rng.random() < 0.6:
        for c in rng.choice(n_ch, size=int(rng.integers(1, 3)), replace=False):
            length = int(rng.integers(2, 6))
            t0 = int(rng.integers(4, n_weeks - RECENT_WEEKS - length))
            spend[t0 : t0 + length, :, c] *= 0.0 if rng.random() < 0.5 else 2.0
    spend = np.round(spend, 2)

    a = truth.adstock(spend)
    response = dem[:, :, None] * beta[None] * truth.saturation(a)
    organic_level = base_spend * roi[None, :] * rng.uniform(0.3, 1.5, (n_rg, n_ch))
    organic = dem[:, :, None] * organic_level[None]
    sigma_rev = rng.uniform(0.03, 0.10)
    revenue = np.round((response + organic) * rng.lognormal(0.0, sigma_rev, spend.shape), 2)
    aov = rng.uniform(40.0, 400.0, n_ch)
    conversions = np.round(revenue / (aov[None, None, :] * rng.lognormal(0.0, 0.06, spend.shape)))

    # long facts: week x region x channel x metric
    values = np.stack([spend, revenue, conversions], axis=-1)  # (T, R, C, M)
    T, R, C, M = values.shape
    idx = np.indices((T, R, C, M)).reshape(4, -1)
    facts = pd.DataFrame(
        {
            "date": dates[idx[0]],
            "region": np.asarray(regions, dtype=object)[idx[1]],
            "channel": np.asarray(channels, dtype=object)[idx[2]],
            "metric": np.asarray(METRICS, dtype=object)[idx[3]],
            "value": values.reshape(-1).astype(float),
        }
    )

    last = dates[-1]
    q_next = last.to_period("Q") + 1
    quarter_weeks = pd.date_range(q_next.start_time, q_next.end_time, freq="W-MON")
    gap_weeks = pd.date_range(
        last + pd.Timedelta(days=7), q_next.start_time - pd.Timedelta(days=1), freq="W-MON"
    )
    recent = spend[-RECENT_WEEKS:]
    recent_mean = recent.mean(axis=0)
    tot = recent.sum(axis=0)
    share = np.where(
        tot.sum(axis=0, keepdims=True) > 0,
        tot / np.maximum(tot.sum(axis=0, keepdims=True), 1e-12),
        region_size[:, None] / region_size.sum(),
    )

    return World(
        seed=seed,
        facts=facts,
        next_quarter=f"{q_next.year}-Q{q_next.quarter}",
        channels=channels,
        regions=regions,
        _truth=truth,
        _dates=dates,
        _spend=spend,
        _end_state=a[-1],
        _recent_mean=recent_mean,
        _region_share=share,
        _gap_weeks=gap_weeks,
        _quarter_weeks=quarter_weeks,
    )


def _summary() -> None:
    import time

    print(
        f"{'seed':>4} {'weeks':>5} {'ch':>2} {'rg':>2} {'next_q':>7} {'budget':>14} "
        f"{'regret_ly':>9} {'regret_eq':>9} {'nan':>4} {'secs':>5}"
    )
    for seed in SEEDS:
        t0 = time.perf_counter()
        w = make_world(seed)
        secs = time.perf_counter() - t0
        b = w.budget()
        opt = w.optimum(b)
        ly = w.regret(w.last_year_split(b), opt)
        eq = w.regret(np.full(len(w.channels), b / len(w.channels)), opt)
        n_weeks = w.facts["date"].nunique()
        nan = bool(w.facts.isna().any().any())
        print(
            f"{seed:>4} {n_weeks:>5} {len(w.channels):>2} {len(w.regions):>2} {w.next_quarter:>7} "
            f"{b:>14,.0f} {ly:>9.2%} {eq:>9.2%} {nan!s:>4} {secs:>5.2f}"
        )


if __name__ == "__main__":
    _summary()
