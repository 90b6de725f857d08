"""The digital twin recovers a simulated account's curves from its history, with either fit."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from connectors.errors import InputError
from connectors.sim import SimulatedPlatform
from optimizer.simulate.loop import run_simulation
from optimizer.simulate.twin import twin_from_store, twin_scenario
from optimizer.store import open_store
from optimizer.store.stats import save_stats


@pytest.fixture(scope="module")
def account():
    platform = SimulatedPlatform.from_scenario("demo", seed=4)
    acct = platform.scenario.account_id
    stats = pd.DataFrame([s.model_dump() for s in platform.daily_stats(acct, dt.date(2020, 1, 1), platform.today)])
    for col in ("spend", "gmv", "budget", "bid"):
        stats[col] = pd.to_numeric(stats[col]).astype(float)
    stats["date"] = pd.to_datetime(stats["date"])
    return platform, stats


@pytest.mark.parametrize("fit", ["simple", "response"])
def test_the_twin_recovers_each_campaigns_scale_and_roi(account, fit):
    platform, stats = account
    twin = twin_scenario(stats, platform.scenario.account_id, fit=fit)
    truth = {c.campaign_id: c for c in platform.scenario.campaigns}
    assert twin.start_date == platform.today
    assert {c.campaign_id for c in twin.campaigns} == {c for c in truth if truth[c].start_day <= 0}
    for c in twin.campaigns:
        t = truth[c.campaign_id]
        assert c.name == t.name and c.channel == t.channel and c.bid_type == t.bid_type
        assert t.demand / 2.5 <= c.demand <= t.demand * 1.5, c.name
        assert t.roi / 1.6 <= c.roi <= t.roi * 1.6, c.name
    assert np.mean(twin.weekday) == pytest.approx(1.0, abs=1e-3)


def test_the_twin_runs_in_the_simulation(account):
    platform, stats = account
    twin = twin_scenario(stats, platform.scenario.account_id, fit="simple")
    result = run_simulation(twin, days=4, seed=1, progress=False)
    summary = result.summary.set_index("policy")
    assert summary.loc["oracle", "gmv"] >= summary["gmv"].max()
    spend_then = (
        stats[stats["date"] >= stats["date"].max() - pd.Timedelta(days=13)].groupby("date")["spend"].sum().mean()
    )
    spend_now = result.days[result.days.policy == "hold"]["spend"].mean()
    assert spend_now == pytest.approx(spend_then, rel=0.25), "the twin spends like the account did"


def test_the_twin_reads_the_account_from_the_store(account, tmp_path):
    platform, stats = account
    url = f"sqlite:///{tmp_path / 'store.db'}"
    engine = open_store(url)
    save_stats(engine, stats, source="sim", seen_on=platform.today, platform="sim")
    engine.dispose()
    twin = twin_from_store(url, platform.scenario.account_id, fit="simple")
    assert len(twin.campaigns) == 11
    with pytest.raises(InputError, match="no daily stats"):
        twin_from_store(url, "someone-else", fit="simple")
