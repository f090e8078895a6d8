"""The marketing-mix model on data whose truth is known: it beats last year's shares, knows the
promotion calendar, keeps a region to its own limits, and refuses what it cannot fit."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from evals.budget_worlds import CHANNELS, make_world
from tools.budget import budget_allocate
from tools.calendar import event_days, same_week_last_year, week_events
from tools.errors import DataError
from tools.mmm import Simulator, fit_mix_model, plan_weeks
from tools.periods import parse_period


def test_spring_festival_falls_on_its_lunar_date_and_weeks_align_by_event() -> None:
    assert [str(event_days(y)["春节"]) for y in (2025, 2026, 2027)] == [
        "2025-01-29",
        "2026-02-17",
        "2027-02-06",
    ]
    week_2027 = pd.Timestamp("2027-02-01")  # Monday of the 春节 week
    assert week_events(week_2027) == ("春节",)
    assert same_week_last_year(week_2027) == pd.Timestamp("2026-02-16")  # the 春节 week, not 52 weeks back
    ordinary = pd.Timestamp("2027-03-15")
    assert same_week_last_year(ordinary) == ordinary - pd.Timedelta(weeks=52)


@pytest.fixture(scope="module")
def world():
    return make_world(0)


@pytest.fixture(scope="module")
def sim(world) -> Simulator:
    q = parse_period(world.next_quarter)
    return Simulator(fit_mix_model(world.facts, draws=8), plan_weeks(q.start, q.end))


def test_the_split_beats_last_years_shares_on_a_world_whose_truth_is_known(world, sim) -> None:
    total = world.budget()
    plan = budget_allocate(total, sim=sim, facts=world.facts)
    ours = np.array([next(c.amount for c in plan.channels if c.channel == name) for name in CHANNELS])
    best = world.optimum(total)
    assert world.regret(ours, best) < 0.03 < world.regret(world.last_year_split(total), best)
    assert plan.comparisons[0].basis == "last_year_shares" and plan.comparisons[0].gain.mean > 0


def test_a_cut_is_predicted_close_to_its_true_effect(world, sim) -> None:
    base = world.last_year_split(world.budget())
    cut = base.copy()
    cut[0] *= 0.8
    truth = world.revenue_of(cut) - world.revenue_of(base)
    order = [CHANNELS.index(n) for n in sim.names]
    predicted = float((sim.outcome(cut[order]) - sim.outcome(base[order])).mean())
    assert predicted < 0 and abs(predicted - truth) < 0.3 * abs(truth)


def test_a_regions_limits_are_its_part_of_the_channels(world, sim) -> None:
    east = Simulator(sim.model, sim.weeks, region="华东")
    west = Simulator(sim.model, sim.weeks, region="华南")
    assert np.allclose(east.largest + west.largest, sim.largest)
    assert np.all(east.caps < sim.caps) and np.allclose(east.part + west.part, 1.0)


def test_monthly_or_short_data_is_refused_with_the_reason() -> None:
    facts = make_world(0).facts
    short = facts[facts["date"] < facts["date"].min() + pd.Timedelta(weeks=10)]
    with pytest.raises(DataError, match="at least 26 weeks"):
        fit_mix_model(short, draws=1)
    monthly = facts[facts["date"].dt.day <= 7]
    with pytest.raises(DataError, match="weekly data"):
        fit_mix_model(monthly, draws=1)
    with pytest.raises(DataError, match="spend and revenue"):
        fit_mix_model(facts[facts["metric"] == "revenue"], draws=1)
