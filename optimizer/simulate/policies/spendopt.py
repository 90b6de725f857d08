"""The ``spendopt`` policy for ``spendopt simulate``: the real optimizer, run every morning.

Each morning: the reported history -> ``features`` (lag-corrected with the
maturity curve *estimated* from how the re-pulled rows grew from one morning to
the next, exactly as the daily job does from the store's revisions) -> ``fit``
-> ``solve`` + exploration allowance -> ``verify`` -> changes. Campaigns without
a row yet (paused all along, just launched) are forecast from their channel's
campaigns (``features.build_history``'s roster); excluded ones are left as they are: the budget they hold is
taken off ``budget.total_daily`` so the total stays within the cap. An
infeasible configuration holds everything (and is remembered in
``last_problem``) rather than stopping the simulation.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import numpy as np

from connectors.base import BidChange, BudgetChange, Change, StatusChange
from optimizer.simulate.policies.base import PolicyContext

if TYPE_CHECKING:
    from collections.abc import Sequence

    import pandas as pd

    from connectors.base import CampaignState
    from optimizer.model.fitted_model import FittedModel
    from optimizer.settings import Settings

__all__ = ["SpendoptPolicy", "changes_from_table"]


def _money(x: float) -> Decimal:
    return Decimal(str(round(float(x), 2))).quantize(Decimal("0.01"))


def changes_from_table(table: pd.DataFrame, campaigns: Sequence[CampaignState]) -> list[Change]:
    """Turn an allocation table (``optimizer.decide.solve.ALLOCATION_COLUMNS``) into platform changes.

    Order: resumes, budget changes, bid changes, pauses (a CPA bid must stay at
    or below the budget, and raises come with their budget first).
    """
    by_id = {c.campaign_id: c for c in campaigns}
    resumes, budgets, bids, pauses = [], [], [], []
    row: Any  # a named tuple of the recommendation columns
    for cid, row in zip(table.index.astype(str), table.itertuples(index=False), strict=True):
        c = by_id[cid]
        if row.action == "pause":
            pauses.append(StatusChange(account_id=c.account_id, campaign_id=cid, status="paused"))
            continue
        if row.action == "resume":
            resumes.append(StatusChange(account_id=c.account_id, campaign_id=cid, status="active"))
        if np.isfinite(row.budget) and row.budget > 0:
            new = _money(row.budget)
            if c.budget is None or new != c.budget:
                budgets.append(BudgetChange(account_id=c.account_id, campaign_id=cid, budget=new))
        if c.bid_type != "none" and np.isfinite(row.bid) and c.bid is not None:
            new_bid = _money(row.bid)
            if new_bid != c.bid:
                bids.append(BidChange(account_id=c.account_id, campaign_id=cid, bid=new_bid))
    return resumes + budgets + bids + pauses


class SpendoptPolicy:
    """Fit, solve, verify every morning (see the module docstring)."""

    name = "spendopt"

    def __init__(self, context: PolicyContext) -> None:
        self.rules = context.rules
        self._last: dict[tuple[str, str, object], float] = {}
        self._revisions: list[tuple[str, str, object, dt.date, float]] = []
        self.last_problem: str | None = None

    def _record(self, day: dt.date, history: pd.DataFrame) -> pd.DataFrame:
        """Remember each (campaign, date)'s GMV when it is new or changed; return the revisions so far."""
        import pandas as pd

        for a, c, d, g in zip(
            history["account_id"], history["campaign_id"], history["date"], history["gmv"], strict=True
        ):
            key = (str(a), str(c), d)
            value = float(g)
            if self._last.get(key) != value:
                self._last[key] = value
                self._revisions.append((key[0], key[1], d, day, value))
        return pd.DataFrame(self._revisions, columns=["account_id", "campaign_id", "date", "seen_on", "gmv"])

    def response(self, day: dt.date, model: FittedModel) -> FittedModel:
        """The response model the solver optimises: the fit (a benchmark may swap in the true curves)."""
        return model

    def decide(self, day, campaigns, history, settings: Settings) -> list[Change]:
        import pandas as pd

        from optimizer.decide.plan import plan
        from optimizer.errors import OptimizerError
        from optimizer.model.features import build_history, roster_frame
        from optimizer.model.fit import fit

        if history is None or history.empty:
            return []
        revisions = self._record(day, history)
        past = history[pd.to_datetime(history["date"]) < pd.Timestamp(day)]
        if past.empty:
            return []
        h = build_history(past, settings.model, as_of=day, revisions=revisions, roster=roster_frame(campaigns))
        model = fit(h, settings.model, effective_date=day)
        if settings.model.level_shifts:
            from optimizer.model.shifts import with_level_shifts

            model, _ = with_level_shifts(h, model)
        index = {(str(a), str(c)): i for i, (a, c) in enumerate(zip(h.account_id, h.campaign_id, strict=True))}
        keep = [c for c in campaigns if (c.account_id, c.campaign_id) in index and c.excluded_reason is None]
        if not keep:
            return []
        held = sum(float(c.budget or 0) for c in campaigns if c not in keep and c.status != "paused")
        if settings.budget.total_daily is not None and held > 0:
            total = max(float(settings.budget.total_daily) - held, 0.0)
            settings = settings.model_copy(
                update={"budget": settings.budget.model_copy(update={"total_daily": _money(total)})}
            )
        sub = model.take([index[(c.account_id, c.campaign_id)] for c in keep])
        states = pd.DataFrame(
            {
                "account_id": [c.account_id for c in keep],
                "campaign_id": [c.campaign_id for c in keep],
                "channel": [c.channel for c in keep],
                "bid_type": [c.bid_type for c in keep],
                "budget": [float(c.budget) if c.budget is not None else np.nan for c in keep],
                "bid": [float(c.bid) if c.bid is not None else np.nan for c in keep],
                "status": [c.status for c in keep],
                "spend_today": [float(c.spend_today) for c in keep],
                "locked": False,
                "bid_locked": sub.bid_locked,
            }
        )
        try:
            allocation, _ = plan(h, self.response(day, sub), states, settings)
        except OptimizerError as exc:
            self.last_problem = str(exc)
            return []
        self.last_problem = None
        return changes_from_table(allocation.table, keep)
