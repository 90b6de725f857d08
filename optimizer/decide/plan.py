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

    from optimizer.decide.hysteresis import last_live_budget

    budget = np.where(np.isfinite(history.current_budget), history.current_budget, np.nan)
    # a paused campaign comes back within the step of its last non-zero budget (data contract section 2)
    paused = history.status == "paused"
    last = last_live_budget(history)
    budget = np.where(paused & ~(budget > 0) & np.isfinite(last), last, budget)
    return pd.DataFrame(
        {
            "account_id": history.account_id,
            "campaign_id": history.campaign_id,
            "channel": history.channel,
            "bid_type": history.bid_type,
            "budget": budget,
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
    """Solve, then verify; returns ``(Allocation, conflicts)``. Spends the exploration allowance when it can.

    Soft guardrails that cannot all hold are relaxed by the least that gives a
    plan, in ``objective.guardrail_priority`` order (``optimizer.decide.conflicts``);
    ``conflicts`` says what was relaxed and ``stats.conflicts`` / ``stats.notes``
    state it. Raises ``InfeasibleError`` only when the hard rules alone conflict,
    ``VerificationError`` if the answer breaks a rule.
    """
    import numpy as np

    from optimizer.decide.conflicts import solve_closest
    from optimizer.decide.explore import eligible, explore, reserve
    from optimizer.decide.solve import solve as solve_all
    from optimizer.decide.verify import verify

    states, tests = _prepare_states(history, model, states, settings)
    held = states["bid_locked"].to_numpy(dtype=bool) if "bid_locked" in states.columns else model.bid_locked
    solver_model: ResponseModel
    if settings.model.hold_bids_in_learning and held.any():
        solver_model = BidsHeld(model, held, states["bid"].to_numpy(dtype=float, na_value=float("nan")))
    else:
        solver_model = model

    def solve(settings_):
        return solve_all(solver_model, states, settings_)

    first, conflicts, settings = solve_closest(solve, settings)
    allocation = None
    if settings.model.exploration_share > 0 and eligible(states, model).any():
        reduced, amount = reserve(states, model, settings)
        try:
            reserved = solve(reduced)
        except InfeasibleError:
            reserved = None  # the reserve made the guardrails too tight: plain solve below
        if reserved is not None:
            explored = explore(reserved, model, states, settings, amount)
            if not verify(explored, states, settings):
                allocation = explored
    if allocation is None:
        allocation = first
        problems = verify(allocation, states, settings)
        if problems:
            raise VerificationError(problems)
    stats = allocation.stats
    if conflicts:
        stats = stats.model_copy(update={"conflicts": tuple(c.message for c in conflicts)})
    table = allocation.table.copy()
    moved = ~np.isclose(table["bid"].to_numpy(dtype=float), states["bid"].to_numpy(dtype=float), rtol=0, atol=0.005)
    table["bid_test"] = tests.tested & moved & (table["budget"].to_numpy(dtype=float) != 0)
    table["bid_unknown"] = tests.held
    return type(allocation)(table=table, stats=stats), conflicts


def _prepare_states(history: History, model: FittedModel, states: pd.DataFrame, settings: Settings):
    """``states`` with the day's ``resume_blocked`` (``optimizer.decide.hysteresis``) and ``bid_step_pct``
    (``optimizer.decide.bid_tests``) columns, and the ``BidTests``."""
    import numpy as np

    from optimizer.decide.bid_tests import choose_tests
    from optimizer.decide.hysteresis import resume_blocked

    if "resume_blocked" not in states.columns:
        states = states.assign(resume_blocked=resume_blocked(history, model, states, settings))
    tests = choose_tests(history, model, states, settings)
    full = settings.bid.max_change_pct
    held = min(settings.model.unidentified_bid_step_pct, full)
    step = np.where(tests.held, held, np.where(tests.tested, min(max(tests.step_pct, held), full), full))
    return states.assign(bid_step_pct=step), tests


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
    from optimizer.decide.surprises import check_channel_names, surprises

    check_channel_names(settings, history.channel)
    allocation, conflicts = plan(history, model, states, settings)
    warnings = surprises(history, model, states, allocation, settings)
    if warnings:
        allocation = type(allocation)(
            table=allocation.table, stats=allocation.stats.model_copy(update={"warnings": warnings})
        )
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
    frame = _state_tests(frame, table, settings)
    if conflicts:
        frame = _state_conflicts(frame, conflicts)
    return allocation, frame


def _state_tests(frame, table, settings):
    """A bid test's row says so ("测试" / "test"); a bid kept for want of evidence says that."""
    from optimizer.decide.columns import REASON
    from optimizer.i18n import t

    frame = frame.copy()
    reasons = frame[REASON].astype(str).to_numpy(dtype=object)
    test = table["bid_test"].to_numpy(dtype=bool)
    unknown = table["bid_unknown"].to_numpy(dtype=bool) & ~test
    reasons[test] = [f"{r} {t('decisions.bid_test', pct=settings.model.test_step_pct)}" for r in reasons[test]]
    cautious = min(settings.model.unidentified_bid_step_pct, settings.bid.max_change_pct)
    reasons[unknown] = [f"{r} {t('decisions.bid_unknown', pct=cautious)}" for r in reasons[unknown]]
    frame[REASON] = reasons
    return frame


def _state_conflicts(frame, conflicts):
    """Each affected row's reason ends with the conflicts that touch it (a floor touches every row)."""
    from optimizer.decide.columns import CHANNEL, REASON

    frame = frame.copy()
    reasons = frame[REASON].astype(str).to_numpy(dtype=object)
    channel = frame[CHANNEL].astype(str).to_numpy()
    for c in conflicts:
        rows = (channel == c.channel) if c.channel is not None else (channel == channel)
        reasons[rows] = [f"{r} {c.message}." for r in reasons[rows]]
    frame[REASON] = reasons
    return frame
