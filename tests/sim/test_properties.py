"""Properties over random inputs: the platform never lets a rule slip; the oracle's search is near-exact."""

from __future__ import annotations

import itertools
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connectors.base import BudgetChange
from connectors.sim import SimulatedPlatform, scenario_from_dict
from optimizer.simulate.policies.oracle import _solve, dual_bound
from tests.sim.conftest import ACCOUNT, CPA, small_scenario_dict

_PLATFORM = SimulatedPlatform(scenario_from_dict(small_scenario_dict()), seed=1)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.lists(st.integers(0, 1_200_000).map(lambda c: Decimal(c) / 100), max_size=25), min_size=1, max_size=3)
)
def test_accepted_budgets_always_keep_the_platform_rules(days):
    platform = SimulatedPlatform.load_state(_PLATFORM.dump_state())
    for values in days:
        current = platform.list_campaigns(ACCOUNT)[0].budget
        accepted = 0
        for value in values:
            [result] = platform.update_budgets([BudgetChange(account_id=ACCOUNT, campaign_id=CPA, budget=value)])
            if result.ok:
                assert Decimal(300) <= value <= Decimal("9999999.99")
                assert abs(value - current) >= 100
                current = value
                accepted += 1
            assert platform.list_campaigns(ACCOUNT)[0].budget == current
        assert accepted <= 20
        platform.advance_day()


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(15, 60), st.floats(0.7, 1.2))
def test_on_oracle_grids_the_relaxation_search_is_within_half_a_percent_of_the_bound(seed, n, tightness):
    """Concave curves on the oracle's grid (25 budgets within +-30 % of today's): the
    Lagrangian search lands within 0.5 % of the dual upper bound (the true optimum is in between)."""
    rng = np.random.default_rng(seed)
    current = rng.uniform(300, 5000, n)
    b = np.concatenate([current[:, None], current[:, None] * np.linspace(0.7, 1.3, 25)[None, :]], axis=1)
    spend = np.minimum(b, rng.uniform(300, 8000, (n, 1)))
    g = rng.uniform(5, 60, (n, 1)) * spend ** rng.uniform(0.4, 0.95, (n, 1))
    valid = np.ones(b.shape, bool)
    cap = float(tightness * current.sum())
    rows = np.arange(n)
    got = _solve(g, spend, b, valid, cap, 0.0, [], exact_limit=0)
    assert b[rows, got].sum() <= cap + 1e-6
    assert g[rows, got].sum() >= (1 - 0.005) * dual_bound(g, b, valid, cap)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(2, 4), st.floats(0.5, 1.1))
def test_exhaustive_search_is_exact_on_small_accounts(seed, n, tightness):
    rng = np.random.default_rng(seed)
    k = 6
    b = rng.uniform(300, 3000, (n, k))
    spend = np.minimum(b, rng.uniform(500, 4000, (n, 1)))
    g = rng.uniform(5, 60, (n, 1)) * spend ** rng.uniform(0.4, 0.9, (n, 1))
    valid = np.ones((n, k), bool)
    cap = float(tightness * b[:, 0].sum())
    got = _solve(g, spend, b, valid, cap, 0.0, [])
    rows = np.arange(n)
    best = max(
        (g[rows, list(c)].sum() for c in itertools.product(range(k), repeat=n) if b[rows, list(c)].sum() <= cap + 1e-6),
        default=None,
    )
    if best is None:
        return
    assert g[rows, got].sum() == pytest.approx(best)
