"""The split is seeded and stratified; the lift's interval, the A/A rate and the plan's power are calibrated
on synthetic arm series with a known effect (fast: no simulator)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from optimizer.experiment.analysis import ArmDays, balance, estimate, log_ratio, period_var
from optimizer.experiment.design import arm_budget_problems, arm_shares, assign, assignment_matrix
from optimizer.experiment.planning import make_plan, power_at


def units(n: int = 24, seed: int = 0):
    rng = np.random.default_rng(seed)
    spend = np.exp(rng.uniform(np.log(500), np.log(9000), n))
    roi = np.exp(rng.uniform(np.log(1.5), np.log(5.0), n))
    return [f"17{9000 + i:017d}" for i in range(n)], spend, roi


def test_the_same_seed_gives_the_same_split_and_another_seed_another():
    ids, spend, roi = units()
    a = assign(ids, spend, roi, seed=11)
    assert a.arm == assign(ids, spend, roi, seed=11).arm
    assert a.arm != assign(ids, spend, roi, seed=12).arm
    assert len(a.campaigns("treatment")) == len(a.campaigns("control")) == 12


@pytest.mark.parametrize("share", [0.5, 0.3, 0.25])
def test_every_stratum_of_similar_spend_is_split_by_the_share_and_every_unit_has_the_same_chance(share):
    _, spend, roi = units(40)
    draws = assignment_matrix(spend, roi, treatment_share=share, seeds=range(400))
    near = {math.floor(share * 40), math.ceil(share * 40)}
    assert set(draws.sum(axis=1).tolist()) <= near
    order = np.argsort(-spend)
    size = 2 * round(1 / min(share, 1 - share))
    top = draws[:, order[:size]].sum(axis=1)  # the biggest campaigns form the first stratum
    assert set(top.tolist()) <= {math.floor(share * size), math.ceil(share * size)}
    assert np.abs(draws.mean(axis=0) - share).max() < 0.1  # each campaign is treated with probability share


def test_arm_shares_come_from_the_live_budgets_and_a_breach_is_named():
    ids, spend, roi = units(6)
    a = assign(ids, spend, roi, seed=1)
    budgets = dict.fromkeys(ids, 1000.0) | {ids[0]: 2000.0}
    arms = arm_shares(a, budgets, 10_500.0)
    assert math.isclose(sum(x.share for x in arms), 1.0)
    assert math.isclose(sum(x.total_daily for x in arms), 10_500.0, abs_tol=0.02)
    assert arm_budget_problems(a, budgets, arms) == []
    grown = dict(budgets) | {a.campaigns("treatment")[0]: 5000.0}
    (problem,) = arm_budget_problems(a, grown, arms)
    assert problem.startswith("arm treatment: budgets")
    with pytest.raises(ValueError, match="at least 2 campaigns"):
        assign(ids[:1], spend[:1], roi[:1], seed=0)


def world(n_units=20, seed=0):
    """Units with their own ROI; a day's GMV per unit is lognormal noise around it."""
    rng = np.random.default_rng(seed)
    spend = np.exp(rng.uniform(np.log(800), np.log(6000), n_units))
    roi = np.exp(rng.uniform(np.log(1.5), np.log(4.5), n_units))
    return spend, roi


def days(spend, roi, treated, n_days, rng, effect=0.0):
    """Daily arm sums ``(n_days,)`` with a weekday factor common to all units and the effect on treatment."""
    week = np.tile([1.0, 0.97, 0.97, 1.0, 1.05, 1.08, 0.93], n_days // 7 + 1)[:n_days]
    s = spend[None, :] * week[:, None] * np.exp(0.15 * rng.standard_normal((n_days, spend.size)))
    g = s * roi[None, :] * np.exp(0.2 * rng.standard_normal((n_days, spend.size)) - 0.02)
    g = g * np.where(treated, 1.0 + effect, 1.0)[None, :]
    return ArmDays(g[:, treated].sum(1), s[:, treated].sum(1), g[:, ~treated].sum(1), s[:, ~treated].sum(1))


def run(effect, seed, n_pre=28, n_test=21):
    spend, roi = world(seed=seed)
    rng = np.random.default_rng([seed, 99])
    treated = assignment_matrix(spend, roi, treatment_share=0.5, seeds=[seed])[0]
    pre = days(spend, roi, np.zeros_like(treated) | treated, n_pre, rng)
    # the pre-period has no effect: rebuild it with the same split but effect 0 (days() applies none)
    test = days(spend, roi, treated, n_test, rng, effect=effect)
    bal = balance(spend * roi * n_pre, spend * n_pre, strat_spend=spend, strat_roi=roi, treatment_share=0.5, seed=seed)
    return pre, test, bal


def test_the_interval_covers_a_known_lift_about_95_percent_of_the_time_and_aa_rejects_about_5():
    covers, aa_rejects = [], []
    for seed in range(200):
        pre, test, bal = run(0.08, seed)
        e = estimate(test, pre, bal)
        covers.append(e.low <= 0.08 <= e.high)
        pre0, test0, bal0 = run(0.0, seed + 10_000)
        aa_rejects.append(estimate(test0, pre0, bal0).significant)
    assert 0.91 <= np.mean(covers) <= 0.985
    assert np.mean(aa_rejects) <= 0.08


def test_the_plan_promises_the_power_it_delivers_at_its_own_mde():
    rejects, promised = [], []
    for seed in range(200):
        pre, _, bal = run(0.0, seed)
        plan = make_plan(pre, bal, days=21)
        _, test, _ = run(plan.mde, seed)
        rejects.append(estimate(test, pre, bal).low > 0)
        promised.append(plan.power_at(plan.mde))
    assert promised[0] == pytest.approx(0.8, abs=0.01)
    assert abs(np.mean(rejects) - 0.8) <= 0.1


def test_cuped_removes_the_arms_lasting_difference_and_sequential_is_wider():
    pre, test, bal = run(0.0, 3)
    e = estimate(test, pre, bal)
    assert 0.5 < e.theta <= 1.0
    assert abs(math.log1p(e.lift)) < abs(math.log1p(e.raw_lift)) + 0.05
    s = estimate(test, pre, bal, sequential=True, tau2=e.se**2)
    assert s.low < e.low and s.high > e.high and s.lift == e.lift
    boot = period_var(test, method="bootstrap", draws=2000)
    assert 0.4 < boot / period_var(test) < 2.5
    assert np.isfinite(log_ratio(test))


def test_power_and_mde_agree_and_a_small_account_is_warned():
    assert power_at(0.0, 0.03) == pytest.approx(0.05, abs=1e-9)
    pre, _, bal = run(0.0, 1)
    plan = make_plan(pre, bal, days=21, realistic_lift=0.05)
    assert plan.power_at(plan.mde) == pytest.approx(0.8, abs=1e-6)
    assert plan.too_small == (plan.mde > 0.05)
    longer = make_plan(pre, bal, days=200)
    assert longer.mde < plan.mde
    need = plan.days_for(plan.mde)
    assert need is not None and abs(need - 21) <= 1
