"""Choose one operating point per campaign: budgets and bids by marginal ROI.

Formulation
-----------
Data (``optimizer.decide.candidates``; ``i`` campaign, ``j`` candidate, ``c`` channel):

* ``B[i,j]``  budget the candidate counts against the total (CNY/day): its daily
  budget; ``0`` when paused; the forecast spend for a campaign held without a cap;
* ``s[i,j]``, ``g[i,j]``, ``sd[i,j]``  forecast spend, GMV and GMV standard
  deviation on the effective date (``ResponseModel.predict``);
* ``v[i,j]``  score: ``g - kappa*|sd - sd[i,hold]|`` (``objective.target="gmv"``) or
  ``m*(g - kappa*|sd - sd[i,hold]|) - s`` (``"profit"``, ``m = gross_margin``);
  ``kappa = objective.uncertainty_penalty``: moves away from today cost their
  extra uncertainty, so noise does not buy large moves;
* ``g'[i,j] = g - z w_i sd`` the GMV the floor counts: a floor is a promise kept
  at ``objective.floor_confidence`` (``z`` its normal quantile; ``floor_margin``);
* ``T = budget.total_daily`` (absent: today's total ``sum_i B[i,hold]``),
  ``F = objective.roi_floor``, ``lo_c``/``hi_c`` the channels' min/max shares.

Variables: ``x[i,j] in {0,1}``, only for candidates that pass every per-campaign
guardrail (step limits, 0-or->=min budget, change >= 100 or none, bid <= budget,
spend floor, locked campaigns hold; see ``optimizer.decide.candidates``).

::

    maximise    sum_ij v[i,j] x[i,j]
    subject to  sum_j x[i,j] = 1                                   for every i  (one choice)
                sum_ij B[i,j] x[i,j] <= T                          budget.total_daily
                sum_ij (F s[i,j] - g'[i,j]) x[i,j] <= 0            objective.roi_floor
                sum_{i in c, j} B[i,j] x[i,j] <= hi_c T            channel[c].max_share
                sum_{i in c, j} B[i,j] x[i,j] >= lo_c T            channel[c].min_share

Method: the coupling rows are few (``m <= 2 + 2C``), the campaigns many.

1. Lagrangian dual: ``D(y) = b.y + sum_i max_j (v[i,j] - a[i,j].y)`` over
   multipliers ``y >= 0`` (one per coupling row) is minimised with Kelley's
   cutting planes (a tiny GLOP LP over ``m+1`` variables), each evaluation a
   vectorised numpy pass over the ``(n,k)`` table. Every ``D(y)`` is an upper
   bound on the optimum; the best one is the reported ``bound``.
2. At the best multipliers each campaign's choice is its best reduced score; all
   but the ``M`` campaigns whose best and second-best reduced scores are closest
   (the ambiguous ones; the LP relaxation has at most ``m`` fractional campaigns)
   are fixed there, and a SCIP MIP over the ambiguous campaigns (``optimizer.decide.repair``; their best 6
   candidates) repairs the coupling rows (time-limited, hinted with today's
   settings, each guardrail a named constraint). With at most 2,000 candidates
   in all, the MIP decides every campaign over every candidate: it then solves
   the whole problem exactly and its own bound is used too.
3. A channel minimum out of reach today (budgets may rise only
   ``budget.max_change_pct`` a day) is lowered to the most the channel's
   campaigns can have, which the MIP then gives it; ``stats.notes`` says so.
   Infeasible guardrails are explained (``InfeasibleError``) by analytic checks
   and, for joint conflicts, a deletion filter over the coupling rows whose
   feasibility test is the same dual with ``v = 0`` on the simplex (Farkas).

Determinism: campaigns are processed in a canonical order derived from their
data (never from ids or input order), so the same input gives byte-identical
output and renaming/reordering campaigns does not change any campaign's answer
(exact duplicates are interchangeable).

The marginal ROI of a campaign is ``dGMV/dspend`` from the model at its chosen
point (+/-5% budget); the account ``threshold`` is what the last unit of budget
earns at the multipliers: ``(lambda + mu F)/(1 + mu)`` for GMV and
``(1 + lambda + mu F)/(m + mu)`` for profit (``lambda`` budget, ``mu`` ROI floor).
"""

from __future__ import annotations

import math
import time
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from optimizer.decide.candidates import HOLD, PAUSE, build_candidates, grid_for
from optimizer.decide.dual import CouplingRows, diagnose, hits_box, kelley, reduced_scores, restore
from optimizer.decide.guardrails import live_minimum
from optimizer.decide.repair import repair
from optimizer.errors import InfeasibleError
from optimizer.i18n import t

__all__ = ["ALLOCATION_COLUMNS", "STATE_COLUMNS", "Allocation", "SolveStats", "floor_margin", "solve"]

STATE_COLUMNS = ("campaign_id", "channel", "bid_type", "budget", "bid", "status", "spend_today", "locked")

#: Columns of ``Allocation.table`` (indexed by ``campaign_id``, input order).
ALLOCATION_COLUMNS = (
    "channel",  # as in the input
    "bid_type",  # cpa / roi / none
    "status",  # today's status
    "current_budget",  # today's budget (NaN = no cap)
    "current_bid",  # today's bid (NaN for none)
    "budget",  # chosen daily budget, CNY; 0 = paused; NaN = stays uncapped
    "bid",  # chosen bid (CPA bid or ROI target); NaN for none
    "action",  # increase / decrease / hold / pause / resume
    "expected_spend",  # forecast spend at the chosen point, CNY
    "expected_gmv",  # forecast GMV at the chosen point, CNY
    "expected_gmv_sd",  # standard deviation of that forecast, CNY
    "marginal_roi",  # extra GMV per extra CNY of spend at the chosen point
    "candidate",  # index of the chosen candidate (0 hold, 1 pause, 2.. grid)
)


class SolveStats(BaseModel):
    """How the solve went; money in CNY, time in seconds."""

    model_config = ConfigDict(frozen=True)

    status: Literal["optimal", "feasible"] = Field(description="optimal: gap within 1e-6")
    objective: float = Field(description="sum of the chosen candidates' scores v")
    bound: float = Field(description="upper bound on the objective (Lagrangian or the MIP's own)")
    gap: float = Field(ge=0, description="(bound - objective) / |bound|")
    time_s: float = Field(ge=0, description="wall time of solve()")
    threshold: float = Field(description="GMV per extra CNY that the last unit of budget must earn")
    channel_thresholds: dict[str, float] = Field(description="the same, per constrained channel")
    multipliers: dict[str, float] = Field(description="shadow price of each named coupling guardrail")
    total_daily: float = Field(ge=0, description="the budget total in force (T)")
    total_budget: float = Field(ge=0, description="sum of chosen budgets (uncapped: forecast spend)")
    expected_spend: float = Field(ge=0)
    expected_gmv: float = Field(ge=0)
    n_campaigns: int = Field(ge=0)
    n_candidates: int = Field(ge=0, description="k, candidates per campaign")
    n_in_mip: int = Field(ge=0, description="campaigns decided by the MIP repair")
    notes: tuple[str, ...] = Field((), description="guardrails out of reach today and what was done instead")
    conflicts: tuple[str, ...] = Field((), description="soft guardrails that could not hold together, as planned")
    warnings: tuple[str, ...] = Field((), description="guardrails obeyed that would surprise (decide.surprises)")


class Allocation(BaseModel):
    """The chosen settings per campaign (``table``, columns ``ALLOCATION_COLUMNS``) and ``stats``."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    table: pd.DataFrame = Field(description="one row per campaign, indexed by campaign_id, input order")
    stats: SolveStats


def _check_states(model, states: pd.DataFrame) -> None:
    missing = [c for c in STATE_COLUMNS if c not in states.columns]
    if missing:
        raise ValueError(f"states lacks columns {missing}")
    ids = [str(c) for c in model.campaign_ids]
    if ids != states["campaign_id"].astype(str).tolist():
        raise ValueError("states rows must be the model's campaign_ids, in the same order")
    bad = sorted(set(states["bid_type"].astype(str).unique()) - {"cpa", "roi", "none"})
    if bad:
        raise ValueError(f"unknown bid_type {bad[0]!r}")
    bad = sorted(set(states["status"].astype(str).unique()) - {"active", "paused", "learning"})
    if bad:
        raise ValueError(f"unknown status {bad[0]!r}")


def _forecast(model, budget: np.ndarray, bid: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    fc = model.predict(budget, bid)
    off = budget <= 0
    return (np.where(off, 0.0, fc.spend), np.where(off, 0.0, fc.gmv), np.where(off, 0.0, fc.gmv_sd))


def _canonical_order(v: np.ndarray, B: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """A permutation of campaigns that depends only on their data."""
    vz = np.where(valid, v, 0.0)
    Bz = np.where(valid, B, 0.0)
    keys = (np.arange(len(v)), Bz.sum(axis=1), vz.sum(axis=1), Bz[:, HOLD], vz[:, HOLD])
    return np.lexsort(keys)


def solve(
    model, states: pd.DataFrame, settings, *, time_limit_s: float = 10.0, grid: tuple[int, int] | None = None
) -> Allocation:
    """Choose a budget and bid for every campaign of ``states`` (see the module docstring).

    ``states``: one row per campaign in ``model.campaign_ids`` order, columns
    ``STATE_COLUMNS``. ``grid``: budgets x bids per campaign (default
    ``candidates.grid_for(n)``). Raises ``InfeasibleError`` naming the
    conflicting guardrails, ``OptimizerError`` if no allocation is found in
    ``time_limit_s``.
    """
    started = time.perf_counter()
    _check_states(model, states)
    n = len(states)
    budget0 = states["budget"].to_numpy(dtype=float, na_value=np.nan)
    bid0 = states["bid"].to_numpy(dtype=float, na_value=np.nan)
    hold_fc = _forecast(model, np.where(np.isfinite(budget0), budget0, np.inf)[:, None], bid0[:, None])
    n_budget, n_bid = grid if grid is not None else grid_for(n)
    cands = build_candidates(states, settings, hold_fc[0][:, 0], n_budget=n_budget, n_bid=n_bid)
    spend, gmv, sd = _forecast(model, cands.budget, cands.bid)
    valid = cands.valid
    B = np.where(np.isfinite(cands.budget), cands.budget, spend)

    obj = settings.objective
    risk = obj.uncertainty_penalty * np.abs(sd - sd[:, [HOLD]])
    if obj.target == "profit":
        v = obj.gross_margin * (gmv - risk) - spend
    else:
        v = gmv - risk

    total = float(settings.budget.total_daily) if settings.budget.total_daily is not None else math.fsum(B[:, HOLD])
    channels = states["channel"].astype(str).to_numpy()

    settings, notes = _reachable_shares(B, valid, channels, settings, total)
    order = _canonical_order(v, B, valid)
    floor_gmv = gmv - floor_margin(sd, valid, settings.objective.floor_confidence)
    rows = CouplingRows.build(B[order], spend[order], gmv[order], channels[order], settings, total, floor_gmv[order])
    vs_scale = max(math.fsum(np.abs(np.where(valid, v, 0.0)).max(axis=1)), 1.0)
    vs = np.where(valid[order], v[order] / vs_scale, -np.inf)

    conflict = diagnose(rows, valid[order], locked=cands.locked[order], settings=settings)
    if conflict is not None:
        raise InfeasibleError(*conflict)

    y, dual_bound = kelley(rows, vs, deadline=started + 0.7 * time_limit_s)
    if hits_box(y):
        conflict = diagnose(rows, valid[order], locked=cands.locked[order], settings=settings, joint=True)
        if conflict is not None:
            raise InfeasibleError(*conflict)
    red = reduced_scores(rows, vs, restore(rows, vs, y))
    choice = np.argmax(red, axis=1)
    choice, mip_bound, n_in_mip = repair(rows, vs, red, choice, valid[order], started + time_limit_s)
    if choice is None:
        conflict = diagnose(rows, valid[order], locked=cands.locked[order], settings=settings, joint=True)
        raise InfeasibleError(*(conflict or (rows.names, "no combination of candidate settings meets them all")))

    chosen = np.empty(n, dtype=np.int64)
    chosen[order] = choice
    idx = np.arange(n)
    objective = math.fsum(v[idx, chosen])
    bound = dual_bound * vs_scale
    if mip_bound is not None:
        bound = min(bound, mip_bound * vs_scale)
    bound = max(bound, objective)
    gap = (bound - objective) / max(abs(bound), 1e-9)

    lam = rows.unscaled(y, vs_scale)
    table = _table(model, states, cands, chosen, spend, gmv, sd, settings)
    stats = SolveStats(
        status="optimal" if gap <= 1e-6 else "feasible",
        objective=round(objective, 6),
        bound=round(bound, 6),
        gap=gap,
        time_s=time.perf_counter() - started,
        threshold=_threshold(lam.get("budget.total_daily", 0.0), lam.get("objective.roi_floor", 0.0), settings),
        channel_thresholds=_channel_thresholds(lam, settings),
        multipliers=lam,
        total_daily=total,
        total_budget=round(math.fsum(B[idx, chosen]), 2),
        expected_spend=round(math.fsum(spend[idx, chosen]), 2),
        expected_gmv=round(math.fsum(gmv[idx, chosen]), 2),
        n_campaigns=n,
        n_candidates=valid.shape[1],
        n_in_mip=n_in_mip,
        notes=notes,
    )
    return Allocation(table=table, stats=stats)


def floor_margin(sd: np.ndarray, valid: np.ndarray, confidence: float) -> np.ndarray:
    """``(n, k)`` each candidate's share of the ROI floor's confidence margin, ``z w_i sd[i,j]``.

    The plan keeps ``P(total GMV >= F x total spend) >= confidence`` under the
    forecast's own uncertainty, ``sum g - F sum s >= z sqrt(sum sd^2)`` with
    ``z`` the normal quantile of ``confidence``; the square root is linearised
    at each campaign's largest candidate sd ``a_i`` (``w_i = a_i / |a|``), so
    the row stays linear and the margin is ``z |a|`` at those points.
    """
    from statistics import NormalDist

    z = NormalDist().inv_cdf(confidence) if 0.5 < confidence < 1 else 0.0
    if z <= 0:
        return np.zeros_like(sd)
    a = np.where(valid, sd, 0.0).max(axis=1)
    norm = math.sqrt(float((a**2).sum()))
    if norm <= 0:
        return np.zeros_like(sd)
    return z * (a / norm)[:, None] * sd


def _reachable_shares(B: np.ndarray, valid: np.ndarray, channels: np.ndarray, settings, total: float):
    """Settings whose channel minimums are within today's reach, and a note for each one lowered.

    A channel below its ``min_share`` of the total that cannot get there today
    because its budgets may rise only ``budget.max_change_pct`` a day gets the
    most it can (every campaign at the top of its window) and closes the rest on
    the following days, instead of the whole account holding still.
    """
    if not settings.channel:
        return settings, ()
    top = np.where(valid, B, -np.inf).max(axis=1)
    top = np.where(np.isfinite(top), top, 0.0)
    lowered, notes = [], []
    for ch in settings.channel:
        inside = channels == ch.name
        reach = math.fsum(top[inside])
        wanted = ch.min_share * total
        # only a channel that can grow today is helped along; one that cannot (locked) is a conflict
        grows = bool((top[inside] > B[inside, HOLD] + 0.005).any())
        if ch.min_share > 0 and reach < wanted - 0.01 and grows:
            lowered.append(ch.model_copy(update={"min_share": max(reach - 0.005, 0.0) / max(total, 1.0)}))
            pct = settings.budget.max_change_pct
            fields = {"name": ch.name, "share": ch.min_share, "wanted": wanted, "pct": pct, "reach": reach}
            notes.append(t("decisions.min_share_out_of_reach", **fields))
        else:
            lowered.append(ch)
    if not notes:
        return settings, ()
    return settings.model_copy(update={"channel": lowered}), tuple(notes)


def _threshold(lam: float, mu: float, settings) -> float:
    floor = settings.objective.roi_floor
    if settings.objective.target == "profit":
        return round((1 + lam + mu * floor) / (settings.objective.gross_margin + mu), 6)
    return round((lam + mu * floor) / (1 + mu), 6)


def _channel_thresholds(lam: dict[str, float], settings) -> dict[str, float]:
    out = {}
    for ch in settings.channel:
        extra = lam.get(f"channel[{ch.name}].max_share", 0.0) - lam.get(f"channel[{ch.name}].min_share", 0.0)
        total = lam.get("budget.total_daily", 0.0) + extra
        out[ch.name] = _threshold(total, lam.get("objective.roi_floor", 0.0), settings)
    return out


def _marginal_roi(model, budget, bid, spend, paused, min_live, bid_type):
    """``dGMV/dspend`` at each chosen point, ``(n,)``.

    Along the budget (+/-5%; uncapped: of the spend level; paused: the average
    ROI of resuming at the minimum budget). A campaign whose delivery is limited
    by its bid, not its budget, spends no more with more budget: its marginal
    ROI is then taken along the bid (+/-5%; for an ROI target the other way
    round), and 0 when neither moves spend.
    """
    level = np.where(np.isfinite(budget), budget, spend)
    level = np.where(paused, min_live, level)
    up = np.where(paused, min_live, level * 1.05)
    down = np.where(paused, 0.0, level * 0.95)
    fc = model.predict(np.stack([down, up], axis=1), np.stack([bid, bid], axis=1))
    s_lo = np.where(down <= 0, 0.0, fc.spend[:, 0])
    g_lo = np.where(down <= 0, 0.0, fc.gmv[:, 0])
    ds = fc.spend[:, 1] - s_lo
    dg = fc.gmv[:, 1] - g_lo
    tiny = 1e-9 * (1 + np.abs(level))
    ok = ds > tiny
    has_bid = np.isin(bid_type, ("cpa", "roi")) & np.isfinite(bid) & (bid > 0) & ~paused
    if np.any(~ok & has_bid):
        more = np.where(bid_type == "roi", 0.95, 1.05)
        less = np.where(bid_type == "roi", 1.05, 0.95)
        cap = np.where(np.isfinite(budget), budget, np.inf)
        fb = model.predict(np.stack([cap, cap], axis=1), np.stack([bid * less, bid * more], axis=1))
        ds_bid = fb.spend[:, 1] - fb.spend[:, 0]
        use_bid = ~ok & has_bid & (ds_bid > tiny)
        ds = np.where(use_bid, ds_bid, ds)
        dg = np.where(use_bid, fb.gmv[:, 1] - fb.gmv[:, 0], dg)
        ok = ok | use_bid
    return np.where(ok, dg / np.where(ok, ds, 1.0), 0.0)


def _table(model, states, cands, chosen, spend, gmv, sd, settings) -> pd.DataFrame:
    n = len(states)
    idx = np.arange(n)
    budget = cands.budget[idx, chosen]
    bid = cands.bid[idx, chosen]
    budget_out = np.where(np.isfinite(budget), np.round(budget, 2), np.nan)
    budget0 = states["budget"].to_numpy(dtype=float, na_value=np.nan)
    bid0 = states["bid"].to_numpy(dtype=float, na_value=np.nan)
    paused_now = ~cands.active
    live = budget_out != 0
    action = np.full(n, "hold", dtype=object)
    action[(chosen == PAUSE)] = "pause"
    action[paused_now & live & (chosen != HOLD)] = "resume"
    moved = ~paused_now & (chosen != HOLD) & (chosen != PAUSE)
    cur = np.where(np.isfinite(budget0), budget0, cands.ref)
    up = budget_out > cur + 0.005
    down = budget_out < cur - 0.005
    bid_type = states["bid_type"].astype(str).to_numpy()
    # a higher CPA bid buys more delivery; a higher ROI target buys less
    bid_more = np.where(bid_type == "roi", bid < bid0, bid > bid0)
    bid_less = np.where(bid_type == "roi", bid > bid0, bid < bid0)
    action[moved & (up | (~down & bid_more))] = "increase"
    action[moved & (down | (~up & bid_less))] = "decrease"
    mroi = _marginal_roi(model, budget, bid, spend[idx, chosen], budget <= 0, live_minimum(settings), bid_type)
    table = pd.DataFrame(
        {
            "channel": states["channel"].astype(str).to_numpy(),
            "bid_type": bid_type,
            "status": states["status"].astype(str).to_numpy(),
            "current_budget": budget0,
            "current_bid": bid0,
            "budget": budget_out,
            "bid": np.round(bid, 2),
            "action": action.astype(str),
            "expected_spend": np.round(spend[idx, chosen], 2),
            "expected_gmv": np.round(gmv[idx, chosen], 2),
            "expected_gmv_sd": np.round(sd[idx, chosen], 2),
            "marginal_roi": np.round(mroi, 4),
            "candidate": chosen.astype(np.int64),
        },
        index=pd.Index(states["campaign_id"].astype(str).to_numpy(), name="campaign_id"),
    )
    return table[list(ALLOCATION_COLUMNS)]
