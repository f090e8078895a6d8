"""The fast members of the default forecaster recover what was planted in a series, and their
intervals cover what they claim."""

import numpy as np

from tools import smoothing
from tools.forecasting import forecast_model


def test_damped_smoothing_follows_a_clean_trend_and_damps_it_ahead() -> None:
    y = 200 + 3.0 * np.arange(48)
    f = smoothing.damped_holt(y, 12)
    assert abs(f.mean[0] - (y[-1] + 3.0)) < 1.0  # the next step continues the line
    steps = np.diff(np.r_[y[-1], f.mean])
    assert (steps > 0).all() and steps[-1] < steps[0]  # still rising, by less each step
    assert (np.diff(f.sd) >= 0).all()


def test_arima_with_drift_recovers_the_drift_of_a_random_walk() -> None:
    rng = np.random.default_rng(4)
    y = 100 + np.cumsum(2.0 + rng.normal(0, 1, 400))
    f = smoothing.arima_drift(y, 10)
    assert abs((f.mean[-1] - f.mean[0]) / 9 - 2.0) < 0.25
    assert 0.8 < f.sigma < 1.2


def test_theta_adds_half_the_trend_to_exponential_smoothing() -> None:
    rng = np.random.default_rng(5)
    y = 50 + 1.0 * np.arange(60) + rng.normal(0, 2, 60)
    ses, _ = smoothing.ses(y, 6)
    theta = smoothing.theta(y, 6)
    assert np.allclose(ses.mean, ses.mean[0])  # a flat line
    assert (np.diff(theta.mean) > 0.4).all() and (np.diff(theta.mean) < 0.6).all()  # slope / 2


def test_the_season_is_found_where_it_is_and_not_where_it_is_not() -> None:
    rng = np.random.default_rng(6)
    t = np.arange(72)
    planted = 1 + 0.3 * np.sin(2 * np.pi * t / 12)
    y = (500 + 2 * t) * planted * rng.normal(1, 0.02, 72)
    index, fit = smoothing.seasonal_adjustment(y, 12)
    assert index is not None and np.abs(index - planted[:12] / planted[:12].mean()).max() < 0.03
    assert fit.sse < smoothing.fit_damped(y).sse  # the fit handed on is the adjusted series'
    assert smoothing.seasonal_adjustment(y[:36], 12)[0] is not None  # a trend does not hide it
    assert smoothing.seasonal_adjustment(500 + 2 * t + rng.normal(0, 5, 72), 12)[0] is None
    assert smoothing.seasonal_adjustment(y[:24], 12)[0] is None  # under two seasons and a bit: no verdict


def test_the_seasonal_index_follows_a_season_that_grows_toward_its_recent_amplitude() -> None:
    t = np.arange(120)
    amplitude = 0.05 + 0.35 * t / 119  # the December peak grows from +5% to +40% in ten years
    y = 1000 * (1 + amplitude * (t % 12 == 11) - amplitude / 11 * (t % 12 != 11))
    recent = smoothing.seasonal_index(y, 12)[11]
    classical = smoothing.seasonal_index(y, 12, decay=1.0)[11]
    assert classical < 1.25 < recent  # equal weights give the ten-year average (+22%); decay gives +30%


def test_the_combined_intervals_cover_about_what_they_claim_on_series_of_known_noise() -> None:
    rng = np.random.default_rng(8)
    inside80, inside95 = [], []
    for _ in range(150):
        n = 60
        y = 300 + np.cumsum(rng.normal(0.5, 4, n + 6))  # a local level with drift: every member fits it
        fitted = forecast_model(y[:n], 12, 6)
        for level, inside in ((0.8, inside80), (0.95, inside95)):
            f = fitted.forecast(6, level)
            inside.append(((y[n:] >= f["lower"]) & (y[n:] <= f["upper"])).mean())
    assert 0.75 <= np.mean(inside80) <= 0.95
    assert 0.9 <= np.mean(inside95) <= 0.995


def test_simulated_totals_match_the_combined_forecast() -> None:
    rng = np.random.default_rng(9)
    t = np.arange(60)
    y = (1000 + 5 * t) * (1 + 0.2 * np.cos(2 * np.pi * t / 12)) + rng.normal(0, 10, 60)
    fitted = forecast_model(y, 12, 3)
    paths = fitted.simulate(3, 4000, np.random.default_rng(0))
    f = fitted.forecast(3, 0.8)
    assert np.allclose(np.median(paths, axis=1), f["mean"], rtol=0.01)
    low, high = np.quantile(paths, [0.1, 0.9], axis=1)
    assert np.allclose(low, f["lower"], rtol=0.02) and np.allclose(high, f["upper"], rtol=0.02)
    # the total of three steps is wider than any single step but narrower than their bounds added
    totals = paths.sum(axis=0)
    spread = np.quantile(totals, 0.9) - np.quantile(totals, 0.1)
    assert (f["upper"] - f["lower"]).max() < spread <= (f["upper"] - f["lower"]).sum() * 1.01
