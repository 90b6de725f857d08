"""Candidate operating points per campaign, inside the guardrails, as (n, k) arrays.

For each of ``n`` campaigns (rows of ``states``, in order) the solver chooses one
of ``k`` candidate settings (budget, bid). Every candidate already satisfies the
per-campaign guardrails, so the solver only has to handle the coupling ones
(total budget, ROI floor, channel shares). Column layout, the same for every row:

=========  ================================================================
column     meaning
=========  ================================================================
0          ``hold``: today's budget and bid, unchanged (today's status too)
1          ``pause``: budget 0 (only for an active, unlocked campaign)
2 ..       a grid of ``n_budget`` budgets x ``n_bid`` bids (budget-major; ``grid_for``)
=========  ================================================================

Per-campaign rules (``docs/qianchuan.md`` 4.1 and 8; the arithmetic is ``optimizer.decide.guardrails``,
shared with the simulation policies and the review import; values from ``settings.platform`` and
``settings.budget``/``settings.bid``):

* budget window: ``ref x (1 +/- budget.max_change_pct)`` where ``ref`` is today's
  budget; intersected with ``[min_live, platform.max_budget]``, ``min_live =
  max(budget.min_campaign_budget, platform.min_budget)``, and with the spend
  floor ``ceil100(platform.spend_floor_ratio x spend_today)``;
* a budget change moves at least ``platform.min_budget_step`` (100) or not at all;
* budgets are multiples of 10 CNY where the window allows, else whole cents;
* bid window ``bid x (1 +/- bid.max_change_pct)`` (narrower where the optional
  ``bid_step_pct`` column says so: 0 holds the bid), 2 decimals; an ROI target stays
  in ``[min_roi_goal, max_roi_goal]``; a CPA bid is at most the budget;
* ``locked`` campaigns and campaigns with status ``learning`` only hold;
* pause (budget 0) is allowed for every active unlocked campaign: it is a status
  change, not a budget edit, so the step limit does not apply to it;
* a paused campaign holds (stays paused) or resumes inside the budget window
  around its stored budget (``min_live`` when it has none); one whose
  ``resume_blocked`` column is true (paused days ago, ``optimizer.decide.hysteresis``)
  only holds;
* an unlocked active campaign whose budget is below ``min_live`` may not hold:
  it moves to at least ``min_live`` or pauses;
* a campaign with no budget cap (``budget`` NaN) may hold uncapped, or receive a
  cap inside the window around its forecast spend when uncapped (``ref``); no
  minimum step applies when a cap is first set.

Invalid grid cells (empty window, duplicate values, bid above budget) are
``valid = False``; their budget/bid repeat the hold point so ``predict`` gets
ordinary inputs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from optimizer.decide import guardrails

__all__ = ["HOLD", "PAUSE", "Candidates", "build_candidates", "grid_for"]

HOLD = 0
PAUSE = 1


@dataclass(frozen=True)
class Candidates:
    """Candidate settings; every array is ``(n, k)`` unless stated.

    ``budget``: the daily budget to set (CNY, 2 decimals; ``inf`` = no cap, ``0`` =
    paused). ``bid``: CPA bid (CNY/order) or ROI target; ``nan`` for ``none``.
    ``valid``: the cell is a legal choice. ``ref`` ``(n,)``: the budget the step
    window is centred on. ``active`` ``(n,)``: live today; ``locked`` ``(n,)``.
    """

    budget: np.ndarray
    bid: np.ndarray
    valid: np.ndarray
    ref: np.ndarray
    active: np.ndarray
    locked: np.ndarray

    @property
    def shape(self) -> tuple[int, int]:
        return self.budget.shape


def grid_for(n: int) -> tuple[int, int]:
    """Budgets x bids per campaign for an account of ``n`` campaigns.

    Budget resolution is what pays: on synthetic accounts of 2,000 campaigns a
    25 x 3 grid finds 0.17% more GMV than 9 x 3 and 41 x 3 finds 0.21%, while 25
    x 7 finds 0.18% at more than twice the cells. The (n, k) tables are kept
    to about half a million cells up to 10k campaigns, where the end-to-end
    time budget is tight, and stay near-linear in ``n`` beyond.
    """
    if n <= 2_000:
        return 41, 3
    if n <= 10_000:
        return 17, 3
    return 9, 3


def _ceil_cent(x: np.ndarray) -> np.ndarray:
    return np.ceil(np.round(x * 100, 6)) / 100


def _floor_cent(x: np.ndarray) -> np.ndarray:
    return np.floor(np.round(x * 100, 6)) / 100


def _budget_grid(ref: np.ndarray, low: np.ndarray, high: np.ndarray, n_budget: int) -> tuple[np.ndarray, np.ndarray]:
    """``n_budget`` budgets spread over ``[low, high]``, preferring multiples of 10."""
    lo_c = _ceil_cent(low)
    hi_c = _floor_cent(high)
    ok = lo_c <= hi_c
    t = np.linspace(0.0, 1.0, n_budget)
    raw = lo_c[:, None] + t[None, :] * (hi_c - lo_c)[:, None]
    grid = np.round(raw / 10) * 10
    grid = np.clip(grid, lo_c[:, None], hi_c[:, None])
    grid = np.round(grid, 2)
    valid = np.repeat(ok[:, None], n_budget, axis=1)
    # drop repeats after rounding (the grid is sorted)
    valid[:, 1:] &= grid[:, 1:] > grid[:, :-1]
    return np.where(valid, grid, np.nan), valid


def build_candidates(states, settings, uncapped_spend: np.ndarray, *, n_budget: int = 9, n_bid: int = 3) -> Candidates:
    """Build the candidate table for ``states`` (one row per campaign).

    ``uncapped_spend`` ``(n,)``: the forecast spend at today's settings, used as
    the reference for campaigns without a budget cap (ignored for the others).
    """
    n = len(states)
    lim = guardrails.limits(settings)
    q = lim.bid_step
    min_live = lim.min_live

    budget0 = states["budget"].to_numpy(dtype=float, na_value=np.nan)
    bid0 = states["bid"].to_numpy(dtype=float, na_value=np.nan)
    bid_type = states["bid_type"].astype(str).to_numpy()
    status = states["status"].astype(str).to_numpy()
    spend_today = np.nan_to_num(states["spend_today"].to_numpy(dtype=float, na_value=0.0), nan=0.0)
    locked = states["locked"].to_numpy(dtype=bool) | (status == "learning")
    paused = status == "paused"
    # a campaign paused only days ago stays paused (optimizer.decide.hysteresis)
    no_resume = paused & (states["resume_blocked"].to_numpy(dtype=bool) if "resume_blocked" in states else False)
    active = ~paused
    capped = np.isfinite(budget0)

    ref = guardrails.step_reference(budget0, paused, np.asarray(uncapped_spend, dtype=float), min_live)
    low, high = guardrails.budget_window(ref, guardrails.spend_floor(spend_today, lim), lim)
    budgets, b_valid = _budget_grid(ref, low, high, n_budget)
    # each change moves at least `step`, or the budget stays as it is
    same = np.isclose(budgets, budget0[:, None], rtol=0, atol=0.005)
    b_valid &= ~capped[:, None] | same | guardrails.moves_enough(budgets, budget0[:, None], lim, tol=1e-9)

    has_bid = np.isin(bid_type, ("cpa", "roi")) & np.isfinite(bid0) & (bid0 > 0)
    nb = n_bid if q > 0 else 1
    # per campaign: the bid window may be narrower (bid tests, bids held: optimizer.decide.bid_tests)
    q_i = np.full(n, q)
    if "bid_step_pct" in states:
        q_i = np.minimum(q_i, np.nan_to_num(states["bid_step_pct"].to_numpy(dtype=float), nan=q * 100) / 100)
    ratios = np.linspace(-1.0, 1.0, nb)[None, :] * q_i[:, None] if nb > 1 else np.zeros((n, 1))
    bids = np.round(bid0[:, None] * (1 + ratios), 2)
    bid_lo, bid_hi = guardrails.bid_window(bid0, lim, step=q_i)
    bid_lo, bid_hi = _ceil_cent(bid_lo), _floor_cent(bid_hi)
    roi_lo, roi_hi = guardrails.roi_goal_window(bid_lo, bid_hi, lim)
    is_roi = bid_type == "roi"
    bids = np.clip(bids, np.where(is_roi, roi_lo, bid_lo)[:, None], np.where(is_roi, roi_hi, bid_hi)[:, None])
    bids = np.round(bids, 2)
    d_valid = np.repeat(has_bid[:, None], nb, axis=1) & (bids > 0)
    d_valid[:, 1:] &= bids[:, 1:] > bids[:, :-1]
    # max-delivery campaigns (and bids we do not know) keep their bid: one bid column
    d_valid[:, 0] |= ~has_bid
    bids = np.where(has_bid[:, None], bids, bid0[:, None])

    grid_budget = np.repeat(budgets, nb, axis=1)  # (n, n_budget*nb), budget-major
    grid_bid = np.tile(bids, (1, n_budget))
    grid_valid = np.repeat(b_valid, nb, axis=1) & np.tile(d_valid, (1, n_budget))
    is_cpa = (bid_type == "cpa")[:, None]
    grid_valid &= ~(is_cpa & has_bid[:, None] & (grid_bid > grid_budget + 1e-9))
    # the grid point equal to today's settings is the hold column, not a change
    same_bid = (grid_bid == bid0[:, None]) | (np.isnan(grid_bid) & np.isnan(bid0[:, None]))
    grid_valid &= ~(
        active[:, None] & capped[:, None] & np.isclose(grid_budget, budget0[:, None], atol=0.005) & same_bid
    )

    hold_budget = np.where(paused, 0.0, np.where(capped, budget0, np.inf))
    hold_valid = locked | paused | ~capped | (budget0 >= min_live - 1e-9)
    pause_valid = active & ~locked
    grid_valid &= ~(locked | no_resume)[:, None]

    budget = np.concatenate([hold_budget[:, None], np.zeros((n, 1)), grid_budget], axis=1)
    bid = np.concatenate([bid0[:, None], bid0[:, None], grid_bid], axis=1)
    valid = np.concatenate([hold_valid[:, None], pause_valid[:, None], grid_valid], axis=1)
    # invalid cells repeat the hold point so a model sees ordinary inputs
    budget = np.where(valid, budget, hold_budget[:, None])
    bid = np.where(valid, bid, bid0[:, None])
    return Candidates(budget=budget, bid=bid, valid=valid, ref=ref, active=active, locked=locked)
