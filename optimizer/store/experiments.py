"""Budget-split experiments in the store: the experiment, its arms, the assignment and the daily state.

::

    experiment             one row per test: account, status (running / stopped), seed,
                           start date, the analysis settings fixed at the start, the plan
    experiment_arm         (experiment, arm): who runs it, its fixed share and total
    experiment_assignment  (experiment, campaign): its arm and the pre-period inputs
                           the stratified draw sorted by
    experiment_state       (experiment, date, arm): the arm's live budgets when the daily
                           job ran, its total, and the run: the budget-isolation record

At most one experiment per account runs at a time (``start_experiment`` refuses
a second). ``StoredExperiment`` is the IO model; the table classes stay here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Field, SQLModel

from connectors.clock import utc_now
from optimizer.store.tables import RATIO, _money

__all__ = [
    "ExperimentConflict",
    "StoredArm",
    "StoredExperiment",
    "load_arm_states",
    "load_experiment",
    "record_arm_states",
    "running_experiment",
    "save_experiment",
    "stop_experiment",
]


class Experiment(SQLModel, table=True):
    __tablename__ = "experiment"
    __table__: ClassVar[sa.Table]  # set by SQLModel; declared for type checkers

    experiment_id: str = Field(primary_key=True, max_length=64)
    account_id: str = Field(max_length=64, index=True)
    name: str = Field(default="", max_length=200)
    status: str = Field(default="running", max_length=16, description="running or stopped")
    seed: int = Field(sa_column=sa.Column(sa.BigInteger, nullable=False))
    treatment_share: float = Field(sa_column=sa.Column(RATIO, nullable=False))
    total_daily: Decimal = _money()
    start_date: dt.date = Field(description="first day the arms run apart")
    pre_start: dt.date
    burn_in_days: int
    mature_days: int
    planned_days: int
    alpha: float = Field(sa_column=sa.Column(RATIO, nullable=False))
    plan_mde: float | None = Field(default=None, sa_column=sa.Column(RATIO, nullable=True))
    plan_se: float | None = Field(default=None, sa_column=sa.Column(sa.Float, nullable=True))
    stop_date: dt.date | None = None
    created_at: dt.datetime = Field(default_factory=utc_now)
    stopped_at: dt.datetime | None = None


class ExperimentArm(SQLModel, table=True):
    __tablename__ = "experiment_arm"
    __table__: ClassVar[sa.Table]  # set by SQLModel; declared for type checkers

    experiment_id: str = Field(primary_key=True, max_length=64, foreign_key="experiment.experiment_id")
    arm: str = Field(primary_key=True, max_length=16)
    policy: str = Field(max_length=16)
    share: float = Field(sa_column=sa.Column(sa.Float, nullable=False))
    total_daily: Decimal = _money()


class ExperimentAssignment(SQLModel, table=True):
    __tablename__ = "experiment_assignment"
    __table__: ClassVar[sa.Table]  # set by SQLModel; declared for type checkers

    experiment_id: str = Field(primary_key=True, max_length=64, foreign_key="experiment.experiment_id")
    campaign_id: str = Field(primary_key=True, max_length=64)
    arm: str = Field(max_length=16)
    pre_spend: Decimal = _money()
    pre_gmv: Decimal = _money()
    start_budget: Decimal = _money()


class ExperimentState(SQLModel, table=True):
    __tablename__ = "experiment_state"
    __table__: ClassVar[sa.Table]  # set by SQLModel; declared for type checkers

    experiment_id: str = Field(primary_key=True, max_length=64, foreign_key="experiment.experiment_id")
    date: dt.date = Field(primary_key=True)
    arm: str = Field(primary_key=True, max_length=16)
    budget_total: Decimal = _money()
    arm_total: Decimal = _money()
    campaigns: int
    run_id: str = Field(max_length=64)
    recorded_at: dt.datetime = Field(default_factory=utc_now)


class ExperimentConflict(ValueError):
    """The account already runs an experiment (or the id is taken)."""


@dataclass(frozen=True)
class StoredArm:
    arm: str
    policy: str
    share: float
    total_daily: Decimal


@dataclass(frozen=True)
class StoredExperiment:
    """One experiment with its arms and assignment (campaign -> arm)."""

    experiment_id: str
    account_id: str
    name: str
    status: str
    seed: int
    treatment_share: float
    total_daily: Decimal
    start_date: dt.date
    pre_start: dt.date
    burn_in_days: int
    mature_days: int
    planned_days: int
    alpha: float
    plan_mde: float | None
    plan_se: float | None
    stop_date: dt.date | None
    arms: tuple[StoredArm, ...]
    assignment: dict[str, str]
    pre_spend: dict[str, Decimal]
    pre_gmv: dict[str, Decimal]
    start_budget: dict[str, Decimal]

    def arm(self, name: str) -> StoredArm:
        return next(a for a in self.arms if a.arm == name)


_FIELDS = (
    "experiment_id",
    "account_id",
    "name",
    "status",
    "seed",
    "treatment_share",
    "total_daily",
    "start_date",
    "pre_start",
    "burn_in_days",
    "mature_days",
    "planned_days",
    "alpha",
    "plan_mde",
    "plan_se",
    "stop_date",
)


def save_experiment(engine: Engine, exp: StoredExperiment) -> None:
    """Insert a new running experiment with its arms and assignment, in one transaction."""
    table = Experiment.__table__
    with engine.begin() as conn:
        running = conn.execute(
            sa.select(table.c.experiment_id).where(table.c.account_id == exp.account_id, table.c.status == "running")
        ).first()
        if running is not None:
            raise ExperimentConflict(
                f"account {exp.account_id} already runs experiment {running[0]}: stop it first "
                f"(spendopt experiment stop {running[0]})"
            )
        if conn.execute(sa.select(table.c.experiment_id).where(table.c.experiment_id == exp.experiment_id)).first():
            raise ExperimentConflict(f"experiment id {exp.experiment_id} is taken")
        conn.execute(sa.insert(table).values(**{f: getattr(exp, f) for f in _FIELDS}, created_at=utc_now()))
        conn.execute(
            sa.insert(ExperimentArm.__table__),
            [
                {
                    "experiment_id": exp.experiment_id,
                    "arm": a.arm,
                    "policy": a.policy,
                    "share": a.share,
                    "total_daily": a.total_daily,
                }
                for a in exp.arms
            ],
        )
        conn.execute(
            sa.insert(ExperimentAssignment.__table__),
            [
                {
                    "experiment_id": exp.experiment_id,
                    "campaign_id": cid,
                    "arm": arm,
                    "pre_spend": exp.pre_spend.get(cid, Decimal(0)),
                    "pre_gmv": exp.pre_gmv.get(cid, Decimal(0)),
                    "start_budget": exp.start_budget.get(cid, Decimal(0)),
                }
                for cid, arm in sorted(exp.assignment.items())
            ],
        )


def load_experiment(engine: Engine, experiment_id: str) -> StoredExperiment | None:
    """The experiment by id, or ``None``."""
    table = Experiment.__table__
    with engine.connect() as conn:
        row = conn.execute(sa.select(table).where(table.c.experiment_id == experiment_id)).mappings().first()
        if row is None:
            return None
        arms_t, assign_t = ExperimentArm.__table__, ExperimentAssignment.__table__
        arms = conn.execute(
            sa.select(arms_t).where(arms_t.c.experiment_id == experiment_id).order_by(arms_t.c.arm.desc())
        ).mappings()
        units = list(conn.execute(sa.select(assign_t).where(assign_t.c.experiment_id == experiment_id)).mappings())
        return StoredExperiment(
            **{f: row[f] for f in _FIELDS},
            arms=tuple(StoredArm(a["arm"], a["policy"], float(a["share"]), a["total_daily"]) for a in arms),
            assignment={u["campaign_id"]: u["arm"] for u in units},
            pre_spend={u["campaign_id"]: u["pre_spend"] for u in units},
            pre_gmv={u["campaign_id"]: u["pre_gmv"] for u in units},
            start_budget={u["campaign_id"]: u["start_budget"] for u in units},
        )


def running_experiment(engine: Engine, account_id: str | None = None) -> StoredExperiment | None:
    """The running experiment of ``account_id`` (any account when ``None``), or ``None``."""
    table = Experiment.__table__
    query = sa.select(table.c.experiment_id).where(table.c.status == "running")
    if account_id is not None:
        query = query.where(table.c.account_id == account_id)
    with engine.connect() as conn:
        found = conn.execute(query.order_by(table.c.created_at.desc())).first()
    return load_experiment(engine, found[0]) if found else None


def stop_experiment(engine: Engine, experiment_id: str, *, stop_date: dt.date) -> bool:
    """Mark a running experiment stopped as of ``stop_date`` (its last test day); False if not running."""
    table = Experiment.__table__
    with engine.begin() as conn:
        result = conn.execute(
            sa.update(table)
            .where(table.c.experiment_id == experiment_id, table.c.status == "running")
            .values(status="stopped", stop_date=stop_date, stopped_at=utc_now())
        )
    return result.rowcount == 1


def record_arm_states(
    engine: Engine, experiment_id: str, date: dt.date, run_id: str, rows: dict[str, tuple[Decimal, Decimal, int]]
) -> None:
    """Upsert each arm's ``(budget_total, arm_total, campaigns)`` for ``date`` (a re-run replaces it)."""
    table = ExperimentState.__table__
    with engine.begin() as conn:
        conn.execute(sa.delete(table).where(table.c.experiment_id == experiment_id, table.c.date == date))
        conn.execute(
            sa.insert(table),
            [
                {
                    "experiment_id": experiment_id,
                    "date": date,
                    "arm": arm,
                    "budget_total": b,
                    "arm_total": t,
                    "campaigns": n,
                    "run_id": run_id,
                    "recorded_at": utc_now(),
                }
                for arm, (b, t, n) in rows.items()
            ],
        )


def load_arm_states(engine: Engine, experiment_id: str):
    """The daily state rows as a frame: date, arm, budget_total, arm_total, campaigns, run_id."""
    import pandas as pd

    table = ExperimentState.__table__
    cols = ["date", "arm", "budget_total", "arm_total", "campaigns", "run_id"]
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(*[table.c[c] for c in cols])
            .where(table.c.experiment_id == experiment_id)
            .order_by(table.c.date, table.c.arm.desc())
        ).all()
    return pd.DataFrame([tuple(r) for r in rows], columns=cols)
