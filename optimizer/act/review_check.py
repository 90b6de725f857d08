"""The checks a reviewed file goes through before anything of it is stored or sent.

* cells: ``money`` (a money cell, <= 2 decimals), ``same_text`` / ``same_number``
  (is a read-only cell as exported? numbers at the precision the spreadsheet
  shows: ``expected_roi`` 3.7069 re-saved as ``3.71`` is unchanged);
* ``check_guardrails``: an edited budget or bid against the step limits, the
  minimum budget and the platform's rules (``connectors.rules``); 0 pauses;
* ``verify_review``: the rows in force after the review through
  ``optimizer.decide.verify`` (ROI floor, channel shares, locks, total, steps),
  reporting only what the reviewer's edits broke, with the rule named.

The verify forecast for an edited budget is first order: spend scales with the
budget from the run's forecast, GMV moves by the row's ``marginal_roi`` per
unit of spend.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from connectors.errors import PlatformRuleError
from optimizer.decide import guardrails
from optimizer.i18n import t

if TYPE_CHECKING:
    from connectors.base import CampaignState
    from optimizer.settings import Settings

__all__ = ["as_date", "check_guardrails", "money", "same_number", "same_text", "unescape", "verify_review"]

_CENT = Decimal("0.01")
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")  # what the review writer guards with a leading apostrophe
Add = Callable[..., None]
"""``add(row, column, key, **fields)``: a problem worded by ``optimizer/i18n/review_check.py``'s ``key``."""


class Refusal(ValueError):
    """A refused cell, worded by ``optimizer/i18n/review_check.py``'s ``key`` (English in ``str()``)."""

    def __init__(self, key: str, **fields: object) -> None:
        self.key, self.fields = key, fields
        super().__init__(t(f"review_check.{key}", lang="en", **fields))


def unescape(text: str) -> str:
    """Undo the writer's formula guard: ``'=x`` was written for ``=x``."""
    return text[1:] if text.startswith("'") and text[1:].startswith(FORMULA_PREFIXES) else text


def money(text: str) -> Decimal | None:
    """A money cell: None if empty; ``Refusal`` if not a finite number with at most 2 decimals."""
    text = text.strip().replace(",", "").lstrip("¥￥")
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise Refusal("not_number", v=text) from None
    if not value.is_finite():
        raise Refusal("not_finite", v=text)
    if value < 0:
        raise Refusal("negative", v=text)
    if value != value.quantize(_CENT):
        if abs(value - value.quantize(_CENT)) > Decimal("0.0000001"):  # float noise from a spreadsheet is fine
            raise Refusal("cents", v=text)
    return value.quantize(_CENT)


_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$")


def as_date(text: str) -> dt.date | None:
    """``2026-03-02``, or what Excel makes of it on re-save (``2026/3/2``, ``2026/3/2 0:00``, ``2026年3月2日``)."""
    match = _DATE.match(text.strip())
    if match is None:
        return None
    try:
        return dt.date(*(int(g) for g in match.groups()))
    except ValueError:
        return None


def same_text(file_text: str, stored: Any) -> bool:
    if stored is None:
        return file_text == ""
    if isinstance(stored, dt.date):
        return as_date(file_text) == stored
    return unescape(file_text).strip() == str(stored).strip()


def same_number(file_text: str, stored: Any, *, money: bool) -> bool:
    """Unchanged when the cell shows the stored value at the cell's own precision.

    A spreadsheet re-saves what it displays: ``3.7069`` kept at 2 decimals
    comes back as ``3.71`` and ``1234.5`` as ``1,234.50``. Money also matches to
    the cent, ratios to 0.0001 relative (float noise).
    """
    text = file_text.strip().replace(",", "").lstrip("¥￥")
    if stored is None:
        return text == ""
    try:
        value, reference = Decimal(text), Decimal(str(stored))
    except InvalidOperation:
        return False
    if not value.is_finite():
        return False
    places = max(0, -int(value.as_tuple().exponent))
    if reference.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP) == value:
        return True
    if money:
        return abs(value - reference) < Decimal("0.005") + Decimal("1e-9")
    return abs(value - reference) <= Decimal("1e-4") * max(Decimal(1), abs(reference))


def check_guardrails(add: Add, row_no: int, stored: dict, decided: SimpleNamespace, settings: Settings) -> None:
    """Problems with an edited budget or bid (``decided``: budget, bid, action, budget_edited, bid_edited)."""
    from connectors.rules import check_bid_update, check_budget_update

    cid, bid_type = stored["campaign_id"], stored["bid_type"]
    cur_budget, cur_bid = stored["current_budget"], stored["current_bid"]
    budget, bid = decided.budget, decided.bid
    if decided.budget_edited and budget is not None and budget > 0:
        limits = settings.budget
        if budget < limits.min_campaign_budget:
            add(row_no, "recommended_budget", "below_minimum", budget=budget, minimum=limits.min_campaign_budget)
        elif cur_budget is not None and cur_budget > 0 and decided.action != "resume":
            if guardrails.moves_too_far(cur_budget, budget, limits.max_change_pct):
                pct = guardrails.change_pct(cur_budget, budget)
                limit = limits.max_change_pct
                add(row_no, "recommended_budget", "budget_step", before=cur_budget, after=budget, pct=pct, limit=limit)
        if budget != cur_budget:
            try:
                check_budget_update(cid, cur_budget, budget, bid=bid, bid_type=bid_type, rules=settings.platform)
            except PlatformRuleError as exc:
                add(row_no, "recommended_budget", "platform_refuses", why=exc)
    if decided.bid_edited and bid is not None:
        if bid_type == "none":
            add(row_no, "recommended_bid", "no_bid")
            return
        if cur_bid is not None and cur_bid > 0 and guardrails.moves_too_far(cur_bid, bid, settings.bid.max_change_pct):
            pct = guardrails.change_pct(cur_bid, bid)
            limit = settings.bid.max_change_pct
            add(row_no, "recommended_bid", "bid_step", before=cur_bid, after=bid, pct=pct, limit=limit)
        in_force = budget if budget is not None and budget > 0 else cur_budget
        try:
            check_bid_update(cid, bid_type, bid, budget=in_force, rules=settings.platform)
        except PlatformRuleError as exc:
            add(row_no, "recommended_bid", "platform_refuses", why=exc)


# --- verify on the rows in force after the review ------------------------------------------------


def _f(value: Any) -> float:
    return math.nan if value is None else float(value)


def _forecast(rec: dict, budget: float) -> tuple[float, float]:
    """(spend, GMV) at ``budget``, first order from the run's forecast at its proposed budget."""
    s0, g0 = _f(rec["expected_spend"]), _f(rec["expected_gmv"])
    proposed = _f(rec["proposed_budget"]) if rec["action"] != "pause" else 0.0
    mroi = _f(rec.get("marginal_roi"))
    mroi = (g0 / s0 if s0 > 0 else 0.0) if math.isnan(mroi) else mroi
    if math.isnan(budget):
        return s0, g0
    if budget <= 0:
        return 0.0, 0.0
    if not math.isnan(proposed) and proposed > 0:
        spend = s0 * budget / proposed
        return spend, max(0.0, g0 + mroi * (spend - s0))
    roi = g0 / s0 if s0 > 0 else _f(rec.get("expected_roi"))
    return budget, budget * (0.0 if math.isnan(roi) else roi)


def _allocation(rows: list[SimpleNamespace], live: dict[tuple[str, str], CampaignState | None] | None):
    import pandas as pd

    table, states = [], []
    today_total = 0.0
    for r in rows:
        rec = r.stored
        state = live.get((rec["account_id"], rec["campaign_id"])) if live is not None else None
        paused_now = (
            state.status == "paused" if state is not None else rec["action"] == "resume" or r.action == "resume"
        )
        status = state.status if state is not None else ("paused" if paused_now else "active")
        locked = live is not None and (state is None or bool(state.excluded_reason))
        b0 = _f(rec["current_budget"])
        if r.applies and r.action == "pause":
            budget = 0.0
        elif r.applies:
            budget = _f(r.budget)
        else:
            budget = 0.0 if paused_now else b0
        bid = _f(r.bid) if r.applies else _f(rec["current_bid"])
        spend, gmv = _forecast(rec, budget)
        if not paused_now and not math.isnan(b0):
            today_total += b0
        table.append(
            {
                "campaign_id": rec["campaign_id"],
                "budget": budget,
                "bid": bid,
                "expected_spend": spend,
                "expected_gmv": gmv,
            }
        )
        states.append(
            {
                "campaign_id": rec["campaign_id"],
                "channel": rec["channel"],
                "bid_type": rec["bid_type"],
                "budget": b0,
                "bid": _f(rec["current_bid"]),
                "status": status,
                "spend_today": float(state.spend_today) if state is not None else 0.0,
                "locked": locked,
            }
        )
    frame = pd.DataFrame(table).set_index("campaign_id")
    return SimpleNamespace(table=frame, stats=SimpleNamespace(total_daily=today_total)), pd.DataFrame(states)


_RULES = (
    ("locked or learning", "lock (a locked or learning campaign keeps its budget and bid)"),
    ("forecast ROI", "objective.roi_floor"),
    ("min_share", "channel min_share"),
    ("max_share", "channel max_share"),
    ("add up to", "budget.total_daily"),
    ("moves more than", "max_change_pct"),
    ("below the minimum", "budget.min_campaign_budget"),
)


def _rule(sentence: str) -> str:
    return next((name for words, name in _RULES if words in sentence), "verify")


def _prefix(sentence: str) -> str:
    return re.split(r"\d", sentence, maxsplit=1)[0]


def verify_review(
    add: Add,
    rows: list[SimpleNamespace],
    baseline: list[SimpleNamespace],
    settings: Settings,
    live: dict[tuple[str, str], CampaignState | None] | None,
) -> None:
    """Run ``verify`` on the rows in force after the review; add what the review broke, naming the rule.

    ``rows``: every stored row of one account (``stored``, ``applies``, ``budget``,
    ``bid``, ``action``, ``edited``, ``row_no``); ``baseline``: the same rows at the
    run's proposal. A campaign's problem counts only on a row the reviewer edited;
    an account-wide one only when the proposal did not have it already.
    """
    from optimizer.decide.verify import verify

    if not rows:
        return
    allocation, states = _allocation(rows, live)
    found = verify(allocation, states, settings)
    allocation, states = _allocation(baseline, live)
    before = set(verify(allocation, states, settings))
    before_prefixes = {_prefix(p) for p in before}
    by_campaign = {r.stored["campaign_id"]: r for r in rows}
    for sentence in found:
        if sentence in before:
            continue
        match = re.match(r"campaign (\S+?)[: ]", sentence)
        if match and match.group(1) in by_campaign:
            r = by_campaign[match.group(1)]
            if r.edited:
                add(r.row_no, "recommended_budget", "verify", rule=_rule(sentence), sentence=sentence)
        elif not match and _prefix(sentence) not in before_prefixes:
            add(None, "recommended_budget", "verify", rule=_rule(sentence), sentence=sentence)
