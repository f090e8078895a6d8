"""Exponential smoothing, Theta and ARIMA(0,1,1) with drift, fitted in a few milliseconds.

These are the M4 competition's benchmark members on seasonally adjusted data. statsmodels fits the
same models by numerical optimisation, 20 to 60 ms a model; a planner's 1,000 series must take
seconds. Every model here is linear in its initial states once its smoothing parameters are fixed,
so the initial states have a closed-form least-squares solution, and the smoothing parameters are
searched on a grid in one vectorised pass (`_linear_errors`). Intervals are the models' analytic
forecast variances (Hyndman et al., *Forecasting with Exponential Smoothing*, table 6.1).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

# The grid of smoothing parameters: α, β as a share of α (β ≤ α), and the damping φ (the usual
# [0.8, 0.98] range, which stops a damped trend from acting as a straight line).
ALPHAS = np.array([0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.99])
BETA_SHARES = np.array([0.01, 0.05, 0.1, 0.2, 0.35, 0.5, 0.75, 1.0])
PHIS = np.array([0.8, 0.85, 0.9, 0.94, 0.98])
THETAS = np.linspace(-0.95, 0.95, 39)
# How much a seasonal ratio counts per cycle of age: 0.7 gives the last four years about 3/4 of
# the weight (chosen on the tuned real series, issue 16; 1.0 is the classical equal weighting).
SEASON_DECAY = 0.7


@dataclass(frozen=True)
class Smoothed:
    """A fitted model: its point forecasts and their standard deviations h steps ahead, and
    innovation paths that share its error structure (for totals over several steps)."""

    name: str
    mean: np.ndarray  # (h,)
    sd: np.ndarray  # (h,)
    sigma: float  # the one-step error's standard deviation
    psi: np.ndarray  # (h,) the weight of a step's innovation on each later step


def _linear_errors(
    y: np.ndarray, alpha: np.ndarray, beta: np.ndarray, phi: np.ndarray
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """One-step errors of additive damped-trend smoothing for every parameter set at once, with the
    initial level and trend solved by least squares. Returns (sse, level0, trend0) per set and the
    final level and trend."""
    g = alpha.size
    level = np.zeros((g, 3))  # columns: the data's part, a unit initial level, a unit initial trend
    trend = np.zeros((g, 3))
    level[:, 1], trend[:, 2] = 1.0, 1.0
    a, b, p = alpha[:, None], beta[:, None], phi[:, None]
    errors = np.empty((y.size, g, 3))
    data = np.array([1.0, 0.0, 0.0])
    for t, value in enumerate(y):
        e = value * data - (level + p * trend)
        errors[t] = e
        level = level + p * trend + a * e
        trend = p * trend + b * e
    # e(x0) = E0 + E1·l0 + E2·b0: minimise over (l0, b0) for each parameter set
    e0, u = errors[:, :, 0], errors[:, :, 1:]
    gram = np.einsum("tgi,tgj->gij", u, u) + 1e-9 * np.eye(2)
    x0 = -np.linalg.solve(gram, np.einsum("tgi,tg->gi", u, e0)[..., None])[..., 0]
    resid = e0 + np.einsum("tgi,gi->tg", u, x0)
    sse = (resid**2).sum(axis=0)
    final_level = level[:, 0] + level[:, 1] * x0[:, 0] + level[:, 2] * x0[:, 1]
    final_trend = trend[:, 0] + trend[:, 1] * x0[:, 0] + trend[:, 2] * x0[:, 1]
    return sse, final_level, final_trend


@dataclass(frozen=True)
class DampedFit:
    """ETS(A,Ad,N) fitted: its parameters, final states and in-sample squared error."""

    alpha: float
    beta: float
    phi: float
    level: float
    trend: float
    sse: float
    n: int

    def ahead(self, h: int) -> Smoothed:
        steps = np.arange(1, h + 1)
        damp = np.cumsum(self.phi**steps)  # φ + φ² + … + φʰ
        sigma = float(np.sqrt(self.sse / max(1, self.n - 5)))
        c = self.alpha + self.beta * np.concatenate([[0.0], damp[:-1]])  # c_j, j = 1..h-1
        psi = np.concatenate([[1.0], c[1:]])
        name = f"ETS(A,Ad,N) α={self.alpha:.2f} β={self.beta:.3f} φ={self.phi:.2f}"
        return Smoothed(name, self.level + damp * self.trend, _sd(sigma, psi), sigma, psi)


def fit_damped(y: np.ndarray) -> DampedFit:
    """ETS(A,Ad,N): additive errors, damped additive trend."""
    a, share, p = np.meshgrid(ALPHAS, BETA_SHARES, PHIS, indexing="ij")
    a, p = a.ravel(), p.ravel()
    b = a * share.ravel()
    sse, level, trend = _linear_errors(y, a, b, p)
    i = int(np.nanargmin(sse))
    return DampedFit(
        float(a[i]), float(b[i]), float(p[i]), float(level[i]), float(trend[i]), float(sse[i]), y.size
    )


def damped_holt(y: np.ndarray, h: int) -> Smoothed:
    return fit_damped(y).ahead(h)


def ses(y: np.ndarray, h: int) -> tuple[Smoothed, float]:
    """ETS(A,N,N), simple exponential smoothing; also returns its α (Theta needs it)."""
    zeros = np.zeros(ALPHAS.size)
    sse, level, _ = _linear_errors(y, ALPHAS, zeros, zeros)
    i = int(np.nanargmin(sse))
    alpha = float(ALPHAS[i])
    sigma = np.sqrt(sse[i] / max(1, y.size - 2))
    psi = np.concatenate([[1.0], np.full(h - 1, alpha)])
    return Smoothed(f"SES α={alpha:.2f}", np.full(h, level[i]), _sd(sigma, psi), sigma, psi), alpha


def theta(y: np.ndarray, h: int) -> Smoothed:
    """The Theta method (Assimakopoulos & Nikolopoulos 2000, as Hyndman & Billah 2003 show it):
    simple exponential smoothing plus half the slope of the series' linear trend."""
    fit, alpha = ses(y, h)
    n = y.size
    slope = np.polyfit(np.arange(n, dtype=float), y, 1)[0]
    steps = np.arange(1, h + 1)
    drift = slope / 2 * (steps - 1 + 1 / alpha - (1 - alpha) ** n / alpha)
    return Smoothed("Theta", fit.mean + drift, fit.sd, fit.sigma, fit.psi)


def arima_drift(y: np.ndarray, h: int) -> Smoothed:
    """ARIMA(0,1,1) with drift by conditional least squares: the differences are c + e_t + θe_{t-1};
    for each θ on the grid the drift c has a closed form."""
    d = np.diff(y)
    th = THETAS[:, None]
    data = np.zeros((THETAS.size, 1))
    unit = np.zeros((THETAS.size, 1))
    errs = np.empty((d.size, THETAS.size, 2))
    for t, value in enumerate(d):  # e_t = d_t − c − θ e_{t−1}, split into its data and c parts
        data = value - th * data
        unit = -1.0 - th * unit
        errs[t, :, 0], errs[t, :, 1] = data[:, 0], unit[:, 0]
    e0, u = errs[:, :, 0], errs[:, :, 1]
    c = -(e0 * u).sum(axis=0) / np.maximum((u * u).sum(axis=0), 1e-12)
    resid = e0 + u * c
    sse = (resid**2).sum(axis=0)
    i = int(np.nanargmin(sse))
    tht, drift = float(THETAS[i]), float(c[i])
    steps = np.arange(1, h + 1)
    mean = y[-1] + drift * steps + tht * resid[-1, i]
    sigma = np.sqrt(sse[i] / max(1, d.size - 2))
    psi = np.concatenate([[1.0], np.full(h - 1, 1 + tht)])
    return Smoothed(f"ARIMA(0,1,1)+drift θ={tht:.2f}", mean, _sd(sigma, psi), sigma, psi)


def _sd(sigma: float, psi: np.ndarray) -> np.ndarray:
    """The h-step standard deviations from the innovation weights ψ (ψ₀ = 1)."""
    sd: npt.NDArray[np.float64] = sigma * np.sqrt(np.cumsum(psi**2))
    return sd


def seasonal_adjustment(y: np.ndarray, m: int) -> tuple[np.ndarray | None, DampedFit]:
    """The seasonal index (see `seasonal_index`) when the season earns its place, else None; and
    the damped-trend fit of the series so adjusted (or of the raw series), which the test made.

    The test is the one ETS uses to choose a seasonal form: the information criterion of
    damped-trend smoothing on the seasonally adjusted series against the raw one, counting the m−1
    seasonal parameters and the change of scale (the adjusted series' errors are the raw errors
    divided by the index, so its likelihood carries the index's Jacobian). Needs two full seasons
    and positive data; the M4 autocorrelation test rejects real seasons in short trending series."""
    n = y.size
    raw = fit_damped(y)
    if m <= 1 or n < 2 * m + 2 or not (y > 0).all():
        return None, raw
    index = seasonal_index(y, m)
    per_step = index[np.arange(n) % m]
    adjusted = fit_damped(y / per_step)
    aic_raw = n * np.log(raw.sse / n)
    aic_adjusted = n * np.log(adjusted.sse / n) + 2 * np.log(per_step).sum() + 2 * (m - 1)
    return (index, adjusted) if aic_adjusted < aic_raw else (None, raw)


def seasonal_index(y: np.ndarray, m: int, decay: float = SEASON_DECAY) -> np.ndarray:
    """Classical multiplicative decomposition with recent cycles weighted more: the seasonal index
    of each position in the cycle, normalised to average 1, aligned so index[t % m] belongs to y[t].

    Each detrended ratio weighs `decay` to the power of its age in cycles, so a season whose shape
    or amplitude drifts is read mostly from the last few years (as the seasonal states of
    Holt-Winters move), while one cycle's noise is still averaged over several."""
    # a centred moving average over one cycle (2×m for an even m)
    weights = np.r_[0.5, np.ones(m - 1), 0.5] / m if m % 2 == 0 else np.ones(m) / m
    trend = np.convolve(y, weights, mode="valid")
    offset = (weights.size - 1) // 2
    t = np.arange(trend.size) + offset
    ratio = y[t] / trend
    age = decay ** ((y.size - 1 - t) / m)
    positions = t % m
    index = np.bincount(positions, ratio * age, m) / np.bincount(positions, age, m)
    normalised: npt.NDArray[np.float64] = index / index.mean()
    return normalised


def innovations(psi: np.ndarray, sigma: float, reps: int, rng: np.random.Generator) -> np.ndarray:
    """Simulated deviations from the point forecast, (h, reps): each path's innovations carried
    forward with the model's weights, so a total over the horizon has the right spread."""
    h = psi.size
    z = rng.standard_normal((h, reps)) * sigma
    weights = np.zeros((h, h))
    for j in range(h):  # deviation at step j = Σ_{k ≤ j} ψ_{j−k} z_k
        weights[j, : j + 1] = psi[j::-1]
    return weights @ z
