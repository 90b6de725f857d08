"""Allocation + model + history -> recommendation rows (the ``recommend`` stage).

One row per campaign, columns ``optimizer.decide.columns.ALL_COLUMNS`` (data contract
section 2 first). For each campaign:

* ``action``: ``pause`` (live -> budget 0), ``resume`` (paused -> live),
  ``increase`` / ``decrease`` (the budget moves; with the budget unchanged, a
  bid move that buys more delivery, i.e. a higher CPA bid or a lower ROI target,
  is an increase), ``hold`` otherwise.
* ``decision``: ``auto`` when every change is within
  ``[review] auto_apply_max_change_pct``; ``review`` for larger changes, for
  pause and resume, for a first budget cap, and for any change resting on thin
  data (fewer than ``[model] min_history_days`` days, or a wide posterior).
* ``reason``: one sentence from the numbers, e.g. ``"increase: capped by budget
  on 6 of the last 7 days; marginal ROI 3.4 vs account threshold 2.1"`` plus,
  for review rows, why a person must look.

Nothing here calls a connector or changes the allocation.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import numpy as np

from optimizer.decide import columns as C

if TYPE_CHECKING:
    import pandas as pd

    from optimizer.model.features import History
    from optimizer.model.fitted_model import FittedModel
    from optimizer.settings import Settings

__all__ = ["actions", "recommend"]

_EPS = 0.005


def _pct_change(new: np.ndarray, old: np.ndarray) -> np.ndarray:
    """``(n,)`` absolute change in percent; NaN where there is nothing to compare (no cap, no bid)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        pct = np.abs(new - old) / np.abs(old) * 100
    return np.where(np.isfinite(old) & (old > 0) & np.isfinite(new), pct, np.nan)


def actions(
    bid_type: np.ndarray,
    status: np.ndarray,
    current_budget: np.ndarray,
    budget: np.ndarray,
    current_bid: np.ndarray,
    bid: np.ndarray,
) -> np.ndarray:
    """``(n,)`` action names (see the module docstring); budgets ``inf`` = no cap, ``0`` = paused."""
    paused_now = status == "paused"
    live_next = budget > 0
    up = np.where(np.isfinite(current_budget), budget > current_budget + _EPS, np.isinf(budget) & False)
    down = np.where(np.isfinite(current_budget), budget < current_budget - _EPS, np.isfinite(budget))
    bid_up = np.isfinite(bid) & np.isfinite(current_bid) & (bid > current_bid + _EPS)
    bid_down = np.isfinite(bid) & np.isfinite(current_bid) & (bid < current_bid - _EPS)
    more = np.where(bid_type == "roi", bid_down, bid_up)
    less = np.where(bid_type == "roi", bid_up, bid_down)
    out = np.full(len(budget), "hold", dtype=object)
    out[~up & ~down & more] = "increase"
    out[~up & ~down & less] = "decrease"
    out[up] = "increase"
    out[down] = "decrease"
    out[~paused_now & ~live_next] = "pause"
    out[paused_now & live_next] = "resume"
    out[paused_now & ~live_next] = "hold"
    return out


def _fmt(x: float, digits: int = 1) -> str:
    return f"{x:.{digits}f}" if np.isfinite(x) else "n/a"


def _money(x: float) -> str:
    return f"{x:,.0f}" if np.isfinite(x) else "no cap"


def recommend(
    history: History,
    model: FittedModel,
    budget: np.ndarray,
    bid: np.ndarray,
    settings: Settings,
    *,
    run_id: str,
    effective_date: dt.date,
    marginal_roi: np.ndarray | None = None,
    threshold: float | None = None,
    action: np.ndarray | None = None,
    explored: np.ndarray | None = None,
) -> pd.DataFrame:
    """Rows for the ``n`` campaigns of ``history`` (same order as ``model``) at the chosen ``budget``/``bid`` ``(n,)``.

    ``marginal_roi`` ``(n,)`` and the account ``threshold`` come from the solver
    when it reports them; otherwise they are computed from ``model``. ``action``
    ``(n,)`` likewise (the solver's names win, so the two never disagree).
    """
    import pandas as pd

    h = history
    budget = np.asarray(budget, dtype=float)
    bid = np.where(h.bid_type == "none", np.nan, np.asarray(bid, dtype=float))
    forecast = model.predict(budget[:, None], np.where(np.isfinite(bid), bid, np.nan)[:, None])
    spend = np.where(budget > 0, forecast.spend[:, 0], 0.0)
    gmv = np.where(budget > 0, forecast.gmv[:, 0], 0.0)
    gmv_sd = np.where(budget > 0, forecast.gmv_sd[:, 0], 0.0)
    if marginal_roi is None:
        probe = np.where(
            budget > 0,
            budget,
            np.where(np.isfinite(h.current_budget) & (h.current_budget > 0), h.current_budget, model.ref_spend),
        )
        marginal_roi = model.marginal_roi(probe, bid)
    marginal_roi = np.asarray(marginal_roi, dtype=float)
    if threshold is None:
        funded = (budget > 0) & np.isfinite(marginal_roi)
        threshold = float(np.min(marginal_roi[funded])) if funded.any() else float("nan")
    with np.errstate(divide="ignore", invalid="ignore"):
        roi = np.where(spend > 0.005, gmv / spend, np.nan)

    act = actions(h.bid_type, h.status, h.current_budget, budget, h.current_bid, bid) if action is None else action
    budget_pct = _pct_change(budget, h.current_budget)
    bid_pct = _pct_change(bid, h.current_bid)
    capped7, _ = h.capped_last(7)
    days = model.days
    decisions, reasons = _explain(
        h,
        model,
        settings,
        act=act,
        budget=budget,
        spend=spend,
        roi=roi,
        marginal_roi=marginal_roi,
        threshold=threshold,
        budget_pct=budget_pct,
        bid_pct=bid_pct,
        explored=explored,
    )

    rec_budget = np.where(np.isfinite(budget), np.round(budget, 2), np.nan)
    keep_paused = (h.status == "paused") & (budget <= 0)
    rec_budget = np.where(keep_paused, h.current_budget, rec_budget)
    frame = pd.DataFrame(
        {
            C.RUN_ID: run_id,
            C.EFFECTIVE_DATE: effective_date.isoformat(),
            C.ACCOUNT_ID: h.account_id,
            C.CAMPAIGN_ID: h.campaign_id,
            C.CAMPAIGN_NAME: h.campaign_name,
            C.CHANNEL: h.channel,
            C.BID_TYPE: h.bid_type,
            C.CURRENT_BUDGET: np.where(np.isfinite(h.current_budget), np.round(h.current_budget, 2), np.nan),
            C.RECOMMENDED_BUDGET: np.where(np.isinf(rec_budget), np.nan, rec_budget),
            C.CURRENT_BID: np.round(h.current_bid, 2),
            C.RECOMMENDED_BID: np.round(bid, 2),
            C.ACTION: act,
            C.EXPECTED_SPEND: np.round(spend, 2),
            C.EXPECTED_GMV: np.round(gmv, 2),
            C.EXPECTED_ROI: np.round(roi, 4),
            C.MARGINAL_ROI: np.where(budget > 0, np.round(marginal_roi, 4), np.nan),
            C.DECISION: decisions,
            C.REASON: reasons,
            C.APPROVED: None,
            C.EXPECTED_GMV_SD: np.round(gmv_sd, 2),
            C.ACCOUNT_THRESHOLD: round(threshold, 4) if np.isfinite(threshold) else np.nan,
            C.DAYS_OF_HISTORY: days.astype("int64"),
            C.CAPPED_DAYS_7: capped7.astype("int64"),
            C.CURRENCY: h.currency,
        },
        columns=list(C.ALL_COLUMNS),
    )
    frame[C.APPROVED] = frame[C.APPROVED].astype(object)
    return frame


def _explain(
    h: History,
    model: FittedModel,
    settings: Settings,
    *,
    act: np.ndarray,
    budget: np.ndarray,
    spend: np.ndarray,
    roi: np.ndarray,
    marginal_roi: np.ndarray,
    threshold: float,
    budget_pct: np.ndarray,
    bid_pct: np.ndarray,
    explored: np.ndarray | None,
) -> tuple[list[str], list[str]]:
    """``decision`` and ``reason`` of every campaign (see the module docstring)."""
    n = h.n
    limit = settings.review.auto_apply_max_change_pct
    capped7, seen7 = h.capped_last(7)
    spend7, gmv7 = h.last_days(7)
    days = model.days
    first_cap = ~np.isfinite(h.current_budget) & np.isfinite(budget) & (budget > 0)

    reasons = []
    decisions = []
    for i in range(n):
        a = act[i]
        parts = []
        if capped7[i] > 0:
            parts.append(f"capped by budget on {capped7[i]} of the last {seen7[i]} days")
        elif seen7[i] > 0 and spend7[i] > 0:
            parts.append(f"spent below budget on all of the last {seen7[i]} days")
        if spend7[i] > 0:
            parts.append(f"ROI {_fmt(gmv7[i] / spend7[i], 2)} over the last 7 days")
        if h.status[i] == "paused" and not budget[i] > 0:
            parts.append("paused and stays paused: resuming it would earn less than the budget earns elsewhere")
        elif a != "pause":
            parts.append(f"marginal ROI {_fmt(marginal_roi[i])} vs account threshold {_fmt(threshold)}")
            parts.append(f"forecast spend {_money(spend[i])} and ROI {_fmt(roi[i], 2)} at budget {_money(budget[i])}")
        else:
            parts.append(
                f"marginal ROI {_fmt(marginal_roi[i])} is below what the budget earns elsewhere "
                f"(threshold {_fmt(threshold)})"
            )
        if explored is not None and explored[i]:
            parts.append("exploration step: the budget never varied while capped, so its curve is uncertain")
        if model.bid_settling[i] and not (np.isfinite(bid_pct[i]) and bid_pct[i] > 0.05):
            parts.append(
                f"bid kept: it changed less than {settings.model.bid_settle_days} days ago and its "
                "effect is not in the data yet"
            )
        elif model.bid_locked[i] and not (np.isfinite(bid_pct[i]) and bid_pct[i] > 0.05):
            parts.append("bid kept while the campaign is new or learning")
        why_review = []
        if a in ("pause", "resume"):
            why_review.append(f"{a} needs a person")
        if np.isfinite(budget_pct[i]) and budget_pct[i] > limit + 1e-9:
            why_review.append(f"budget change {budget_pct[i]:.0f}% is above the auto-apply limit {limit:g}%")
        if np.isfinite(bid_pct[i]) and bid_pct[i] > limit + 1e-9:
            why_review.append(f"bid change {bid_pct[i]:.0f}% is above the auto-apply limit {limit:g}%")
        if first_cap[i]:
            why_review.append("sets a budget cap on an uncapped campaign")
        if a != "hold" and model.thin[i]:
            why_review.append(
                f"thin data ({days[i]} days; forecast {model.pooling_weight[i]:.0%} from similar campaigns)"
            )
        decision = "review" if why_review else "auto"
        sentence = f"{a}: " + "; ".join(parts)
        if why_review:
            sentence += "; review: " + ", ".join(why_review)
        decisions.append(decision)
        reasons.append(sentence + ".")
    return decisions, reasons
