"""`spendopt rollback` respects a running experiment's arms: a held campaign is never moved (not even
with --force), and the treatment arm's restores stay within its share."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from connectors.base import CampaignState
from connectors.sim import SimulatedPlatform
from optimizer.act import audit
from optimizer.act.plan_changes import PlannedChange
from optimizer.experiment.arms import rollback_scope
from optimizer.experiment.lifecycle import start
from optimizer.jobs.daily import run_daily
from optimizer.jobs.rollback import rollback_run
from optimizer.settings import Settings
from optimizer.store.experiments import save_experiment
from tests.experiment.test_isolation import live_by_arm
from tests.experiment.test_store import START, experiment


def _values(platform, account, ids):
    return {
        c.campaign_id: (c.budget, c.bid, c.status) for c in platform.list_campaigns(account) if c.campaign_id in ids
    }


def test_a_rollback_during_an_experiment_leaves_the_held_arm_alone(engine, tmp_path, isolated_home):
    settings = Settings(review={"auto_apply_max_change_pct": 100})  # the run moves every campaign
    platform = SimulatedPlatform.from_scenario("demo", seed=3)
    account = platform.scenario.account_id
    before = run_daily(settings, platform, engine, today=platform.today, out_dir=tmp_path, report=False)
    changed = {r.campaign_id for r in audit.read_log(engine, run_id=before.run_id, state="confirmed")}
    platform.advance_day()
    exp, _ = start(settings, engine, platform.list_campaigns(account), account_id=account, today=platform.today, seed=5)
    control = {c for c in changed if exp.assignment.get(c) == "control"}
    treated = {c for c in changed if exp.assignment.get(c) == "treatment"}
    assert control and treated, "the run before the start changed campaigns of both arms"
    held = _values(platform, account, control)
    report = rollback_run(settings, engine, before.run_id, connector=platform, real_today=platform.today, force=True)
    assert _values(platform, account, control) == held
    skipped = [i for i in report.items if i.campaign_id in control]
    assert skipped and all(i.outcome == "skipped" and exp.experiment_id in i.message for i in skipped)
    moved = {i.campaign_id for i in report.items if i.outcome == "confirmed"}
    assert moved and moved <= treated
    limit = float(exp.arm("treatment").total_daily)
    assert live_by_arm(platform, exp.assignment)["treatment"] <= limit + 0.01


def _state(cid: str, budget: str, status: str = "active") -> CampaignState:
    return CampaignState(
        account_id="1760000000000001", campaign_id=cid, name=cid, budget=Decimal(budget), bid=None, status=status
    )


def _budget(cid: str, before: str, after: str) -> list[PlannedChange]:
    return [
        PlannedChange(
            change_key=f"run-0:{cid}:budget:2026-11-01",
            account_id="1760000000000001",
            campaign_id=cid,
            field="budget",
            before=before,
            after=after,
        )
    ]


def test_restores_that_would_put_the_treatment_arm_above_its_share_wait_largest_first(engine):
    exp = experiment()  # treatment 101 and 104, share 15600; control 102 and 103
    save_experiment(engine, exp)
    t1, c1, c2, t2 = sorted(exp.assignment)
    shown = {
        t1: _state(t1, "7000.00"),
        t2: _state(t2, "7000.00"),
        c1: _state(c1, "7000.00"),
        c2: _state(c2, "7000.00"),
    }
    queues = [_budget(t1, "7000.00", "8000.00"), _budget(t2, "7000.00", "9500.00"), _budget(c1, "7000.00", "100.00")]
    kept, refused = rollback_scope(engine, exp.account_id, queues, shown, START)
    assert [q[0].campaign_id for q in kept] == [t1]  # 8000 + 7000 fits 15600; 7000 + 9500 would not
    assert sorted(i.campaign_id for i in refused) == [c1, t2]
    assert all(i.outcome == "skipped" for i in refused)
    # a cut makes room: with the arm's other campaign cut, the raise fits
    queues = [_budget(t1, "7000.00", "5000.00"), _budget(t2, "7000.00", "9500.00")]
    kept, refused = rollback_scope(engine, exp.account_id, queues, shown, START)
    assert len(kept) == 2 and refused == []
    # before the start, or on another account, nothing is held
    kept, refused = rollback_scope(engine, exp.account_id, queues, shown, START - dt.timedelta(days=1))
    assert len(kept) == 2 and refused == []
    kept, refused = rollback_scope(engine, "1760000000000002", queues, shown, START)
    assert len(kept) == 2 and refused == []
