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
* ``reason`` and ``action_label``: words from the numbers, in ``[ui] language``
  (``optimizer.decide.reasons``: one sentence, main driver first, with units;
  the label follows the forecast spend), e.g. ``"近 7 天有 6 天花完预算，边际 ROI
  3.4 高于账户门槛 2.1，预算 5,000 元 → 5,600 元（+12%），预计消耗 4,980 元 →
  5,540 元，ROI 3.10。"`` plus, for review rows, why a person must look.

Nothing here calls a connector or changes the allocation.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from optimizer.decide import columns as C
from optimizer.decide.reasons import FactColumns, Why, words

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


def _signed_pct(new: np.ndarray, old: np.ndarray) -> np.ndarray:
    """``(n,)`` signed change in percent, 1 decimal; NaN where there is nothing to compare."""
    with np.errstate(divide="ignore", invalid="ignore"):
        pct = (new - old) / np.abs(old) * 100
    return np.round(np.where(np.isfinite(old) & (old > 0) & np.isfinite(new), pct, np.nan), 1)


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
    explain = _Forecasts(budget, bid, spend, roi, marginal_roi, float(threshold))
    labels, reasons, decisions, spend_now = _explain(h, model, settings, act, explain, explored)
    capped7, _seen7 = h.capped_last(7)
    days = model.days

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
            C.ACTION_LABEL: labels,
            C.BUDGET_CHANGE_PCT: _signed_pct(budget, h.current_budget),
            C.BID_CHANGE_PCT: _signed_pct(bid, h.current_bid),
            C.EXPECTED_SPEND_NOW: np.round(spend_now, 2),
        },
        columns=list(C.ALL_COLUMNS),
    )
    frame[C.APPROVED] = frame[C.APPROVED].astype(object)
    return frame


@dataclass(frozen=True)
class _Forecasts:
    """The chosen settings and what the model says of them, ``(n,)`` each."""

    budget: np.ndarray
    bid: np.ndarray
    spend: np.ndarray
    roi: np.ndarray
    marginal_roi: np.ndarray
    threshold: float


def _explain(
    h: History, model: FittedModel, settings: Settings, act: np.ndarray, f: _Forecasts, explored: np.ndarray | None
) -> tuple[list[str], list[str], list[str], np.ndarray]:
    """Per row: the action label, the reason, the decision (auto/review), and the forecast spend at today's settings."""
    now_budget = np.where(np.isfinite(h.current_budget), h.current_budget, np.inf)
    now = model.predict(now_budget[:, None], np.where(np.isfinite(h.current_bid), h.current_bid, np.nan)[:, None])
    spend_now = np.where((h.status != "paused") & (now_budget > 0), now.spend[:, 0], 0.0)
    facts = _fact_columns(h, model, settings, act, f, explored, spend_now)
    labels, reasons = words(facts, settings.ui.language)
    decisions = np.where(facts.reviewed, "review", "auto").tolist()
    return labels, reasons, decisions, spend_now


def _why_review(h: History, model: FittedModel, settings: Settings, act: np.ndarray, f: _Forecasts) -> tuple[Why, ...]:
    """The ``why_*`` entries of the rows, in the order a reason lists them."""
    act = np.asarray(act)
    limit = settings.review.auto_apply_max_change_pct
    why = [Why("why_pause", act == "pause", {}), Why("why_resume", act == "resume", {})]
    for key, pct in (
        ("why_budget", _pct_change(f.budget, h.current_budget)),
        ("why_bid", _pct_change(f.bid, h.current_bid)),
    ):
        why.append(Why(key, np.isfinite(pct) & (pct > limit + 1e-9), {"pct": pct, "limit": limit}))
    why.append(Why("why_first_cap", ~np.isfinite(h.current_budget) & np.isfinite(f.budget) & (f.budget > 0), {}))
    thin = (act != "hold") & np.asarray(model.thin, dtype=bool)
    days, pooled = np.asarray(model.days).astype(np.int64), np.asarray(model.pooling_weight, dtype=float)
    why.append(Why("why_thin", thin, {"days": days, "pooled": pooled}))
    return tuple(why)


def _fact_columns(
    h: History,
    model: FittedModel,
    settings: Settings,
    act: np.ndarray,
    f: _Forecasts,
    explored: np.ndarray | None,
    spend_now: np.ndarray,
) -> FactColumns:
    """The numbers of every row's words, column by column."""
    n = h.n
    bid_pct = _pct_change(f.bid, h.current_bid)
    capped7, seen7 = h.capped_last(7)
    spend7, gmv7 = h.last_days(7)
    with np.errstate(divide="ignore", invalid="ignore"):
        roi7 = np.where(spend7 > 0, gmv7 / spend7, np.nan)
    seen = np.asarray(seen7).astype(np.int64)
    bid_held = ~(np.isfinite(bid_pct) & (bid_pct > 0.05))
    note = np.full(n, None, dtype=object)
    note[np.asarray(model.bid_locked, dtype=bool) & bid_held] = "locked"
    note[np.asarray(model.bid_settling, dtype=bool) & bid_held] = "settling"  # settling is the one said
    currency = np.array([str(c) if c else "CNY" for c in np.asarray(h.currency).tolist()], dtype=object)
    return FactColumns(
        action=np.asarray(act, dtype=object),
        bid_type=np.asarray(h.bid_type).astype(str).astype(object),
        paused_now=np.asarray(h.status == "paused", dtype=bool),
        current_budget=np.where(np.isfinite(h.current_budget), h.current_budget, np.inf).astype(float),
        budget=np.asarray(f.budget, dtype=float),
        current_bid=np.asarray(h.current_bid, dtype=float),
        bid=np.asarray(f.bid, dtype=float),
        spend_now=np.asarray(spend_now, dtype=float),
        spend=np.asarray(f.spend, dtype=float),
        roi=np.asarray(f.roi, dtype=float),
        marginal_roi=np.asarray(f.marginal_roi, dtype=float),
        threshold=np.full(n, float(f.threshold)),
        capped_days=np.asarray(capped7).astype(np.int64),
        seen_days=np.where(seen == 0, 7, seen),
        roi7=np.asarray(roi7, dtype=float),
        explored=np.zeros(n, dtype=bool) if explored is None else np.asarray(explored, dtype=bool),
        bid_note=note,
        settle_days=np.full(n, settings.model.bid_settle_days, dtype=np.int64),
        review=_why_review(h, model, settings, act, f),
        currency=currency,
    )
