"""The exploration allowance: a small, configured share of the budget spent on learning.

A campaign whose budget never moved while it hit the cap (or with too little
history) has a curve the data cannot pin down: the model only knows it would
have spent more. Holding it still forever means never learning whether more
budget pays. ``[model] exploration_share`` (off by default; e.g. 0.02) of the total daily
budget is therefore reserved before the solve (``reserve``) and handed out
afterwards (``explore``) as one budget step up, at most
``budget.max_change_pct``, to the under-explored campaigns whose optimistic
return (forecast + 1 sd of extra GMV per extra yuan) beats the account's
threshold, best first, as long as:

* the campaign is live, capped, not locked and not being cut by the solver;
* the step is at least ``platform.min_budget_step`` and within the platform's range;
* its forecast ROI at the new budget is at or above ``objective.roi_floor``, and
  the account's forecast ROI stays at or above it too;
* the sum of the steps stays within the reserve.

``optimizer.decide.verify`` re-checks the result like any other allocation; if it
complains, the pipeline falls back to the plain solve.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

    from optimizer.model.fitted_model import FittedModel
    from optimizer.settings import Settings

__all__ = ["eligible", "explore", "reserve", "total_daily"]


def total_daily(states: pd.DataFrame, model: FittedModel, settings: Settings) -> float:
    """``T``: the configured total, or today's total (uncapped campaigns count their forecast spend)."""
    if settings.budget.total_daily is not None:
        return float(settings.budget.total_daily)
    budget = states["budget"].to_numpy(dtype=float, na_value=np.nan)
    live = states["status"].astype(str).to_numpy() != "paused"
    uncapped = model.predict(np.full((len(budget), 1), np.inf), states["bid"].to_numpy(dtype=float)[:, None]).spend[
        :, 0
    ]
    return float(np.where(live, np.where(np.isfinite(budget), budget, uncapped), 0.0).sum())


def eligible(states: pd.DataFrame, model: FittedModel) -> np.ndarray:
    """``(n,)`` campaigns that may receive an exploration step."""
    budget = states["budget"].to_numpy(dtype=float, na_value=np.nan)
    return (
        model.under_explored
        & np.isfinite(budget)
        & (states["status"].astype(str).to_numpy() == "active")
        & ~states["locked"].to_numpy(dtype=bool)
    )


def reserve(states: pd.DataFrame, model: FittedModel, settings: Settings) -> tuple[Settings, float]:
    """Settings with the exploration reserve taken off ``budget.total_daily``, and the reserve (CNY)."""
    total = total_daily(states, model, settings)
    amount = round(total * settings.model.exploration_share, 2)
    budget = settings.budget.model_copy(
        update={"total_daily": type(settings.budget.min_campaign_budget)(str(round(total - amount, 2)))}
    )
    return settings.model_copy(update={"budget": budget}), amount


def explore(allocation, model: FittedModel, states: pd.DataFrame, settings: Settings, amount: float):
    """Hand out up to ``amount`` CNY as budget steps (see the module docstring); returns a new ``Allocation``."""
    table = allocation.table
    n = len(table)
    budget0 = states["budget"].to_numpy(dtype=float, na_value=np.nan)
    chosen = table["budget"].to_numpy(dtype=float, na_value=np.nan)
    bid = table["bid"].to_numpy(dtype=float, na_value=np.nan)
    rules = settings.platform
    step_max = settings.budget.max_change_pct / 100
    target = np.floor(np.minimum(budget0 * (1 + step_max), float(rules.max_budget)) / 10) * 10
    ok = eligible(states, model) & np.isfinite(chosen) & (chosen >= budget0 - 0.005)
    ok &= (target - budget0 >= float(rules.min_budget_step)) & (target > chosen + 0.005)
    if not ok.any() or amount <= 0:
        return allocation
    new_budget = np.where(ok, target, chosen)
    f_new = model.predict(np.where(ok, target, 1.0)[:, None], bid[:, None])
    roi_new = np.divide(f_new.gmv[:, 0], f_new.spend[:, 0], out=np.zeros(n), where=f_new.spend[:, 0] > 0)
    ok &= roi_new >= settings.objective.roi_floor
    spend = table["expected_spend"].to_numpy(dtype=float).copy()
    gmv = table["expected_gmv"].to_numpy(dtype=float).copy()
    sd = table["expected_gmv_sd"].to_numpy(dtype=float).copy()
    # Optimism in the face of uncertainty: the step is worth learning about only if its optimistic
    # return (mean + 1 sd) per extra yuan beats what the last yuan earns elsewhere.
    extra_spend = f_new.spend[:, 0] - spend
    upside = np.divide(f_new.gmv[:, 0] + f_new.gmv_sd[:, 0] - gmv, extra_spend, out=np.zeros(n), where=extra_spend > 1)
    threshold = allocation.stats.threshold if np.isfinite(allocation.stats.threshold) else 0.0
    ok &= (extra_spend > 1) & (upside > threshold)
    order = [i for i in np.lexsort((table.index.to_numpy().astype(str), -upside)) if ok[i]]
    left = amount
    picked = []
    for i in order:
        extra = new_budget[i] - chosen[i]
        if extra > left + 1e-9:
            continue
        s2 = spend.sum() - spend[i] + f_new.spend[i, 0]
        g2 = gmv.sum() - gmv[i] + f_new.gmv[i, 0]
        if s2 > 0 and g2 / s2 < settings.objective.roi_floor:
            continue
        spend[i], gmv[i], sd[i] = f_new.spend[i, 0], f_new.gmv[i, 0], f_new.gmv_sd[i, 0]
        left -= extra
        picked.append(i)
    if not picked:
        return allocation
    out = table.copy()
    rows = np.zeros(n, dtype=bool)
    rows[picked] = True
    out.loc[rows, "budget"] = np.round(new_budget[rows], 2)
    out.loc[rows, "expected_spend"] = np.round(spend[rows], 2)
    out.loc[rows, "expected_gmv"] = np.round(gmv[rows], 2)
    out.loc[rows, "expected_gmv_sd"] = np.round(sd[rows], 2)
    out.loc[rows, "marginal_roi"] = np.round(model.marginal_roi(new_budget, bid)[rows], 4)
    out.loc[rows, "action"] = "increase"
    if "explored" not in out.columns:
        out["explored"] = False
    out.loc[rows, "explored"] = True
    stats = allocation.stats.model_copy(
        update={
            "total_daily": round(total_daily(states, model, settings), 2),  # the full total, reserve included
            "total_budget": round(float(allocation.stats.total_budget + (new_budget[rows] - chosen[rows]).sum()), 2),
            "expected_spend": round(float(out["expected_spend"].sum()), 2),
            "expected_gmv": round(float(out["expected_gmv"].sum()), 2),
        }
    )
    return type(allocation)(table=out, stats=stats)
