"""A marketing-mix model of a workspace's weekly spend and revenue, and what it says about money.

Each region × channel cell's weekly revenue (or conversions) is

    y[t, cell] = D[t] · (base[cell] + beta[cell] · sat(adstock[t, cell] / half[cell]))

where adstock is geometric carry-over of spend (decay per channel), `sat` saturates (1 − e^−x,
x / (1 + x) or the S-shaped x² / (1 + x²), chosen per channel by fit; the half-saturation point
is one amount for the channel's regions or in proportion to each region's spend, also by fit)
and D[t] is the week's demand: the season, the promotion
calendar and trend, shared by all cells. With enough cells per week, D is one free effect per week
(week fixed effects), which is what breaks the classic confounder: planners spend more when demand
is high, so a curve fitted on all weeks takes the season for the channel's effect. What is left to
identify the curves is how spend moved between cells inside a week. With too few cells, D is a
smooth calendar regression (trend, yearly Fourier terms, event weeks) instead.

The fit is a grid over each channel's decay, half-saturation and curve shape, with the cells'
base and beta by weighted least squares (relative error) and D re-estimated in turn; uncertainty
comes from refitting on block-bootstrapped weeks, so every prediction is a set of draws and a
range. A future week's demand is last year's same week aligned by event (the 春节 week with the
春节 week), scaled by the year-on-year level of the latest weeks.

Fit time is a few seconds for 100 weeks × 5 channels × 4 regions; a prediction is a vectorised
simulation over the draws, milliseconds, so allocation and what-ifs run inside a request.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, Field

from tools.calendar import PromoEvent, same_week_last_year, week_events, week_start
from tools.errors import DataError, InvalidArgument

Form = Literal["exp", "hill", "hill2"]
FORMS: tuple[Form, ...] = ("exp", "hill", "hill2")
DECAYS = np.round(np.arange(0.0, 0.85, 0.1), 2)
# half-saturation, in units of the channel's usual adstock: a curve already flat at half its usual
# spend is not told apart from a constant by the weeks' variation, and choosing such curves on noise
# made what-ifs too small (0.1 as the lowest step: added money's effect 18% low on the tuning worlds)
HALF_STEPS = np.geomspace(0.5, 10.0, 12)
MIN_WEEKS = 26
MIN_CELLS_FOR_WEEK_EFFECTS = 4
DRAWS = 40
BLOCK = 4  # weeks per bootstrap block: keeps a stretch of correlated weeks together
RECENT = 13  # weeks that define the recent level, regional mix and spend run rate
EXTRAPOLATION = 1.5  # a week above 1.5x the largest observed week is beyond what the model has seen
Progress = Callable[[float, str], None]


class CellFit(BaseModel):
    region: str
    channel: str
    base: list[float]  # per draw
    beta: list[float]
    half: list[float]  # adstock at which the curve is half way (1 - 1/e for exp)
    carry: list[float]  # adstock at the data's end, per draw
    recent_share: float  # of the channel's spend in the latest weeks


class ChannelFit(BaseModel):
    channel: str
    decay: list[float]  # per draw
    form: list[Form]
    largest_week: float  # the largest weekly spend (all its cells together) in the data
    smallest_week: float
    recent_weekly: float  # average weekly spend over the latest weeks


class MixModel(BaseModel):
    """A fitted model: per-draw parameters, the demand history and how well it fits."""

    metric: str
    weeks: list[str]  # the Monday of each week of the data
    demand: list[list[float]]  # per draw, per week
    channels: list[ChannelFit]
    cells: list[CellFit]
    week_effects: bool  # D free per week (True) or a calendar regression
    fit_mape: float  # in-sample error of the weekly total, point fit
    fitted_at: str = Field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))

    @property
    def draws(self) -> int:
        return len(self.demand)

    @property
    def end(self) -> pd.Timestamp:
        return pd.Timestamp(self.weeks[-1])

    def channel(self, name: str) -> ChannelFit:
        for c in self.channels:
            if c.channel == name:
                return c
        raise InvalidArgument(f"the model has no channel {name!r}: it knows {', '.join(self.names)}")

    @property
    def names(self) -> list[str]:
        return [c.channel for c in self.channels]


# -- data ----------------------------------------------------------------------------------------


def weekly_cells(
    facts: pd.DataFrame, metric: str = "revenue"
) -> tuple[pd.DatetimeIndex, pd.DataFrame, pd.DataFrame]:
    """Weekly spend and `metric` per (region, channel) cell: (weeks, spend, outcome), each
    week × cell, missing weeks as zero spend."""
    rows = facts[facts["metric"].isin(["spend", metric]) & (facts["channel"] != "")]
    if rows.empty or metric not in set(rows["metric"]) or "spend" not in set(rows["metric"]):
        raise DataError(f"a mix model needs weekly spend and {metric} by channel")
    dates = pd.DatetimeIndex(sorted(rows["date"].unique()))
    if len(dates) > 1 and (np.diff(dates.values).astype("timedelta64[D]").astype(int) > 8).mean() > 0.2:
        raise DataError("a mix model needs weekly data: these facts are monthly or have large gaps")
    weeks = pd.DatetimeIndex([week_start(d) for d in dates]).unique()
    rows = rows.assign(week=rows["date"].map(week_start))
    wide = rows.pivot_table(
        index="week", columns=["metric", "region", "channel"], values="value", aggfunc="sum"
    )
    wide = wide.reindex(pd.date_range(weeks[0], weeks[-1], freq="W-MON")).fillna(0.0)
    spend, outcome = wide["spend"], wide[metric]
    cells = [c for c in spend.columns if c in outcome.columns and spend[c].sum() > 0]
    if not cells:
        raise DataError(f"no channel has both spend and {metric}")
    return pd.DatetimeIndex(wide.index), spend[cells], outcome[cells]  # type: ignore[return-value, unused-ignore]


def _adstock(spend: np.ndarray, decay: float | np.ndarray) -> np.ndarray:
    """Geometric carry-over, starting from the steady state of the first week's spend."""
    d = np.asarray(decay, dtype=float)
    out = np.empty_like(spend)
    a = spend[0] / (1 - d)
    for t in range(len(spend)):
        a = d * a + spend[t]
        out[t] = a
    return out


_CURVES: tuple[Callable[[np.ndarray], np.ndarray], ...] = (  # in the order of FORMS
    lambda x: 1 - np.exp(-x),
    lambda x: x / (1 + x),
    lambda x: x * x / (1 + x * x),  # hill2: S-shaped, slow to start
)


def _sat(x: np.ndarray, form: str) -> np.ndarray:
    return _CURVES[FORMS.index(form)](x)


def fit_into(x: np.ndarray, total: float, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """`x` moved inside [lo, hi] with its sum made `total`: clipped, then the difference spread
    over the lines with room, in proportion to their room, until it holds."""
    x = np.asarray(x, dtype=float)
    for _ in range(50):
        x = np.clip(x, lo, hi)
        gap = total - float(x.sum())
        room = (hi - x) if gap > 0 else (x - lo)
        if abs(gap) < 0.01 or room.sum() <= 0:
            break
        x = x + gap * room / room.sum()
    return x


# -- fit -----------------------------------------------------------------------------------------


def _linear(x: np.ndarray, z: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per cell (the last axis), z ≈ base + beta·x by weighted least squares with base, beta ≥ 0;
    x may carry leading axes (one per candidate curve). Returns base, beta and the loss."""
    sw, sz = w.sum(-2), (w * z).sum(-2)
    sx, sxx, sxz = (w * x).sum(-2), (w * x * x).sum(-2), (w * x * z).sum(-2)
    det = sw * sxx - sx * sx
    ok = det > 1e-9 * sw * sxx  # relative: the weights are 1/z², tiny for big amounts
    beta = np.where(ok, (sw * sxz - sx * sz) / np.where(ok, det, 1), 0.0)
    base = (sz - beta * sx) / np.maximum(sw, 1e-300)
    neg_beta = beta < 0
    beta, base = np.where(neg_beta, 0.0, beta), np.where(neg_beta, sz / np.maximum(sw, 1e-300), base)
    neg_base = base < 0
    base = np.where(neg_base, 0.0, base)
    beta = np.where(neg_base, sxz / np.maximum(sxx, 1e-300), beta)
    fitted = base[..., None, :] + beta[..., None, :] * x
    loss = (w * (z - fitted) ** 2).sum(axis=(-2, -1))
    return base, beta, loss


def _fit_channel(spend: np.ndarray, z: np.ndarray, w: np.ndarray) -> tuple[float, np.ndarray, Form, float]:
    """Best decay, per-cell half-saturation and curve shape for one channel's cells, z ≈ base +
    beta·sat(adstock / half) by weighted least squares over the grid. The half-saturation point is
    either one amount for all the channel's regions or proportional to each region's usual spend,
    whichever fits better. Returns (decay, halves, form, loss)."""
    best: tuple[float, np.ndarray, Form, float] | None = None
    for decay in DECAYS:
        a = _adstock(spend, decay)
        used = np.where(a > 0, a, np.nan)
        per_cell = np.nan_to_num(np.nanmean(used, axis=0), nan=1.0) if (a > 0).any() else np.ones(a.shape[1])
        pooled = np.full(a.shape[1], float(np.nanmean(used)) if (a > 0).any() else 1.0)
        for ref in (pooled, per_cell) if a.shape[1] > 1 else (pooled,):
            halves = HALF_STEPS[:, None] * ref[None, :]  # H × J
            for form in FORMS:
                x = _sat(a[None, :, :] / halves[:, None, :], form)  # H × T × J
                _, _, loss = _linear(x, z[None], w[None])
                h = int(np.argmin(loss))
                if best is None or loss[h] < best[3]:
                    best = (float(decay), halves[h], form, float(loss[h]))
    assert best is not None
    return best


def _calendar_design(weeks: pd.DatetimeIndex) -> np.ndarray:
    t = np.arange(len(weeks)) / 52.18
    cols = [np.ones(len(weeks)), t]
    for k in (1, 2, 3):
        cols += [np.sin(2 * np.pi * k * t), np.cos(2 * np.pi * k * t)]
    for event in ("618", "双十一", "春节"):
        cols.append(np.array([event in week_events(d) for d in weeks], dtype=float))
    return np.column_stack(cols)


def _fit_once(
    weeks: pd.DatetimeIndex,
    spend: np.ndarray,
    y: np.ndarray,
    cell_channel: np.ndarray,
    n_channels: int,
    week_weight: np.ndarray,
    week_effects: bool,
    rounds: int = 3,
    steps: int = 10,
) -> tuple[np.ndarray, list[tuple[float, Form]], np.ndarray, np.ndarray, np.ndarray]:
    """One fit on weighted weeks: demand D (per week), per channel (decay, form), per cell half,
    base and beta."""
    positive = y > 0
    logy = np.log(np.where(positive, y, 1.0))
    counts = positive.sum(1)
    logd = np.where(counts > 0, (logy * positive).sum(1) / np.maximum(counts, 1), 0.0)
    logd -= logd[counts > 0].mean()
    design = None if week_effects else _calendar_design(weeks)
    hyper: list[tuple[float, Form]] = [(0.0, "exp")] * n_channels
    half = np.ones(y.shape[1])
    base, beta = np.zeros(y.shape[1]), np.zeros(y.shape[1])
    x = np.zeros_like(y)
    fitted: np.ndarray | None = None
    for _ in range(rounds):  # the curves' shapes by grid, then base, beta and D in turn
        z = y / np.exp(logd)[:, None]
        scale = fitted if fitted is not None else np.where(positive, z, 1.0)
        w = np.where(positive, week_weight[:, None] / np.maximum(scale, 1e-300) ** 2, 0.0)
        for c in range(n_channels):
            cols = np.flatnonzero(cell_channel == c)
            decay, halves, form, _ = _fit_channel(spend[:, cols], z[:, cols], w[:, cols])
            hyper[c], half[cols] = (decay, form), halves
            x[:, cols] = _sat(_adstock(spend[:, cols], decay) / halves, form)
        for _ in range(steps):  # block coordinate descent converges slowly along the confounded direction
            z = y / np.exp(logd)[:, None]
            base, beta, _ = _linear(x, z, w)
            fitted = base + beta * x
            ok = positive & (fitted > 0)
            resid = np.where(ok, logy - np.log(np.where(ok, fitted, 1.0)), 0.0)
            n = ok.sum(1)
            raw = np.where(n > 0, resid.sum(1) / np.maximum(n, 1), 0.0)
            if design is not None:  # a smooth calendar: trend, season, events
                coef, *_ = np.linalg.lstsq(
                    design * week_weight[:, None] ** 0.5, raw * week_weight**0.5, rcond=None
                )
                raw = design @ coef
            logd = raw - raw.mean()
            w = np.where(positive & (fitted > 0), week_weight[:, None] / np.maximum(fitted, 1e-12) ** 2, 0.0)
    return np.exp(logd), hyper, half, base, beta


def fit_mix_model(
    facts: pd.DataFrame,
    *,
    metric: str = "revenue",
    draws: int = DRAWS,
    seed: int = 0,
    progress: Progress | None = None,
) -> MixModel:
    """Fit the model to weekly facts (date, region, channel, metric, value) with spend and
    `metric` by channel; `progress(fraction, message)` is called as draws complete."""
    weeks, spend_df, y_df = weekly_cells(facts, metric)
    if len(weeks) < MIN_WEEKS:
        raise DataError(
            f"a mix model needs at least {MIN_WEEKS} weeks of spend and {metric}; the data has {len(weeks)}"
        )
    cells = list(spend_df.columns)
    regions, channels = [str(c[0]) for c in cells], [str(c[1]) for c in cells]
    spent = pd.Series(spend_df.sum().to_numpy(), index=channels).groupby(level=0).sum()
    names = list(spent.sort_values(ascending=False).index)  # biggest channel first
    cell_channel = np.array([names.index(c) for c in channels])
    spend, y = spend_df.to_numpy(float), y_df.to_numpy(float)
    week_effects = len(cells) >= MIN_CELLS_FOR_WEEK_EFFECTS
    rng = np.random.default_rng(seed)
    n_weeks = len(weeks)
    out_d, out_h, out_half, out_b0, out_b1 = [], [], [], [], []
    for i in range(max(draws, 1)):
        if i == 0:
            weight = np.ones(n_weeks)
        else:  # block bootstrap: whole stretches of weeks drawn with replacement
            starts = rng.integers(0, n_weeks - BLOCK + 1, size=int(np.ceil(n_weeks / BLOCK)))
            weight = np.bincount(
                (starts[:, None] + np.arange(BLOCK)).ravel()[:n_weeks], minlength=n_weeks
            ).astype(float)
        d, hyper, half, b0, b1 = _fit_once(weeks, spend, y, cell_channel, len(names), weight, week_effects)
        out_d.append(d)
        out_h.append(hyper)
        out_half.append(half.copy())
        out_b0.append(b0.copy())
        out_b1.append(b1.copy())
        if progress:
            progress((i + 1) / max(draws, 1), f"{metric}: draw {i + 1} of {max(draws, 1)}")
    point = out_d[0][:, None] * np.column_stack(
        [
            out_b0[0][j]
            + out_b1[0][j] * _sat(_adstock(spend[:, j], out_h[0][c][0]) / out_half[0][j], out_h[0][c][1])
            for j, c in enumerate(cell_channel)
        ]
    )
    total, fitted_total = y.sum(1), point.sum(1)
    mape = float(np.mean(np.abs(fitted_total - total)[total > 0] / total[total > 0]))
    channel_weekly = {c: spend[:, cell_channel == k].sum(1) for k, c in enumerate(names)}
    recent = slice(max(n_weeks - RECENT, 0), n_weeks)
    channel_fits = [
        ChannelFit(
            channel=c,
            decay=[h[k][0] for h in out_h],
            form=[h[k][1] for h in out_h],
            largest_week=float(channel_weekly[c].max()),
            smallest_week=float(channel_weekly[c][channel_weekly[c] > 0].min()),
            recent_weekly=float(channel_weekly[c][recent].mean()),
        )
        for k, c in enumerate(names)
    ]
    cell_fits = []
    for j, (region, channel) in enumerate(zip(regions, channels, strict=True)):
        k = int(cell_channel[j])
        recent_channel = float(spend[recent][:, cell_channel == k].sum())
        cell_fits.append(
            CellFit(
                region=region,
                channel=channel,
                base=[float(b[j]) for b in out_b0],
                beta=[float(b[j]) for b in out_b1],
                half=[float(h[j]) for h in out_half],
                carry=[float(_adstock(spend[:, j], h[k][0])[-1]) for h in out_h],
                recent_share=float(spend[recent, j].sum()) / recent_channel if recent_channel else 0.0,
            )
        )
    return MixModel(
        metric=metric,
        weeks=[d.date().isoformat() for d in weeks],
        demand=[[round(float(v), 6) for v in d] for d in out_d],
        channels=channel_fits,
        cells=cell_fits,
        week_effects=week_effects,
        fit_mape=round(mape, 4),
    )


# -- prediction ----------------------------------------------------------------------------------


def plan_weeks(start: pd.Timestamp, end: pd.Timestamp) -> pd.DatetimeIndex:
    """The Mondays of the weeks a period's money is spent in: those starting in it."""
    first = week_start(start)
    if first < pd.Timestamp(start).normalize():
        first += pd.Timedelta(weeks=1)
    return pd.date_range(first, pd.Timestamp(end), freq="W-MON")


class Simulator:
    """A model made ready for one period and scope: demand for its weeks, carry-over into it,
    and the cells each channel's money is spread over."""

    def __init__(
        self,
        model: MixModel,
        weeks: pd.DatetimeIndex,
        *,
        region: str | None = None,
        channels: Sequence[str] | None = None,
        events: tuple[PromoEvent, ...] = (),
    ) -> None:
        if len(weeks) == 0:
            raise InvalidArgument("the period has no weeks to spend in")
        self.model, self.weeks, self.region, self.events = model, weeks, region, events
        cells = [
            c
            for c in model.cells
            if (region is None or c.region == region) and (not channels or c.channel in channels)
        ]
        if not cells:
            raise InvalidArgument(f"the model has no cells in region {region!r}")
        self.names = [c.channel for c in model.channels if any(x.channel == c.channel for x in cells)]
        index = {n: i for i, n in enumerate(self.names)}
        self.cell_channel = np.array([index[c.channel] for c in cells])
        self.cell_of = (self.cell_channel[:, None] == np.arange(len(self.names))[None, :]).astype(float)
        by = {c.channel: c for c in model.channels}
        ch = [by[n] for n in self.names]
        self.decay = np.array([[c.decay[d] for c in ch] for d in range(model.draws)])[:, self.cell_channel]
        self.half = np.array([c.half for c in cells]).T  # draws × cells
        self.form = np.array([[FORMS.index(c.form[d]) for c in ch] for d in range(model.draws)])[
            :, self.cell_channel
        ]
        self.base = np.array([c.base for c in cells]).T  # draws × cells
        self.beta = np.array([c.beta for c in cells]).T
        share = np.array([c.recent_share for c in cells])
        totals = np.bincount(self.cell_channel, weights=share, minlength=len(self.names))
        self.share = np.where(
            totals[self.cell_channel] > 0, share / np.maximum(totals[self.cell_channel], 1e-12), 0.0
        )
        # the scope's part of each channel's recent spend (all of it for the company): a region's
        # limits and run rate are its part of the channel's
        self.part = totals
        self.largest = np.array([c.largest_week for c in ch]) * self.part
        self.smallest = np.array([c.smallest_week for c in ch]) * self.part
        self.recent_weekly = np.array([c.recent_weekly for c in ch]) * self.part
        # the gap between the data's end and the period: spend continues at the recent run rate
        gap = max(int((weeks[0] - model.end).days // 7) - 1, 0)
        carry = np.array([c.carry for c in cells]).T
        run_rate = self.recent_weekly[self.cell_channel] * self.share
        for _ in range(min(gap, 104)):
            carry = self.decay * carry + run_rate[None, :]
        self.carry = carry
        self.demand = self._demand(weeks)  # draws × weeks

    def _demand(self, weeks: pd.DatetimeIndex) -> np.ndarray:
        history = pd.DatetimeIndex(self.model.weeks)
        d = np.array(self.model.demand)  # draws × data weeks
        position = {w: i for i, w in enumerate(history)}
        recent = np.arange(max(len(history) - RECENT, 0), len(history))
        year_ago = [position.get(same_week_last_year(history[i], self.events)) for i in recent]  # type: ignore[call-overload, unused-ignore]
        pairs = [(i, j) for i, j in zip(recent, year_ago, strict=True) if j is not None]
        if pairs:
            now, then = zip(*pairs, strict=True)
            growth = np.exp(np.log(d[:, list(now)]).mean(1) - np.log(d[:, list(then)]).mean(1))
        else:
            growth = np.ones(len(d))
        level = d[:, recent].mean(1)
        out = np.empty((len(d), len(weeks)))
        for k, w in enumerate(weeks):
            back, years = w, 0
            while back > history[-1] and years < 6:
                back, years = same_week_last_year(back, self.events), years + 1
            i = position.get(back)
            out[:, k] = d[:, i] * growth**years if i is not None else level
        return out

    def by_channel(self, amounts: np.ndarray) -> np.ndarray:
        """Per draw and channel, the period's outcome (revenue or conversions) of spending
        `amounts` (per channel, the period's total) evenly over its weeks; rows of `amounts` may
        be several plans at once (plans × channels → plans × draws × channels)."""
        plans = np.atleast_2d(np.asarray(amounts, dtype=float))
        weekly = plans[:, self.cell_channel] * self.share[None, :] / len(self.weeks)  # plans × cells
        a = np.broadcast_to(self.carry, (len(plans), *self.carry.shape)).copy()
        cells = np.zeros_like(a)
        for k in range(len(self.weeks)):
            a = self.decay[None] * a + weekly[:, None, :]
            x = a / self.half[None]
            sat = np.select([self.form[None] == i for i in range(len(FORMS))], [f(x) for f in _CURVES])
            cells += self.demand[None, :, k, None] * (self.base[None] + self.beta[None] * sat)
        out: np.ndarray = cells @ self.cell_of  # cells summed per channel
        return out if np.ndim(amounts) > 1 else out[0]

    def outcome(self, amounts: np.ndarray) -> np.ndarray:
        """Per draw, the period's total outcome of `amounts` (plans × channels → plans × draws)."""
        result: np.ndarray = self.by_channel(amounts).sum(-1)
        return result

    @property
    def caps(self) -> np.ndarray:
        """Per channel, the most the period may spend within what the model has seen: 1.5x the
        scope's largest week, every week."""
        result: np.ndarray = EXTRAPOLATION * self.largest * len(self.weeks)
        return result

    def beyond(self, amounts: np.ndarray) -> list[int]:
        """Channels whose weekly spend would leave the range the data has seen (above 1.5x the
        largest week or below half the smallest)."""
        weekly = np.asarray(amounts, dtype=float) / len(self.weeks)
        return [
            i
            for i in range(len(self.names))
            if weekly[i] > EXTRAPOLATION * self.largest[i]
            or (weekly[i] > 0 and weekly[i] < 0.5 * self.smallest[i])
        ]


class Range(BaseModel):
    mean: float
    low: float  # 10th percentile of the draws: with the 90th, an 80% range
    high: float


def summarise(values: np.ndarray) -> Range:
    v = np.asarray(values, dtype=float)
    return Range(
        mean=round(float(v.mean()), 2),
        low=round(float(np.percentile(v, 10)), 2),
        high=round(float(np.percentile(v, 90)), 2),
    )


def optimise(
    sim: Simulator,
    pool: float,
    bounds: Sequence[tuple[float, float]],
    *,
    start: np.ndarray | None = None,
) -> np.ndarray:
    """The split of `pool` over the simulator's channels, within `bounds`, that maximises the
    mean outcome over the draws (SLSQP from the start and an even split)."""
    from scipy.optimize import minimize

    n = len(sim.names)
    lo = np.array([b[0] for b in bounds])
    hi = np.array([b[1] for b in bounds])
    if lo.sum() > pool + 1e-6 or hi.sum() < pool - 1e-6:
        raise InvalidArgument("the bounds cannot hold the amount")
    scale = pool / n
    starts = [np.full(n, pool / n)] + ([start] if start is not None else [])
    reference = float(sim.outcome(np.full(n, pool / n)).mean()) or 1.0
    best, best_value = None, -np.inf
    for s0 in starts:
        s0 = fit_into(s0, pool, lo, hi)
        res = minimize(
            lambda v: -float(sim.outcome(v * scale).mean()) / reference,
            s0 / scale,
            method="SLSQP",
            bounds=list(zip(lo / scale, hi / scale, strict=True)),
            constraints=[{"type": "eq", "fun": lambda v: v.sum() * scale - pool}],
            options={"maxiter": 200, "ftol": 1e-9},
        )
        x = np.clip(res.x * scale, lo, hi)
        value = float(sim.outcome(x).mean())
        if value > best_value:
            best, best_value = x, value
    assert best is not None
    result: np.ndarray = best
    return result


def marginal(sim: Simulator, amounts: np.ndarray, step: float = 0.01) -> np.ndarray:
    """Each channel's marginal return: the outcome of one more unit of spend, at `amounts`."""
    amounts = np.asarray(amounts, dtype=float)
    bumps = np.tile(amounts, (len(amounts) + 1, 1))
    delta = np.maximum(amounts * step, 1.0)
    bumps[1:] += np.diag(delta)
    out = sim.outcome(bumps).mean(1)
    result: np.ndarray = (out[1:] - out[0]) / delta
    return result
