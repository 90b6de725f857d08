"""Checks shared by the integration tests: the store holds exactly the server's data."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal

from connectors.base import BidChange, BudgetChange, CampaignState, StatusChange
from connectors.qianchuan.fake.world import FakeQianchuan


def assert_store_matches_server(frame, world: FakeQianchuan, start: dt.date, end: dt.date) -> None:
    """Every server row is stored with the same values; every other stored row is a zero day of a real plan."""
    stored = {(r.campaign_id, r.date.date()): r for r in frame.itertuples(index=False)}
    expected = {
        (str(ad), day): row
        for (ad, day), row in world.stats.items()
        if start <= day <= end and not world.plans[ad].lab_ad
    }
    assert expected, "the server has no rows in the window"
    missing = [k for k in expected if k not in stored]
    assert not missing, f"{len(missing)} server rows not stored, e.g. {missing[:3]}"
    for key, row in expected.items():
        got = stored[key]
        plan = world.plans[int(key[0])]
        assert Decimal(str(got.spend)).quantize(Decimal("0.01")) == row["spend"], key
        assert Decimal(str(got.gmv)).quantize(Decimal("0.01")) == row["gmv"], key
        assert got.orders == row["orders"], key
        if plan.kind == "standard":
            assert got.impressions == row["shows"] and got.clicks == row["clicks"], key
        assert got.campaign_name == plan.name
    for key, got in stored.items():
        if key in expected:
            continue
        plan = world.plans[int(key[0])]
        assert not plan.lab_ad and key[1] >= plan.created, key
        assert (got.spend, got.gmv, got.orders) == (0, 0, 0), key
    assert all(start <= day <= end for _, day in stored)


def pick_changes(states: list[CampaignState], world: FakeQianchuan):
    """Budget, bid, ROI-goal and status changes that respect the platform's rules."""
    ok = [s for s in states if s.excluded_reason is None and world.plans[int(s.campaign_id)].status not in ("AUDIT",)]
    standard = [s for s in ok if world.plans[int(s.campaign_id)].kind == "standard"]
    uni = [s for s in ok if world.plans[int(s.campaign_id)].kind == "uni"]
    budgets = [
        BudgetChange(account_id=s.account_id, campaign_id=s.campaign_id, budget=s.budget + 200)
        for s in standard[:13] + uni[:1]
    ]
    cpa = [s for s in standard if s.bid_type == "cpa"][:11]
    roi = [s for s in standard if s.bid_type == "roi"][:3] + [s for s in uni if s.bid_type == "roi"][1:3]
    bids = [BidChange(account_id=s.account_id, campaign_id=s.campaign_id, bid=s.bid + Decimal("1.00")) for s in cpa]
    bids += [BidChange(account_id=s.account_id, campaign_id=s.campaign_id, bid=s.bid + Decimal("0.25")) for s in roi]
    pause = [StatusChange(account_id=s.account_id, campaign_id=s.campaign_id, status="paused") for s in standard[20:22]]
    return budgets, bids, pause


def assert_applied_once(world: FakeQianchuan) -> None:
    """No write item reached the platform twice, and each was applied once."""
    received = Counter(world.received)
    assert received and max(received.values()) == 1, [k for k, v in received.items() if v > 1][:5]
    applied = Counter(world.applied)
    assert max(applied.values()) == 1
