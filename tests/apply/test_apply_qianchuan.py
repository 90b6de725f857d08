"""Audited apply through the Qianchuan connector, over real HTTP to the fake Open API.

The fake platform acts on writes and then (sometimes) answers 50000, the
ambiguous failure: the connector's own read-back retries and our audit log
together must still apply every change exactly once.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal

import pytest

from connectors.errors import PlatformRuleError
from connectors.qianchuan.fake.world import FakeSettings
from connectors.rules import check_budget_update
from optimizer.act import audit
from optimizer.act.apply import apply_changes
from tests.qianchuan.helpers import fake_connector

TODAY = dt.date(2026, 11, 24)


def _rows(connector, account_id: str, n: int):
    import pandas as pd

    rows = []
    for s in connector.list_campaigns(account_id):
        if s.excluded_reason or s.status == "paused" or s.budget is None or s.bid_type == "roi":
            continue
        new = s.budget + Decimal(200)
        try:
            check_budget_update(
                s.campaign_id,
                s.budget,
                new,
                spend_today=s.spend_today,
                changes_today=s.budget_changes_today,
                bid=s.bid,
                bid_type=s.bid_type,
            )
        except PlatformRuleError:
            continue
        rows.append(
            {
                "account_id": account_id,
                "campaign_id": s.campaign_id,
                "campaign_name": s.name,
                "bid_type": s.bid_type,
                "current_budget": s.budget,
                "recommended_budget": new,
                "current_bid": s.bid,
                "recommended_bid": s.bid,
                "action": "increase",
                "decision": "auto",
                "reason": "预算 +200",
                "approved": None,
            }
        )
        if len(rows) == n:
            break
    assert len(rows) == n
    return pd.DataFrame(rows)


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("fault_after_apply_rate", [0.0, 0.5])
def test_apply_through_qianchuan_is_exactly_once_even_when_writes_answer_50000(
    engine, tmp_path, fault_after_apply_rate
):
    fake = FakeSettings(
        accounts=1,
        plans_per_account=40,
        uni_plans_per_account=0,
        lab_ad_share=0.0,
        history_days=3,
        today=TODAY,
        fault_after_apply_rate=fault_after_apply_rate,
        seed=11,
    )
    with fake_connector(tmp_path, fake) as (server, connector):
        account_id = connector.list_accounts()[0].account_id
        rows = _rows(connector, account_id, 12)  # more than one 10-item batch
        first = apply_changes(engine, connector, rows, run_id="run-1", effective_date=TODAY)
        second = apply_changes(engine, connector, rows, run_id="run-2", effective_date=TODAY)

        writes = Counter((ad_id, field) for ad_id, field, _ in server.world.applied)
        wanted = {cid: Decimal(str(b)) for cid, b in zip(rows["campaign_id"], rows["recommended_budget"], strict=True)}
        states = {s.campaign_id: s for s in connector.list_campaigns(account_id)}

    assert first.count("confirmed") + first.count("pending") == 12
    assert second.count("already_applied") + second.count("confirmed") == 12
    assert {k: v for k, v in writes.items() if v != 1} == {}, "a change reached the platform twice"
    assert set(writes) == {(cid, "budget") for cid in wanted}
    assert all(states[cid].budget == value for cid, value in wanted.items())
    assert {r.state for r in audit.read_log(engine)} == {"confirmed"}
    assert all(r.request_id for r in audit.read_log(engine, run_id="run-1"))


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
def test_a_dry_run_through_qianchuan_sends_no_write_request(engine, tmp_path):
    import sqlalchemy as sa

    fake = FakeSettings(
        accounts=1, plans_per_account=15, uni_plans_per_account=0, lab_ad_share=0.0, history_days=3, today=TODAY, seed=5
    )
    with fake_connector(tmp_path, fake) as (server, connector):
        account_id = connector.list_accounts()[0].account_id
        rows = _rows(connector, account_id, 5)
        report = apply_changes(engine, connector, rows, run_id="dry", effective_date=TODAY, dry_run=True)
        write_calls = {path: n for path, n in server.world.calls.items() if "update" in path}

    assert report.count("planned") == 5
    assert server.world.applied == [] and write_calls == {}
    with engine.connect() as conn:
        assert conn.execute(sa.text("select count(*) from change_log")).scalar() == 0


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
def test_a_pause_goes_through_qianchuan_once_and_reads_back_paused(engine, tmp_path):
    fake = FakeSettings(
        accounts=1, plans_per_account=15, uni_plans_per_account=0, lab_ad_share=0.0, history_days=3, today=TODAY, seed=8
    )
    with fake_connector(tmp_path, fake) as (server, connector):
        account_id = connector.list_accounts()[0].account_id
        rows = _rows(connector, account_id, 1).assign(
            action="pause", recommended_budget=0, reason="ROI 连续 7 天低于 1"
        )
        cid = rows["campaign_id"].iloc[0]
        first = apply_changes(engine, connector, rows, run_id="run-1", effective_date=TODAY)
        second = apply_changes(engine, connector, rows, run_id="run-2", effective_date=TODAY)
        live = {s.campaign_id: s for s in connector.list_campaigns(account_id)}[cid]
        status_writes = [a for a in server.world.applied if a[1] == "status"]

    assert [i.outcome for i in first.items] == ["confirmed"] and [i.outcome for i in second.items] == [
        "already_applied"
    ]
    assert status_writes == [(cid, "status", "DISABLE")]
    assert live.status == "paused"
