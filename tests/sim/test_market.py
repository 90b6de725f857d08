"""The market model's ground truth behaves like Qianchuan delivery (market.py docstring)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from connectors.sim.market import BID_KIND, MarketParams, day_noise, expected_outcome, realised_outcome


def _params(kind: str, **over: float) -> MarketParams:
    values = dict(
        demand=5000.0,
        roi=3.0,
        ref_bid=50.0 if kind == "cpa" else 3.0,
        elasticity=1.5,
        cost_elasticity=0.5,
        headroom=1.5,
        curvature=0.7,
        drift=0.0,
        roi_drift=0.0,
        aov=100.0,
        cpm=40.0,
        ctr=0.02,
    )
    values.update(over)
    if kind == "none":
        values["ref_bid"] = np.nan
    return MarketParams(
        kind=np.array([BID_KIND[kind]]),
        **{k: np.array([v], dtype=float) for k, v in values.items()},
        weekday=np.ones(7),
        start_date=dt.date(2026, 3, 2),
    )


def _curve(p: MarketParams, budget, bid, t: int = 0, learning: float = 1.0):
    budget = np.atleast_2d(np.asarray(budget, float))
    bid = np.broadcast_to(np.atleast_2d(np.asarray(bid, float)), budget.shape)
    spend, gmv = expected_outcome(p, t, budget, bid, np.full(budget.shape, learning))
    return spend[0], gmv[0]


def test_cpa_higher_bid_buys_more_delivery_at_a_lower_roi():
    p = _params("cpa")
    spend, gmv = _curve(p, np.full(5, np.inf), [30, 40, 50, 60, 70])
    assert np.all(np.diff(spend) > 0)
    assert np.all(np.diff(gmv / spend) < 0)


def test_roi_higher_goal_buys_less_delivery_at_a_better_roi():
    p = _params("roi")
    spend, gmv = _curve(p, np.full(5, np.inf), [2.0, 2.5, 3.0, 3.5, 4.0])
    assert np.all(np.diff(spend) < 0)
    assert np.all(np.diff(gmv / spend) > 0)


def test_reach_saturates_however_high_the_bid():
    p = _params("cpa", headroom=1.5)
    spend, _ = _curve(p, [np.inf], [50.0 * 1000])
    assert spend[0] < 5000.0 * 2.5 + 1e-6


def test_max_delivery_has_diminishing_returns_and_the_budget_caps_spend():
    p = _params("none")
    budgets = np.array([500, 1000, 2000, 4000, 8000, 16000], float)
    spend, gmv = _curve(p, budgets, np.nan)
    assert np.all(spend <= budgets + 1e-9)
    assert np.all(spend <= 5000.0 + 1e-9)
    assert np.all(np.diff(gmv) >= 0)
    roi = gmv / spend
    assert np.all(np.diff(roi) < 0), "each extra yuan buys less"


def test_a_paused_campaign_spends_and_earns_nothing():
    spend, gmv = _curve(_params("none"), [0.0], np.nan)
    assert spend[0] == 0 and gmv[0] == 0


def test_weekday_and_drift_move_demand():
    base = _params("none")
    weekday = np.array([1.0, 1.0, 1.0, 1.0, 1.0, 1.3, 0.7])
    seasonal = MarketParams(**{**base.__dict__, "weekday": weekday})
    monday, saturday = 0, 5  # 2026-03-02 is a Monday
    s_mon, _ = _curve(seasonal, [np.inf], np.nan, t=monday)
    s_sat, _ = _curve(seasonal, [np.inf], np.nan, t=saturday)
    assert s_sat[0] == pytest.approx(1.3 * s_mon[0])
    growing = _params("none", drift=0.02)
    s0, _ = _curve(growing, [np.inf], np.nan, t=0)
    s10, _ = _curve(growing, [np.inf], np.nan, t=10)
    assert s10[0] == pytest.approx(s0[0] * np.exp(0.2))


def test_learning_lowers_gmv_not_spend():
    p = _params("cpa")
    s1, g1 = _curve(p, [3000.0], [50.0])
    s2, g2 = _curve(p, [3000.0], [50.0], learning=0.7)
    assert s1[0] == s2[0]
    assert g2[0] == pytest.approx(0.7 * g1[0])


def test_noise_is_seeded_and_centred_on_the_truth():
    assert np.array_equal(day_noise(5, 3, 4), day_noise(5, 3, 4))
    assert not np.array_equal(day_noise(5, 3, 4), day_noise(6, 3, 4))
    p = _params("none")
    n = 4000
    many = MarketParams(
        **{k: (np.repeat(v, n) if isinstance(v, np.ndarray) and v.shape == (1,) else v) for k, v in p.__dict__.items()}
    )
    out = realised_outcome(many, 0, np.full(n, np.inf), np.full(n, np.nan), np.ones(n), day_noise(1, 0, n), 0.15, 0.2)
    s_true, _g_true = _curve(p, [np.inf], np.nan)
    assert out["spend"].mean() == pytest.approx(s_true[0], rel=0.03)
    assert np.all(out["spend"] == np.round(out["spend"], 2))
    assert np.all(out["orders"] >= 0)
