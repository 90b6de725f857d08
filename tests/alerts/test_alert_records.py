"""Alerts are records: one problem alerts once, states move as a person acts (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt

import pytest

from connectors.errors import InputError
from optimizer.store import (
    Finding,
    acknowledge_alert,
    list_alerts,
    mark_notified,
    open_campaigns,
    record_findings,
    resolve_alert,
)

NOW = dt.datetime(2026, 3, 10, 1, 30, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)


def finding(campaign: str = "1800000000000000001", kind: str = "gmv_low", **evidence) -> Finding:
    return Finding(
        account_id="acc",
        campaign_id=campaign,
        campaign_name="直播间-羽绒服",
        kind=kind,
        evidence={"gmv": 1200.5, "band_low": 3000.0, **evidence},
        data_date=dt.date(2026, 3, 9),
    )


def record(engine, findings, now=NOW, checked=("acc",)):
    return record_findings(engine, findings, source="daily", now=now, cooldown=3 * DAY, run_id="r1", checked=checked)


def test_a_problem_seen_on_three_runs_alerts_once(engine):
    first = record(engine, [finding()])
    assert [a.kind for a in first] == ["gmv_low"] and first[0].state == "open"
    assert first[0].evidence["gmv"] == 1200.5 and first[0].campaign_name == "直播间-羽绒服"
    assert record(engine, [finding(gmv=1100.0)], now=NOW + DAY) == []
    assert record(engine, [finding(gmv=1000.0)], now=NOW + 2 * DAY) == []
    (alert,) = list_alerts(engine)
    assert alert.seen_count == 3 and alert.evidence["gmv"] == 1000.0
    assert alert.first_seen == NOW and alert.last_seen == NOW + 2 * DAY


def test_a_problem_that_goes_away_is_resolved_and_its_cooldown_holds_back_a_repeat(engine):
    record(engine, [finding()])
    record(engine, [], now=NOW + DAY)  # the check ran and did not fire
    (alert,) = list_alerts(engine)
    assert alert.state == "resolved" and alert.resolved_at == NOW + DAY
    assert record(engine, [finding()], now=NOW + 2 * DAY) == []  # within the 3-day cooldown: reopened, quiet
    assert list_alerts(engine, open_only=True)[0].state == "open"
    record(engine, [], now=NOW + 3 * DAY)
    again = record(engine, [finding()], now=NOW + 5 * DAY)  # after the cooldown: a new alert
    assert len(again) == 1 and len(list_alerts(engine)) == 2


def test_an_account_whose_checks_did_not_run_keeps_its_alerts_open(engine):
    record(engine, [finding()])
    record(engine, [], now=NOW + DAY, checked=())
    assert list_alerts(engine)[0].state == "open"


def test_open_alerts_force_review_until_acknowledged(engine):
    (a,) = record(engine, [finding()])
    record(engine, [finding(), finding("1800000000000000002", "zero_delivery")], now=NOW + DAY)
    assert open_campaigns(engine, "acc") == {
        "1800000000000000001": ["gmv_low"],
        "1800000000000000002": ["zero_delivery"],
    }
    acked = acknowledge_alert(engine, a.id, now=NOW + DAY)
    assert acked.state == "acknowledged" and acked.acknowledged_at == NOW + DAY
    assert open_campaigns(engine, "acc") == {"1800000000000000002": ["zero_delivery"]}
    both = [finding(), finding("1800000000000000002", "zero_delivery")]
    assert record(engine, both, now=NOW + 2 * DAY) == []  # acknowledged: seen again, still quiet
    assert list_alerts(engine, open_only=True)[-1].state == "acknowledged"
    resolve_alert(engine, a.id, now=NOW + 2 * DAY)
    assert [x.campaign_id for x in list_alerts(engine, open_only=True)] == ["1800000000000000002"]
    with pytest.raises(InputError, match="no alert with id 999"):
        acknowledge_alert(engine, 999)


def test_unnotified_alerts_wait_until_every_bot_took_them(engine):
    alerts = record(engine, [finding(), finding("1800000000000000002")])
    assert len(list_alerts(engine, unnotified=True)) == 2
    mark_notified(engine, [alerts[0].id], now=NOW)
    assert [a.id for a in list_alerts(engine, unnotified=True)] == [alerts[1].id]
