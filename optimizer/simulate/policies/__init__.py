"""Named dry-run policies: an explicit registry, no import side effects.

``make_policy("rules", ctx)`` builds one; ``policy_names()`` lists them. Built
in: ``hold`` (changes nothing but what a cut total forces), ``rules`` (an ops rule of thumb), ``oracle``
(the best expected GMV from the true curves) and ``spendopt`` (the optimizer's
own decision step). A benchmark or test may add its own with ``register_policy``.
"""

from __future__ import annotations

from optimizer.simulate.policies.base import Policy, PolicyContext, PolicyFactory
from optimizer.simulate.policies.oracle import OraclePolicy
from optimizer.simulate.policies.rules import HoldPolicy, RulesPolicy
from optimizer.simulate.policies.spendopt import SpendoptPolicy

__all__ = ["POLICIES", "Policy", "PolicyContext", "make_policy", "policy_names", "register_policy"]

POLICIES: dict[str, PolicyFactory] = {
    "hold": HoldPolicy,
    "rules": RulesPolicy,
    "oracle": OraclePolicy,
    "spendopt": SpendoptPolicy,
}


def register_policy(name: str, factory: PolicyFactory) -> None:
    """Make ``name`` available to ``make_policy`` and ``spendopt simulate --policy``."""
    POLICIES[name] = factory


def policy_names() -> list[str]:
    return sorted(POLICIES)


def make_policy(name: str, context: PolicyContext) -> Policy:
    """A fresh policy by name; ``KeyError`` lists the known names."""
    if name not in POLICIES:
        raise KeyError(f"unknown policy {name!r} (known: {', '.join(sorted(POLICIES))})")
    return POLICIES[name](context)
