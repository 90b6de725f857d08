"""The per-campaign guardrails, written once: what a budget or bid may be today.

Every decision maker obeys these rules: the solver's candidates
(``optimizer.decide.candidates``, ``(n,)`` float arrays), the simulation policies
(``rules``, ``oracle``: one ``CampaignState`` at a time, ``Decimal``) and the review
import's checks of edited rows. The platform's own rules (minimum and maximum
budget, the step of 100, the 105 %-of-spend floor, ROI goal range, CPA bid <=
budget) are ``connectors.rules``; this module builds the optimizer's limits on
them (``settings.budget``, ``settings.bid``). Rules:

* **step reference** (``step_reference``): a budget moves around today's budget;
  a paused campaign resumes around its last budget when it has one of at least
  ``min_live``, else around ``min_live``; an uncapped campaign around its
  forecast spend;
* **budget window** (``budget_window``): ``[max(ref x (1 - p), min_live, spend
  floor), min(ref x (1 + p), platform max)]`` with ``p = budget.max_change_pct``,
  ``min_live = max(budget.min_campaign_budget, platform min)`` and the spend floor
  ``ceil100(spend_floor_ratio x spend today)`` (``spend_floor``; the platform's
  ``min_budget_for_spend`` per campaign);
* **minimum step** (``moves_enough``): a budget change moves at least the
  platform's ``min_budget_step`` or not at all (pausing is a status change);
* **bid window** (``bid_window``): ``bid x (1 +/- q)``, ``q = bid.max_change_pct``;
  an ROI goal stays in the platform's range (``roi_goal_window``); a CPA bid is at
  most the budget;
* **total** (``total_cap``): live budgets add up to at most ``budget.total_daily``
  (absent: today's total).

Each formula is one function on numbers: with ``np.maximum``/``np.minimum`` it
takes ``(n,)`` float arrays and ``Decimal`` scalars alike, so the vectorised and
the per-campaign forms cannot drift apart. ``Limits`` holds the numbers in the
form's type (``limits`` floats, ``exact_limits`` ``Decimal``). ``verify`` re-checks
the hard rules on its own, on purpose: it shares no code with this module.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import numpy as np

from connectors.base import CampaignState
from connectors.rules import PlatformRules, min_budget_for_spend

if TYPE_CHECKING:
    from optimizer.settings import Settings

__all__ = [
    "Limits",
    "bid_bounds",
    "bid_window",
    "budget_bounds",
    "budget_window",
    "change_pct",
    "exact_limits",
    "limits",
    "live_minimum",
    "money",
    "moves_enough",
    "moves_too_far",
    "roi_goal_window",
    "snap_budget",
    "spend_floor",
    "step_reference",
    "total_cap",
]

_CENT = Decimal("0.01")
N = TypeVar("N", float, Decimal)


@dataclass(frozen=True)
class Limits(Generic[N]):
    """The guardrails' numbers in one numeric type: floats (vectorised) or ``Decimal`` (per campaign)."""

    min_live: N  # the smallest live budget: max(budget.min_campaign_budget, platform min)
    max_budget: N  # the platform's largest budget
    min_step: N  # a budget change moves at least this (the platform's step)
    budget_step: N  # a budget moves at most this share of its reference a day
    bid_step: N  # a bid moves at most this share a day
    min_roi_goal: N
    max_roi_goal: N
    spend_floor_ratio: N


def limits(settings: Settings) -> Limits[float]:
    """The limits as floats, for ``(n,)`` arrays (the platform's rules from ``settings.platform``)."""
    rules = settings.platform
    return Limits(
        min_live=live_minimum(settings),
        max_budget=float(rules.max_budget),
        min_step=float(rules.min_budget_step),
        budget_step=settings.budget.max_change_pct / 100,
        bid_step=settings.bid.max_change_pct / 100,
        min_roi_goal=float(rules.min_roi_goal),
        max_roi_goal=float(rules.max_roi_goal),
        spend_floor_ratio=float(rules.spend_floor_ratio),
    )


def exact_limits(settings: Settings, rules: PlatformRules) -> Limits[Decimal]:
    """The limits as ``Decimal``, for one campaign at a time under the platform's ``rules``."""
    return Limits(
        min_live=max(Decimal(settings.budget.min_campaign_budget), rules.min_budget),
        max_budget=rules.max_budget,
        min_step=rules.min_budget_step,
        budget_step=Decimal(str(settings.budget.max_change_pct)) / 100,
        bid_step=Decimal(str(settings.bid.max_change_pct)) / 100,
        min_roi_goal=rules.min_roi_goal,
        max_roi_goal=rules.max_roi_goal,
        spend_floor_ratio=rules.spend_floor_ratio,
    )


def live_minimum(settings: Settings) -> float:
    """The smallest budget a live campaign may have (CNY)."""
    return float(max(settings.budget.min_campaign_budget, settings.platform.min_budget))


def money(x: float | Decimal) -> Decimal:
    return Decimal(str(x)).quantize(_CENT, rounding=ROUND_HALF_UP)


def _as_is(x: Any) -> Any:
    return x


# ---- the rules, once (numbers: (n,) float arrays or Decimal scalars)


def step_reference(budget: np.ndarray, paused: np.ndarray, forecast_spend: np.ndarray, min_live: float) -> np.ndarray:
    """``(n,)`` the budget each step window is centred on (``budget`` NaN = no cap; see the module docstring)."""
    capped = np.isfinite(budget)
    ref = np.where(capped, budget, forecast_spend)
    ref = np.where(paused & ~(capped & (budget >= min_live)), min_live, ref)
    return np.where(np.isfinite(ref) & (ref > 0), ref, min_live)


def budget_window(ref: Any, floor: Any, lim: Limits, cents: Callable[[Any], Any] = _as_is) -> tuple[Any, Any]:
    """Lowest and highest live budget around ``ref`` given the spend ``floor`` (``low > high``: none).

    ``cents`` rounds the step limits (the per-campaign form rounds to cents half up)."""
    low = np.maximum(np.maximum(cents(ref * (1 - lim.budget_step)), lim.min_live), floor)
    high = np.minimum(cents(ref * (1 + lim.budget_step)), lim.max_budget)
    return low, high


def spend_floor(spend_today: np.ndarray, lim: Limits[float]) -> np.ndarray:
    """``(n,)`` the platform's smallest budget given today's spend (``min_budget_for_spend`` on floats)."""
    raw = np.where(spend_today > 0, spend_today * lim.spend_floor_ratio / 100, 0.0)
    return np.ceil(np.round(raw, 9)) * 100


def moves_enough(new: Any, current: Any, lim: Limits, tol: Any = 0) -> Any:
    """Whether a budget change from ``current`` to ``new`` is at least the platform's step."""
    return np.abs(new - current) >= lim.min_step - tol


def bid_window(bid: Any, lim: Limits, step: Any = None) -> tuple[Any, Any]:
    """Lowest and highest bid a day's step allows from ``bid`` (unrounded); ``step`` (default
    ``lim.bid_step``) may be narrower per campaign (bid tests, held bids)."""
    q = lim.bid_step if step is None else step
    return bid * (1 - q), bid * (1 + q)


def roi_goal_window(low: Any, high: Any, lim: Limits) -> tuple[Any, Any]:
    """A bid window narrowed to the platform's ROI goal range."""
    return np.maximum(low, lim.min_roi_goal), np.minimum(high, lim.max_roi_goal)


def change_pct(current: Any, new: Any) -> Any:
    """The move from ``current`` (> 0) to ``new`` in percent."""
    return abs(new - current) / current * 100


def moves_too_far(current: Decimal, new: Decimal, max_change_pct: float) -> bool:
    """Whether ``current`` -> ``new`` moves more than ``max_change_pct`` (a reviewer's edit; 0.001 % slack)."""
    return change_pct(current, new) > Decimal(str(max_change_pct)) + Decimal("0.001")


# ---- per campaign (Decimal): the simulation policies


def total_cap(campaigns: Sequence[CampaignState], settings: Settings) -> Decimal:
    """``budget.total_daily``, or (absent) today's total of live budgets."""
    if settings.budget.total_daily is not None:
        return Decimal(settings.budget.total_daily)
    return sum((c.budget or Decimal(0) for c in campaigns if c.status != "paused"), Decimal(0))


def _reference(c: CampaignState, lim: Limits[Decimal]) -> Decimal:
    """``step_reference`` for one campaign; one without a cap has no forecast here (0: no window)."""
    if c.budget is None:
        return Decimal(0)
    if c.status == "paused" and c.budget < lim.min_live:
        return lim.min_live
    return c.budget


def budget_bounds(c: CampaignState, settings: Settings, rules: PlatformRules) -> tuple[Decimal, Decimal]:
    """The lowest and highest live budget allowed today for ``c`` (``lo > hi``: none)."""
    lim = exact_limits(settings, rules)
    lo, hi = budget_window(_reference(c, lim), min_budget_for_spend(c.spend_today, rules), lim, cents=money)
    if c.bid_type == "cpa" and c.bid is not None:
        lo = max(lo, c.bid)  # a CPA bid stays at or below the budget
    return lo, hi


def snap_budget(c: CampaignState, target: Decimal, settings: Settings, rules: PlatformRules) -> Decimal:
    """The allowed budget closest to ``target``: clipped to the bounds, to whole yuan,
    and left unchanged when the move would be smaller than the platform's step."""
    cur = c.budget or Decimal(0)
    if c.budget_changes_today >= rules.max_budget_changes_per_day:
        return cur
    lo, hi = budget_bounds(c, settings, rules)
    if lo > hi:
        return cur
    new = min(max(target, lo), hi).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    new = min(max(new, lo), hi)
    if not moves_enough(new, cur, exact_limits(settings, rules)):
        return cur
    return new


def bid_bounds(c: CampaignState, settings: Settings, rules: PlatformRules) -> tuple[Decimal, Decimal] | None:
    """The lowest and highest bid allowed today, or ``None`` for a campaign without a bid."""
    if c.bid_type == "none" or c.bid is None:
        return None
    lim = exact_limits(settings, rules)
    lo, hi = (money(x) for x in bid_window(c.bid, lim))
    if c.bid_type == "roi":
        lo, hi = roi_goal_window(lo, hi, lim)
    elif c.budget is not None:
        hi = min(hi, c.budget)  # a CPA bid stays at or below the budget
    lo = max(lo, _CENT)
    return lo, hi
