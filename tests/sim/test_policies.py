"""hold and rules do what they say on hand-computed cases; the oracle finds the true optimum."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from connectors.base import BidChange, BudgetChange, CampaignState, StatusChange
from optimizer.model.response import Forecast
from optimizer.settings import Settings
from optimizer.simulate.policies import PolicyContext, make_policy, policy_names, register_policy
from optimizer.simulate.policies.oracle import _candidates

DAY = dt.date(2026, 3, 10)


def _camp(cid, bid_type="none", budget=1000, bid=None, status="active", channel="qianchuan.video"):
    return CampaignState(
        account_id="a",
        campaign_id=cid,
        bid_type=bid_type,
        budget=Decimal(budget),
        bid=None if bid is None else Decimal(str(bid)),
        status=status,
        channel=channel,
    )


def _history(rows):
    """rows: (campaign_id, days_ago, spend, gmv)."""
    return pd.DataFrame(
        [
            {"campaign_id": cid, "date": pd.Timestamp(DAY - dt.timedelta(days=ago)), "spend": s, "gmv": g}
            for cid, ago, s, g in rows
        ]
    )


def test_the_builtin_policies_are_registered():
    assert {"hold", "rules", "oracle"} <= set(policy_names())
    with pytest.raises(KeyError, match="known: "):
        make_policy("nope", PolicyContext())


def test_hold_changes_nothing():
    campaigns = [_camp("A", "cpa", 1000, 50), _camp("B")]
    assert make_policy("hold", PolicyContext()).decide(DAY, campaigns, _history([("A", 1, 100, 900)]), Settings()) == []


def _rules_case():
    campaigns = [
        _camp("A", "cpa", 1000, 50),  # ROI 3.0 >= 2.0 x 1.2: scale up
        _camp("B", "roi", 1000, 2.0),  # ROI 1.5 < 2.0: scale down
        _camp("C", "none", 1000),  # ROI 0.5 < 2.0 x 0.5: pause
        _camp("D", "cpa", 1000, 40, status="learning"),  # learning: left alone
        _camp("E", "none", 1000),  # ROI 2.1: between the thresholds, hold
        _camp("F", "none", 1000),  # only 200 spent in the window: not judged
    ]
    rows = []
    for ago in (1, 2, 3):
        rows += [
            ("A", ago, 300, 900),
            ("B", ago, 400, 600),
            ("C", ago, 200, 100),
            ("D", ago, 300, 100),
            ("E", ago, 500, 1050),
            ("F", ago, 200 / 3, 10),
        ]
    rows += [("B", 5, 10000, 90000)]  # outside the 3-day window
    return campaigns, _history(rows)


def test_rules_scale_up_winners_cut_misses_and_pause_losers():
    campaigns, history = _rules_case()
    changes = make_policy("rules", PolicyContext()).decide(DAY, campaigns, history, Settings())
    got = {
        (type(c).__name__, c.campaign_id, getattr(c, "budget", None) or getattr(c, "bid", None) or c.status)
        for c in changes
    }
    assert got == {
        ("BudgetChange", "A", Decimal("1200")),  # +20 %
        ("BidChange", "A", Decimal("55.00")),  # +10 %
        ("BudgetChange", "B", Decimal("800")),  # -20 %
        ("BidChange", "B", Decimal("2.20")),  # ROI goal +10 %: less delivery
        ("StatusChange", "C", "paused"),
    }


def test_rules_raise_no_budget_past_the_total_cap():
    campaigns, history = _rules_case()
    # live budgets 6000; after pausing C and cutting B: 4800. A cap of 4850 leaves 50, under the 100 step.
    settings = Settings(budget={"total_daily": 4850})
    changes = make_policy("rules", PolicyContext()).decide(DAY, campaigns, history, settings)
    assert not [c for c in changes if isinstance(c, BudgetChange) and c.campaign_id == "A"]
    assert [c for c in changes if isinstance(c, BidChange) and c.campaign_id == "A"]


class _Curves:
    """A hand-written truth: spend = min(budget, D), gmv = a * spend^0.6 (bid ignored)."""

    def __init__(self, ids, demand, scale):
        self.campaign_ids = ids
        self.d = np.array(demand, float)[:, None]
        self.a = np.array(scale, float)[:, None]

    def predict(self, budget, bid):
        spend = np.minimum(budget, self.d)
        return Forecast(spend=spend, gmv=self.a * spend**0.6, gmv_sd=np.zeros_like(spend))


@pytest.mark.parametrize("cap", [3000, 3600, 4200])
def test_the_oracle_matches_a_brute_force_search(cap):
    campaigns = [_camp("A", budget=1000), _camp("B", budget=1200), _camp("C", budget=900)]
    truth = _Curves(["A", "B", "C"], demand=[2500, 800, 1500], scale=[40, 60, 30])
    settings = Settings(budget={"total_daily": cap}, objective={"roi_floor": 0})
    ctx = PolicyContext(truth=lambda day: truth)
    changes = make_policy("oracle", ctx).decide(DAY, campaigns, pd.DataFrame(), settings)
    chosen = {c.campaign_id: float(c.budget) for c in campaigns}
    for ch in changes:
        if isinstance(ch, BudgetChange):
            chosen[ch.campaign_id] = float(ch.budget)
        if isinstance(ch, StatusChange) and ch.status == "paused":
            chosen[ch.campaign_id] = 0.0
    value = lambda b: float(truth.predict(np.array(b, float)[:, None], np.full((3, 1), np.nan)).gmv.sum())  # noqa: E731
    options = [[b if live else 0.0 for b, _bid, live in _candidates(c, settings, ctx)] for c in campaigns]
    best = max(value(combo) for combo in itertools.product(*options) if sum(combo) <= cap + 1e-9)
    assert sum(chosen.values()) <= cap + 1e-9
    assert value([chosen[c] for c in "ABC"]) == pytest.approx(best, rel=1e-9)
    assert value([chosen[c] for c in "ABC"]) >= value([1000, 1200, 900]) or sum([1000, 1200, 900]) > cap


def test_the_oracle_keeps_the_roi_floor():
    campaigns = [_camp("A", budget=1000), _camp("B", budget=1000)]
    truth = _Curves(["A", "B"], demand=[5000, 5000], scale=[30, 5])  # B has a poor ROI
    settings = Settings(budget={"total_daily": 2600}, objective={"roi_floor": 1.0})
    changes = make_policy("oracle", PolicyContext(truth=lambda day: truth)).decide(
        DAY, campaigns, pd.DataFrame(), settings
    )
    budgets = {"A": 1000.0, "B": 1000.0}
    for ch in changes:
        if isinstance(ch, BudgetChange):
            budgets[ch.campaign_id] = float(ch.budget)
        if isinstance(ch, StatusChange):
            budgets[ch.campaign_id] = 0.0
    f = truth.predict(np.array([[budgets["A"]], [budgets["B"]]]), np.full((2, 1), np.nan))
    assert f.gmv.sum() >= 1.0 * f.spend.sum()
    assert budgets["A"] == 1300.0, "the better campaign gets the most the step limit allows"


def test_another_policy_can_register_and_be_made():
    class Cautious:
        name = "cautious"

        def decide(self, day, campaigns, history, settings):
            return []

    register_policy("cautious", lambda ctx: Cautious())
    assert make_policy("cautious", PolicyContext()).name == "cautious"


def test_on_a_larger_problem_the_oracle_is_within_a_hair_of_the_dual_bound():
    from optimizer.simulate.policies.oracle import _solve, dual_bound

    rng = np.random.default_rng(7)
    n = 40
    campaigns = [_camp(str(i), budget=int(rng.integers(5, 40)) * 100) for i in range(n)]
    truth = _Curves([c.campaign_id for c in campaigns], demand=rng.uniform(500, 6000, n), scale=rng.uniform(10, 60, n))
    cap = 0.9 * sum(float(c.budget) for c in campaigns)
    settings = Settings(budget={"total_daily": cap}, objective={"roi_floor": 0})
    ctx = PolicyContext(truth=lambda day: truth)
    cands = [_candidates(c, settings, ctx) for c in campaigns]
    k = max(len(x) for x in cands)
    b = np.zeros((n, k))
    valid = np.zeros((n, k), bool)
    for i, cs in enumerate(cands):
        for j, (bb, _bid, live) in enumerate(cs):
            b[i, j], valid[i, j] = (bb if live else 0.0), True
    f = truth.predict(b, np.full((n, k), np.nan))
    idx = _solve(f.gmv, f.spend, b, valid, cap, 0.0, [])
    got = float(f.gmv[np.arange(n), idx].sum())
    assert b[np.arange(n), idx].sum() <= cap + 1e-6
    assert got >= 0.999 * dual_bound(f.gmv, b, valid, cap)


def test_rules_trim_the_weakest_budgets_when_a_launch_breaks_the_cap():
    campaigns, history = _rules_case()
    # live budgets 6000 -> 4800 after the pause and the cut: 200 over. A gets no raise; the weakest
    # untouched active campaign (F, ROI 0.05 on too little spend to judge) gives 200; D is learning
    settings = Settings(budget={"total_daily": 4600})
    changes = make_policy("rules", PolicyContext()).decide(DAY, campaigns, history, settings)
    budgets = {c.campaign_id: c.budget for c in changes if isinstance(c, BudgetChange)}
    assert budgets == {"B": Decimal("800"), "F": Decimal("800")}
