"""Plans map onto CampaignState as ad-ops people read them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from connectors.qianchuan.connector import campaign_state
from connectors.qianchuan.reads import Plan, date_spans, money


def plan(**kw) -> Plan:
    base = dict(
        advertiser_id="1",
        ad_id="7300000000070000001",
        name="直播带货·计划",
        kind="standard",
        marketing_goal="LIVE_PROM_GOODS",
        marketing_scene="FEED",
        status="DELIVERY_OK",
        opt_status="ENABLE",
        budget_mode="BUDGET_MODE_DAY",
        budget=Decimal("500.00"),
        smart_bid_type="SMART_BID_CUSTOM",
        deep_external_action="",
        cpa_bid=None,
        roi_goal=None,
        lab_ad_type="NOT_LAB_AD",
        create_date=dt.date(2026, 1, 1),
    )
    base.update(kw)
    return Plan(**base)


@pytest.mark.parametrize(
    ("kw", "bid_type", "bid"),
    [
        ({"cpa_bid": Decimal("35.50")}, "cpa", Decimal("35.50")),
        ({"roi_goal": Decimal("2.30"), "deep_external_action": "AD_CONVERT_TYPE_LIVE_PAY_ROI"}, "roi", Decimal("2.30")),
        ({"smart_bid_type": "SMART_BID_CONSERVATIVE", "cpa_bid": Decimal("30")}, "none", None),
        ({}, "none", None),
    ],
)
def test_bid_type_follows_the_delivery_setting(kw, bid_type, bid):
    state = campaign_state(plan(**kw))
    assert (state.bid_type, state.bid) == (bid_type, bid)


@pytest.mark.parametrize(
    ("kw", "channel"),
    [
        ({}, "qianchuan.live"),
        ({"marketing_goal": "VIDEO_PROM_GOODS"}, "qianchuan.video"),
        ({"marketing_scene": "SEARCH"}, "qianchuan.search"),
        ({"kind": "uni"}, "qianchuan.uni_live"),
        ({"kind": "uni", "marketing_goal": "VIDEO_PROM_GOODS"}, "qianchuan.uni_video"),
    ],
)
def test_channel_follows_goal_scene_and_kind(kw, channel):
    assert campaign_state(plan(**kw)).channel == channel


@pytest.mark.parametrize(
    ("status", "learning", "expected"),
    [
        ("DELIVERY_OK", None, "active"),
        ("DELIVERY_OK", "LEARNING", "learning"),
        ("OFFLINE_BUDGET", None, "active"),
        ("DISABLE", None, "paused"),
        ("DISABLE", "LEARNING", "paused"),
        ("AUDIT", None, "paused"),
    ],
)
def test_status_maps_delivery_and_learning(status, learning, expected):
    assert campaign_state(plan(status=status), learning=learning).status == expected


def test_auto_managed_and_total_budget_plans_are_excluded_with_a_reason():
    assert "托管" in campaign_state(plan(lab_ad_type="LAB_AD")).excluded_reason
    assert "lifetime" in campaign_state(plan(budget_mode="BUDGET_MODE_TOTAL")).excluded_reason
    assert campaign_state(plan()).excluded_reason is None


def test_uni_money_in_milli_fen_becomes_cny():
    assert money(12345678, divisor=Decimal(100000)) == Decimal("123.46")
    assert money("1234.5") == Decimal("1234.50")
    assert money(None) == Decimal("0.00")


def test_date_ranges_are_cut_into_report_spans():
    spans = date_spans(dt.date(2026, 1, 1), dt.date(2026, 3, 1), 30)
    assert spans[0] == (dt.date(2026, 1, 1), dt.date(2026, 1, 30))
    assert spans[-1][1] == dt.date(2026, 3, 1)
    assert all((b - a).days < 30 for a, b in spans)
    assert sum((b - a).days + 1 for a, b in spans) == 60


def test_an_unreadable_report_row_is_skipped_and_never_becomes_a_zero_day(tmp_path, caplog):
    import json

    import httpx

    from connectors.qianchuan.connector import QianchuanConnector
    from tests.qianchuan.test_transport import NOW, SETTINGS, envelope, tokens

    d1, d2 = dt.date(2026, 11, 20), dt.date(2026, 11, 21)
    plan_a, plan_b = 7300000000000000001, 7300000000000000002

    def plan_json(ad_id):
        return {
            "ad_id": ad_id,
            "name": "直播带货",
            "marketing_goal": "LIVE_PROM_GOODS",
            "marketing_scene": "FEED",
            "status": "DELIVERY_OK",
            "opt_status": "ENABLE",
            "lab_ad_type": "NOT_LAB_AD",
            "ad_create_time": "2026-01-01 10:00:00",
            "delivery_setting": {
                "smart_bid_type": "SMART_BID_CUSTOM",
                "budget_mode": "BUDGET_MODE_DAY",
                "budget": 500,
                "cpa_bid": 30,
            },
        }

    def handler(request):
        path = request.url.path
        page = {"page": 1, "page_size": 100, "total_page": 1}
        if path == "/open_api/v1.0/qianchuan/ad/get/":
            goal = json.loads(request.url.params["filtering"])["marketing_goal"]
            rows = [plan_json(plan_a), plan_json(plan_b)] if goal == "LIVE_PROM_GOODS" else []
            return envelope(data={"list": rows, "page_info": page})
        if path.endswith("/uni_promotion/list/"):
            return envelope(data={"ad_list": [], "page_info": page})
        if path.endswith("/report/ad/get/"):
            rows = [
                {
                    "ad_id": plan_a,
                    "stat_datetime": f"{d1} 00:00:00",
                    "stat_cost": 100.5,
                    "pay_order_amount": 300,
                    "pay_order_count": 2,
                },
                {
                    "ad_id": plan_b,
                    "stat_datetime": f"{d1} 00:00:00",
                    "stat_cost": "n/a",
                    "pay_order_amount": 1,
                    "pay_order_count": 1,
                },
                {
                    "ad_id": plan_b,
                    "stat_datetime": f"{d2} 00:00:00",
                    "stat_cost": 50,
                    "pay_order_amount": 80,
                    "pay_order_count": 1,
                },
            ]
            return envelope(data={"list": rows, "page_info": page}, request_id="rid-report")
        return envelope(data={"list": [], "page_info": page})

    settings = SETTINGS.model_copy(update={"read_status_details": False})
    with QianchuanConnector(
        settings, tokens(tmp_path), transport=httpx.MockTransport(handler), clock=lambda: NOW
    ) as connector:
        rows = {(r.campaign_id, r.date): r for r in connector.daily_stats("1730000000000001", d1, d2)}
    assert set(rows) == {(str(plan_a), d1), (str(plan_a), d2), (str(plan_b), d2)}
    assert rows[(str(plan_a), d1)].spend == Decimal("100.50") and rows[(str(plan_a), d2)].spend == Decimal("0.00")
    assert "rid-report" in caplog.text and "n/a" in caplog.text
