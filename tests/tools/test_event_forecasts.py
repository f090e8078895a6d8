"""Weekly forecasts know the promotion calendar: weeks align with last year by their distance to an
event, 双十一 is never forecast as an ordinary week, a model that loses to last year's same-event
week is never used, and a short or broken history is said."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tools.calendar import PromoEvent, same_days_last_year, same_week_last_year, week_events
from tools.demo_data import END, generate_facts
from tools.forecasting import forecast_period, forecast_series, series_from_facts
from tools.weekly import Calendar, choose


def test_weeks_near_an_event_align_by_their_distance_to_it() -> None:
    # 年货节: three weeks before the 春节 week of 2027 is three weeks before the 春节 week of 2026
    assert week_events(pd.Timestamp("2027-01-11")) == ("年货节",)
    assert same_week_last_year(pd.Timestamp("2027-01-11")) == pd.Timestamp("2026-01-26")
    # the week after 春节 2027 (Feb 6) is the week after 春节 2026 (Feb 17), not 52 weeks back
    assert same_week_last_year(pd.Timestamp("2027-02-08")) == pd.Timestamp("2026-02-23")
    # 双十一 moved from a Tuesday (2025) to a Wednesday (2026): the same days start a day earlier
    assert same_days_last_year(pd.Timestamp("2026-11-09")) == (pd.Timestamp("2025-11-10"), 1)


def test_a_workspace_campaign_aligns_with_its_own_last_run() -> None:
    runs = (
        PromoEvent(name="品牌日", start="2025-08-08", end="2025-08-10"),
        PromoEvent(name="品牌日", start="2026-08-21", end="2026-08-23"),
    )
    week = pd.Timestamp("2026-08-17")
    assert "品牌日" in week_events(week, runs)
    assert same_week_last_year(week, runs) == pd.Timestamp("2025-08-04")
    assert same_week_last_year(week) == week - pd.Timedelta(weeks=52)
    with pytest.raises(ValueError, match="before the start"):
        PromoEvent(name="x", start="2026-08-21", end="2026-08-01")


@pytest.fixture(scope="module")
def demo():
    full = generate_facts(end="2026-12-28")
    return full, full[full["date"] <= pd.Timestamp(END)]


def test_the_demo_generator_run_forward_keeps_its_past(demo) -> None:
    """The eval's truth for the weeks after the demo data: rows are drawn in date order, so a later
    end adds weeks without changing one row of the past."""
    _, past = demo
    assert past.reset_index(drop=True).equals(generate_facts())


def _points(f) -> pd.Series:
    return pd.Series([p.forecast for p in f.points], index=pd.DatetimeIndex([p.date for p in f.points]))


@pytest.mark.parametrize("region", [None, "一线城市", "新一线城市", "二线城市", "下沉市场"])
def test_the_demo_double_eleven_weeks_are_forecast_within_15_percent_of_the_truth(demo, region) -> None:
    full, past = demo
    truth = series_from_facts(full, "revenue", region=region)
    history = series_from_facts(past, "revenue", region=region)
    whole = series_from_facts(past, "revenue") if region else None
    f = forecast_series(history, metric="revenue", horizon=8, parent=whole)
    points = _points(f)
    for week in ("2026-11-02", "2026-11-09"):
        assert abs(points[week] / truth[week] - 1) <= 0.15, (week, points[week], truth[week])
    # never flat through the festival: its week stands well above the weeks after it
    assert points["2026-11-09"] > 1.4 * points["2026-11-23"]
    if region is None:
        nov = points[points.index.month == 11]
        assert abs(nov.sum() / truth[nov.index].sum() - 1) <= 0.08


def test_the_horizon_and_the_period_forecast_agree_on_the_same_weeks(demo) -> None:
    _, past = demo
    history = series_from_facts(past, "revenue")
    points = _points(forecast_series(history, metric="revenue", horizon=8))
    november = forecast_period(
        history,
        metric="revenue",
        start=pd.Timestamp("2026-11-01"),
        end=pd.Timestamp("2026-11-30"),
        derived=False,
    )
    assert november.value == pytest.approx(points[points.index.month == 11].sum(), rel=1e-6)
    assert november.base_target == pytest.approx(november.value)
    assert november.lower < november.value < november.stretch_target < november.upper
    assert november.base_probability == pytest.approx(0.5, abs=0.03)
    assert november.stretch_probability == pytest.approx(0.2, abs=0.03)


def _weekly(values: np.ndarray, start: str = "2023-01-02") -> pd.Series:
    return pd.Series(values, index=pd.date_range(start, periods=len(values), freq="W-MON"))


def test_a_model_that_loses_to_last_years_same_week_is_never_used(demo) -> None:
    _, past = demo
    rng = np.random.default_rng(5)
    year = 100 + 60 * np.exp(-(((np.arange(52) - 45) / 1.5) ** 2))
    repeating = _weekly(np.tile(year, 3)[:150] * rng.lognormal(0, 0.02, 150))
    cases = [series_from_facts(past, m) for m in ("revenue", "spend", "clicks")] + [repeating]
    for series in cases:
        y = series.to_numpy()
        choice = choose(y, Calendar.build(series.index[0], len(y) + 13))
        assert choice.baseline_mae is not None and choice.mae is not None
        assert choice.mae <= choice.baseline_mae
        if choice.members:
            key = " + ".join(f"{k}@{fade:g}" for k, fade in choice.members)
            assert choice.errors[key] < choice.baseline_mae


def test_a_short_history_is_said_and_a_broken_one_is_filled() -> None:
    rng = np.random.default_rng(1)
    short = _weekly(rng.uniform(90, 110, 76), "2025-05-19")
    h = forecast_series(short, horizon=4).history
    assert h is not None and (h.points, h.short, h.seasonal, h.spring_festivals) == (
        76,
        True,
        True,
        1,
    )  # 春节 2026 only
    young = forecast_series(short.iloc[:40], horizon=4).history
    assert young is not None and not young.seasonal
    broken = short.drop(short.index[[10, 11, 30]])
    h = forecast_series(broken, horizon=4).history
    assert h is not None and (h.points, h.gaps) == (76, 3)


def test_a_workspace_campaign_is_forecast_where_it_runs_this_year() -> None:
    """A brand day lifts its week; this year it runs three weeks later than last year. Told the
    campaign's runs, the forecast moves the lift with it; not told, it repeats last year's week."""
    rng = np.random.default_rng(3)
    dates = pd.date_range("2024-07-01", "2026-07-27", freq="W-MON")
    runs = (
        PromoEvent(name="品牌日", start="2024-08-14", end="2024-08-16"),
        PromoEvent(name="品牌日", start="2025-08-13", end="2025-08-15"),
        PromoEvent(name="品牌日", start="2026-09-02", end="2026-09-04"),
    )
    held = [
        any(pd.Timestamp(r.start) - pd.Timedelta(days=6) <= d <= pd.Timestamp(r.end) for r in runs)
        for d in dates
    ]
    lift = np.where(held, 1.8, 1.0)
    series = pd.Series(100 * lift * rng.lognormal(0, 0.03, len(dates)), index=dates)
    told = _points(forecast_series(series, horizon=8, events=runs))
    blind = _points(forecast_series(series, horizon=8))
    brand_week, last_years_week = pd.Timestamp("2026-08-31"), pd.Timestamp("2026-08-10")
    assert told[brand_week] > 1.4 * told[last_years_week]
    assert blind[last_years_week] > 1.4 * blind[brand_week]


def test_a_planned_festival_peak_is_not_an_alert_but_a_collapse_is(demo) -> None:
    from tools.alerts import detect_anomalies

    _, past = demo
    alerts = detect_anomalies(past, metrics=("revenue", "cvr"))
    festival = [a for a in alerts if a.date[:7] in ("2026-06", "2025-11")]
    assert festival == []
    koc = [a for a in alerts if a.channel == "KOC种草" and a.metric == "cvr" and a.date.startswith("2026-08")]
    assert koc and all(a.change_pct < -25 for a in koc)  # the planted halving from mid-August
