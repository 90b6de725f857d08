"""One guardrail source: the per-campaign (Decimal) and vectorised (numpy) forms agree, and both obey the platform."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st

from connectors.base import CampaignState
from connectors.rules import PlatformRules, min_budget_for_spend
from optimizer.decide import guardrails
from optimizer.decide.candidates import HOLD, PAUSE, build_candidates
from optimizer.settings import Settings

RULES = PlatformRules()
cents = st.integers(min_value=0, max_value=5_000_000).map(lambda c: Decimal(c) / 100)


def _window(budget: float, spend: float, status: str, settings: Settings) -> tuple[float, float]:
    lim = guardrails.limits(settings)
    ref = guardrails.step_reference(
        np.array([budget]), np.array([status == "paused"]), np.array([np.nan]), lim.min_live
    )
    low, high = guardrails.budget_window(ref, guardrails.spend_floor(np.array([spend]), lim), lim)
    return float(low[0]), float(high[0])


@given(spend=cents)
def test_the_vectorised_spend_floor_is_the_platforms_rule(spend):
    lim = guardrails.limits(Settings())
    assert guardrails.spend_floor(np.array([float(spend)]), lim)[0] == float(min_budget_for_spend(spend, RULES))


@hyp_settings(max_examples=200, deadline=None)
@given(
    budget=st.integers(min_value=1, max_value=200_000).map(Decimal),
    spend=cents,
    status=st.sampled_from(["active", "paused"]),
    pct=st.sampled_from([10.0, 20.0, 30.0, 50.0]),
)
def test_per_campaign_bounds_and_the_vectorised_window_are_one_rule(budget, spend, status, pct):
    settings = Settings.model_validate({"budget": {"max_change_pct": pct}})
    c = CampaignState(account_id="a", campaign_id="c", budget=budget, spend_today=spend, status=status)
    lo, hi = guardrails.budget_bounds(c, settings, RULES)
    low, high = _window(float(budget), float(spend), status, settings)
    assert float(lo) == pytest.approx(low, abs=0.005)
    assert float(hi) == pytest.approx(high, abs=0.005)


def test_a_paused_campaign_resumes_around_its_last_budget_or_the_minimum():
    settings = Settings()
    kept = CampaignState(account_id="a", campaign_id="c", budget=Decimal(1000), status="paused")
    small = CampaignState(account_id="a", campaign_id="c", budget=Decimal(100), status="paused")
    assert guardrails.budget_bounds(kept, settings, RULES) == (Decimal("700.00"), Decimal("1300.00"))
    assert guardrails.budget_bounds(small, settings, RULES) == (Decimal("300"), Decimal("390.00"))
    assert _window(1000.0, 0.0, "paused", settings) == (700.0, 1300.0)
    assert _window(100.0, 0.0, "paused", settings) == (300.0, 390.0)


def test_candidates_lie_inside_the_per_campaign_bounds():
    settings = Settings()
    rows = [
        {"campaign_id": "c1", "budget": 1000.0, "spend_today": 0.0, "status": "active"},
        {"campaign_id": "c2", "budget": 5000.0, "spend_today": 4900.0, "status": "active"},
        {"campaign_id": "c3", "budget": 800.0, "spend_today": 0.0, "status": "paused"},
    ]
    states = pd.DataFrame([{"channel": "live", "bid_type": "none", "bid": np.nan, "locked": False, **r} for r in rows])
    cands = build_candidates(states, settings, np.zeros(len(rows)))
    for i, r in enumerate(rows):
        c = CampaignState(
            account_id="a",
            campaign_id=r["campaign_id"],
            budget=Decimal(str(r["budget"])),
            spend_today=Decimal(str(r["spend_today"])),
            status=r["status"],
        )
        lo, hi = guardrails.budget_bounds(c, settings, RULES)
        valid = cands.valid[i].copy()
        valid[[HOLD, PAUSE]] = False
        grid = cands.budget[i][valid]
        assert len(grid) > 0
        assert np.all(grid >= float(lo) - 1e-9) and np.all(grid <= float(hi) + 1e-9)
        if r["status"] == "active":  # resuming at the kept budget is a status change, not a step
            assert np.all(guardrails.moves_enough(grid, r["budget"], guardrails.limits(settings), tol=1e-9))


def test_bid_bounds_keep_roi_goals_in_range_and_cpa_bids_under_the_budget():
    settings = Settings()
    roi = CampaignState(account_id="a", campaign_id="r", bid_type="roi", bid=Decimal("99.50"), budget=Decimal(1000))
    cpa = CampaignState(account_id="a", campaign_id="p", bid_type="cpa", bid=Decimal("330"), budget=Decimal(350))
    assert guardrails.bid_bounds(roi, settings, RULES)[1] == RULES.max_roi_goal
    assert guardrails.bid_bounds(cpa, settings, RULES)[1] == Decimal(350)
    assert guardrails.budget_bounds(cpa, settings, RULES)[0] >= Decimal(330)


def test_a_reviewers_edit_moves_too_far_only_past_the_limit():
    assert not guardrails.moves_too_far(Decimal(1000), Decimal(1300), 30.0)
    assert guardrails.moves_too_far(Decimal(1000), Decimal("1300.02"), 30.0)
    assert guardrails.change_pct(Decimal(200), Decimal(150)) == 25
