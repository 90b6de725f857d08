"""Every market family behaves like Qianchuan delivery and works behind the same simulated platform.

Shapes are checked on the families' noise-free truth (``market.expected`` with
learning switched off where the test is not about learning), behaviour through
the platform's writes and reports, and the oracle (which optimises
``platform.expected``) against holding still in a closed loop.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from functools import cache

import numpy as np
import pytest

from connectors.base import BidChange, BudgetChange, StatusChange
from connectors.sim import SimulatedPlatform, load_scenario
from connectors.sim.families import MARKETS, build_market, market_names

FAMILIES = ("curves", "pacing", "cohort")
NEW = ("pacing", "cohort")


@cache
def _scenario(name: str = "budget_cut"):
    return load_scenario(name)


def _platform(family: str, scenario: str = "budget_cut", seed: int = 0) -> SimulatedPlatform:
    return SimulatedPlatform(_scenario(scenario), seed=seed, market=family)


def _settings_now(platform: SimulatedPlatform) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Today's (live, budget, bid) of the listed campaigns, in ``campaign_ids()`` order."""
    states = {c.campaign_id: c for c in platform.list_campaigns(platform.scenario.account_id)}
    ids = platform.campaign_ids()
    live = np.array([states[i].status != "paused" for i in ids])
    budget = np.array([float(states[i].budget) for i in ids])
    bid = np.array([float(states[i].bid) if states[i].bid is not None else np.nan for i in ids])
    return live, budget, bid


def _truth(platform: SimulatedPlatform, t: int, budget: np.ndarray, bid: np.ndarray, learning: bool = False):
    """The family's noise-free (spend, gmv) ``(n, k)`` for all scenario campaigns, learning forced."""
    market = platform.market
    n = len(platform.scenario.campaigns)
    learn = np.full(budget.shape, learning)
    return market.expected(np.arange(n), t, budget, bid, learn, platform.market_state)


def _opening(platform: SimulatedPlatform) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    cs = platform.scenario.campaigns
    kind = np.array([c.bid_type for c in cs])
    return (
        np.array([c.budget for c in cs], dtype=float),
        np.array([c.bid if c.bid is not None else np.nan for c in cs], dtype=float),
        kind,
    )


# ---------------------------------------------------------------------------- the registry and the platform


def test_the_registry_holds_three_families_and_curves_is_the_default():
    assert set(FAMILIES) <= set(market_names()) and set(MARKETS) == set(market_names())
    assert SimulatedPlatform(_scenario("demo")).market_name == "curves"
    with pytest.raises(KeyError, match="known: curves"):
        build_market("nope", _scenario("demo"), 0)


@pytest.mark.parametrize("family", FAMILIES)
def test_a_family_is_deterministic_for_a_seed_and_moves_with_it(family):
    def run(seed):
        p = _platform(family, "demo", seed)
        for _ in range(3):
            p.advance_day()
        return [s.model_dump() for s in p.daily_stats(p.scenario.account_id, p.today - dt.timedelta(days=5), p.today)]

    first = run(4)
    assert first == run(4)
    assert first != run(5)
    ids = {r["campaign_id"] for r in first}
    assert ids <= {c.campaign_id for c in _scenario("demo").campaigns} and len(ids) >= 10
    assert all(
        isinstance(r["campaign_id"], str) and any("\u4e00" <= ch <= "\u9fff" for ch in r["campaign_name"])
        for r in first
    )


@pytest.mark.parametrize("family", FAMILIES)
def test_the_state_and_the_family_survive_save_and_load(family, tmp_path):
    p = _platform(family, "demo", 2)
    p.advance_day()
    p.update_budgets(
        [BudgetChange(account_id=p.scenario.account_id, campaign_id=p.campaign_ids()[0], budget=Decimal("5200"))]
    )
    path = tmp_path / "state.json"
    p.save(path)
    back = SimulatedPlatform.load(path)
    assert back.market_name == family
    for q in (p, back):
        for _ in range(3):
            q.advance_day()
    day = p.today - dt.timedelta(days=1)
    restored, original = back.final_outcome(day), p.final_outcome(day)
    for key, value in original.items():
        np.testing.assert_array_equal(restored[key], value, err_msg=key)


@pytest.mark.parametrize("family", FAMILIES)
def test_the_expected_truth_is_the_mean_of_realised_days_and_noise_stays_under_30_percent(family):
    p = _platform(family, "demo", 1)
    budget, bid, _ = _opening(p)
    n = len(budget)
    learning = p.learning_mask()
    spend, gmv = p.market.expected(
        np.arange(n), p.day_index, budget[:, None], bid[:, None], learning[:, None], p.market_state
    )
    draws = [p.market.realised(p.day_index, budget, bid, learning, p.market_state, seed=s) for s in range(300)]
    real_spend = np.array([d["spend"] for d in draws])
    real_gmv = np.array([d["gmv"] for d in draws])
    live = spend[:, 0] > 0
    # a day's noise cannot push spend over the budget, so a budget-bound plan's mean sits a little
    # under its noise-free spend; elsewhere they agree
    assert np.allclose(real_spend.mean(axis=0)[live], spend[live, 0], rtol=0.08)
    assert np.allclose(real_gmv.mean(axis=0)[live], gmv[live, 0], rtol=0.1)
    assert abs(real_spend.mean(axis=0).sum() / spend.sum() - 1) < 0.04
    assert abs(real_gmv.mean(axis=0).sum() / gmv.sum() - 1) < 0.04
    cv = real_gmv.std(axis=0)[live] / real_gmv.mean(axis=0)[live]
    assert cv.max() <= 0.45 and np.median(cv) >= 0.08, "noisy like a real account, but not beyond 30 % or so"


@pytest.mark.parametrize("family", FAMILIES)
def test_the_budget_caps_spend_and_a_max_delivery_plan_spends_most_of_a_budget_it_can_fill(family):
    p = _platform(family, seed=3)
    budget, bid, kind = _opening(p)
    for _ in range(4):
        out = p.final_outcome(p.today - dt.timedelta(days=1))
        assert np.all(out["spend"] <= out["budget"] + 0.01)
        p.advance_day()
    uncapped, _ = _truth(p, p.day_index, np.full((len(budget), 1), np.inf), bid[:, None])
    half = np.minimum(budget, uncapped[:, 0] * 0.5)[:, None]
    spend, _ = _truth(p, p.day_index, half, bid[:, None])
    assert np.all(spend <= half + 1e-6)
    fills = (spend[:, 0] / half[:, 0])[kind == "none"]
    assert np.median(fills) >= 0.9


@pytest.mark.parametrize("family", FAMILIES)
def test_a_plan_cannot_spend_more_than_its_capacity_however_big_the_budget(family):
    p = _platform(family, seed=1)
    _, bid, _ = _opening(p)
    n = len(bid)
    big, _ = _truth(p, 0, np.full((n, 1), 1e6), bid[:, None])
    huge, _ = _truth(p, 0, np.full((n, 1), 9e6), bid[:, None])
    assert np.allclose(big, huge, rtol=1e-6) and np.all(big < 1e6 * 0.9)


@pytest.mark.parametrize("family", FAMILIES)
def test_more_budget_buys_less_gmv_per_yuan(family):
    p = _platform(family, seed=2)
    _, bid, kind = _opening(p)
    n = len(bid)
    cap, _ = _truth(p, 0, np.full((n, 1), np.inf), bid[:, None])
    steps = np.linspace(0.2, 0.95, 6)
    budgets = cap[:, :1] * steps[None, :]
    spend, gmv = _truth(p, 0, budgets, np.repeat(bid[:, None], len(steps), 1))
    marginal = np.diff(gmv, axis=1) / np.maximum(np.diff(spend, axis=1), 1e-9)
    first, last = marginal[:, 0], marginal[:, -1]
    assert np.mean(last < first * 0.97) >= 0.8, "the last yuan earns clearly less than the first for most plans"
    concave = np.diff(marginal, axis=1) <= 1e-6 * np.abs(marginal[:, 1:]) + 1e-9
    assert np.mean(concave[kind == "none"].all(axis=1)) >= 0.75, "max-delivery returns diminish all the way"
    # (pacing: a FAST-paced plan buys every hour at its ceiling until the budget runs out: near-linear)


@pytest.mark.parametrize("family", NEW)
def test_cpa_plans_realise_a_cpa_under_their_bid(family):
    p = _platform(family, seed=0)
    for _ in range(7):
        p.advance_day()
    spend = orders = 0.0
    for back in range(1, 8):
        out = p.final_outcome(p.today - dt.timedelta(days=back))
        spend, orders, bid = spend + out["spend"], orders + out["orders"], out["bid"]
    kind = np.array([c.bid_type for c in p.scenario.campaigns])
    cpa = spend / np.maximum(orders, 1)
    ratio = (cpa / bid)[(kind == "cpa") & (orders > 20)]
    assert len(ratio) >= 10
    assert np.mean(ratio <= 1.0) >= 0.8 and np.median(ratio) < 0.97


@pytest.mark.parametrize("family", NEW)
def test_cpa_volume_responds_steeply_for_some_plans_and_barely_for_others(family):
    elasticities = []
    for seed in range(3):
        p = _platform(family, seed=seed)
        _, bid, kind = _opening(p)
        n = len(bid)
        bids = bid[:, None] * np.array([0.95, 1.05])[None, :]
        _, gmv = _truth(p, 0, np.full((n, 2), np.inf), bids)  # orders = gmv / aov
        e = np.log(np.maximum(gmv[:, 1], 1e-9) / np.maximum(gmv[:, 0], 1e-9)) / np.log(1.05 / 0.95)
        elasticities += e[kind == "cpa"].tolist()
    e = np.array(elasticities)
    assert np.mean(e > 2.0) >= 0.15 and np.mean(e < 0.7) >= 0.15, f"elasticities {np.round(np.sort(e), 2)}"


@pytest.mark.parametrize("family", NEW)
def test_a_higher_roi_goal_buys_less_volume_at_a_better_roi(family):
    p = _platform(family, seed=4)
    _, goal, kind = _opening(p)
    n = len(goal)
    goals = goal[:, None] * np.array([0.9, 1.0, 1.1])[None, :]
    spend, gmv = _truth(p, 0, np.full((n, 3), np.inf), goals)
    roi = gmv / np.maximum(spend, 1e-9)
    rows = (kind == "roi") & (spend[:, 0] > 0)
    assert rows.sum() >= 5
    assert np.all(np.diff(spend[rows], axis=1) <= 1e-6)
    assert np.mean(spend[rows, 2] < spend[rows, 0] * 0.97) >= 0.8
    assert np.all(np.diff(roi[rows], axis=1) >= -1e-9)


@pytest.mark.parametrize("family", NEW)
def test_the_weekday_moves_volume_and_conversion(family):
    p = _platform(family, seed=5)
    kind = np.array([c.bid_type for c in p.scenario.campaigns])
    market = p.market
    no_drift = {"volume_drift": np.zeros_like(market.volume_drift)}
    if family == "pacing":
        no_drift["price_drift"] = np.zeros_like(market.price_drift)
    p.market = dataclasses.replace(market, **no_drift)
    _, bid, _ = _opening(p)
    n = len(bid)
    spend = np.empty((n, 7))
    roi = np.empty((n, 7))
    for t in range(7):
        s, g = _truth(p, t, np.full((n, 1), np.inf), bid[:, None])
        spend[:, t], roi[:, t] = s[:, 0], g[:, 0] / np.maximum(s[:, 0], 1e-9)
    swing = lambda a: a.max(axis=1) / np.maximum(a.min(axis=1), 1e-9) - 1  # noqa: E731
    assert np.median(swing(spend)) > 0.04, "volume differs between weekdays"
    assert np.median(swing(roi)[kind == "none"]) > 0.05, "so does conversion: a max-delivery plan's ROI"
    assert np.median(swing(roi)) > 0.02
    s7, g7 = _truth(p, 7, np.full((n, 1), np.inf), bid[:, None])
    assert np.allclose(s7[:, 0], spend[:, 0]) and np.allclose(g7[:, 0] / np.maximum(s7[:, 0], 1e-9), roi[:, 0])


@pytest.mark.parametrize("family", FAMILIES)
def test_a_large_change_restarts_learning_with_weaker_delivery_and_a_small_one_does_not(family):
    p = _platform(family, seed=0)
    account = p.scenario.account_id
    states = {c.campaign_id: c for c in p.list_campaigns(account)}
    cpa = [cid for cid, c in states.items() if c.bid_type == "cpa" and c.status == "active"]
    big, small = cpa[0], cpa[1]
    _, budget, bid = _settings_now(p)
    ids = p.campaign_ids()
    row = {cid: r for r, cid in enumerate(ids)}
    _before_s, before_g = p.expected(budget[:, None], bid[:, None])
    new_bid = round(float(states[big].bid) * 1.45, 2)
    new_budget = Decimal(max(float(states[big].budget) * 1.75, new_bid + 100)).quantize(Decimal(1))
    assert all(r.ok for r in p.update_budgets([BudgetChange(account_id=account, campaign_id=big, budget=new_budget)]))
    assert all(r.ok for r in p.update_bids([BidChange(account_id=account, campaign_id=big, bid=Decimal(str(new_bid)))]))
    step = Decimal(float(states[small].budget) + 100).quantize(Decimal(1))
    assert all(r.ok for r in p.update_budgets([BudgetChange(account_id=account, campaign_id=small, budget=step)]))
    after = {c.campaign_id: c.status for c in p.list_campaigns(account)}
    assert after[big] == "learning" and after[small] == "active"
    # the truth the oracle sees already knows: the same settings, learning or not
    b2, d2 = budget.copy(), bid.copy()
    b2[row[big]], d2[row[big]] = float(new_budget), new_bid
    _s_learn, g_learn = p.expected(b2[:, None], d2[:, None])
    n = len(p.scenario.campaigns)
    full_b, full_d, _ = _opening(p)
    full_b[row[big]], full_d[row[big]] = float(new_budget), new_bid  # scenario order = listed order here
    _s_calm, g_calm = p.market.expected(
        np.arange(n), p.day_index, full_b[:, None], full_d[:, None], np.zeros((n, 1), bool), p.market_state
    )
    i = row[big]
    assert g_learn[i, 0] < g_calm[i, 0] * 0.95, "learning delivers less"
    assert np.isclose(g_learn[row[small], 0], before_g[row[small], 0], rtol=0.2)
    p.advance_day()
    learning_days = int(p.market.learning_days()[i])
    for _ in range(learning_days):
        p.advance_day()
    assert {c.campaign_id: c.status for c in p.list_campaigns(account)}[big] == "active"


def test_the_new_families_have_learning_noisier_than_learned_delivery():
    for family in NEW:
        p = _platform(family, "demo", 1)
        budget, bid, _ = _opening(p)
        gmv = {}
        for learning in (False, True):
            mask = np.full(len(budget), learning)
            draws = np.array(
                [p.market.realised(0, budget, bid, mask, p.market_state, seed=s)["gmv"] for s in range(200)]
            )
            gmv[learning] = draws.std(axis=0) / np.maximum(draws.mean(axis=0), 1e-9)
        assert np.median(gmv[True]) > np.median(gmv[False]) * 1.15, family


def test_cohort_creatives_tire_with_spend_and_recover_on_a_refresh():
    p = _platform("cohort", seed=6)
    market = p.market
    budget, bid, _ = _opening(p)
    n = len(budget)
    fresh = {"load": np.zeros(n)}
    tired = {"load": np.full(n, 6.0)}
    idx, learn = np.arange(n), np.zeros((n, 1), bool)
    _s0, g0 = market.expected(idx, 0, np.full((n, 1), np.inf), bid[:, None], learn, fresh)
    _s1, g1 = market.expected(idx, 0, np.full((n, 1), np.inf), bid[:, None], learn, tired)
    assert np.all(g1 <= g0 + 1e-6) and np.median(g1 / np.maximum(g0, 1e-9)) < 0.95
    spent = market.next_state(0, fresh, {"spend": budget})
    idle = market.next_state(0, fresh, {"spend": np.zeros(n)})
    assert np.all(spent["load"] >= idle["load"]) and np.any(spent["load"] > idle["load"])
    refresh_day = int(market.refresh_phase[0])
    before = {"load": np.full(n, 5.0)}
    after = market.next_state(refresh_day, before, {"spend": np.zeros(n)})
    assert after["load"][0] < before["load"][0] * 0.5


@pytest.mark.parametrize("family", FAMILIES)
def test_yesterdays_gmv_is_still_maturing(family):
    p = _platform(family, "demo", 2)
    account = p.scenario.account_id
    day = p.today - dt.timedelta(days=1)
    seen = {s.campaign_id: float(s.gmv) for s in p.daily_stats(account, day, day)}
    final = p.final_outcome(day)
    ids = [c.campaign_id for c in p.scenario.campaigns]
    shares = np.array([seen[cid] / final["gmv"][ids.index(cid)] for cid in seen if final["gmv"][ids.index(cid)] > 0])
    assert np.all(shares < 0.95) and np.all(shares > 0.2)
    if family == "cohort":
        assert shares.max() - shares.min() > 0.1, "campaigns attribute at different speeds"


# ---------------------------------------------------------------------------- the budget-cut preset


def test_the_budget_cut_preset_cuts_the_total_by_40_percent_from_day_7_and_raises_the_floor():
    s = _scenario("budget_cut")
    assert 34 <= len(s.campaigns) <= 38
    before, after = s.settings_on(6), s.settings_on(7)
    assert s.settings_change_days() == [7]
    assert after["budget"]["total_daily"] == pytest.approx(0.6 * before["budget"]["total_daily"])
    assert after["objective"]["roi_floor"] > before["objective"]["roi_floor"]
    assert after["budget"]["max_change_pct"] == before["budget"]["max_change_pct"], "tables merge key by key"
    assert {c["name"] for c in after["channel"]} == {"qianchuan.live", "qianchuan.search"}
    assert s.settings_on(30) == after and s.settings_on(0) == before == s.settings


# ---------------------------------------------------------------------------- closed loop: the oracle


def _run(family: str, policy: str, scenario, days: int, seed: int, changes: bool = False):
    """The daily loop of the dry-run (decide, apply, advance) with the settings in force each day."""
    from optimizer.settings import Settings
    from optimizer.simulate.policies import PolicyContext, make_policy
    from optimizer.simulate.policies.oracle import truth_model

    p = SimulatedPlatform(scenario, seed=seed, market=family)
    decide = make_policy(policy, PolicyContext(rules=p.rules, truth=lambda day: truth_model(p, day), seed=seed))
    gmv, rejected, days_out = 0.0, 0, []
    for d in range(days):
        settings = Settings(**(scenario.settings_on(d) if changes else scenario.settings))
        changes_ = decide.decide(p.today, p.list_campaigns(scenario.account_id), None, settings)
        results = (
            p.update_status([c for c in changes_ if isinstance(c, StatusChange) and c.status == "active"])
            + p.update_budgets([c for c in changes_ if isinstance(c, BudgetChange)])
            + p.update_bids([c for c in changes_ if isinstance(c, BidChange)])
            + p.update_status([c for c in changes_ if isinstance(c, StatusChange) and c.status == "paused"])
        )
        rejected += sum(not r.ok for r in results)
        live, budget, bid = _settings_now(p)
        s, g = p.expected(np.where(live, budget, 0.0)[:, None], bid[:, None])
        days_out.append((float(np.where(live, budget, 0).sum()), float(s.sum()), float(g.sum()), settings))
        day = p.today
        p.advance_day()
        gmv += float(p.final_outcome(day)["gmv"].sum())
    return gmv, rejected, days_out


@pytest.mark.parametrize("family", FAMILIES)
def test_the_oracle_beats_holding_still_over_14_days(family):
    from optimizer.simulate.loop import run_simulation

    result = run_simulation("demo", days=14, seed=3, market=family, progress=False)
    summary = result.summary.set_index("policy")
    assert summary.loc["oracle", "gmv"] > summary.loc["hold", "gmv"] * 1.02
    assert summary.loc["oracle", "gmv"] >= summary["gmv"].max()
    assert (summary["changes_rejected"] == 0).all()
    assert (summary["market"] == family).all() and result.market == family


def test_spendopt_simulate_runs_on_the_market_it_is_told_and_refuses_an_unknown_one(isolated_home, tmp_path):
    import pandas as pd
    from typer.testing import CliRunner

    from optimizer.cli import app

    def invoke(*args: str):
        return CliRunner().invoke(app, list(args), catch_exceptions=False, env={"COLUMNS": "200"})

    out = tmp_path / "sim"
    result = invoke("simulate", "--scenario", "demo", "--market", "cohort", "--days", "2", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "市场 cohort" in result.stdout  # zh-CN by default
    summary = pd.read_csv(out / "simulation_summary.csv", encoding="utf-8-sig")
    assert set(summary["market"]) == {"cohort"}
    result = invoke("simulate", "--scenario", "demo", "--market", "auction", "--out", str(tmp_path / "x"))
    assert result.exit_code == 2 and "unknown market family 'auction'" in result.output
    assert not (tmp_path / "x").exists() or not list((tmp_path / "x").glob("simulation*"))


@pytest.mark.parametrize("family", FAMILIES)
def test_on_the_budget_cut_the_oracle_keeps_the_new_total_and_the_raised_floor(family):
    scenario = _scenario("budget_cut")
    _, rejected, days = _run(family, "oracle", scenario, 9, seed=0, changes=True)
    assert rejected == 0
    for budget, spend, gmv, settings in days:
        assert budget <= float(settings.budget.total_daily) + 0.01
        assert gmv >= settings.objective.roi_floor * spend * (1 - 1e-6)
    floor = days[-1][3].objective.roi_floor
    assert min(g / s for _, s, g, _ in days[7:]) < floor * 1.02, "the raised floor binds"
