"""Scoring a dry run: gain is the share of the oracle's improvement; breaks, flip-flops and floor days are counted."""

from __future__ import annotations

import math

import pandas as pd

from connectors.sim import load_scenario
from optimizer.settings import Settings
from optimizer.simulate.loop import run_simulation, simulation_settings
from optimizer.simulate.scoring import contract_breaks, flip_flops, floor_days, gain


def _days(rows):
    """campaign-day frame from (date, campaign, status, budget, bid, channel)."""
    return pd.DataFrame(rows, columns=["date", "campaign_id", "status", "budget", "bid", "channel"])


def test_gain_is_zero_at_hold_one_at_the_oracle_and_undefined_without_room():
    assert gain(110.0, 100.0, 110.0) == 1.0
    assert gain(100.0, 100.0, 110.0) == 0.0
    assert math.isclose(gain(107.5, 100.0, 110.0), 0.75)
    assert gain(95.0, 100.0, 110.0) < 0
    assert math.isnan(gain(100.0, 100.0, 100.0))


def test_a_resume_far_from_the_last_non_zero_budget_is_a_break_and_within_the_step_is_not():
    settings = Settings(budget={"min_campaign_budget": 300, "max_change_pct": 30})
    base = [("d1", "a", "active", 2000.0, 10.0, "x"), ("d2", "a", "paused", 2000.0, 10.0, "x")]
    far = _days(base + [("d3", "a", "active", 390.0, 10.0, "x")])
    near = _days(base + [("d3", "a", "active", 1500.0, 10.0, "x")])
    assert contract_breaks(far, settings) == 1
    assert contract_breaks(near, settings) == 0


def test_steps_minimum_and_bid_moves_are_counted():
    settings = Settings(budget={"min_campaign_budget": 300, "max_change_pct": 30}, bid={"max_change_pct": 10})
    frame = _days(
        [
            ("d1", "a", "active", 1000.0, 10.0, "x"),
            ("d2", "a", "active", 1400.0, 11.5, "x"),  # budget +40 %, bid +15 %
            ("d1", "b", "active", 350.0, 5.0, "x"),
            ("d2", "b", "active", 250.0, 5.0, "x"),  # under the minimum (and within the step)
        ]
    )
    assert contract_breaks(frame, settings) == 3


def test_the_total_and_a_channel_maximum_are_counted_per_day():
    settings = Settings(budget={"total_daily": 1000}, channel=[{"name": "x", "max_share": 0.5}])
    frame = _days([("d1", "a", "active", 600.0, 10.0, "x"), ("d1", "b", "active", 500.0, 10.0, "y")])
    assert contract_breaks(frame, settings) == 2


def test_a_pause_undone_within_three_days_is_a_flip_flop():
    frame = _days(
        [("d1", "a", "active", 1, 1, "x"), ("d2", "a", "paused", 1, 1, "x"), ("d3", "a", "active", 1, 1, "x")]
        + [(f"d{t}", "b", "paused" if 2 <= t <= 5 else "active", 1, 1, "x") for t in range(1, 7)]
    )
    assert flip_flops(frame) == 1


def test_floor_days_count_only_a_shortfall_beyond_the_tolerance():
    settings = Settings(objective={"roi_floor": 2.0})
    days = pd.DataFrame({"expected_spend": [100.0, 100.0, 100.0], "expected_gmv": [199.0, 195.0, 250.0]})
    assert floor_days(days, settings) == 1


def test_the_summary_states_gain_and_capture_for_every_policy():
    scenario = load_scenario("demo")
    result = run_simulation(scenario, days=4, seed=1, settings=simulation_settings(scenario), progress=False)
    summary = result.summary.set_index("policy")
    assert summary.loc["oracle", "gain"] == 1.0 and summary.loc["hold", "gain"] == 0.0
    assert summary.loc["oracle", "capture_pct"] == 100.0
    assert (summary["contract_breaks"] == 0).all()
    assert (result.days["expected_gmv"] > 0).all()
