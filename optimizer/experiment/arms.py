"""The running experiment's arms inside the daily job and the review import.

``arm_scope`` is the daily job's one call: with an experiment running on the
account, every campaign outside the treatment arm (the control arm, campaigns
launched after the start, and both arms of an A/A test) is locked, so it holds
its budget, bid and status, and the solver's total becomes::

    budget.total_daily = T_treatment + sum of the held campaigns' live budgets

so the treatment arm's budgets add up to at most its share ``T_treatment``
(a held campaign without a cap counts its forecast spend in the solver, which
only tightens the treatment arm). It also records each arm's live budgets for
the day (``experiment_state``), the budget-isolation record.

``review_problems`` keeps a person's review file inside the arms: no edit to a
held campaign, and the treatment arm's budgets in force after the review stay
within its share.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pandas as pd
    from sqlalchemy.engine import Engine

    from optimizer.settings import Settings

__all__ = ["arm_scope", "review_problems"]


def _live_budget(states: pd.DataFrame) -> np.ndarray:
    budget = states["budget"].to_numpy(dtype=float, na_value=np.nan)
    paused = states["status"].astype(str).to_numpy() == "paused"
    return np.where(paused | ~np.isfinite(budget), 0.0, budget)


def arm_scope(
    engine: Engine,
    account_id: str,
    states: pd.DataFrame,
    settings: Settings,
    *,
    today: dt.date,
    run_id: str,
    dry_run: bool = False,
) -> tuple[pd.DataFrame, Settings]:
    """``(states, settings)`` for the solver under the running experiment (unchanged without one)."""
    from optimizer.store.experiments import record_arm_states, running_experiment

    exp = running_experiment(engine, account_id)
    if exp is None or exp.start_date > today:
        return states, settings
    arm = states["campaign_id"].astype(str).map(exp.assignment)
    treated = (arm == "treatment").to_numpy() & (exp.arm("treatment").policy != "hold")
    live = _live_budget(states)
    limit = exp.arm("treatment").total_daily
    total = Decimal(str(round(float(live[~treated].sum()), 2))) + limit
    if not dry_run:
        rows = {
            a.arm: (
                Decimal(str(round(float(live[(arm == a.arm).to_numpy()].sum()), 2))),
                a.total_daily,
                int((arm == a.arm).sum()),
            )
            for a in exp.arms
        }
        record_arm_states(engine, exp.experiment_id, today, run_id, rows)
    scoped = settings.model_copy(update={"budget": settings.budget.model_copy(update={"total_daily": total})})
    locked = states["locked"].to_numpy(dtype=bool) | ~treated
    return states.assign(locked=locked), scoped


def review_problems(
    engine: Engine, stored: dict, updates: dict, rows: dict, *, edited_columns=("recommended_budget", "recommended_bid")
) -> list[tuple[int | None, str | None, str]]:
    """``(row, column, message)`` for review edits that would break the running experiment's arms.

    ``stored``: (account, campaign) -> the stored recommendation; ``updates``:
    the same keys -> the reviewer's ``approved`` / budget / bid; ``rows``: key ->
    file row number.
    """
    from optimizer.store.experiments import running_experiment

    problems: list[tuple[int | None, str | None, str]] = []
    for account_id in sorted({k[0] for k in stored}):
        exp = running_experiment(engine, account_id)
        if exp is None:
            continue
        active_treatment = exp.arm("treatment").policy != "hold"
        in_force = Decimal(0)
        for key, rec in stored.items():
            if key[0] != account_id:
                continue
            arm = exp.assignment.get(key[1])
            upd = updates.get(key)
            held = arm != "treatment" or not active_treatment
            if held and upd is not None:
                for column in edited_columns:
                    if upd[column] != rec[column]:
                        problems.append(
                            (
                                rows.get(key),
                                column,
                                f"campaign {key[1]} is held by experiment {exp.experiment_id} "
                                f"({arm or 'outside the arms'}): leave its {column} as recommended",
                            )
                        )
            if arm == "treatment":
                answer = upd["approved"] if upd else None
                applies = answer is True or (answer is None and rec["decision"] == "auto")
                budget = (upd["recommended_budget"] if upd else rec["recommended_budget"]) if applies else None
                budget = budget if budget is not None else rec["current_budget"]
                in_force += budget or 0
        limit = exp.arm("treatment").total_daily
        if active_treatment and in_force > limit + Decimal("0.01"):
            problems.append(
                (
                    None,
                    "recommended_budget",
                    f"the treatment arm of experiment {exp.experiment_id} would have budgets of {in_force} "
                    f"after this review, above its share {limit}",
                )
            )
    return problems
