"""Candidate settings stay inside the per-campaign guardrails (docs/qianchuan.md 4.1 and 8)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from optimizer.decide.candidates import HOLD, PAUSE, build_candidates
from optimizer.settings import Settings


def _states(**overrides) -> pd.DataFrame:
    row = {
        "campaign_id": "c1",
        "channel": "live",
        "bid_type": "none",
        "budget": 1000.0,
        "bid": np.nan,
        "status": "active",
        "spend_today": 0.0,
        "locked": False,
    }
    row.update(overrides)
    return pd.DataFrame([row])


def _grid(cands) -> tuple[np.ndarray, np.ndarray]:
    valid = cands.valid[0].copy()
    valid[[HOLD, PAUSE]] = False
    return cands.budget[0][valid], cands.bid[0][valid]


def test_budget_steps_stay_inside_the_step_limit_and_move_at_least_100():
    cands = build_candidates(_states(), Settings(), np.array([0.0]))
    budgets, _ = _grid(cands)
    assert budgets.min() >= 700 and budgets.max() <= 1300
    assert np.all(np.abs(budgets - 1000) >= 100)
    assert np.all(np.round(budgets, 2) == budgets)
    assert cands.valid[0, HOLD] and cands.valid[0, PAUSE]


def test_a_change_respects_the_spend_floor_rounded_up_to_100():
    # 1.05 x 900 = 945 -> 1000: no decrease below 1,000 is possible
    cands = build_candidates(_states(spend_today=900.0), Settings(), np.array([0.0]))
    budgets, _ = _grid(cands)
    assert budgets.min() >= 1100  # 1000 itself is the hold; the next allowed step is +100


def test_cpa_bids_move_within_their_limit_and_stay_below_the_budget():
    cands = build_candidates(_states(bid_type="cpa", bid=330.0, budget=350.0), Settings(), np.array([0.0]))
    budgets, bids = _grid(cands)
    assert len(bids) > 0
    assert np.all(bids <= budgets)
    assert np.all(np.abs(bids - 330.0) <= 33.0 + 1e-9)


def test_roi_targets_stay_in_the_platforms_range():
    cands = build_candidates(_states(bid_type="roi", bid=99.5), Settings(), np.array([0.0]))
    _, bids = _grid(cands)
    assert bids.max() <= 100.0 and bids.min() >= 99.5 * 0.9 - 1e-9


@pytest.mark.parametrize("how", [{"locked": True}, {"status": "learning"}])
def test_locked_and_learning_campaigns_only_hold(how):
    cands = build_candidates(_states(**how), Settings(), np.array([0.0]))
    assert cands.valid[0].tolist() == [True] + [False] * (cands.valid.shape[1] - 1)


def test_an_active_campaign_below_the_minimum_must_rise_to_it_or_pause():
    cands = build_candidates(_states(budget=250.0), Settings(), np.array([0.0]))
    assert not cands.valid[0, HOLD] and cands.valid[0, PAUSE]
    budgets, _ = _grid(cands)
    assert np.all(budgets >= 300)  # 250 -> 300 moves only 50 (< 100): nothing else is legal
    assert len(budgets) == 0


def test_a_paused_campaign_holds_at_zero_or_resumes_around_its_stored_budget():
    cands = build_candidates(_states(status="paused"), Settings(), np.array([0.0]))
    assert cands.budget[0, HOLD] == 0.0 and not cands.valid[0, PAUSE]
    budgets, _ = _grid(cands)
    assert 1000.0 in budgets and budgets.min() >= 700 and budgets.max() <= 1300


def test_an_uncapped_campaign_may_stay_uncapped_or_get_a_cap_around_its_forecast_spend():
    cands = build_candidates(_states(budget=np.nan), Settings(), np.array([2000.0]))
    assert np.isinf(cands.budget[0, HOLD]) and cands.valid[0, HOLD]
    budgets, _ = _grid(cands)
    assert budgets.min() >= 1400 and budgets.max() <= 2600
