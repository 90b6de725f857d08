"""The guardrail arithmetic every decision maker shares: bounds on one campaign's budget and bid today.

A live budget is at least ``max(min_campaign_budget, platform min, 105 % of
today's spend rounded up to 100)``, moves at most ``budget.max_change_pct`` a
day and, if it moves, by at least the platform's step (100); a CPA bid stays at
or below the budget; a bid moves at most ``bid.max_change_pct``; ROI goals stay
in the platform's range; the sum of live budgets stays at or below
``total_cap`` (pausing is always allowed).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from connectors.base import CampaignState
from connectors.rules import PlatformRules, min_budget_for_spend

if TYPE_CHECKING:
    from optimizer.settings import Settings

__all__ = ["bid_bounds", "budget_bounds", "money", "snap_budget", "total_cap"]

_CENT = Decimal("0.01")


def money(x: float | Decimal) -> Decimal:
    return Decimal(str(x)).quantize(_CENT, rounding=ROUND_HALF_UP)


def total_cap(campaigns: Sequence[CampaignState], settings: Settings) -> Decimal:
    """``budget.total_daily``, or (absent) today's total of live budgets."""
    if settings.budget.total_daily is not None:
        return Decimal(settings.budget.total_daily)
    return sum((c.budget or Decimal(0) for c in campaigns if c.status != "paused"), Decimal(0))


def budget_bounds(c: CampaignState, settings: Settings, rules: PlatformRules) -> tuple[Decimal, Decimal]:
    """The lowest and highest live budget allowed today for ``c`` (``lo > hi``: none)."""
    cur = c.budget or Decimal(0)
    p = Decimal(str(settings.budget.max_change_pct)) / 100
    lo = max(
        Decimal(settings.budget.min_campaign_budget),
        rules.min_budget,
        money(cur * (1 - p)),
        min_budget_for_spend(c.spend_today, rules),
    )
    hi = min(money(cur * (1 + p)), rules.max_budget)
    if c.bid_type == "cpa" and c.bid is not None:
        lo = max(lo, c.bid)
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
    if abs(new - cur) < rules.min_budget_step:
        return cur
    return new


def bid_bounds(c: CampaignState, settings: Settings, rules: PlatformRules) -> tuple[Decimal, Decimal] | None:
    """The lowest and highest bid allowed today, or ``None`` for a campaign without a bid."""
    if c.bid_type == "none" or c.bid is None:
        return None
    q = Decimal(str(settings.bid.max_change_pct)) / 100
    lo, hi = money(c.bid * (1 - q)), money(c.bid * (1 + q))
    if c.bid_type == "roi":
        lo, hi = max(lo, rules.min_roi_goal), min(hi, rules.max_roi_goal)
    elif c.budget is not None:
        hi = min(hi, c.budget)
    lo = max(lo, _CENT)
    return lo, hi
