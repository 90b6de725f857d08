"""The yardstick policies: ``hold`` (changes nothing) and ``rules`` (an ops rule of thumb, docs/qianchuan.md)."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field

from connectors.base import BidChange, BudgetChange, CampaignState, Change, StatusChange
from optimizer.decide.guardrails import bid_bounds, money, snap_budget, total_cap
from optimizer.simulate.policies.base import PolicyContext

if TYPE_CHECKING:
    import pandas as pd

    from optimizer.settings import Settings

__all__ = ["HoldPolicy", "RulesConfig", "RulesPolicy"]


# ---------------------------------------------------------------- hold
class HoldPolicy:
    """Leave everything as it is: the baseline every other policy is compared with.

    One exception, the least an operator must do: when the live budgets add up
    to more than the total in force (``budget.total_daily`` was cut), every
    live budget is trimmed by the same factor, within the day's step limit,
    until the total holds. Nothing is paused and no bid moves.
    """

    name = "hold"

    def __init__(self, context: PolicyContext | None = None) -> None:
        self.rules = context.rules if context is not None else PolicyContext().rules

    def decide(self, day, campaigns, history, settings) -> list[Change]:
        if settings.budget.total_daily is None:
            return []
        cap = Decimal(settings.budget.total_daily)
        live = [c for c in campaigns if c.status != "paused" and not c.excluded_reason and c.budget]
        total = sum((c.budget or Decimal(0) for c in live), Decimal(0))
        if total <= cap or total <= 0:
            return []
        factor = cap / total
        budgets = {c.campaign_id: snap_budget(c, (c.budget or Decimal(0)) * factor, settings, self.rules) for c in live}
        excess = sum(budgets.values(), Decimal(0)) - cap
        for c in sorted(live, key=lambda c: (-(c.budget or 0), c.campaign_id)):  # rounding left some: largest first
            if excess <= 0:
                break
            new = snap_budget(c, budgets[c.campaign_id] - excess, settings, self.rules)
            excess -= budgets[c.campaign_id] - new
            budgets[c.campaign_id] = min(new, budgets[c.campaign_id])
        return [
            BudgetChange(account_id=c.account_id, campaign_id=c.campaign_id, budget=budgets[c.campaign_id])
            for c in live
            if budgets[c.campaign_id] < (c.budget or Decimal(0))
        ]


# ---------------------------------------------------------------- rules
class RulesConfig(BaseModel):
    """Thresholds of the ops rule of thumb (docs/qianchuan.md section 6)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    window_days: int = Field(3, ge=1, le=30, description="trailing days of reported spend and GMV judged")
    target_roi: float | None = Field(None, gt=0, description="ROI to beat; default objective.roi_floor")
    raise_above: float = Field(1.2, ge=1, description="scale up when trailing ROI >= target x this")
    cut_below: float = Field(1.0, gt=0, le=1, description="scale down when trailing ROI < target x this")
    pause_below: float = Field(0.5, ge=0, le=1, description="pause when trailing ROI < target x this")
    min_spend: float = Field(300, ge=0, description="CNY spent in the window before a campaign is judged")
    budget_step_pct: float = Field(20, gt=0, le=100, description="budget move; capped by budget.max_change_pct")


class RulesPolicy:
    """A typical ad-ops rule of thumb, judged on the trailing reported ROI.

    For each active campaign with at least ``min_spend`` in the last
    ``window_days`` reported days (learning and paused campaigns are left
    alone, and so are campaigns without enough data):

    - ROI >= target x ``raise_above``: budget +step; CPA bid +bid step, or ROI
      goal -bid step (both buy more delivery);
    - ROI < target x ``pause_below``: pause (a loser);
    - ROI < target x ``cut_below``: budget -step; CPA bid -bid step, or ROI
      goal +bid step;
    - otherwise hold.

    Steps are ``budget_step_pct`` (capped by ``budget.max_change_pct``) and
    ``bid.max_change_pct``. Raises are granted best ROI first while the sum of
    live budgets stays within the cap (cuts and pauses free room first); if
    the live budgets are over the cap (a launch came in), the untouched active
    campaigns with the weakest trailing ROI (no data counts as strong) are cut
    by up to a step until it holds. It
    reads immature recent days as they are, as people do: that is part of what
    it is measured for.
    """

    name = "rules"

    def __init__(self, context: PolicyContext, config: RulesConfig | None = None) -> None:
        self.rules = context.rules
        self.config = config or RulesConfig()

    def trailing_roi(self, day: dt.date, history: pd.DataFrame) -> dict[str, tuple[float, float]]:
        """campaign_id -> (spend, ROI) over the trailing window before ``day``."""
        import pandas as pd

        if history.empty:
            return {}
        start = pd.Timestamp(day - dt.timedelta(days=self.config.window_days))
        dates = pd.to_datetime(history["date"])
        window = history[(dates >= start) & (dates < pd.Timestamp(day))]
        sums = window.groupby("campaign_id", sort=True)[["spend", "gmv"]].sum()
        out = {}
        for cid, spend, gmv in zip(sums.index, sums["spend"], sums["gmv"]):
            out[str(cid)] = (float(spend), float(gmv) / float(spend) if spend > 0 else 0.0)
        return out

    def decide(self, day, campaigns, history, settings) -> list[Change]:
        cfg = self.config
        target = cfg.target_roi or settings.objective.roi_floor or 1.0
        step = Decimal(str(min(cfg.budget_step_pct, settings.budget.max_change_pct))) / 100
        q = Decimal(str(settings.bid.max_change_pct)) / 100
        roi_by_id = self.trailing_roi(day, history)
        cap = total_cap(campaigns, settings)
        live_total = sum((c.budget or Decimal(0) for c in campaigns if c.status != "paused"), Decimal(0))
        changes: list[Change] = []
        raises: list[tuple[float, CampaignState]] = []
        for c in campaigns:
            if c.status != "active" or c.excluded_reason or c.campaign_id not in roi_by_id:
                continue
            spend, roi = roi_by_id[c.campaign_id]
            if spend < cfg.min_spend:
                continue
            if roi < target * cfg.pause_below:
                changes.append(StatusChange(account_id=c.account_id, campaign_id=c.campaign_id, status="paused"))
                live_total -= c.budget or Decimal(0)
            elif roi < target * cfg.cut_below:
                cur = c.budget or Decimal(0)
                new = snap_budget(c, cur * (1 - step), settings, self.rules)
                if new != cur:
                    changes.append(BudgetChange(account_id=c.account_id, campaign_id=c.campaign_id, budget=new))
                    live_total += new - cur
                changes += self._bid_change(c, settings, up=False, q=q, new_budget=new)
            elif roi >= target * cfg.raise_above:
                raises.append((roi, c))
        for _roi, c in sorted(raises, key=lambda r: (-r[0], r[1].campaign_id)):
            cur = c.budget or Decimal(0)
            new = snap_budget(c, min(cur * (1 + step), cur + max(cap - live_total, Decimal(0))), settings, self.rules)
            if new > cur:
                changes.append(BudgetChange(account_id=c.account_id, campaign_id=c.campaign_id, budget=new))
                live_total += new - cur
            changes += self._bid_change(c, settings, up=True, q=q, new_budget=max(new, cur))
        if live_total > cap:  # e.g. after launches: trim the weakest untouched budgets until the cap holds
            touched = {ch.campaign_id for ch in changes}
            weakest = sorted(
                (roi_by_id.get(c.campaign_id, (0.0, math.inf))[1], c.campaign_id, c)
                for c in campaigns
                if c.status == "active" and not c.excluded_reason and c.campaign_id not in touched
            )
            for _roi, _cid, c in weakest:
                if live_total <= cap:
                    break
                cur = c.budget or Decimal(0)
                new = snap_budget(c, max(cur * (1 - step), cur - (live_total - cap)), settings, self.rules)
                if new < cur:
                    changes.append(BudgetChange(account_id=c.account_id, campaign_id=c.campaign_id, budget=new))
                    live_total -= cur - new
        return changes

    def _bid_change(
        self, c: CampaignState, settings: Settings, *, up: bool, q: Decimal, new_budget: Decimal
    ) -> list[Change]:
        bounds = bid_bounds(c, settings, self.rules)
        if bounds is None or c.bid is None or q == 0:
            return []
        raise_bid = (c.bid_type == "cpa") == up  # more delivery: cpa raises its bid, roi lowers its goal
        target = c.bid * (1 + q) if raise_bid else c.bid * (1 - q)
        new = min(max(money(target), bounds[0]), bounds[1])
        if c.bid_type == "cpa":
            new = min(new, new_budget)
        if new == c.bid:
            return []
        return [BidChange(account_id=c.account_id, campaign_id=c.campaign_id, bid=new)]
