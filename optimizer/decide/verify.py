"""Re-check every hard rule on an allocation, independently of the solver.

Never trust the solver: this module shares no code with ``optimizer.decide.solve`` or
``optimizer.decide.candidates`` and imports no OR-Tools. It reads the allocation's
table (columns ``budget``, ``bid``, ``expected_spend``, ``expected_gmv``), today's
``states`` and the settings, and lists every broken rule in a sentence a person
can check. Nothing is applied unless the list is empty.

Rules (``docs/qianchuan.md`` 4.1 and 8, data contract section 4):

* every campaign of ``states`` has exactly one row, and nothing else does;
* locked and learning campaigns keep today's budget, bid and status;
* a live budget is at least ``max(budget.min_campaign_budget, platform.min_budget)``
  and at most ``platform.max_budget``, in whole cents; ``0`` means paused;
* a budget change moves at least ``platform.min_budget_step`` and at most
  ``budget.max_change_pct`` of today's budget (a paused campaign's stored budget
  when it resumes); pausing is exempt from the step limit;
* a changed budget is at least ``ceil100(spend_floor_ratio x spend_today)``;
* a bid moves at most ``bid.max_change_pct``, in whole cents; an ROI target stays
  in the platform's range; a CPA bid is at most the budget after any change;
* only a campaign without a cap today may be left without one;
* the budgets add up to at most ``budget.total_daily`` (a campaign left without a
  cap counts with its expected spend); absent, today's total from the solver;
* each configured channel's budgets lie within its min/max share of that total
  (below the minimum only when every campaign of the channel is at the top of
  its step window: the share is out of reach today);
* forecast GMV >= ``objective.roi_floor`` x forecast spend over the account.

Not checkable here: the step limit for a first cap on an uncapped campaign (it
is relative to a forecast the verifier does not have).
"""

from __future__ import annotations

import math
from typing import NamedTuple

__all__ = ["verify"]

_CENT = 0.005


_TOP_SLACK = 10.0 + _CENT
"""Budgets are set in steps of 10 CNY where the window allows: the top of a window may be up to 10 below its edge."""


def _num(value) -> float:
    try:
        out = float(value)
    except (TypeError, ValueError):
        return math.nan
    return out


def _same(a: float, b: float) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return abs(a - b) <= _CENT


def _cents(x: float) -> bool:
    return abs(x * 100 - round(x * 100)) < 1e-6 * max(1.0, abs(x))


class _Limits(NamedTuple):
    """The hard rules' numbers, read once from the settings."""

    min_live: float
    max_budget: float
    min_step: float
    p: float  # budget step as a share of today's budget
    q: float  # bid step as a share of today's bid
    ratio: float  # spend floor ratio
    budget_pct: float
    bid_pct: float
    min_roi_goal: float
    max_roi_goal: float


def _limits(settings) -> _Limits:
    rules = settings.platform
    return _Limits(
        min_live=max(float(settings.budget.min_campaign_budget), float(rules.min_budget)),
        max_budget=float(rules.max_budget),
        min_step=float(rules.min_budget_step),
        p=settings.budget.max_change_pct / 100,
        q=settings.bid.max_change_pct / 100,
        ratio=float(rules.spend_floor_ratio),
        budget_pct=settings.budget.max_change_pct,
        bid_pct=settings.bid.max_change_pct,
        min_roi_goal=float(rules.min_roi_goal),
        max_roi_goal=float(rules.max_roi_goal),
    )


def _membership(table, ids: list[str]) -> tuple[dict[str, int], list[str], bool]:
    """Row of each campaign in ``table``, the problems, and whether a campaign is missing or extra."""
    problems: list[str] = []
    rows = {str(k): i for i, k in enumerate(table.index)}
    if len(rows) != len(table.index):
        problems.append("the allocation lists a campaign more than once")
    missing = [c for c in ids if c not in rows]
    extra = sorted(set(rows) - set(ids))
    if missing:
        problems.append(f"campaign {missing[0]} is missing from the allocation ({len(missing)} missing)")
    if extra:
        problems.append(f"campaign {extra[0]} is in the allocation but not in the states")
    return rows, problems, bool(missing or extra)


def verify(allocation, states, settings) -> list[str]:
    """Every broken hard rule as one sentence; an empty list means the allocation is fine."""
    table = allocation.table
    ids = [str(c) for c in states["campaign_id"]]
    rows, problems, unmatched = _membership(table, ids)
    if unmatched:
        return problems

    limits = _limits(settings)
    new_budget = [_num(x) for x in table["budget"]]
    new_bid = [_num(x) for x in table["bid"]]
    exp_spend = [_num(x) for x in table["expected_spend"]]
    exp_gmv = [_num(x) for x in table["expected_gmv"]]
    counted_by_channel: dict[str, float] = {}
    short_of_top: dict[str, str] = {}  # channel -> a campaign that could have had more budget today
    total_counted = total_spend = total_gmv = 0.0
    today_total = 0.0
    all_capped = True

    for cid, channel, bid_type, budget0, bid0, status, spend_today, locked in zip(
        ids,
        states["channel"].astype(str),
        states["bid_type"].astype(str),
        states["budget"],
        states["bid"],
        states["status"].astype(str),
        states["spend_today"],
        states["locked"],
        strict=True,
    ):
        r = rows[cid]
        b0, d0 = _num(budget0), _num(bid0)
        b, d, s, g = new_budget[r], new_bid[r], exp_spend[r], exp_gmv[r]
        spend_today = 0.0 if math.isnan(_num(spend_today)) else _num(spend_today)
        where = f"campaign {cid}"
        if math.isnan(s) or math.isnan(g) or s < 0 or g < 0:
            problems.append(f"{where}: expected spend/GMV is missing or negative")
            continue
        paused_now = status == "paused"
        if not paused_now:
            if math.isnan(b0):
                all_capped = False
            else:
                today_total += b0
        hold_budget = 0.0 if paused_now else b0
        frozen = bool(locked) or status == "learning"
        if frozen:
            if not _same(b, hold_budget) or not _same(d, d0):
                problems.append(f"{where} is locked or learning but its budget or bid changed")
        if math.isnan(b):
            if not math.isnan(b0) or paused_now:
                problems.append(f"{where}: only a campaign without a budget cap today may stay without one")
            counted = s
        elif b < -_CENT:
            problems.append(f"{where}: budget {b} is negative")
            counted = 0.0
        else:
            counted = b
        budget_changed = not _same(b, hold_budget)
        if not frozen and not math.isnan(b) and b > _CENT:
            problems += _budget_problems(where, b, b0, paused_now, budget_changed, spend_today, limits)
        bid_changed = not _same(d, d0)
        if not frozen and bid_changed:
            problems += _bid_problems(where, bid_type, d, d0, limits)
        if bid_type == "cpa" and (bid_changed or budget_changed) and not math.isnan(b) and b > _CENT:
            if not math.isnan(d) and d > b + _CENT:
                problems.append(f"{where}: CPA bid {d:.2f} is above the budget {b:.2f}")
        if not frozen and not math.isnan(b0):
            ref_top = b0 if (not paused_now or b0 >= limits.min_live) else limits.min_live
            top = min(ref_top * (1 + limits.p), limits.max_budget)
            if (math.isnan(b) or b < top - _TOP_SLACK) and channel not in short_of_top:
                short_of_top[channel] = cid
        counted_by_channel[channel] = counted_by_channel.get(channel, 0.0) + counted
        total_counted += counted
        total_spend += s
        total_gmv += g

    if settings.budget.total_daily is not None:
        total = float(settings.budget.total_daily)
    else:
        total = float(allocation.stats.total_daily)
        if all_capped and abs(total - today_total) > 0.01 + 1e-9 * today_total:
            problems.append(f"the solver's budget total {total:.2f} is not today's total {today_total:.2f}")
    problems += _total_problems(settings, total, total_counted, counted_by_channel, short_of_top)
    floor = settings.objective.roi_floor
    rounding = 0.01 * len(ids) * (1 + floor)
    if total_gmv < floor * total_spend - rounding - 1e-7 * total_gmv:
        problems.append(
            f"forecast ROI {total_gmv / total_spend:.3f} is below the floor {floor:g}"
            if total_spend > 0
            else f"forecast ROI is below the floor {floor:g}"
        )
    return problems


def _budget_problems(
    where: str, b: float, b0: float, paused_now: bool, budget_changed: bool, spend_today: float, limits: _Limits
) -> list[str]:
    """A live budget ``b`` (today ``b0``): cents, minimum, maximum, step limits and the spend floor."""
    problems: list[str] = []
    min_live, min_step, ratio = limits.min_live, limits.min_step, limits.ratio
    if not _cents(b):
        problems.append(f"{where}: budget {b} has more than 2 decimals")
    if b < min_live - _CENT:
        problems.append(f"{where}: budget {b:.2f} is below the minimum {min_live:.2f} (0 = pause)")
    if b > limits.max_budget + _CENT:
        problems.append(f"{where}: budget {b:.2f} is above the platform's maximum {limits.max_budget:.2f}")
    ref = b0 if (not math.isnan(b0) and (not paused_now or b0 >= min_live)) else None
    if paused_now and ref is None:
        ref = min_live
    if budget_changed and ref is not None:
        if abs(b - ref) > limits.p * ref + _CENT:
            problems.append(f"{where}: budget {ref:.2f} -> {b:.2f} moves more than {limits.budget_pct:g}%")
    if budget_changed and not math.isnan(b0) and not _same(b, b0) and abs(b - b0) < min_step - _CENT:
        problems.append(f"{where}: budget change {b0:.2f} -> {b:.2f} is smaller than {min_step:g}")
    floor = math.ceil(round(spend_today * ratio / 100, 9)) * 100 if spend_today > 0 else 0.0
    if budget_changed and not _same(b, b0) and b < floor - _CENT:
        problems.append(f"{where}: budget {b:.2f} is below {floor:.0f} ({ratio:g} x today's spend, rounded up)")
    return problems


def _bid_problems(where: str, bid_type: str, d: float, d0: float, limits: _Limits) -> list[str]:
    """A changed bid ``d`` (today ``d0``): there is a bid, cents, the step limit and the ROI goal range."""
    if bid_type == "none" or math.isnan(d0):
        return [f"{where}: the bid changed but the campaign has no bid to change"]
    if math.isnan(d) or d <= 0 or not _cents(d):
        return [f"{where}: bid {d} must be positive with at most 2 decimals"]
    problems: list[str] = []
    if abs(d - d0) > limits.q * d0 + _CENT:
        problems.append(f"{where}: bid {d0} -> {d} moves more than {limits.bid_pct:g}%")
    if bid_type == "roi" and not (limits.min_roi_goal <= d <= limits.max_roi_goal):
        problems.append(f"{where}: ROI target {d} is outside the platform's range")
    return problems


def _total_problems(
    settings, total: float, total_counted: float, counted_by_channel: dict[str, float], short_of_top: dict[str, str]
) -> list[str]:
    """The budget total and each configured channel's share of it."""
    problems: list[str] = []
    tol = 1e-7 * max(total, 1.0) + 0.01
    if total_counted > total + tol:
        problems.append(f"the budgets add up to {total_counted:,.2f}, above the total {total:,.2f}")
    for ch in settings.channel:
        got = counted_by_channel.get(ch.name, 0.0)
        # Below the minimum is allowed only when the channel cannot get there today: every campaign
        # of it (not locked, learning or uncapped) at the top of its step window.
        if got < ch.min_share * total - tol and ch.name in short_of_top:
            problems.append(
                f"channel {ch.name} gets {got:,.2f}, below its min_share {ch.min_share:g} of {total:,.2f}, "
                f"while campaign {short_of_top[ch.name]} could have more"
            )
        if got > ch.max_share * total + tol:
            problems.append(f"channel {ch.name} gets {got:,.2f}, above its max_share {ch.max_share:g} of {total:,.2f}")
    return problems
