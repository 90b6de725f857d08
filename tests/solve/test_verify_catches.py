"""``verify`` must catch every kind of broken rule: tamper with a good allocation, one rule at a time."""

from __future__ import annotations

import math

import numpy as np
import pytest

from optimizer.decide.solve import solve
from optimizer.decide.verify import verify
from optimizer.settings import Settings
from tests.solve.cases import account

ROWS = [
    {"id": "a", "a": 110, "b": 0.5, "channel": "live"},
    {"id": "b", "a": 100, "b": 0.5, "channel": "video"},
    {"id": "cpa", "a": 4.0, "bid_type": "cpa", "bid": 60.0, "channel": "video"},
    {"id": "roi", "a": 3.0, "bid_type": "roi", "bid": 2.5, "channel": "live"},
    {"id": "held", "a": 3.0, "locked": True, "channel": "live"},
]
SETTINGS = Settings(
    budget={"total_daily": 5000},
    channel=[{"name": "live", "min_share": 0.3, "max_share": 0.7}],
    objective={"uncertainty_penalty": 0.0},
)


@pytest.fixture(scope="module")
def solved():
    model, states = account(ROWS)
    alloc = solve(model, states, SETTINGS)
    assert verify(alloc, states, SETTINGS) == []
    return alloc, states


def _tampered(alloc, changes):
    table = alloc.table.copy()
    for (cid, col), value in changes.items():
        table.loc[cid, col] = value
    return alloc.model_copy(update={"table": table})


@pytest.mark.parametrize(
    ("changes", "phrase"),
    [
        ({("a", "budget"): 1000.0 * 1.5}, "moves more than 30%"),
        ({("a", "budget"): 1050.0}, "smaller than 100"),
        ({("a", "budget"): 250.0}, "below the minimum"),
        ({("a", "budget"): 1000.555}, "more than 2 decimals"),
        ({("held", "budget"): 1200.0}, "locked or learning"),
        ({("cpa", "bid"): 60.0 * 1.2}, "moves more than 10%"),
        ({("b", "bid"): 5.0}, "no bid to change"),
        ({("roi", "bid"): 2.5 * 1.05 + 0.001}, "at most 2 decimals"),
        ({("a", "budget"): 1300.0, ("b", "budget"): 1300.0}, "above the total"),
        ({("a", "budget"): 0.0, ("roi", "budget"): 0.0, ("held", "budget"): 1000.0}, "below its min_share"),
        ({("a", "expected_gmv"): 1.0, ("b", "expected_gmv"): 1.0, ("cpa", "expected_gmv"): 1.0}, "below the floor"),
        ({("a", "budget"): math.nan}, "without a budget cap"),
        ({("a", "expected_spend"): math.nan}, "missing or negative"),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_verify_names_the_rule_a_tampered_allocation_breaks(solved, changes, phrase):
    alloc, states = solved
    problems = verify(_tampered(alloc, changes), states, SETTINGS)
    assert any(phrase in p for p in problems), problems


def test_verify_catches_a_cpa_bid_above_the_budget():
    model, states = account([{"id": "c", "a": 4.0, "bid_type": "cpa", "bid": 300.0, "budget": 320.0}])
    settings = Settings(budget={"min_campaign_budget": 300}, objective={"roi_floor": 0.0})
    alloc = solve(model, states, settings)
    table = alloc.table.copy()
    table.loc["c", ["budget", "bid"]] = [300.0, 310.0]
    states = states.assign(budget=400.0)
    problems = verify(alloc.model_copy(update={"table": table}), states, settings)
    assert any("above the budget" in p for p in problems), problems


def test_verify_catches_a_missing_campaign(solved):
    alloc, states = solved
    problems = verify(alloc.model_copy(update={"table": alloc.table.drop(index="b")}), states, SETTINGS)
    assert problems and "missing" in problems[0]


def test_verify_catches_a_budget_below_the_spend_floor():
    model, states = account([{"id": "x", "a": 3.0, "budget": 1000.0, "spend_today": 900.0}])
    alloc = solve(model, states, Settings(objective={"roi_floor": 0.0}))
    table = alloc.table.copy()
    table.loc["x", "budget"] = 850.0  # ceil100(1.05 x 900) = 1000
    problems = verify(alloc.model_copy(update={"table": table}), states, Settings(objective={"roi_floor": 0.0}))
    assert any("today's spend" in p for p in problems), problems
    assert np.isclose(alloc.table.loc["x", "budget"], 1000.0) or alloc.table.loc["x", "budget"] >= 1000.0
