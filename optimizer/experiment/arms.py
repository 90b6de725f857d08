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

``arm_guard`` makes sure the rows applied without a person (``auto``) keep
the treatment arm inside its share on their own: the solver's plan is within
the share only when all of it is applied, so when a cut waits for review (a
pause always does) the largest auto increases wait with it.

``review_problems`` keeps a person's review file inside the arms: no edit to a
held campaign, and the treatment arm's budgets in force after the review stay
within its share.

``rollback_scope`` does the same for ``spendopt rollback``: while an experiment
runs, a restore never moves a held campaign (a run from before the start would
otherwise change the control arm mid-test), and the treatment arm's restores
that raise its live budgets wait (largest first) until the arm fits its share.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pandas as pd
    from sqlalchemy.engine import Engine

    from connectors.base import CampaignState
    from optimizer.act.plan_changes import ItemResult, PlannedChange
    from optimizer.settings import Settings

__all__ = ["arm_guard", "arm_scope", "review_problems", "rollback_scope"]


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


def arm_guard(engine: Engine, account_id: str, frame: pd.DataFrame, states: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with auto increases of the treatment arm turned to ``review`` until the auto rows fit its share."""
    from optimizer.i18n import t
    from optimizer.store.experiments import running_experiment

    exp = running_experiment(engine, account_id)
    if exp is None or frame.empty:
        return frame
    treated = (frame["campaign_id"].astype(str).map(exp.assignment) == "treatment").to_numpy()
    live_by_id = dict(zip(states["campaign_id"].astype(str), _live_budget(states), strict=True))
    now = np.array([live_by_id.get(c, 0.0) for c in frame["campaign_id"].astype(str)])
    auto = (frame["decision"] == "auto").to_numpy()
    recommended = frame["recommended_budget"].to_numpy(dtype=float, na_value=np.nan)
    after = np.where(frame["action"].to_numpy() == "pause", 0.0, np.where(np.isfinite(recommended), recommended, now))
    after = np.where(auto, after, now)
    limit = float(exp.arm("treatment").total_daily)
    excess = float(after[treated].sum()) - limit
    if excess <= 0.005:
        return frame
    decision, reason = frame["decision"].to_numpy(dtype=object).copy(), frame["reason"].to_numpy(dtype=object).copy()
    rise = np.where(treated & auto, after - now, 0.0)
    for i in np.argsort(-rise, kind="stable"):
        if excess <= 0.005 or rise[i] <= 0:
            break
        decision[i] = "review"
        reason[i] = f"{reason[i]} {t('experiment.review_for_share', experiment=exp.experiment_id, limit=limit)}"
        excess -= rise[i]
    return frame.assign(decision=decision, reason=reason)


def review_problems(engine: Engine, stored: dict, merged: dict) -> list[tuple[int | None, str | None, str]]:
    """``(row, column, message)`` for review decisions that would break the running experiment's arms.

    ``stored``: (account, campaign) -> the stored recommendation; ``merged``: the
    same keys -> the decision in force after the file (``budget``, ``bid``,
    ``action``, ``applies``, ``row_no``; ``optimizer.act.review``).
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
            m = merged.get(key)
            held = arm != "treatment" or not active_treatment
            if held and m is not None:
                for column, value, proposed in (
                    ("recommended_budget", m.budget, rec.get("proposed_budget", rec["recommended_budget"])),
                    ("recommended_bid", m.bid, rec.get("proposed_bid", rec["recommended_bid"])),
                ):
                    if value != proposed:
                        problems.append(
                            (
                                m.row_no,
                                column,
                                f"campaign {key[1]} is held by experiment {exp.experiment_id} "
                                f"({arm or 'outside the arms'}): leave its {column} as recommended",
                            )
                        )
            if arm == "treatment":
                if m is not None:
                    applies, budget = m.applies, (Decimal(0) if m.action == "pause" else m.budget)
                else:
                    applies = rec["decision"] == "auto" and rec["approved"] in (None, "yes")
                    budget = rec["recommended_budget"]
                in_force += (budget if applies else rec["current_budget"]) or 0
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


def _budget_after(state: CampaignState | None, queue: list[PlannedChange] | None) -> Decimal:
    """The campaign's live budget (0 when paused or uncapped) after ``queue``'s restores, or now."""
    budget = state.budget if state is not None else None
    paused = state is not None and state.status == "paused"
    for change in queue or ():
        if change.field == "budget":
            budget = Decimal(change.after) if change.after is not None else None
        elif change.field == "status":
            paused = change.after == "paused"
    return Decimal(0) if paused or budget is None else Decimal(budget)


def rollback_scope(
    engine: Engine,
    account_id: str,
    queues: list[list[PlannedChange]],
    shown: dict[str, CampaignState],
    today: dt.date,
) -> tuple[list[list[PlannedChange]], list[ItemResult]]:
    """``queues`` (one campaign's restores each) without those that would break the running experiment's arms,
    and the refused restores as ``skipped`` items (see the module docstring)."""
    from optimizer.act.plan_changes import ItemResult
    from optimizer.i18n import t
    from optimizer.store.experiments import running_experiment

    exp = running_experiment(engine, account_id)
    if exp is None or exp.start_date > today or not queues:
        return queues, []
    active = exp.arm("treatment").policy != "hold"
    refused: list[ItemResult] = []
    kept: dict[str, list[PlannedChange]] = {}
    for queue in queues:
        cid = queue[0].campaign_id
        arm = exp.assignment.get(cid)
        if arm == "treatment" and active:
            kept[cid] = queue
            continue
        label = t(f"experiment.arm_{arm}") if arm in ("treatment", "control") else t("experiment.arm_outside")
        why = t("experiment.rollback_held", campaign=cid, experiment=exp.experiment_id, arm=label)
        refused.extend(ItemResult.for_change(c, "skipped", why) for c in queue)
    treated = [cid for cid, arm in exp.assignment.items() if arm == "treatment"] if active else []
    now = {cid: _budget_after(shown.get(cid), None) for cid in treated}
    after = {cid: _budget_after(shown.get(cid), kept.get(cid)) for cid in treated}
    limit = exp.arm("treatment").total_daily
    excess = sum(after.values(), Decimal(0)) - limit
    for cid in sorted(kept, key=lambda c: (now[c] - after[c], c)):
        rise = after[cid] - now[cid]
        if excess <= Decimal("0.01") or rise <= 0:
            break
        why = t("experiment.rollback_share", campaign=cid, experiment=exp.experiment_id, limit=float(limit))
        refused.extend(ItemResult.for_change(c, "skipped", why) for c in kept.pop(cid))
        excess -= rise
    return list(kept.values()), refused
