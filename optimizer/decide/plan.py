"""The decision step shared by the one-shot command, the daily job and the simulation policy.

::

    build_states -> [exploration reserve] -> solve -> verify -> recommend

``plan`` chooses today's budgets and bids for a fitted account inside the
guardrails; ``recommendations`` turns the verified allocation into the
contract's output table (docs/data-contract.md section 3).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING

from optimizer.errors import InfeasibleError, OptimizerError

if TYPE_CHECKING:
    import pandas as pd

    from optimizer.model.features import History
    from optimizer.model.fitted_model import FittedModel
    from optimizer.model.response import ResponseModel
    from optimizer.settings import Settings

__all__ = [
    "BidsHeld",
    "VerificationError",
    "build_states",
    "plan",
    "recommendations",
]


class VerificationError(OptimizerError):
    """The independent check found a broken rule in the solver's answer; nothing was written."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("the allocation failed verification:\n" + "\n".join(f"- {p}" for p in self.problems))


def build_states(history: History, model: FittedModel) -> pd.DataFrame:
    """Today's state per campaign, in the model's order, as ``optimizer.decide.solve`` reads it."""
    import numpy as np
    import pandas as pd

    return pd.DataFrame(
        {
            "account_id": history.account_id,
            "campaign_id": history.campaign_id,
            "channel": history.channel,
            "bid_type": history.bid_type,
            "budget": np.where(np.isfinite(history.current_budget), history.current_budget, np.nan),
            "bid": history.current_bid,
            "status": history.status,
            "spend_today": 0.0,  # the one-shot run plans tomorrow: nothing spent yet
            "locked": False,
            "bid_locked": model.bid_locked,
        }
    )


class BidsHeld:
    """The solver's view of ``model`` when some campaigns must keep their bids (``[model] hold_bids_in_learning``).

    For a campaign in ``locked`` ``(n,)``, a candidate whose bid differs from
    today's ``bid0`` forecasts nothing (spend, GMV and sd 0), so it can never beat
    the same budget at today's bid (nor pausing, which frees the budget); every
    other forecast is the model's own. The solver needs no bid-lock rule of its own.
    """

    def __init__(self, model: FittedModel, locked, bid0) -> None:
        import numpy as np

        self.model = model
        self.locked = np.asarray(locked, dtype=bool)
        self.bid0 = np.asarray(bid0, dtype=float)

    @property
    def campaign_ids(self) -> list[str]:
        return self.model.campaign_ids

    def predict(self, budget, bid):
        import numpy as np

        from optimizer.model.response import Forecast

        forecast = self.model.predict(budget, bid)
        bid = np.asarray(bid, dtype=float)
        moved = self.locked[:, None] & np.isfinite(bid) & ~np.isclose(bid, self.bid0[:, None], rtol=0, atol=0.005)
        if not moved.any():
            return forecast
        return Forecast(
            spend=np.where(moved, 0.0, forecast.spend),
            gmv=np.where(moved, 0.0, forecast.gmv),
            gmv_sd=np.where(moved, 0.0, forecast.gmv_sd),
        )


def plan(history: History, model: FittedModel, states: pd.DataFrame, settings: Settings):
    """Solve, then verify; returns the ``Allocation``. Spends the exploration allowance when it can.

    Raises ``InfeasibleError`` (from the solver) or ``VerificationError``.
    """
    from optimizer.decide.explore import eligible, explore, reserve
    from optimizer.decide.solve import solve as solve_all
    from optimizer.decide.verify import verify

    held = states["bid_locked"].to_numpy(dtype=bool) if "bid_locked" in states.columns else model.bid_locked
    solver_model: ResponseModel
    if settings.model.hold_bids_in_learning and held.any():
        solver_model = BidsHeld(model, held, states["bid"].to_numpy(dtype=float, na_value=float("nan")))
    else:
        solver_model = model

    def solve(_model, states_, settings_):
        return solve_all(solver_model, states_, settings_)

    if settings.model.exploration_share > 0 and eligible(states, model).any():
        reduced, amount = reserve(states, model, settings)
        try:
            allocation = solve(model, states, reduced)
        except InfeasibleError:
            allocation = None  # the reserve made the guardrails too tight: plain solve below
        if allocation is not None:
            explored = explore(allocation, model, states, settings, amount)
            if not verify(explored, states, settings):
                return explored
    allocation = solve(model, states, settings)
    problems = verify(allocation, states, settings)
    if problems:
        raise VerificationError(problems)
    return allocation


def recommendations(
    history: History,
    model: FittedModel,
    states: pd.DataFrame,
    settings: Settings,
    *,
    run_id: str,
    effective_date: dt.date,
):
    """Plan (solve + verify) and turn the allocation into recommendation rows.

    The one step the one-shot command, the daily job and the simulation's
    ``spendopt`` policy share. Returns ``(allocation, frame)``.
    """
    import numpy as np

    from optimizer.decide.recommend import recommend

    allocation = plan(history, model, states, settings)
    table = allocation.table
    budget = table["budget"].to_numpy(dtype=float, na_value=np.nan)
    budget = np.where(np.isnan(budget), np.inf, budget)
    frame = recommend(
        history,
        model,
        budget,
        table["bid"].to_numpy(dtype=float, na_value=np.nan),
        settings,
        run_id=run_id,
        effective_date=effective_date,
        marginal_roi=table["marginal_roi"].to_numpy(dtype=float, na_value=np.nan),
        threshold=allocation.stats.threshold,
        action=table["action"].astype(str).to_numpy(),
        explored=table["explored"].to_numpy(dtype=bool) if "explored" in table.columns else None,
    )
    return allocation, frame
