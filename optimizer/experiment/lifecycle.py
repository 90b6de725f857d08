"""An experiment's life on an account: plan, start, read (the report's numbers), stop.

::

    plan    the live campaigns' pre-period (``[experiment] pre_days`` up to the
            last matured day) -> stratified split -> MDE at ``power`` for ``days``
    start   the same split, stored (experiment, arms, assignment); from the
            start date the daily job runs the arms apart (``arms.arm_scope``)
    read    matured days only: the pre-period [pre_start, start) and the test
            days from start + burn_in up to the stop date or ``today - 1 -
            mature_days``; the lift per metric and its path day by day
    stop    the last test day is yesterday; the daily job optimises the whole
            account again

The seed is recorded; the same seed and pre-period give the same split.
"""

from __future__ import annotations

import datetime as dt
import math
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from connectors.errors import InputError, Problem
from optimizer.experiment.analysis import LiftEstimate
from optimizer.experiment.design import ArmSpec, Assignment
from optimizer.experiment.planning import Plan
from optimizer.experiment.series import Split, Units, analyse, dates_between, split, unit_totals
from optimizer.experiment.series import plan as make_plan

if TYPE_CHECKING:
    import pandas as pd
    from sqlalchemy.engine import Engine

    from connectors.base import CampaignState
    from optimizer.settings import Settings
    from optimizer.store.experiments import StoredExperiment

__all__ = ["Proposal", "Reading", "live_budgets", "propose", "read", "start", "stop"]

_DAY = dt.timedelta(days=1)


def live_budgets(campaigns: Sequence[CampaignState]) -> dict[str, float]:
    """Campaigns the optimiser may run (live, capped, not excluded) -> today's budget."""
    return {
        c.campaign_id: float(c.budget)
        for c in campaigns
        if c.status != "paused" and c.excluded_reason is None and c.budget is not None
    }


def _rows(engine: Engine, account_id: str, first: dt.date, last: dt.date) -> pd.DataFrame:
    from optimizer.store import load_stats

    stats = load_stats(engine, account_id=account_id, start=first, end=last)
    return stats[["campaign_id", "date", "spend", "gmv"]]


@dataclass(frozen=True)
class Proposal:
    """What ``start`` would store, and the plan for it."""

    account_id: str
    start_date: dt.date
    pre_start: dt.date
    seed: int
    total_daily: float
    split: Split
    plan: Plan


def propose(
    settings: Settings,
    engine: Engine,
    campaigns: Sequence[CampaignState],
    *,
    account_id: str,
    today: dt.date,
    seed: int | None = None,
    days: int | None = None,
) -> Proposal:
    """The split and plan for a test starting ``today``; ``InputError`` when the history cannot carry one."""
    cfg = settings.experiment
    seed = secrets.randbelow(2**31) if seed is None else seed
    pre_start = today - dt.timedelta(days=cfg.pre_days)
    seen = dates_between(pre_start, today - _DAY - dt.timedelta(days=cfg.mature_days))
    rows = _rows(engine, account_id, pre_start, today - _DAY) if seen else None
    where = f"account {account_id}"
    if rows is None or rows.empty or len(seen) < 7:
        raise InputError(
            Problem(where, f"fewer than 7 matured days of history before {today} (pull or import more first)")
        )
    rows = rows[rows["date"].dt.date <= seen[-1]]
    budgets = live_budgets(campaigns)
    total = float(settings.budget.total_daily) if settings.budget.total_daily is not None else sum(budgets.values())
    try:
        sp = split(unit_totals(rows, budgets), total_daily=total, seed=seed, treatment_share=cfg.treatment_share)
        plan = make_plan(
            sp,
            rows,
            seen,
            days=days or cfg.days,
            alpha=cfg.alpha,
            power=cfg.power,
            realistic_lift=cfg.realistic_lift_pct / 100,
        )
    except ValueError as exc:
        raise InputError(Problem(where, str(exc))) from None
    return Proposal(account_id, today, pre_start, seed, total, sp, plan)


def start(
    settings: Settings,
    engine: Engine,
    campaigns: Sequence[CampaignState],
    *,
    account_id: str,
    today: dt.date,
    seed: int | None = None,
    days: int | None = None,
    name: str = "",
) -> tuple[StoredExperiment, Proposal]:
    """Store a new running experiment from ``propose``; ``ExperimentConflict`` if one runs."""
    from optimizer.store.experiments import StoredArm, StoredExperiment, save_experiment

    p = propose(settings, engine, campaigns, account_id=account_id, today=today, seed=seed, days=days)
    cfg, u = settings.experiment, p.split.units

    def money(x: float) -> Decimal:
        return Decimal(str(round(float(x), 2)))

    exp = StoredExperiment(
        experiment_id=f"exp-{account_id}-{today:%Y%m%d}-{p.seed % 100000:05d}",
        account_id=account_id,
        name=name,
        status="running",
        seed=p.seed,
        treatment_share=cfg.treatment_share,
        total_daily=money(p.total_daily),
        start_date=today,
        pre_start=p.pre_start,
        burn_in_days=cfg.burn_in_days,
        mature_days=cfg.mature_days,
        planned_days=p.plan.days,
        alpha=cfg.alpha,
        plan_mde=round(p.plan.mde, 4),
        plan_se=p.plan.se,
        stop_date=None,
        arms=tuple(StoredArm(a.name, a.policy, a.share, money(a.total_daily)) for a in p.split.arms),
        assignment=dict(p.split.assignment.arm),
        pre_spend={c: money(s) for c, s in zip(u.campaign_ids, u.spend, strict=True)},
        pre_gmv={c: money(g) for c, g in zip(u.campaign_ids, u.gmv, strict=True)},
        start_budget={c: money(b) for c, b in zip(u.campaign_ids, u.budget, strict=True)},
    )
    save_experiment(engine, exp)
    return exp, p


def stop(engine: Engine, exp: StoredExperiment, *, today: dt.date) -> dt.date:
    """Stop ``exp``: its last test day is yesterday. Returns that day."""
    from optimizer.store.experiments import stop_experiment

    last = max(today - _DAY, exp.start_date)
    if not stop_experiment(engine, exp.experiment_id, stop_date=last):
        raise InputError(Problem(f"experiment {exp.experiment_id}", "is not running (already stopped?)"))
    return last


def stored_split(exp: StoredExperiment) -> Split:
    """The ``Split`` an experiment was started with, from the store."""
    import numpy as np

    ids = tuple(sorted(exp.assignment))
    units = Units(
        campaign_ids=ids,
        spend=np.array([float(exp.pre_spend[c]) for c in ids]),
        gmv=np.array([float(exp.pre_gmv[c]) for c in ids]),
        budget=np.array([float(exp.start_budget[c]) for c in ids]),
    )
    assignment = Assignment(seed=exp.seed, treatment_share=exp.treatment_share, arm=exp.assignment)
    arms = tuple(
        ArmSpec(name=a.arm, policy=a.policy, share=a.share, total_daily=float(a.total_daily)) for a in exp.arms
    )
    return Split(units, assignment, arms)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Reading:
    """The report's numbers: the lift per metric, the daily arm series and the path of the estimate."""

    experiment: StoredExperiment
    today: dt.date
    estimates: dict[str, LiftEstimate]
    days: pd.DataFrame  # date, arm, period (pre/burn_in/test/immature/after), spend, gmv, roi
    path: pd.DataFrame  # date, days, lift, low, high, seq_low, seq_high
    states: pd.DataFrame  # experiment_state rows
    test_dates: tuple[dt.date, ...]


def read(settings: Settings, engine: Engine, exp: StoredExperiment, *, today: dt.date, sequential: bool | None = None):
    """The experiment's matured days analysed; ``InputError`` before 2 matured test days exist."""
    import pandas as pd

    from optimizer.store.experiments import load_arm_states

    cfg = settings.experiment
    seq = cfg.sequential if sequential is None else sequential
    last = today - _DAY - dt.timedelta(days=exp.mature_days)
    if exp.stop_date is not None:
        last = min(last, exp.stop_date)
    pre_dates = dates_between(exp.pre_start, exp.start_date - _DAY)
    test_dates = dates_between(exp.start_date + dt.timedelta(days=exp.burn_in_days), last)
    if len(test_dates) < 2:
        first = exp.start_date + dt.timedelta(days=exp.burn_in_days + exp.mature_days + 2)
        raise InputError(
            Problem(
                f"experiment {exp.experiment_id}",
                f"no 2 matured test days yet (burn-in {exp.burn_in_days} days, days mature after "
                f"{exp.mature_days}): the first report is possible on {first}",
            )
        )
    rows = _rows(engine, exp.account_id, exp.pre_start, today - _DAY)
    sp = stored_split(exp)
    pre_rows = rows[rows["date"].dt.date < exp.start_date]
    test_rows = rows[rows["date"].dt.date >= exp.start_date]
    tau2 = exp.plan_se**2 if exp.plan_se else None
    kw: dict[str, Any] = {"alpha": exp.alpha, "se_method": cfg.se_method, "tau2": tau2}
    estimates = analyse(sp, pre_rows, pre_dates, test_rows, test_dates, sequential=seq, **kw)
    path = []
    for k in range(2, len(test_dates) + 1):
        fixed = analyse(sp, pre_rows, pre_dates, test_rows, test_dates[:k], **kw)["roi"]
        always = analyse(sp, pre_rows, pre_dates, test_rows, test_dates[:k], sequential=True, **kw)["roi"]
        path.append((test_dates[k - 1], k, fixed.lift, fixed.low, fixed.high, always.low, always.high))
    path_frame = pd.DataFrame(path, columns=["date", "days", "lift", "low", "high", "seq_low", "seq_high"])
    return Reading(
        experiment=exp,
        today=today,
        estimates=estimates,
        days=_day_series(rows, sp, exp, set(test_dates), last),
        path=path_frame,
        states=load_arm_states(engine, exp.experiment_id),
        test_dates=tuple(test_dates),
    )


def _day_series(rows: pd.DataFrame, sp: Split, exp: StoredExperiment, test: set, last: dt.date) -> pd.DataFrame:
    import pandas as pd

    arm = rows["campaign_id"].astype(str).map(sp.assignment.arm)
    part = rows[arm.notna()].assign(arm=arm[arm.notna()], date=rows["date"].dt.date)
    out = part.groupby(["date", "arm"], sort=True)[["spend", "gmv"]].sum().reset_index()
    out["roi"] = [g / s if s > 0 else math.nan for g, s in zip(out["gmv"], out["spend"], strict=True)]

    def period(day: dt.date) -> str:
        if day < exp.start_date:
            return "pre"
        if exp.stop_date is not None and day > exp.stop_date:
            return "after"
        if day in test:
            return "test"
        return "burn_in" if day < exp.start_date + dt.timedelta(days=exp.burn_in_days) else "immature"

    out.insert(2, "period", [period(d) for d in out["date"]])
    return pd.DataFrame(out, columns=["date", "arm", "period", "spend", "gmv", "roi"])
