"""Guardrails that change mid-run (a preset's [[settings_change]]) reach every policy and the scoring."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pandas as pd

from connectors.base import BudgetChange, CampaignState
from connectors.sim import load_scenario
from optimizer.settings import Settings
from optimizer.simulate import scoring
from optimizer.simulate.loop import day_settings, load_settings_defaults, run_simulation
from optimizer.simulate.policies import PolicyContext, make_policy

DAY = dt.date(2026, 3, 10)


def _camp(cid: str, budget: int, status: str = "active") -> CampaignState:
    return CampaignState(
        account_id="a", campaign_id=cid, bid_type="none", budget=Decimal(budget), bid=None, status=status
    )


def test_the_budget_cut_preset_lowers_the_total_and_raises_the_floor_from_its_day():
    scenario = load_scenario("budget_cut")
    by_day = day_settings(load_settings_defaults(scenario), scenario, 10)
    cut = scenario.settings_change_days()[0]
    assert by_day[cut - 1].budget.total_daily == 165000 and by_day[cut].budget.total_daily == 99000
    assert by_day[cut - 1].objective.roi_floor == 3.0 and by_day[cut].objective.roi_floor == 4.0
    assert by_day[0] is by_day[cut - 1], "days without a change share one settings object"


def test_hold_changes_nothing_under_the_total():
    campaigns = [_camp("1", 1000), _camp("2", 2000)]
    settings = Settings(budget={"total_daily": 3000})
    assert make_policy("hold", PolicyContext()).decide(DAY, campaigns, pd.DataFrame(), settings) == []
    assert make_policy("hold", PolicyContext()).decide(DAY, campaigns, pd.DataFrame(), Settings()) == []


def test_hold_trims_every_live_budget_alike_to_a_cut_total_within_the_step():
    campaigns = [_camp("1", 1000), _camp("2", 3000), _camp("3", 5000, status="paused")]
    changes = make_policy("hold", PolicyContext()).decide(
        DAY, campaigns, pd.DataFrame(), Settings(budget={"total_daily": 3600})
    )
    new = {c.campaign_id: c.budget for c in changes if isinstance(c, BudgetChange)}
    assert sum(new.values()) <= 3600 and set(new) == {"1", "2"}
    # a cut deeper than the step (30 %) is taken as far as the step allows, never further
    deep = make_policy("hold", PolicyContext()).decide(
        DAY, campaigns, pd.DataFrame(), Settings(budget={"total_daily": 1000})
    )
    assert {c.campaign_id: c.budget for c in deep} == {"1": Decimal(700), "2": Decimal(2100)}


def test_scoring_judges_each_day_by_the_guardrails_in_force_that_day():
    rows = []
    for t, total in enumerate([1000, 1000, 600]):
        date = (DAY + dt.timedelta(days=t)).isoformat()
        rows.append(
            {
                "campaign_id": "1",
                "date": date,
                "status": "active",
                "budget": float(total),
                "bid": float("nan"),
                "channel": "qianchuan.video",
            }
        )
    frame = pd.DataFrame(rows)
    loose, tight = (
        Settings(budget={"total_daily": 1000, "max_change_pct": 50}),
        Settings(budget={"total_daily": 500, "max_change_pct": 50}),
    )
    assert scoring.contract_breaks(frame, loose) == 0
    assert scoring.contract_breaks(frame, [loose, loose, tight]) == 1  # day 3 is over the cut total
    days = pd.DataFrame({"day": [1, 2, 3], "expected_spend": [100.0] * 3, "expected_gmv": [300.0] * 3})
    low, high = Settings(objective={"roi_floor": 2.0}), Settings(objective={"roi_floor": 4.0})
    assert scoring.floor_days(days, [low, low, high]) == 1


def test_a_simulated_cut_is_kept_by_the_oracle_from_the_cut_day():
    scenario = load_scenario("budget_cut")
    cut = scenario.settings_change_days()[0]
    result = run_simulation(scenario, days=cut + 2, seed=0, policies=[], progress=False)
    oracle = result.days[result.days["policy"] == "oracle"]
    assert (oracle["total_budget"].iloc[cut:] <= 99000 + 0.01).all()
    assert (oracle["total_budget"].iloc[:cut] > 99000).all()
