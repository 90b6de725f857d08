"""Paused campaigns: the budget they come back at, and no resume right after a pause.

Both read the history alone (the one-shot command has nothing else):

* ``last_live_budget``: a paused campaign's *last non-zero* budget in the
  history. A resumed campaign's budget stays within ``budget.max_change_pct`` of
  it (docs/data-contract.md section 2: the platform measures a restart's step
  from there), so the candidates centre a resume on it, not on the 0 or empty
  budget a paused day may report.
* ``resume_blocked``: a campaign paused fewer than ``budget.resume_after_days``
  days ago stays paused (a careful operator does not pause today and resume
  tomorrow), unless its forecast changed materially: its forecast ROI at the
  resume budget is at least ``1 + MATERIAL_CHANGE`` times the ROI of its last
  ``RECENT_DAYS`` live days. A pause older than that, or one the history does
  not show (paused all along), is not held back.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

    from optimizer.model.features import History
    from optimizer.model.response import ResponseModel
    from optimizer.settings import Settings

__all__ = ["MATERIAL_CHANGE", "RECENT_DAYS", "days_paused", "history_rows", "last_live_budget", "resume_blocked"]

MATERIAL_CHANGE = 0.2
RECENT_DAYS = 7


def _live_days(history: History) -> np.ndarray:
    spend = np.nan_to_num(history.spend, nan=0.0)
    return history.observed & (spend > 0)


def last_live_budget(history: History) -> np.ndarray:
    """``(n,)`` the budget of each campaign's last observed day with a positive budget (NaN: none)."""
    ok = history.observed & np.isfinite(history.budget) & (history.budget > 0)
    t = history.budget.shape[1]
    last = t - 1 - np.argmax(ok[:, ::-1], axis=1)
    return np.where(ok.any(axis=1), history.budget[np.arange(history.n), last], np.nan)


def days_paused(history: History, paused: np.ndarray) -> np.ndarray:
    """``(n,)`` full days since a ``paused`` campaign's last live day (``inf``: never live in the history; 0: live)."""
    live = _live_days(history)
    t = live.shape[1]
    last = t - 1 - np.argmax(live[:, ::-1], axis=1)
    since = np.where(live.any(axis=1), (t - 1 - last).astype(float), np.inf)
    return np.where(paused, since, 0.0)


def history_rows(history: History, states: pd.DataFrame) -> np.ndarray:
    """``(len(states),)`` the row of each of ``states``' campaigns in ``history``.

    States are mostly ``build_states(history, ...)``'s, in the history's order:
    then the rows are ``0..n-1`` (a history's campaign keys are unique) and no
    key is looked up one by one.
    """
    accounts = states["account_id"].astype(str).to_numpy(dtype=object)
    campaigns = states["campaign_id"].astype(str).to_numpy(dtype=object)
    ours = [np.asarray(ids).astype(str).astype(object) for ids in (history.account_id, history.campaign_id)]
    if len(accounts) == history.n and (accounts == ours[0]).all() and (campaigns == ours[1]).all():
        return np.arange(history.n, dtype=np.int64)
    index = {(a, c): i for i, (a, c) in enumerate(zip(*(ids.tolist() for ids in ours), strict=True))}
    return np.array([index[k] for k in zip(accounts.tolist(), campaigns.tolist(), strict=True)], dtype=np.int64)


def _rows_of(history: History, states: pd.DataFrame) -> History:
    """``history`` restricted to the campaigns of ``states``, in their order."""
    from optimizer.model.backtest import take_history

    rows = history_rows(history, states)
    if len(rows) == history.n and (rows == np.arange(history.n)).all():
        return history
    return take_history(history, rows)


def resume_blocked(history: History, model: ResponseModel, states: pd.DataFrame, settings: Settings) -> np.ndarray:
    """``(n,)`` paused campaigns that may not resume today (see the module docstring)."""
    wait = settings.budget.resume_after_days
    paused = states["status"].astype(str).to_numpy() == "paused"
    if wait <= 0 or not paused.any():
        return np.zeros(len(states), dtype=bool)
    history = _rows_of(history, states)
    recent = paused & (days_paused(history, paused) < wait)
    if not recent.any():
        return recent
    live = _live_days(history)
    spend = np.where(live, np.nan_to_num(history.spend, nan=0.0), 0.0)
    gmv = np.where(live, np.nan_to_num(history.gmv, nan=0.0), 0.0)
    # the last RECENT_DAYS live days of each campaign
    rank = np.cumsum(live[:, ::-1], axis=1)[:, ::-1]
    window = live & (rank <= RECENT_DAYS)
    s7, g7 = (spend * window).sum(axis=1), (gmv * window).sum(axis=1)
    past_roi = np.divide(g7, s7, out=np.zeros(len(s7)), where=s7 > 0)
    # the budget those days ran at (spend-weighted), to compare the forecast at like settings
    run_budget = np.where(window & np.isfinite(history.budget), history.budget, 0.0)
    past_budget = np.divide((run_budget * spend).sum(axis=1), s7, out=np.full(len(s7), np.nan), where=s7 > 0)
    budget = states["budget"].to_numpy(dtype=float, na_value=np.nan)
    floor = float(max(settings.budget.min_campaign_budget, settings.platform.min_budget))
    probe = np.where(np.isfinite(budget) & (budget >= floor), budget, floor)
    then = np.where(np.isfinite(past_budget) & (past_budget > 0), past_budget, probe)
    bid = states["bid"].to_numpy(dtype=float, na_value=np.nan)
    forecast = model.predict(np.stack([probe, then], axis=1), np.stack([bid, bid], axis=1))
    roi = np.divide(forecast.gmv, forecast.spend, out=np.zeros_like(forecast.gmv), where=forecast.spend > 0)
    # what the campaign earned, moved along today's curve to the resume budget: a budget lower than the
    # one it earned at raises the forecast ROI by the curve alone, which is no new evidence
    expected_now = past_roi * np.divide(roi[:, 0], roi[:, 1], out=np.ones(len(probe)), where=roi[:, 1] > 0)
    expected_now = np.maximum(expected_now, _forecast_at_pause(history, model, live, probe, bid, recent))
    changed = (past_roi > 0) & (roi[:, 0] >= (1 + MATERIAL_CHANGE) * expected_now)
    return recent & ~changed


def _forecast_at_pause(
    history: History, model: ResponseModel, live: np.ndarray, probe: np.ndarray, bid: np.ndarray, rows: np.ndarray
) -> np.ndarray:
    """``(n,)`` the forecast ROI at ``probe``/``bid`` of the same model moved back to each of ``rows``' last
    live day (0 elsewhere, or when the model cannot be moved): what today's forecast is compared with.

    A paused campaign adds no evidence of its own, so only what moves with the date (trend, weekday, a
    level shift) can change its forecast; a resume the forecast did not earn stays blocked.
    """
    import datetime as dt
    from dataclasses import is_dataclass, replace

    out = np.zeros(len(probe))
    if not (is_dataclass(model) and hasattr(model, "horizon")):
        return out
    t = live.shape[1]
    last = t - 1 - np.argmax(live[:, ::-1], axis=1)
    for day in np.unique(last[rows & live.any(axis=1)]):
        moved = replace(
            model,
            effective_date=dt.date.fromisoformat(str(history.dates[day])),
            horizon=float(day - (t - 1)),
        )
        f = moved.predict(probe[:, None], bid[:, None])
        ok = rows & (last == day) & (f.spend[:, 0] > 0)
        out[ok] = f.gmv[ok, 0] / f.spend[ok, 0]
    return out
