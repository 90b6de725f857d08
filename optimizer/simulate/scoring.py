"""How a dry-run policy did: capture, gain and the guardrails it kept, from the run's frames.

``capture`` is the policy's expected (noise-free) GMV over the run as a share
of the oracle's; ``gain`` is the share of the available improvement over
holding still that it took::

    gain = (E[GMV | policy] - E[GMV | hold]) / (E[GMV | oracle] - E[GMV | hold])

0 is no better than doing nothing, 1 is the best step-limited policy; NaN when
the oracle is no better than holding (nothing to gain). Expected values are the
platform's true curves at the settings in force each day, so the day's luck
(shared by every policy) does not move either figure.

``contract_breaks`` counts each campaign-day whose settings break a rule of the
data contract against the previous day's (docs/data-contract.md): a live
budget that moved more than ``budget.max_change_pct``, a resumed campaign whose
budget is more than that away from its *last non-zero* budget, a live budget
under the minimum, a bid that moved more than ``bid.max_change_pct``, the total
of live budgets above ``budget.total_daily`` and a channel outside its share.
``flip_flops`` counts campaigns paused by the policy and resumed within
``FLIP_FLOP_DAYS`` days. ``floor_days`` counts days whose true expected ROI is
more than ``FLOOR_TOLERANCE`` under ``objective.roi_floor``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

    from optimizer.settings import Settings

__all__ = ["FLIP_FLOP_DAYS", "FLOOR_TOLERANCE", "contract_breaks", "flip_flops", "floor_days", "gain"]

FLIP_FLOP_DAYS = 3
FLOOR_TOLERANCE = 0.02
_CENT = 0.005 + 1e-6  # half a cent: limits are rounded to the cent (half up), as the guardrails round them


def _on(settings: Settings | Sequence[Settings], t: int) -> Settings:
    """The guardrails in force on day index ``t`` (0 = the first simulated day)."""
    if isinstance(settings, Sequence):
        return settings[min(t, len(settings) - 1)]
    return settings


def gain(policy: float, hold: float, oracle: float) -> float:
    """Share of the improvement over hold that ``policy`` took (see the module docstring)."""
    room = oracle - hold
    if not math.isfinite(room) or room <= 1e-9 * max(abs(oracle), 1.0):
        return float("nan")
    return (policy - hold) / room


def _wide(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    return frame.pivot(index="campaign_id", columns="date", values=column).sort_index(axis=1)


def contract_breaks(campaign_days: pd.DataFrame, settings: Settings | Sequence[Settings]) -> int:
    """Campaign-days (plus account-days for total and shares) that break a contract rule
    (``settings``: one for the run, or one per simulated day)."""
    if campaign_days.empty:
        return 0
    status = _wide(campaign_days, "status")
    budget = _wide(campaign_days, "budget").to_numpy(dtype=float)
    bid = _wide(campaign_days, "bid").to_numpy(dtype=float)
    live = (status.to_numpy() != "paused") & status.notna().to_numpy()
    breaks = 0
    last_live = np.full(budget.shape[0], np.nan)  # the last non-zero budget of each campaign
    for t in range(budget.shape[1]):
        today = _on(settings, t)
        p = today.budget.max_change_pct / 100
        q = today.bid.max_change_pct / 100
        min_live = float(max(today.budget.min_campaign_budget, today.platform.min_budget))
        b, on = budget[:, t], live[:, t]
        ref = last_live
        step_ok = ~np.isfinite(ref) | ~np.isfinite(b) | (np.abs(b - ref) <= p * ref + _CENT)
        breaks += int((on & ~step_ok).sum())
        breaks += int((on & np.isfinite(b) & (b < min_live - _CENT)).sum())
        if t > 0:
            b0, b1 = bid[:, t - 1], bid[:, t]
            moved = np.isfinite(b0) & np.isfinite(b1) & (b0 > 0)
            breaks += int((moved & (np.abs(b1 - b0) > q * b0 + _CENT)).sum())
        last_live = np.where(on & np.isfinite(b) & (b > 0), b, last_live)
    breaks += _account_breaks(campaign_days, settings)
    return breaks


def _account_breaks(campaign_days: pd.DataFrame, settings: Settings | Sequence[Settings]) -> int:
    live = campaign_days[campaign_days["status"] != "paused"]
    dates = sorted(campaign_days["date"].unique())
    totals = live.groupby("date")["budget"].sum().reindex(dates, fill_value=0.0)
    breaks = 0
    for t, date in enumerate(dates):
        today = _on(settings, t)
        if today.budget.total_daily is None:
            continue
        cap = float(today.budget.total_daily)
        breaks += int(totals[date] > cap + _CENT)
        for ch in today.channel:
            by_day = live[live["channel"] == ch.name].groupby("date")["budget"].sum()
            share = float(by_day.get(date, 0.0))
            breaks += int(share > ch.max_share * cap + _CENT)
            # a channel under its minimum may close the gap step by step: it breaks the rule when it falls further
            before = float(by_day.get(dates[t - 1], 0.0)) if t > 0 else np.inf
            breaks += int(share < ch.min_share * cap - _CENT and share < before - _CENT)
    return breaks


def flip_flops(campaign_days: pd.DataFrame, days: int = FLIP_FLOP_DAYS) -> int:
    """Campaigns paused and resumed again within ``days`` days (each such pause counts once)."""
    if campaign_days.empty:
        return 0
    paused = (_wide(campaign_days, "status") == "paused").to_numpy()
    count = 0
    for row in paused:
        t = 1
        while t < len(row):
            if row[t] and not row[t - 1]:
                end = t
                while end < len(row) and row[end]:
                    end += 1
                if end < len(row) and end - t < days:
                    count += 1
                t = end
            t += 1
    return count


def floor_days(days: pd.DataFrame, settings: Settings | Sequence[Settings], tolerance: float = FLOOR_TOLERANCE) -> int:
    """Days whose true expected ROI is more than ``tolerance`` (relative) under the ``objective.roi_floor``
    in force that day."""
    if days.empty:
        return 0
    index = days["day"].to_numpy(dtype=int) - 1 if "day" in days.columns else np.arange(len(days))
    floor = np.array([_on(settings, int(t)).objective.roi_floor for t in index], dtype=float)
    spend = days["expected_spend"].to_numpy(dtype=float)
    gmv = days["expected_gmv"].to_numpy(dtype=float)
    roi = np.divide(gmv, spend, out=np.full(len(spend), np.inf), where=spend > 0)
    return int(((floor > 0) & (roi < floor * (1 - tolerance))).sum())
