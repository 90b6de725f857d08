"""`spendopt rollback RUN_ID`: a run's changes go back exactly once, on the simulated account and over HTTP."""

from __future__ import annotations

from collections import Counter

import pytest

from connectors.sim import SimulatedPlatform
from optimizer.act import audit
from optimizer.jobs.daily import run_daily
from optimizer.jobs.rollback import rollback_run
from optimizer.settings import load_settings


def _values(connector, account_id):
    return {
        (s.campaign_id, f): audit.platform_value(s, f)
        for s in connector.list_campaigns(account_id)
        for f in ("budget", "bid", "status")
    }


def test_rollback_restores_budgets_and_bids_once_on_the_simulated_account(engine, tmp_path, isolated_home):
    settings = load_settings()
    platform = SimulatedPlatform.from_scenario("demo", seed=3)
    account = platform.list_accounts()[0].account_id
    before = _values(platform, account)
    result = run_daily(settings, platform, engine, today=platform.today, out_dir=tmp_path, report=False)
    changed = {(r.campaign_id, r.field) for r in audit.read_log(engine, run_id=result.run_id, state="confirmed")}
    assert changed
    first = rollback_run(settings, engine, result.run_id, connector=platform, real_today=platform.today)
    assert first.ok and first.count("confirmed") == len(changed)
    assert _values(platform, account) == before
    requests = platform._requests
    second = rollback_run(settings, engine, result.run_id, connector=platform, real_today=platform.today)
    assert platform._requests == requests, "a second rollback sends nothing"
    assert second.count("already_applied") == len(changed) and second.count("confirmed") == 0


def test_rollback_refuses_a_field_changed_since_unless_forced(engine, tmp_path, isolated_home):
    from connectors.base import BudgetChange

    settings = load_settings()
    platform = SimulatedPlatform.from_scenario("demo", seed=3)
    result = run_daily(settings, platform, engine, today=platform.today, out_dir=tmp_path, report=False)
    rec = next(r for r in audit.read_log(engine, run_id=result.run_id, state="confirmed") if r.field == "budget")
    platform.advance_day()  # a new day: a person edits the budget by hand
    from decimal import Decimal

    platform.update_budgets(
        [BudgetChange(account_id=rec.account_id, campaign_id=rec.campaign_id, budget=Decimal(rec.after) + 100)]
    )
    report = rollback_run(settings, engine, result.run_id, connector=platform, real_today=platform.today)
    refused = [i for i in report.items if i.campaign_id == rec.campaign_id and i.field == "budget"]
    assert refused and refused[0].outcome == "skipped" and "changed since" in refused[0].message
    forced = rollback_run(settings, engine, result.run_id, connector=platform, real_today=platform.today, force=True)
    done = [i for i in forced.items if i.campaign_id == rec.campaign_id and i.field == "budget"]
    assert done[0].outcome == "confirmed"
    (row,) = [
        r
        for r in audit.read_log(engine, campaign_id=rec.campaign_id)
        if r.change_key.endswith(":budget:" + rec.effective_date.isoformat() + ":rollback")
    ]
    assert "forced" in row.reason


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
def test_rollback_over_http_restores_once(engine, tmp_path, isolated_home):
    from connectors.qianchuan.fake.world import FakeSettings
    from optimizer.settings import Settings
    from tests.qianchuan.helpers import fake_connector

    settings = Settings(review={"auto_apply_max_change_pct": 100})
    fake = FakeSettings(seed=5, accounts=1, plans_per_account=12, uni_plans_per_account=1)
    with fake_connector(tmp_path, fake) as (server, connector):
        today = connector.today()
        account = connector.list_accounts()[0].account_id
        before = _values(connector, account)
        result = run_daily(settings, connector, engine, today=today, out_dir=tmp_path, report=False)
        changed = audit.read_log(engine, run_id=result.run_id, state="confirmed")
        assert changed
        first = rollback_run(settings, engine, result.run_id, connector=connector, real_today=today)
        assert first.ok, first.items
        assert _values(connector, account) == before
        sent = len(server.world.received)
        rollback_run(settings, engine, result.run_id, connector=connector, real_today=today)
        assert len(server.world.received) == sent
        per_field = Counter((ad, f) for ad, f, _ in server.world.received)
        assert max(per_field.values()) == 2  # the change and its rollback, once each
