"""Experiments in the store (SQLite and PostgreSQL): saved whole, one running per account, stopped once,
the daily state upserted."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from optimizer.store.experiments import (
    ExperimentConflict,
    StoredArm,
    StoredExperiment,
    load_arm_states,
    load_experiment,
    record_arm_states,
    running_experiment,
    save_experiment,
    stop_experiment,
)

START = dt.date(2026, 11, 2)


def experiment(experiment_id: str = "exp-1", account_id: str = "1760000000000001") -> StoredExperiment:
    ids = ["1790000000000000101", "1790000000000000102", "1790000000000000103", "1790000000000000104"]
    return StoredExperiment(
        experiment_id=experiment_id,
        account_id=account_id,
        name="双十一后复盘",
        status="running",
        seed=2_147_483_000,
        treatment_share=0.5,
        total_daily=Decimal("30000.00"),
        start_date=START,
        pre_start=START - dt.timedelta(days=28),
        burn_in_days=3,
        mature_days=7,
        planned_days=28,
        alpha=0.05,
        plan_mde=0.0812,
        plan_se=0.029,
        stop_date=None,
        arms=(
            StoredArm("treatment", "spendopt", 0.52, Decimal("15600.00")),
            StoredArm("control", "hold", 0.48, Decimal("14400.00")),
        ),
        assignment=dict(zip(ids, ["treatment", "control", "control", "treatment"], strict=True)),
        pre_spend={i: Decimal("1234.56") for i in ids},
        pre_gmv={i: Decimal("4321.09") for i in ids},
        start_budget={i: Decimal("3000.00") for i in ids},
    )


def test_an_experiment_round_trips_with_its_arms_and_assignment(engine):
    exp = experiment()
    save_experiment(engine, exp)
    assert load_experiment(engine, "exp-1") == exp
    assert running_experiment(engine, exp.account_id) == exp
    assert running_experiment(engine) == exp
    assert running_experiment(engine, "someone-else") is None
    assert load_experiment(engine, "nope") is None


def test_one_running_experiment_per_account_and_stop_happens_once(engine):
    save_experiment(engine, experiment())
    with pytest.raises(ExperimentConflict, match="already runs experiment exp-1"):
        save_experiment(engine, experiment("exp-2"))
    save_experiment(engine, experiment("exp-3", account_id="1760000000000002"))  # another account may
    assert stop_experiment(engine, "exp-1", stop_date=START + dt.timedelta(days=30))
    assert not stop_experiment(engine, "exp-1", stop_date=START + dt.timedelta(days=31))
    stopped = load_experiment(engine, "exp-1")
    assert stopped.status == "stopped" and stopped.stop_date == START + dt.timedelta(days=30)
    assert running_experiment(engine, "1760000000000001") is None
    save_experiment(engine, experiment("exp-2"))  # now a new one may start
    with pytest.raises(ExperimentConflict, match="taken"):
        save_experiment(engine, experiment("exp-2", account_id="1760000000000009"))


def test_the_daily_state_is_replaced_when_a_day_runs_again(engine):
    save_experiment(engine, experiment())
    rows = {
        "treatment": (Decimal("15500.00"), Decimal("15600.00"), 2),
        "control": (Decimal("14400.00"), Decimal("14400.00"), 2),
    }
    record_arm_states(engine, "exp-1", START, "daily-1", rows)
    record_arm_states(
        engine, "exp-1", START, "daily-2", rows | {"treatment": (Decimal("15599.99"), Decimal("15600.00"), 2)}
    )
    record_arm_states(engine, "exp-1", START + dt.timedelta(days=1), "daily-3", rows)
    states = load_arm_states(engine, "exp-1")
    assert len(states) == 4
    first = states[(states["date"] == START) & (states["arm"] == "treatment")].iloc[0]
    assert first["run_id"] == "daily-2" and first["budget_total"] == Decimal("15599.99")
