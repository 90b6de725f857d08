"""Fixtures for the apply and audit tests: a simulated account and a connector that records its calls.

The platform is the real simulated one (``connectors.sim.SimulatedPlatform``),
which enforces Qianchuan's write rules. ``Recording`` wraps any connector: it
passes every call through and keeps a log of what reached the platform, and it
can break the way networks break (a dropped connection after part of a batch
went through, a batch refused as a whole), so the tests exercise our recovery
code, not a mock of it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

import pytest

from connectors.base import CampaignState, Change
from connectors.errors import PlatformRuleError, TransientError
from connectors.sim import SimulatedPlatform, scenario_from_dict

ACCOUNT = "1760000000000009"
EFFECTIVE = dt.date(2026, 3, 2)

# id -> (name, bid_type, budget, bid, status)
CAMPAIGNS = {
    "1790000000000000101": ("直播间-羽绒服-控成本", "cpa", 1000, 50, "active"),
    "1790000000000000102": ("短视频-保温杯-ROI", "roi", 2000, 3.0, "active"),
    "1790000000000000103": ("搜索-围巾-放量", "none", 800, None, "active"),
    "1790000000000000104": ("直播间-雪地靴-控成本", "cpa", 600, 500, "active"),
    "1790000000000000105": ("短视频-手套-已暂停", "none", 500, None, "paused"),
    "1790000000000000106": ("直播间-帽子-控成本", "cpa", 400, 380, "active"),
}
IDS = list(CAMPAIGNS)
LEARNING_ID = "1790000000000000107"
LAUNCHED = {LEARNING_ID: ("新计划-学习期-控成本", "cpa", 1000, 60, "active")}
"""Campaigns launched on the first simulated day: still in their learning phase."""


def make_platform() -> SimulatedPlatform:
    campaigns = [
        {
            "campaign_id": cid,
            "name": name,
            "channel": "qianchuan.live",
            "bid_type": bt,
            "budget": budget,
            **({"bid": bid} if bid is not None else {}),
            "status": status,
            "demand": 2000,
            "roi": 3.0,
        }
        for cid, (name, bt, budget, bid, status) in CAMPAIGNS.items()
    ] + [
        {
            "campaign_id": cid,
            "name": name,
            "channel": "qianchuan.live",
            "bid_type": bt,
            "budget": budget,
            "bid": bid,
            "status": status,
            "demand": 2000,
            "roi": 3.0,
            "start_day": 0,
        }
        for cid, (name, bt, budget, bid, status) in LAUNCHED.items()
    ]
    scenario = scenario_from_dict(
        {
            "name": "apply-test",
            "account_id": ACCOUNT,
            "start_date": EFFECTIVE,
            "history_days": 2,
            "history_budget_jitter": 0.0,
            "campaign": campaigns,
        }
    )
    return SimulatedPlatform(scenario, seed=3)


class Recording:
    """A connector wrapper that logs what reached the platform and can fail on cue.

    ``drop_after``: in the next update call, pass this many changes through,
    then raise ``TransientError`` (a connection dropped mid-batch; the platform
    kept what it got). ``refuse_batches_with``: a campaign id whose presence in a
    multi-item call makes the whole call raise ``PlatformRuleError`` before
    anything is sent (a client-side pre-check), as the Qianchuan connector does.
    """

    name = "recording"

    def __init__(self, inner) -> None:
        self.inner = inner
        self.sent: list[Change] = []
        self.calls: list[tuple[str, list[Change]]] = []
        self.states_after_call: list[dict[str, CampaignState]] = []
        self.drop_after: int | None = None
        self.crash_with: BaseException | None = None
        self.refuse_batches_with: str | None = None

    def list_accounts(self):
        return self.inner.list_accounts()

    def list_campaigns(self, account_id):
        return self.inner.list_campaigns(account_id)

    def daily_stats(self, account_id, start, end):
        return self.inner.daily_stats(account_id, start, end)

    def _write(self, method: str, changes: Sequence[Change]):
        changes = list(changes)
        self.calls.append((method, changes))
        if self.refuse_batches_with and any(c.campaign_id == self.refuse_batches_with for c in changes):
            raise PlatformRuleError(
                "test_rule", "refused by the client-side check", campaign_id=self.refuse_batches_with
            )
        if self.drop_after is not None:
            keep, self.drop_after = self.drop_after, None
            if keep:
                self.sent.extend(changes[:keep])
                getattr(self.inner, method)(changes[:keep])
            raise TransientError("connection reset by peer after the request was sent", endpoint=method)
        if self.crash_with is not None:
            exc, self.crash_with = self.crash_with, None
            raise exc
        self.sent.extend(changes)
        results = getattr(self.inner, method)(changes)
        self.states_after_call.append({s.campaign_id: s for s in self.inner.list_campaigns(ACCOUNT)})
        return results

    def update_budgets(self, changes):
        return self._write("update_budgets", changes)

    def update_bids(self, changes):
        return self._write("update_bids", changes)

    def update_status(self, changes):
        return self._write("update_status", changes)


def row(
    campaign_id: str,
    *,
    action: str = "increase",
    budget=None,
    bid=None,
    decision: str = "auto",
    approved: str = "",
    reason: str = "marginal ROI above the account threshold",
    **over,
) -> dict:
    """A recommendation row (contract columns) for one of ``CAMPAIGNS`` as it stands at the start."""
    name, bid_type, cur_budget, cur_bid, _ = {**CAMPAIGNS, **LAUNCHED}[campaign_id]
    out = {
        "run_id": "run-1",
        "effective_date": EFFECTIVE.isoformat(),
        "account_id": ACCOUNT,
        "campaign_id": campaign_id,
        "campaign_name": name,
        "channel": "qianchuan.live",
        "bid_type": bid_type,
        "current_budget": float(cur_budget),
        "recommended_budget": float(cur_budget if budget is None else budget),
        "current_bid": None if cur_bid is None else float(cur_bid),
        "recommended_bid": None if cur_bid is None else float(cur_bid if bid is None else bid),
        "action": action,
        "expected_spend": 900.0,
        "expected_gmv": 2700.0,
        "expected_roi": 3.0,
        "marginal_roi": 2.1,
        "decision": decision,
        "reason": reason,
        "approved": approved,
    }
    out.update(over)
    return out


def frame(*rows: dict):
    import pandas as pd

    return pd.DataFrame(list(rows))


@pytest.fixture
def platform() -> SimulatedPlatform:
    return make_platform()


@pytest.fixture
def connector(platform) -> Recording:
    return Recording(platform)


def state(connector, campaign_id: str) -> CampaignState:
    return {s.campaign_id: s for s in connector.list_campaigns(ACCOUNT)}[campaign_id]


def money(x) -> Decimal:
    return Decimal(str(x)).quantize(Decimal("0.01"))
