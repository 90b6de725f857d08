"""From per-campaign daily rows to the split and its analysis: the steps the daily job,
the report and the simulation share.

Rows are frames with ``campaign_id``, ``date``, ``spend``, ``gmv`` (matured values
only; the callers choose the dates). ``split`` draws the arms from the
pre-period; ``analyse`` turns the pre-period and the test days into the lift in
GMV per yuan (``roi``) and in GMV per yuan of budget share (``gmv``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from optimizer.experiment.analysis import ArmDays, Balance, LiftEstimate, UnitTotals, balance, estimate, redraw_seeds
from optimizer.experiment.design import ARMS, ArmSpec, Assignment, arm_shares, assign, assignment_matrix
from optimizer.experiment.drift import Drift, concentration, drift_var, effective_units, window
from optimizer.experiment.planning import Plan, make_plan

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "Split",
    "Units",
    "analyse",
    "arm_days",
    "dates_between",
    "plan",
    "plan_drift",
    "split",
    "test_drift",
    "unit_periods",
    "unit_totals",
]


def dates_between(first: dt.date, last: dt.date) -> list[dt.date]:
    """Every date from ``first`` to ``last`` inclusive (empty when ``last < first``)."""
    return [first + dt.timedelta(days=k) for k in range((last - first).days + 1)]


@dataclass(frozen=True)
class Units:
    """The experiment's units with their pre-period totals and start budgets, each ``(n,)``."""

    campaign_ids: tuple[str, ...]
    spend: np.ndarray
    gmv: np.ndarray
    budget: np.ndarray

    @property
    def roi(self) -> np.ndarray:
        return np.divide(self.gmv, self.spend, out=np.zeros_like(self.gmv), where=self.spend > 0)


@dataclass(frozen=True)
class Split:
    """The drawn arms and their fixed shares."""

    units: Units
    assignment: Assignment
    arms: tuple[ArmSpec, ArmSpec]

    @property
    def shares(self) -> dict[str, float]:
        return {a.name: a.share for a in self.arms}


def unit_totals(pre_rows: pd.DataFrame, budgets: Mapping[str, float]) -> Units:
    """Live campaigns (a budget in ``budgets``) with pre-period rows, in id order."""
    totals = (
        pre_rows.assign(campaign_id=pre_rows["campaign_id"].astype(str)).groupby("campaign_id")[["spend", "gmv"]].sum()
    )
    ids = tuple(sorted(c for c in totals.index if c in budgets and totals.loc[c, "spend"] > 0))
    return Units(
        campaign_ids=ids,
        spend=totals.loc[list(ids), "spend"].to_numpy(float),
        gmv=totals.loc[list(ids), "gmv"].to_numpy(float),
        budget=np.array([float(budgets[c]) for c in ids], dtype=float),
    )


def split(
    units: Units, *, total_daily: float, seed: int, treatment_share: float, treatment_policy: str = "spendopt"
) -> Split:
    """The seeded stratified draw and the arms' shares of ``total_daily``."""
    assignment = assign(units.campaign_ids, units.spend, units.roi, seed=seed, treatment_share=treatment_share)
    budgets = dict(zip(units.campaign_ids, units.budget.tolist(), strict=True))
    return Split(units, assignment, arm_shares(assignment, budgets, total_daily, treatment_policy=treatment_policy))


def arm_days(
    rows: pd.DataFrame, assignment: Assignment, dates: Sequence[dt.date], *, metric: str, shares: Mapping[str, float]
) -> ArmDays:
    """Daily arm sums over ``dates`` (a missing day is 0); denominators by ``metric``."""
    import pandas as pd

    arm = rows["campaign_id"].astype(str).map(assignment.arm)
    keep = arm.notna()
    part = rows[keep].assign(arm=arm[keep], date=pd.to_datetime(rows.loc[keep, "date"]).dt.date)
    sums = part.groupby(["arm", "date"])[["spend", "gmv"]].sum()
    out = {}
    for name in ARMS:
        one = sums.xs(name, level="arm") if name in sums.index.get_level_values("arm") else sums.iloc[:0]
        one = one.reindex(list(dates), fill_value=0.0)
        den = one["spend"].to_numpy(float) if metric == "roi" else np.full(len(dates), float(shares[name]))
        out[name] = (one["gmv"].to_numpy(float), den)
    return ArmDays(out["treatment"][0], out["treatment"][1], out["control"][0], out["control"][1])


def balances(sp: Split, seed: int) -> dict[str, Balance]:
    """The redrawn pre-period spread for both metrics."""
    u = sp.units
    share = sp.assignment.treatment_share
    return {
        metric: balance(u.gmv, den, strat_spend=u.spend, strat_roi=u.roi, treatment_share=share, seed=seed)
        for metric, den in (("roi", u.spend), ("gmv", u.budget))
    }


def _weights(sp: Split) -> np.ndarray:
    """The units' weights in the drift term: their pre-period GMV (a unit's ROI moving moves its arm's
    log GMV by its share of the arm's GMV, for both metrics)."""
    return sp.units.gmv


def _arm(sp: Split, arm: str) -> np.ndarray:
    """Which units (in ``sp.units`` order) are in ``arm``."""
    return np.array([sp.assignment.arm.get(c) == arm for c in sp.units.campaign_ids])


def _design_k(sp: Split, metric: str) -> float:
    return float(concentration(_arm(sp, "treatment").astype(float), _weights(sp)))


def test_drift(
    sp: Split,
    pre_rows: pd.DataFrame,
    pre_dates: Sequence[dt.date],
    test_rows: pd.DataFrame,
    test_dates: Sequence[dt.date],
    *,
    metric: str = "roi",
) -> Drift:
    """``Var(eta)`` from the control arm between the pre-period and the test (``optimizer.experiment.drift``)."""
    u = sp.units
    keep = _arm(sp, "control")
    ids = [c for c, k in zip(u.campaign_ids, keep, strict=True) if k]
    budget = None if metric == "roi" else u.budget[keep]
    first = window(pre_rows, ids, pre_dates, budget=budget)
    second = window(test_rows, ids, test_dates, budget=budget)
    return drift_var(first, second, _weights(sp)[keep], _design_k(sp, metric), seed=sp.assignment.seed)


def plan_drift(sp: Split, rows: pd.DataFrame, dates: Sequence[dt.date], *, metric: str = "roi") -> Drift:
    """``Var(eta)`` before the start: every unit, between the first and the second half of ``dates``."""
    u = sp.units
    budget = None if metric == "roi" else u.budget
    half = len(dates) // 2
    first = window(rows, u.campaign_ids, dates[:half], budget=budget)
    second = window(rows, u.campaign_ids, dates[half:], budget=budget)
    return drift_var(first, second, _weights(sp), _design_k(sp, metric), seed=sp.assignment.seed)


def plan(
    sp: Split,
    rows: pd.DataFrame,
    seen: Sequence[dt.date],
    *,
    days: int,
    alpha: float = 0.05,
    power: float = 0.8,
    realistic_lift: float = 0.05,
) -> Plan:
    """The plan for ``sp`` from the matured history ``rows`` over ``seen``: the day model, the redrawn
    balance and the history's drift (``planning.make_plan``)."""
    drift = plan_drift(sp, rows, seen)
    return make_plan(
        arm_days(rows, sp.assignment, seen, metric="roi", shares=sp.shares),
        balances(sp, sp.assignment.seed)["roi"],
        days=days,
        drift=drift.var,
        drift_units=effective_units(_weights(sp)[_arm(sp, "control")]),
        alpha=alpha,
        power=power,
        realistic_lift=realistic_lift,
    )


def _unit_sums(rows: pd.DataFrame, ids: Sequence[str], dates: Sequence[dt.date]) -> tuple[np.ndarray, np.ndarray]:
    """Each unit's GMV and spend over ``dates``, in ``ids`` order (0 without rows)."""
    import pandas as pd

    day = pd.to_datetime(rows["date"]).dt.date
    part = rows[day.isin(set(dates))]
    sums = part.assign(campaign_id=part["campaign_id"].astype(str)).groupby("campaign_id")[["gmv", "spend"]].sum()
    sums = sums.reindex(list(ids), fill_value=0.0)
    return sums["gmv"].to_numpy(float), sums["spend"].to_numpy(float)


def unit_periods(
    sp: Split,
    pre_rows: pd.DataFrame,
    pre_dates: Sequence[dt.date],
    test_rows: pd.DataFrame,
    test_dates: Sequence[dt.date],
    *,
    metric: str,
) -> UnitTotals:
    """The units' totals of both periods and the redrawn design the balance used (randomization interval)."""
    u = sp.units
    gmv_pre, spend_pre = _unit_sums(pre_rows, u.campaign_ids, pre_dates)
    gmv_test, spend_test = _unit_sums(test_rows, u.campaign_ids, test_dates)
    share = sp.assignment.treatment_share
    redraws = assignment_matrix(u.spend, u.roi, treatment_share=share, seeds=redraw_seeds(sp.assignment.seed))
    treated = np.array([sp.assignment.arm.get(c) == "treatment" for c in u.campaign_ids])
    if metric == "roi":
        return UnitTotals(gmv_pre, spend_pre, gmv_test, spend_test, treated, redraws)
    return UnitTotals(gmv_pre, u.budget, gmv_test, u.budget, treated, redraws)


def analyse(
    sp: Split,
    pre_rows: pd.DataFrame,
    pre_dates: Sequence[dt.date],
    test_rows: pd.DataFrame,
    test_dates: Sequence[dt.date],
    *,
    alpha: float = 0.05,
    se_method: str = "delta",
    sequential: bool = False,
    tau2: float | None = None,
) -> dict[str, LiftEstimate]:
    """The lift per metric (``roi`` first) over the given matured days."""
    seed = sp.assignment.seed
    bal = balances(sp, seed)
    out = {}
    for metric in ("roi", "gmv"):
        pre = arm_days(pre_rows, sp.assignment, pre_dates, metric=metric, shares=sp.shares)
        test = arm_days(test_rows, sp.assignment, test_dates, metric=metric, shares=sp.shares)
        units, drift = None, Drift(0.0, 0, 0.0, 0.0, 0.0)
        if se_method == "randomization":
            units = unit_periods(sp, pre_rows, pre_dates, test_rows, test_dates, metric=metric)
        else:
            drift = test_drift(sp, pre_rows, pre_dates, test_rows, test_dates, metric=metric)
        out[metric] = estimate(
            test,
            pre,
            bal[metric],
            metric=metric,
            alpha=alpha,
            se_method=se_method,
            sequential=sequential,
            tau2=tau2,
            seed=seed,
            units=units,
            drift=drift.var,
            drift_units=drift.effective_units,
        )
    return out
