"""Fault injection: 20% of calls fail retriably and the access token dies mid-run.

The pull still stores every row correctly, and no write reaches the platform twice.
"""

from __future__ import annotations

import datetime as dt

from connectors.qianchuan.fake.world import FakeSettings
from optimizer.jobs.pull import pull
from optimizer.store import load_stats, open_store
from tests.qianchuan.checks import assert_applied_once, assert_store_matches_server, pick_changes
from tests.qianchuan.helpers import fake_connector

FAULTY = FakeSettings(
    seed=23,
    accounts=3,
    plans_per_account=60,
    uni_plans_per_account=3,
    fault_rate=0.2,
    fault_after_apply_rate=0.2,
    expire_access_after_calls=60,
)


def test_pull_and_writes_survive_retriable_faults_and_a_token_expiring_mid_run(tmp_path):
    with fake_connector(tmp_path, FAULTY, max_retries=12, page_size=50) as (server, connector):
        world = server.world
        engine = open_store(f"sqlite:///{tmp_path / 'db.sqlite'}")
        summary = pull(connector, engine, today=world.today, initial_days=30)
        assert not summary.failed, [a.error for a in summary.failed]
        end = world.today - dt.timedelta(days=1)
        assert_store_matches_server(load_stats(engine), world, end - dt.timedelta(days=29), end)

        account = summary.accounts[1].account_id
        budgets, bids, pause = pick_changes(connector.list_campaigns(account), world)
        results = connector.update_budgets(budgets) + connector.update_bids(bids) + connector.update_status(pause)
        assert all(r.ok for r in results), [r.error for r in results if not r.ok]
        after = {s.campaign_id: s for s in connector.list_campaigns(account)}
        assert all(after[c.campaign_id].budget == c.budget for c in budgets)
        assert all(after[c.campaign_id].bid == c.bid for c in bids)
        assert_applied_once(world)
        assert len(world.applied) == len(results)

        faults = sum(world.faults.values())
        assert faults > 50  # the faults really happened
        assert connector.client.refreshes >= 2  # the token died mid-run, more than once
        assert world.faults["drop"] > 0 and world.faults["http503"] > 0


def test_a_write_the_platform_applied_before_failing_is_confirmed_by_read_back_not_resent(tmp_path):
    fake = FakeSettings(seed=29, accounts=1, plans_per_account=30, uni_plans_per_account=2, fault_after_apply_rate=1.0)
    with fake_connector(tmp_path, fake) as (server, connector):
        world = server.world
        account = connector.list_accounts()[0].account_id
        budgets, bids, pause = pick_changes(connector.list_campaigns(account), world)
        results = connector.update_budgets(budgets) + connector.update_bids(bids) + connector.update_status(pause)
        assert all(r.ok for r in results), [r.error for r in results if not r.ok]
        assert world.faults["after_apply"] >= 5
        assert_applied_once(world)
        assert len(world.received) == len(results)


def test_a_write_that_failed_before_the_platform_acted_is_sent_again(tmp_path):
    fake = FakeSettings(seed=29, accounts=1, plans_per_account=30, uni_plans_per_account=0)
    with fake_connector(tmp_path, fake) as (server, connector):
        world = server.world
        account = connector.list_accounts()[0].account_id
        budgets, _, _ = pick_changes(connector.list_campaigns(account), world)
        world.settings = fake.model_copy(update={"fault_rate": 0.5, "fault_kinds": ("50000", "http503", "drop")})
        results = connector.update_budgets(budgets)
        world.settings = fake
        assert all(r.ok for r in results), [r.error for r in results if not r.ok]
        assert_applied_once(world)
        assert sorted(a for a, *_ in world.applied) == sorted(c.campaign_id for c in budgets)


def test_answers_slower_than_the_client_timeout_are_retried_and_writes_still_land_once(tmp_path):
    fake = FakeSettings(
        seed=37, accounts=1, plans_per_account=25, uni_plans_per_account=1, fault_kinds=("slow",), slow_s=0.6
    )
    with fake_connector(tmp_path, fake, timeout_s=0.3, max_retries=10) as (server, connector):
        world = server.world
        account = connector.list_accounts()[0].account_id
        states = connector.list_campaigns(account)
        world.settings = fake.model_copy(update={"fault_rate": 0.3})
        budgets, bids, _ = pick_changes(states, world)
        results = connector.update_budgets(budgets) + connector.update_bids(bids)
        rows = list(
            connector.daily_stats(account, world.today - dt.timedelta(days=6), world.today - dt.timedelta(days=1))
        )
        world.settings = fake
        assert world.faults["slow"] > 0 and connector.client.retries > 0
        assert all(r.ok for r in results), [r.error for r in results if not r.ok]
        assert_applied_once(world)
        expected = {
            (str(ad), day)
            for (ad, day) in world.stats
            if world.today - dt.timedelta(days=6) <= day < world.today and not world.plans[ad].lab_ad
        }
        assert expected <= {(r.campaign_id, r.date) for r in rows}
