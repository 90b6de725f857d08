"""One contract, every connector: the simulated platform and the Qianchuan
connector on the fake server over real HTTP answer the same calls the same way.

What the pipeline relies on:

- accounts and campaigns come back as frozen records with string ids;
- daily stats stay inside the asked range, one row per campaign and day, money
  with at most 2 decimals;
- a budget / bid / status write answers one ``WriteResult`` per change, with
  the platform's value, and a later listing shows it;
- a change that breaks a delivery rule gets ``ok=False`` naming the rule while
  the valid ones are applied; ``strict=True`` raises it and applies nothing.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from connectors.base import (
    AccountInfo,
    BidChange,
    BudgetChange,
    CampaignState,
    Connector,
    DailyStat,
    StatusChange,
)
from connectors.errors import PlatformRuleError


@pytest.fixture(params=["sim", "qianchuan-fake"])
def platform(request, tmp_path):
    """(connector, today) for each implementation."""
    if request.param == "sim":
        from connectors.sim import SimulatedPlatform

        connector = SimulatedPlatform.from_scenario("demo", seed=3)
        yield connector, connector.today
        return
    from connectors.qianchuan.fake.world import FakeSettings
    from tests.qianchuan.helpers import fake_connector

    with fake_connector(tmp_path, FakeSettings(seed=41, accounts=1, plans_per_account=40, uni_plans_per_account=2)) as (
        server,
        connector,
    ):
        yield connector, server.world.today


def _account(connector) -> str:
    return connector.list_accounts()[0].account_id


def _writable(connector, account: str, *, bid_types=("cpa", "roi", "none")) -> list[CampaignState]:
    return [
        s
        for s in connector.list_campaigns(account)
        if s.status in ("active", "learning")
        and s.excluded_reason is None
        and s.budget is not None
        and s.bid_type in bid_types
    ]


def test_it_is_a_connector_with_accounts_and_campaigns(platform):
    connector, _ = platform
    assert isinstance(connector, Connector)
    accounts = connector.list_accounts()
    assert accounts and all(isinstance(a, AccountInfo) and a.account_id.isdigit() for a in accounts)
    campaigns = connector.list_campaigns(accounts[0].account_id)
    assert campaigns and all(isinstance(c, CampaignState) for c in campaigns)
    ids = [c.campaign_id for c in campaigns]
    assert len(ids) == len(set(ids)) and all(isinstance(i, str) and i.isdigit() for i in ids)
    assert {c.account_id for c in campaigns} == {accounts[0].account_id}


def test_daily_stats_stay_in_range_one_row_per_campaign_and_day(platform):
    connector, today = platform
    account = _account(connector)
    start, end = today - dt.timedelta(days=14), today - dt.timedelta(days=1)
    rows = list(connector.daily_stats(account, start, end))
    assert rows and all(isinstance(r, DailyStat) for r in rows)
    assert all(start <= r.date <= end and r.account_id == account for r in rows)
    keys = [(r.campaign_id, r.date) for r in rows]
    assert len(keys) == len(set(keys))
    for r in rows:
        for value in (r.spend, r.gmv):
            assert value == value.quantize(Decimal("0.01")) and value >= 0
    assert sum(r.spend for r in rows) > 0


def test_a_budget_change_is_applied_and_listed(platform):
    connector, _ = platform
    account = _account(connector)
    target = _writable(connector, account)[0]
    new = target.budget + 300
    (result,) = connector.update_budgets([BudgetChange(account_id=account, campaign_id=target.campaign_id, budget=new)])
    assert result.ok and result.error is None and result.platform_value == f"{new:.2f}"
    listed = {c.campaign_id: c for c in connector.list_campaigns(account)}
    assert listed[target.campaign_id].budget == new


def test_a_batch_longer_than_one_call_is_applied_whole(platform):
    connector, _ = platform
    account = _account(connector)
    targets = _writable(connector, account)[:12]
    changes = [BudgetChange(account_id=account, campaign_id=t.campaign_id, budget=t.budget + 200) for t in targets]
    results = connector.update_budgets(changes)
    assert [r.change for r in results] == changes and all(r.ok for r in results)
    listed = {c.campaign_id: c for c in connector.list_campaigns(account)}
    assert all(listed[c.campaign_id].budget == c.budget for c in changes)


def test_a_rule_break_fails_alone_and_strict_applies_nothing(platform):
    connector, _ = platform
    account = _account(connector)
    good, bad = _writable(connector, account)[:2]
    changes = [
        BudgetChange(account_id=account, campaign_id=good.campaign_id, budget=good.budget + 500),
        BudgetChange(account_id=account, campaign_id=bad.campaign_id, budget=Decimal("100.00")),
    ]
    with pytest.raises(PlatformRuleError) as info:
        connector.update_budgets(changes, strict=True)
    assert info.value.rule == "budget_range"
    listed = {c.campaign_id: c for c in connector.list_campaigns(account)}
    assert listed[good.campaign_id].budget == good.budget  # strict: nothing applied

    results = connector.update_budgets(changes)
    assert results[0].ok and not results[1].ok and "budget_range" in results[1].error
    listed = {c.campaign_id: c for c in connector.list_campaigns(account)}
    assert listed[good.campaign_id].budget == good.budget + 500 and listed[bad.campaign_id].budget == bad.budget


@pytest.mark.parametrize("bid_type", ["cpa", "roi"])
def test_a_bid_change_is_applied_and_listed(platform, bid_type):
    connector, _ = platform
    account = _account(connector)
    candidates = _writable(connector, account, bid_types=(bid_type,))
    if not candidates:
        pytest.fail(f"the {bid_type} fixture world has no writable {bid_type} campaign")
    target = candidates[0]
    new = target.bid + (Decimal("1.00") if bid_type == "cpa" else Decimal("0.20"))
    (result,) = connector.update_bids([BidChange(account_id=account, campaign_id=target.campaign_id, bid=new)])
    assert result.ok and result.platform_value == f"{new:.2f}"
    listed = {c.campaign_id: c for c in connector.list_campaigns(account)}
    assert listed[target.campaign_id].bid == new


def test_pause_then_resume(platform):
    connector, _ = platform
    account = _account(connector)
    target = _writable(connector, account)[0]
    (paused,) = connector.update_status(
        [StatusChange(account_id=account, campaign_id=target.campaign_id, status="paused")]
    )
    assert paused.ok and paused.platform_value == "paused"
    assert {c.campaign_id: c for c in connector.list_campaigns(account)}[target.campaign_id].status == "paused"
    (resumed,) = connector.update_status(
        [StatusChange(account_id=account, campaign_id=target.campaign_id, status="active")]
    )
    assert resumed.ok and resumed.platform_value == "active"
    assert {c.campaign_id: c for c in connector.list_campaigns(account)}[target.campaign_id].status in (
        "active",
        "learning",
    )
