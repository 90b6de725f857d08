"""Injected anomalies (``[[anomaly]]``) change exactly the campaign, day and quantity they name."""

from __future__ import annotations

import pytest

from connectors.errors import InputError
from connectors.sim import SimulatedPlatform
from connectors.sim.anomaly import AnomalySpec
from connectors.sim.scenario import load_scenario, scenario_from_dict


def platforms(*anomalies: AnomalySpec) -> tuple[SimulatedPlatform, SimulatedPlatform]:
    base = load_scenario("demo")
    return (
        SimulatedPlatform.from_scenario(base, seed=3),
        SimulatedPlatform.from_scenario(base.model_copy(update={"anomaly": anomalies}), seed=3),
    )


def day(p: SimulatedPlatform) -> dict:
    p.advance_day()
    return p.final_outcome(p.params.day_of(p.day_index - 1))


def test_conversion_halves_on_its_days_only():
    cid = load_scenario("demo").campaigns[0].campaign_id
    plain, broken = platforms(AnomalySpec(kind="conversion", campaign_id=cid, start_day=1))
    a0, b0 = day(plain), day(broken)
    assert (a0["gmv"] == b0["gmv"]).all()
    a1, b1 = day(plain), day(broken)
    assert b1["gmv"][0] == pytest.approx(a1["gmv"][0] * 0.5, abs=0.01)
    assert (a1["spend"] == b1["spend"]).all() and (a1["gmv"][1:] == b1["gmv"][1:]).all()


def test_a_stopped_campaign_spends_nothing_and_its_row_disappears():
    cid = load_scenario("demo").campaigns[1].campaign_id
    plain, broken = platforms(AnomalySpec(kind="stop", campaign_id=cid, start_day=0, days=2))
    assert day(broken)["spend"][1] == 0 and day(plain)["spend"][1] > 0
    rows = list(broken.daily_stats(broken.scenario.account_id, broken.params.day_of(0), broken.params.day_of(0)))
    assert cid not in {r.campaign_id for r in rows}
    assert broken.list_campaigns(broken.scenario.account_id)[1].status == "active"  # the platform still lists it


def test_pacing_triples_from_its_onset_until_the_budget_runs_out():
    cid = load_scenario("demo").campaigns[2].campaign_id
    plain, broken = platforms(AnomalySpec(kind="pacing", campaign_id=cid, start_day=0, at=0.25))
    for f in (0.2, 0.25, 0.35):
        plain.elapse(f)
        broken.elapse(f)
    acc = plain.scenario.account_id
    normal = float(plain.list_campaigns(acc)[2].spend_today)
    fast = float(broken.list_campaigns(acc)[2].spend_today)
    budget = float(broken.list_campaigns(acc)[2].budget)
    assert fast == pytest.approx(min(budget, normal / 0.35 * (0.25 + 3 * 0.10)), rel=0.01)
    assert float(broken.list_campaigns(acc)[0].spend_today) == float(plain.list_campaigns(acc)[0].spend_today)


def test_an_anomaly_on_an_unknown_campaign_is_refused():
    data = {"name": "x", "campaign": [{"campaign_id": "1", "budget": 500, "demand": 400, "roi": 2}]}
    with pytest.raises(InputError, match="does not have"):
        scenario_from_dict({**data, "anomaly": [{"kind": "stop", "campaign_id": "2", "start_day": 0}]})
