"""The ``spendopt`` policy runs the real optimizer inside ``spendopt simulate``."""

from __future__ import annotations

from optimizer.simulate.loop import run_simulation
from optimizer.simulate.policies import policy_names


def test_spendopt_policy_is_registered():
    assert "spendopt" in policy_names()


def test_spendopt_policy_beats_holding_still_with_no_rejected_change():
    result = run_simulation("demo", days=10, seed=1, policies=["spendopt"], progress=False)
    summary = result.summary.set_index("policy")
    row = summary.loc["spendopt"]
    assert row["changes_applied"] > 0
    assert row["changes_rejected"] == 0
    assert row["gmv"] > summary.loc["hold", "gmv"]
    assert row["pct_of_oracle_gmv"] > 90
