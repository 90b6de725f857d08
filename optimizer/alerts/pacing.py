"""Intraday checks: today's spend so far against the day's forecast shape.

The day's forecast for campaign ``i`` is ``F_i``, the fitted model's expected
spend at the budget and bid in force (fitted once a day), spread over the day
by ``[alerts] intraday_shape`` (relative spend per local hour; its cumulative
share by fraction ``f`` of the day is ``H(f)``). At a poll at ``f`` with
``S`` spent so far, and ``S0`` at the previous poll at ``f0``:

* **pacing_fast** (``runaway`` for ROI-goal plans, the 全域 kind): spend since
  the last poll ``S - S0 >= pacing_fast * F (H(f) - H(f0))`` and at least
  ``watch_min_spend`` more than the forecast for that interval;
* **budget_exhausted**: ``S`` reached 95 % of the budget while the forecast
  says the day should be at most 70 % through it;
* **dead**: nothing spent since the last poll while the forecast for the
  interval is at least ``watch_min_spend`` and the budget is not spent;
* **pacing_slow**: a quarter of the day's forecast is due (``H(f) >= 0.25``)
  and ``S < pacing_slow * F H(f)``, short by at least ``[alerts] absolute``.

``H`` is each campaign's own learned shape where the watch has polled it on
earlier days (``optimizer.alerts.shape``), else its account's, else the
configured one. Campaigns in learning need ``1.5 x`` the fast ratio. The watch changes nothing
on the platform; it only records and tells.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from optimizer.settings import AlertSettings

from connectors.base import CampaignState
from optimizer.alerts.shape import DayShapes
from optimizer.store.alerts import Finding

__all__ = ["DayForecast", "PacingWatch", "cumulative_shape"]


def cumulative_shape(shape: Sequence[float], fraction: float) -> float:
    """``H(f)``: the share of a day's spend due by ``fraction`` (0-1) of it, linear within each hour."""
    weights = np.asarray(shape, dtype=float)
    cum = np.concatenate([[0.0], np.cumsum(weights)]) / weights.sum()
    return float(np.interp(min(max(fraction, 0.0), 1.0) * len(weights), np.arange(len(weights) + 1), cum))


@dataclass(frozen=True)
class DayForecast:
    """What the model expects of each campaign today."""

    day: dt.date
    spend: dict[str, float]  # campaign id -> expected spend today
    learning: frozenset[str] = frozenset()
    shapes: DayShapes = field(default_factory=lambda: DayShapes({}))  # learned from the earlier days' polls


@dataclass
class PacingWatch:
    """Keeps the previous poll of the day and turns each new poll into findings."""

    settings: AlertSettings
    forecast: DayForecast
    _last: dict[str, tuple[float, float]] = field(default_factory=dict)  # id -> (fraction, spend so far)

    def share_due(self, campaign_id: str, fraction: float) -> float:
        """``H(f)``: the campaign's learned shape, its account's, or the configured ``intraday_shape``."""
        learned = self.forecast.shapes.share(campaign_id, fraction)
        return cumulative_shape(self.settings.intraday_shape, fraction) if learned is None else learned

    def poll(self, states: Sequence[CampaignState], fraction: float) -> list[Finding]:
        s = self.settings
        out = []
        for state in states:
            cid = state.campaign_id
            h_now = self.share_due(cid, fraction)
            forecast = self.forecast.spend.get(cid)
            spent = float(state.spend_today)
            previous = self._last.get(cid)
            self._last[cid] = (fraction, spent)
            if forecast is None or state.status == "paused" or state.excluded_reason or not state.budget:
                continue
            budget = float(state.budget)
            due = forecast * h_now
            evidence = {
                "spend_today": round(spent, 2),
                "expected_so_far": round(due, 2),
                "budget": round(budget, 2),
                "fraction_of_day": round(fraction, 3),
            }
            kind = None
            if spent >= 0.95 * budget:
                if due <= 0.7 * budget and previous is not None and previous[1] < 0.95 * budget:
                    kind = "budget_exhausted"
            elif previous is not None and fraction > previous[0]:
                since = spent - previous[1]
                due_since = forecast * (h_now - self.share_due(cid, previous[0]))
                evidence |= {"since_last_poll": round(since, 2), "expected_since_last": round(due_since, 2)}
                fast = s.pacing_fast * (1.5 if cid in self.forecast.learning else 1.0)
                if since >= fast * due_since and since - due_since >= float(s.watch_min_spend):
                    kind = "runaway" if state.bid_type == "roi" else "pacing_fast"
                elif since <= 0.005 and due_since >= float(s.watch_min_spend):
                    kind = "dead"
            if kind is None and h_now >= 0.25 and spent < s.pacing_slow * due and due - spent >= float(s.absolute):
                kind = "pacing_slow"
            if kind is None:
                continue
            out.append(
                Finding(
                    account_id=state.account_id,
                    campaign_id=cid,
                    campaign_name=state.name,
                    kind=kind,
                    severity="critical" if kind in ("runaway", "dead") else "warning",
                    evidence=evidence,
                    data_date=self.forecast.day,
                )
            )
        return out
