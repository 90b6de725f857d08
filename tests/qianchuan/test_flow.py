"""The whole flow against the fake server over HTTP: connect, pull, write, read back."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import httpx

from connectors.qianchuan.auth import connect
from connectors.qianchuan.connector import QianchuanConnector
from connectors.qianchuan.fake.server import FakeServer
from connectors.qianchuan.fake.world import FakeSettings
from connectors.qianchuan.tokens import TokenStore, new_key
from optimizer.jobs.pull import pull
from optimizer.store import load_stats, open_store
from tests.qianchuan.checks import assert_applied_once, assert_store_matches_server, pick_changes
from tests.qianchuan.helpers import client_settings


def test_connect_pull_three_accounts_then_write_and_read_back(tmp_path):
    with FakeServer(FakeSettings(seed=11, accounts=3, plans_per_account=200, uni_plans_per_account=4)) as server:
        world = server.world
        settings = client_settings(server, redirect_uri="http://127.0.0.1:9/callback")
        store = TokenStore(tmp_path / "tokens.enc", key=new_key())
        said: list[str] = []

        def ask(_prompt: str) -> str:
            url = next(line for line in said if line.startswith("http"))
            answer = httpx.get(url, follow_redirects=False)  # the user's browser
            return answer.headers["location"]  # ... and the URL it was sent to

        tokens = connect(settings, ask=ask, say=said.append, store=store)
        assert len(tokens.advertiser_ids) == 2 and store.load() == tokens

        engine = open_store(f"sqlite:///{tmp_path / 'spendopt.db'}")
        end = world.today - dt.timedelta(days=1)
        with QianchuanConnector(settings, store) as connector:
            summary = pull(connector, engine, today=world.today, initial_days=30)
            assert not summary.failed and len(summary.accounts) == 3
            assert all(a.start == end - dt.timedelta(days=29) and a.end == end for a in summary.accounts)
            frame = load_stats(engine)
            assert_store_matches_server(frame, world, end - dt.timedelta(days=29), end)
            assert {"qianchuan.uni_live", "qianchuan.uni_video", "qianchuan.search"} <= set(frame["channel"])
            last_day = frame[frame["date"].dt.date == end]
            assert len(last_day) > 500
            for row in last_day.itertuples(index=False):  # the state in force on the newest day
                plan = world.plans[int(row.campaign_id)]
                assert Decimal(str(row.budget)).quantize(Decimal("0.01")) == plan.budget
                expected_bid = plan.roi_goal if plan.roi_goal is not None else plan.cpa_bid
                if plan.smart_bid_type == "SMART_BID_CONSERVATIVE":
                    expected_bid = None
                assert (None if row.bid != row.bid else Decimal(str(row.bid)).quantize(Decimal("0.01"))) == expected_bid

            account = summary.accounts[0].account_id
            states = connector.list_campaigns(account)
            assert len(states) == 204
            assert sum(s.excluded_reason is not None for s in states) == sum(
                p.lab_ad for p in world.plans.values() if str(p.advertiser_id) == account
            )
            budgets, bids, pause = pick_changes(states, world)
            results = connector.update_budgets(budgets) + connector.update_bids(bids) + connector.update_status(pause)
            assert all(r.ok for r in results), [r.error for r in results if not r.ok]
            assert all(r.request_id for r in results)

            after = {s.campaign_id: s for s in connector.list_campaigns(account)}
            for change in budgets:
                assert after[change.campaign_id].budget == change.budget
                assert world.plans[int(change.campaign_id)].budget == change.budget
            for change in bids:
                assert after[change.campaign_id].bid == change.bid
            for change in pause:
                assert after[change.campaign_id].status == "paused"
            assert len(world.applied) == len(budgets) + len(bids) + len(pause)
            assert_applied_once(world)
            roi_calls = world.calls["/open_api/v1.0/qianchuan/roi/goal/update/"]
            assert roi_calls == 3  # the ROI-goal endpoint takes one plan per call
            assert world.calls["/open_api/v1.0/qianchuan/ad/budget/update/"] == 2  # 13 plans: 10 + 3


def test_a_rule_break_is_refused_before_sending_and_others_still_go(tmp_path):
    from connectors.base import BudgetChange
    from tests.qianchuan.helpers import fake_connector

    with fake_connector(tmp_path, FakeSettings(accounts=1, plans_per_account=20, uni_plans_per_account=0)) as (
        server,
        connector,
    ):
        account = connector.list_accounts()[0].account_id
        states = [s for s in connector.list_campaigns(account) if s.excluded_reason is None and s.budget]
        states = [s for s in states if server.world.plans[int(s.campaign_id)].status != "AUDIT"]
        good = BudgetChange(account_id=account, campaign_id=states[0].campaign_id, budget=states[0].budget + 300)
        too_small = BudgetChange(
            account_id=account, campaign_id=states[1].campaign_id, budget=states[1].budget + Decimal("50")
        )
        results = connector.update_budgets([good, too_small])
        assert results[0].ok and not results[1].ok and "min_step" in results[1].error
        assert [a for a, *_ in server.world.received] == [good.campaign_id]


def test_plans_under_review_come_back_as_per_item_failures(tmp_path):
    from connectors.base import BudgetChange
    from tests.qianchuan.helpers import fake_connector

    with fake_connector(tmp_path, FakeSettings(seed=3, accounts=1, plans_per_account=60, uni_plans_per_account=0)) as (
        server,
        connector,
    ):
        account = connector.list_accounts()[0].account_id
        states = {s.campaign_id: s for s in connector.list_campaigns(account)}
        audit = [p for p in server.world.plans.values() if p.status == "AUDIT" and not p.lab_ad]
        fine = [
            s
            for s in states.values()
            if s.excluded_reason is None and server.world.plans[int(s.campaign_id)].status != "AUDIT"
        ]
        assert audit, "the world should hold a plan under review"
        changes = [
            BudgetChange(account_id=account, campaign_id=str(audit[0].ad_id), budget=audit[0].budget + 200),
            BudgetChange(account_id=account, campaign_id=fine[0].campaign_id, budget=fine[0].budget + 200),
        ]
        results = connector.update_budgets(changes)
        assert not results[0].ok and "审核" in results[0].error and results[0].request_id
        assert results[1].ok and results[1].platform_value == str(fine[0].budget + 200)


def test_a_second_pull_rereads_the_look_back_window_and_picks_up_late_conversions(tmp_path, engine):
    """On SQLite and on a real PostgreSQL (the ``engine`` fixture)."""
    from tests.qianchuan.helpers import fake_connector

    with fake_connector(tmp_path, FakeSettings(seed=5, accounts=1, plans_per_account=15, uni_plans_per_account=1)) as (
        server,
        connector,
    ):
        world = server.world
        first = pull(connector, engine, today=world.today, initial_days=20)
        world.restate(days=3, factor=1.5)
        second = pull(connector, engine, today=world.today, lookback_days=7)
        end = world.today - dt.timedelta(days=1)
        assert second.accounts[0].start == end - dt.timedelta(days=6)
        assert second.accounts[0].updated > 0 and second.accounts[0].inserted == 0
        assert_store_matches_server(load_stats(engine), world, end - dt.timedelta(days=19), end)
        assert first.accounts[0].inserted > 0


def test_a_failed_report_call_writes_nothing_for_that_account(tmp_path):
    from tests.qianchuan.helpers import fake_connector

    fake = FakeSettings(
        seed=5, accounts=2, plans_per_account=10, uni_plans_per_account=0, fault_rate=1.0, fault_kinds=("50000",)
    )
    with fake_connector(tmp_path, fake.model_copy(update={"fault_rate": 0.0}), max_retries=1) as (server, connector):
        accounts = [a.account_id for a in connector.list_accounts()]
        server.world.settings = fake  # every business call fails from now on
        engine = open_store("sqlite://")
        summary = pull(connector, engine, accounts=accounts, today=server.world.today)
        assert len(summary.failed) == 2 and "50000" in summary.failed[0].error
        assert load_stats(engine).empty


def test_plan_details_carry_learning_and_cost_guarantee_status(tmp_path):
    from tests.qianchuan.helpers import fake_connector

    with fake_connector(tmp_path, FakeSettings(seed=17, accounts=1, plans_per_account=80, uni_plans_per_account=2)) as (
        server,
        connector,
    ):
        world = server.world
        account = connector.list_accounts()[0].account_id
        details = connector.plan_details(account)
        standard = [d for d in details if d.kind == "standard" and d.state.excluded_reason is None]
        assert {d.learning_status for d in standard} >= {"LEARNED", "LEARNING"}
        for d in standard:
            plan = world.plans[int(d.state.campaign_id)]
            young = (world.today - plan.created).days < 3
            assert (d.learning_status == "LEARNING") == young
            if young and plan.status == "DELIVERY_OK":
                assert d.state.status == "learning"
            if young and plan.smart_bid_type == "SMART_BID_CUSTOM":
                assert d.compensate_status == "IN_EFFECT"
        uni = [d for d in details if d.kind == "uni"]
        assert len(uni) == 2 and all(d.learning_status is None for d in uni)
        assert all(
            d.state.spend_today == world.stats.get((int(d.state.campaign_id), world.today), {}).get("spend", 0)
            for d in details
            if d.state.excluded_reason is None
        )
