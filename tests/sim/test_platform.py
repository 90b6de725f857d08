"""The simulated platform enforces Qianchuan's rules, reports like Qianchuan and is deterministic."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from connectors.base import BidChange, BudgetChange, Connector, StatusChange
from connectors.errors import BadRequestError, PlatformRuleError
from connectors.sim import SimulatedPlatform, scenario_from_dict
from tests.sim.conftest import ACCOUNT, CPA, LAUNCH, MAX, ROI, small_scenario_dict


def _state(platform, cid):
    return {c.campaign_id: c for c in platform.list_campaigns(ACCOUNT)}[cid]


def test_it_is_a_connector(platform):
    assert isinstance(platform, Connector)
    assert [a.account_id for a in platform.list_accounts()] == [ACCOUNT]


def test_campaigns_are_listed_with_their_settings(platform):
    states = {c.campaign_id: c for c in platform.list_campaigns(ACCOUNT)}
    assert set(states) == {CPA, ROI, MAX}, "the launch appears only on its start day"
    assert states[CPA].bid_type == "cpa" and states[CPA].bid == Decimal("50.00")
    assert states[ROI].bid == Decimal("2.50") and states[MAX].bid is None
    assert states[CPA].budget == Decimal("2000.00") and states[CPA].name == "直播间-羽绒服"
    assert states[MAX].channel == "qianchuan.search"


BAD_UPDATES = [
    (
        "budget below the platform minimum",
        BudgetChange(account_id=ACCOUNT, campaign_id=CPA, budget=Decimal("299")),
        "budget_range",
    ),
    (
        "budget above the platform maximum",
        BudgetChange(account_id=ACCOUNT, campaign_id=CPA, budget=Decimal("10000000")),
        "budget_range",
    ),
    ("budget step under 100", BudgetChange(account_id=ACCOUNT, campaign_id=CPA, budget=Decimal("2050")), "min_step"),
    (
        "cpa bid above the budget",
        BidChange(account_id=ACCOUNT, campaign_id=CPA, bid=Decimal("2500")),
        "bid_above_budget",
    ),
    ("roi goal above 100", BidChange(account_id=ACCOUNT, campaign_id=ROI, bid=Decimal("120")), "roi_goal_range"),
    ("bid on a max-delivery campaign", BidChange(account_id=ACCOUNT, campaign_id=MAX, bid=Decimal("3")), "no_bid"),
    ("bid with 3 decimals", BidChange(account_id=ACCOUNT, campaign_id=CPA, bid=Decimal("50.125")), "bid_value"),
]


def _send(platform, change, strict=False):
    send = {"budget": platform.update_budgets, "bid": platform.update_bids, "status": platform.update_status}
    return send[change.kind]([change], strict=strict)


@pytest.mark.parametrize(("case", "change", "rule"), BAD_UPDATES, ids=[b[0] for b in BAD_UPDATES])
def test_each_invalid_update_is_rejected_with_its_rule(platform, case, change, rule):
    before = _state(platform, change.campaign_id)
    [result] = _send(platform, change)
    assert not result.ok
    assert f"[rule {rule}]" in result.error and change.campaign_id in result.error
    assert _state(platform, change.campaign_id) == before
    with pytest.raises(PlatformRuleError) as err:
        _send(platform, change, strict=True)
    assert err.value.rule == rule and err.value.campaign_id == change.campaign_id


def test_twenty_budget_changes_a_day_then_no_more(platform):
    budgets = [Decimal(2100 + 100 * (i % 2)) for i in range(20)]
    results = platform.update_budgets([BudgetChange(account_id=ACCOUNT, campaign_id=CPA, budget=b) for b in budgets])
    assert all(r.ok for r in results)
    assert _state(platform, CPA).budget_changes_today == 20
    [late] = platform.update_budgets([BudgetChange(account_id=ACCOUNT, campaign_id=CPA, budget=Decimal(3000))])
    assert not late.ok and "[rule changes_per_day]" in late.error
    platform.advance_day()
    [next_day] = platform.update_budgets([BudgetChange(account_id=ACCOUNT, campaign_id=CPA, budget=Decimal(3000))])
    assert next_day.ok, "the counter resets on the next natural day"


def test_budget_cannot_drop_below_105_percent_of_todays_spend(platform):
    platform.elapse(0.8)
    spent = _state(platform, CPA).spend_today
    assert spent > 0
    [result] = platform.update_budgets([BudgetChange(account_id=ACCOUNT, campaign_id=CPA, budget=Decimal(300))])
    assert not result.ok and "[rule below_spend]" in result.error


def test_a_batch_applies_the_valid_changes_and_reports_the_invalid_ones(platform):
    good = BudgetChange(account_id=ACCOUNT, campaign_id=ROI, budget=Decimal("1800"))
    bad = BudgetChange(account_id=ACCOUNT, campaign_id=CPA, budget=Decimal("2010"))
    unknown = BudgetChange(account_id=ACCOUNT, campaign_id="1", budget=Decimal("900"))
    results = platform.update_budgets([good, bad, unknown])
    assert [r.ok for r in results] == [True, False, False]
    assert results[0].platform_value == "1800.00" and results[0].request_id
    assert "unknown campaign" in results[2].error
    assert _state(platform, ROI).budget == Decimal("1800.00")


def test_strict_batches_are_all_or_nothing(platform):
    good = BudgetChange(account_id=ACCOUNT, campaign_id=ROI, budget=Decimal("1800"))
    bad = BudgetChange(account_id=ACCOUNT, campaign_id=CPA, budget=Decimal("2010"))
    with pytest.raises(PlatformRuleError):
        platform.update_budgets([good, bad], strict=True)
    assert _state(platform, ROI).budget == Decimal("1500.00"), "nothing applied"
    assert _state(platform, ROI).budget_changes_today == 0


def test_an_unknown_account_is_a_bad_request(platform):
    with pytest.raises(BadRequestError):
        platform.list_campaigns("nope")


def test_pause_stops_spend_and_resume_restarts_it(platform):
    platform.update_status([StatusChange(account_id=ACCOUNT, campaign_id=MAX, status="paused")])
    assert _state(platform, MAX).status == "paused"
    day = platform.today
    platform.advance_day()
    rows = {s.campaign_id for s in platform.daily_stats(ACCOUNT, day, day)}
    assert MAX not in rows and CPA in rows, "a day without spend has no report row"
    platform.update_status([StatusChange(account_id=ACCOUNT, campaign_id=MAX, status="active")])
    day = platform.today
    platform.advance_day()
    assert MAX in {s.campaign_id for s in platform.daily_stats(ACCOUNT, day, day)}


def test_recent_days_are_immature_and_grow_when_pulled_again(platform):
    yesterday = platform.today - dt.timedelta(days=1)
    first = {s.campaign_id: s for s in platform.daily_stats(ACCOUNT, yesterday, yesterday)}
    for _ in range(8):
        platform.advance_day()
    later = {s.campaign_id: s for s in platform.daily_stats(ACCOUNT, yesterday, yesterday)}
    for cid, row in first.items():
        assert later[cid].spend == row.spend, "spend is final at once"
        assert later[cid].gmv > row.gmv and later[cid].orders >= row.orders
        assert float(row.gmv) == pytest.approx(0.6 * float(later[cid].gmv), abs=0.02)


def test_new_campaigns_appear_on_their_day_and_learn(platform):
    platform.advance_day()
    platform.advance_day()
    launch = _state(platform, LAUNCH)
    assert launch.status == "learning"
    for _ in range(3):
        platform.advance_day()
    assert _state(platform, LAUNCH).status == "active"


def test_a_large_bid_edit_restarts_learning_and_a_small_one_does_not(platform):
    platform.update_bids([BidChange(account_id=ACCOUNT, campaign_id=CPA, bid=Decimal("55"))])
    assert _state(platform, CPA).status == "active"
    platform.update_bids([BidChange(account_id=ACCOUNT, campaign_id=ROI, bid=Decimal("3.2"))])
    assert _state(platform, ROI).status == "learning"
    day = platform.today
    platform.advance_day()
    assert {s.campaign_id: s.status for s in platform.daily_stats(ACCOUNT, day, day)}[ROI] == "learning"


def _run(platform, days=5):
    for d in range(days):
        if d == 1:
            platform.update_budgets([BudgetChange(account_id=ACCOUNT, campaign_id=CPA, budget=Decimal("2400"))])
        platform.advance_day()
    return list(platform.daily_stats(ACCOUNT, dt.date(2026, 1, 1), platform.today))


def test_the_same_seed_gives_the_same_account_and_another_seed_does_not():
    make = lambda seed: SimulatedPlatform(scenario_from_dict(small_scenario_dict()), seed=seed)  # noqa: E731
    assert _run(make(3)) == _run(make(3))
    assert _run(make(3)) != _run(make(4))


def test_state_survives_save_and_load(platform, tmp_path):
    platform.update_budgets([BudgetChange(account_id=ACCOUNT, campaign_id=CPA, budget=Decimal("2400"))])
    platform.advance_day()
    path = tmp_path / "sim" / "account.json"
    platform.save(path)
    restored = SimulatedPlatform.load(path)
    assert restored.today == platform.today
    assert restored.list_campaigns(ACCOUNT) == platform.list_campaigns(ACCOUNT)
    assert _run(restored) == _run(platform), "the restored account continues exactly like the original"
    assert "直播间-羽绒服" in path.read_text(encoding="utf-8")


def test_expected_curves_match_the_realised_days_on_average():
    scenario = scenario_from_dict({**small_scenario_dict(), "noise": {"demand_sd": 0.0, "gmv_sd": 0.0}})
    platform = SimulatedPlatform(scenario, seed=1)
    import numpy as np

    ids = platform.campaign_ids()
    states = {c.campaign_id: c for c in platform.list_campaigns(ACCOUNT)}
    budget = np.array([[float(states[c].budget)] for c in ids])
    bid = np.array([[float(states[c].bid) if states[c].bid else np.nan] for c in ids])
    spend, gmv = platform.expected(budget, bid)
    day = platform.today
    platform.advance_day()
    truth = platform.final_outcome(day)
    listed = truth["listed"]
    assert np.allclose(truth["spend"][listed], spend[:, 0], atol=0.01)
    assert np.allclose(truth["gmv"][listed], gmv[:, 0], atol=0.01)
