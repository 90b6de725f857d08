"""Budget isolation: on every day of every run each arm's live budgets stay within its share,
in the simulated experiment (spendopt in the treatment arm) and in the daily job."""

from __future__ import annotations

import datetime as dt

import pytest

from connectors.sim import SimulatedPlatform
from connectors.sim.scenario import scenario_from_dict
from optimizer.experiment.lifecycle import start
from optimizer.jobs.daily import run_daily
from optimizer.settings import load_settings
from optimizer.simulate.experiment import run_experiment
from optimizer.store.experiments import load_arm_states, running_experiment


def small_account(layout_seed: int):
    return scenario_from_dict(
        {
            "name": "isolation",
            "account_id": "1769000000000000",
            "history_days": 28,
            "maturity": [0.7, 0.9, 1.0],
            "generate": {"count": 10, "layout_seed": layout_seed, "id_start": 1795000000000000001},
        }
    )


@pytest.mark.parametrize(("market", "seed"), [("curves", 1), ("pacing", 2), ("cohort", 3)])
def test_every_day_each_arm_stays_within_its_share_and_control_is_held(market, seed):
    run = run_experiment(small_account(seed), seed=seed, days=9, burn_in_days=1, pre_days=21, market=market)
    assert run.isolation_problems == ()
    totals = {a.name: a.total_daily for a in run.arms}
    for row in run.days.itertuples(index=False):
        assert row.budget <= totals[row.arm] + 0.01, (row.date, row.arm, row.budget, totals[row.arm])
    control = run.days[run.days["arm"] == "control"]
    assert (control["budget"] == control["counterfactual_budget"]).all()  # held: as if nothing ran
    assert (control["gmv"] == control["counterfactual_gmv"]).all()
    treated = run.days[run.days["arm"] == "treatment"]
    assert (treated["spend"] != treated["counterfactual_spend"]).any()  # spendopt did move money
    assert len(run.days) == 2 * 9


def test_an_aa_test_has_no_true_lift():
    run = run_experiment(small_account(4), seed=4, days=8, burn_in_days=1, pre_days=21, treatment_policy="hold")
    assert run.true_lift == 0.0 and run.true_gmv_lift == 0.0
    assert run.estimate.lift == run.aa.lift


def live_by_arm(platform: SimulatedPlatform, assignment: dict[str, str]) -> dict[str, float]:
    out = {"treatment": 0.0, "control": 0.0}
    for c in platform.list_campaigns(platform.scenario.account_id):
        arm = assignment.get(c.campaign_id)
        if arm and c.status != "paused":
            out[arm] += float(c.budget or 0)
    return out


def test_the_daily_job_optimises_only_the_treatment_arm_inside_its_share(tmp_path, isolated_home):
    from optimizer.store import open_store

    engine = open_store(f"sqlite:///{tmp_path / 'job.db'}")
    settings = load_settings()
    platform = SimulatedPlatform.from_scenario("demo", seed=3)
    account = platform.scenario.account_id
    assert run_daily(settings, platform, engine, today=platform.today, out_dir=tmp_path, report=False).ok
    platform.advance_day()
    exp, _ = start(settings, engine, platform.list_campaigns(account), account_id=account, today=platform.today, seed=5)
    limits = {a.arm: float(a.total_daily) for a in exp.arms}
    held = {
        c.campaign_id: (c.budget, c.bid, c.status)
        for c in platform.list_campaigns(account)
        if exp.assignment.get(c.campaign_id) == "control"
    }
    dry = run_daily(settings, platform, engine, today=platform.today, out_dir=tmp_path, dry_run=True, report=False)
    assert dry.ok and load_arm_states(engine, exp.experiment_id).empty  # a dry run records nothing
    for _day in range(4):
        result = run_daily(settings, platform, engine, today=platform.today, out_dir=tmp_path, report=False)
        assert result.ok, [a.error for a in result.accounts]
        frame = result.accounts[0].frame
        control_rows = frame[frame["campaign_id"].map(exp.assignment) == "control"]
        assert (control_rows["action"] == "hold").all()
        used = live_by_arm(platform, exp.assignment)
        assert used["treatment"] <= limits["treatment"] + 0.01, (platform.today, used, limits)
        assert used["control"] <= limits["control"] + 0.01
        now = {
            c.campaign_id: (c.budget, c.bid, c.status)
            for c in platform.list_campaigns(account)
            if c.campaign_id in held
        }
        assert now == held
        platform.advance_day()
    states = load_arm_states(engine, exp.experiment_id)
    assert sorted(states["date"].unique()) == [exp.start_date + dt.timedelta(days=k) for k in range(4)]
    assert (states["budget_total"].astype(float) <= states["arm_total"].astype(float) + 0.01).all()
    assert running_experiment(engine, account).experiment_id == exp.experiment_id
    engine.dispose()
