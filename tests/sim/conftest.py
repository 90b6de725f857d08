"""A small hand-made scenario for the simulated platform's tests."""

from __future__ import annotations

import pytest

from connectors.sim import SimulatedPlatform, scenario_from_dict

ACCOUNT = "1760000000000099"
CPA, ROI, MAX, LAUNCH = "1790000000000009001", "1790000000000009002", "1790000000000009003", "1790000000000009004"


def small_scenario_dict() -> dict:
    return {
        "name": "small",
        "account_id": ACCOUNT,
        "start_date": "2026-03-02",
        "history_days": 10,
        "history_budget_jitter": 0.0,
        "learning": {"days": 3, "factor": 0.7, "bid_change_threshold": 0.2},
        "settings": {"budget": {"total_daily": 6000}},
        "campaign": [
            {
                "campaign_id": CPA,
                "name": "直播间-羽绒服",
                "channel": "qianchuan.live",
                "bid_type": "cpa",
                "budget": 2000,
                "bid": 50,
                "demand": 3000,
                "roi": 3.0,
            },
            {
                "campaign_id": ROI,
                "name": "短视频-面霜",
                "channel": "qianchuan.video",
                "bid_type": "roi",
                "budget": 1500,
                "bid": 2.5,
                "demand": 2000,
                "roi": 2.6,
            },
            {
                "campaign_id": MAX,
                "name": "搜索-品牌词",
                "channel": "qianchuan.search",
                "bid_type": "none",
                "budget": 1000,
                "demand": 1500,
                "roi": 4.0,
            },
            {
                "campaign_id": LAUNCH,
                "name": "新品-大米",
                "channel": "qianchuan.live",
                "bid_type": "cpa",
                "budget": 800,
                "bid": 20,
                "demand": 1200,
                "roi": 3.5,
                "start_day": 2,
            },
        ],
    }


@pytest.fixture
def platform() -> SimulatedPlatform:
    return SimulatedPlatform(scenario_from_dict(small_scenario_dict()), seed=11)
