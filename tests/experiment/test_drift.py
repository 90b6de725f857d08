"""The drift term: how much the arms' lasting difference moves between two windows, from untouched campaigns."""

from __future__ import annotations

import numpy as np

from optimizer.experiment.analysis import ArmDays, Balance
from optimizer.experiment.drift import Window, concentration, drift_var, effective_units
from optimizer.experiment.planning import make_plan


def windows(
    rng: np.random.Generator, weight: np.ndarray, drift_sd: float, days: int = 14, level: np.ndarray | None = None
) -> tuple[Window, Window]:
    """Two windows of daily GMV and spend: lasting ROI levels, each moved by ``drift_sd`` (log) in the second."""
    level = rng.normal(np.log(2.5), 0.3, weight.size) if level is None else level
    out = []
    for lv in (level, level + rng.normal(0, drift_sd, weight.size)):
        spend = weight[:, None] * rng.lognormal(0, 0.1, (weight.size, days))
        out.append(Window(spend * np.exp(lv[:, None] + rng.normal(0, 0.2, spend.shape)), spend))
    return out[0], out[1]


def test_the_drift_estimate_is_about_the_true_drift_variance_of_the_split_and_about_zero_without_drift():
    rng = np.random.default_rng(3)
    spend = rng.lognormal(0, 0.4, 16)
    level = rng.normal(np.log(2.5), 0.3, 16)
    gmv = spend * np.exp(level)  # a unit's weight in its arm's log GMV
    design = np.array([1, 0] * 8, dtype=float)
    k = float(concentration(design, gmv))
    pool = design == 0  # the control arm: untouched in both windows
    args = (spend[pool], 0.1, 14, level[pool])
    moved = [drift_var(*windows(rng, *args), gmv[pool], k, seed=s).var for s in range(300)]
    still = [drift_var(*windows(rng, spend[pool], 0.0, 14, level[pool]), gmv[pool], k, seed=s) for s in range(300)]
    truth = 0.1**2 * k  # Var of the GMV-weighted mean difference of independent moves of sd 0.1
    assert 0.75 * truth < np.mean(moved) < 1.25 * truth, (np.mean(moved), truth)
    luck = np.mean([d.luck for d in still])  # without drift the spread is the days' luck alone
    assert abs(np.mean([d.spread - d.luck for d in still])) < 0.1 * luck
    assert np.mean([d.var for d in still]) < 0.3 * truth  # only the cut at 0 is left
    one = drift_var(*windows(rng, spend[pool], 0.3, 14, level[pool]), gmv[pool], k, seed=1)
    assert one.pool_units == 8 and 1 < one.effective_units < 8 and one.spread > one.luck > 0


def test_too_few_campaigns_or_days_give_no_drift_term():
    rng = np.random.default_rng(4)
    weight = np.ones(3)
    assert drift_var(*windows(rng, weight, 0.3), weight, 0.5).var == 0.0
    first, second = windows(rng, np.ones(8), 0.3, days=1)
    assert drift_var(first, second, np.ones(8), 0.25).var == 0.0


def test_kish_effective_units():
    assert effective_units(np.ones(6)) == 6.0
    assert effective_units(np.array([10.0, 0.0, 0.0])) == 1.0
    assert 1.0 < effective_units(np.array([5.0, 1.0, 1.0])) < 3.0


def test_the_plan_carries_the_drift_into_its_error_mde_and_length():
    rng = np.random.default_rng(5)
    g = rng.lognormal(8, 0.05, (4, 25))
    pre = ArmDays(g[0], g[1] / 2.5, g[2], g[3] / 2.5)
    bal = Balance(0.0, 0.04, 400)
    still = make_plan(pre, bal, days=15)
    moving = make_plan(pre, bal, days=15, drift=0.002, drift_units=4.0)
    assert moving.drift == 0.002 and still.drift == 0.0
    assert moving.se**2 > still.se**2 + 0.0019
    assert moving.mde > still.mde and moving.critical > still.critical  # fewer degrees of freedom
    need = still.days_for(still.mde * 0.9)
    assert need is not None and need > 15
    assert moving.days_for(still.mde) is None or moving.days_for(still.mde) > need  # drift does not shrink with days
