"""The budget-split design: which campaign goes to which arm, and how much each arm may spend.

::

    units     the account's campaigns (an agency can split whole accounts the same way)
    strata    campaigns sorted by pre-period spend, cut into strata of 2m, sorted
              by pre-period ROI inside a stratum, then cut into blocks of m
              (m = round(1 / min(p, 1 - p)), p = treatment_share)
    assign    a seeded permutation inside each block, then systematic sampling
              along that order with a random start: every campaign is treated
              with probability p, every block gets floor or ceil of p * m
    budgets   arm a's share  s_a = its campaigns' budgets / all budgets at the start;
              arm a's total  T_a = s_a * total_daily      (``total_daily``: the
              setting, or absent today's total of live budgets)

The control arm holds its budgets (so it stays at ``s_C * sum B <= s_C *
total_daily``); the optimiser moves money only inside the treatment arm, with
``T_T`` as its total. ``arm_budget_problems`` is the plain check that every arm
is inside its total on a day (the budget-isolation rule).

Everything here is pure: numbers in, frozen values out; the store keeps them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "ARMS",
    "ArmSpec",
    "Assignment",
    "arm_budget_problems",
    "arm_shares",
    "assign",
    "assignment_matrix",
]

ARMS = ("treatment", "control")
"""Arm names, in this order everywhere (CSV columns, charts, the store)."""


class ArmSpec(BaseModel):
    """One arm: its name, what runs it and its fixed share of ``total_daily``."""

    model_config = ConfigDict(frozen=True)

    name: Literal["treatment", "control"] = Field(description="arm name")
    policy: Literal["spendopt", "hold"] = Field(description="spendopt optimises the arm; hold changes nothing")
    share: float = Field(ge=0, le=1, description="fixed share of total_daily")
    total_daily: float = Field(ge=0, description="share * total_daily, CNY/day")


class Assignment(BaseModel):
    """Campaign -> arm, with the seed and inputs it came from (recorded in the store)."""

    model_config = ConfigDict(frozen=True)

    seed: int = Field(ge=0, description="the permutation seed")
    treatment_share: float = Field(gt=0, lt=1, description="target share of units in treatment")
    arm: Mapping[str, str] = Field(description="campaign_id -> 'treatment' | 'control'")

    def campaigns(self, arm: str) -> list[str]:
        return [cid for cid, a in self.arm.items() if a == arm]


def _block_size(p: float) -> int:
    return max(2, round(1.0 / min(p, 1.0 - p)))


def assignment_matrix(
    spend: np.ndarray, roi: np.ndarray, *, treatment_share: float, seeds: Sequence[int]
) -> np.ndarray:
    """Stratified assignments ``(len(seeds), n)`` of booleans (True = treatment), one per seed.

    ``spend`` and ``roi`` are the units' pre-period totals ``(n,)``; the strata
    are in the module docstring. Vectorised over seeds so the analysis can
    re-randomise hundreds of times (``optimizer.experiment.analysis``).
    """
    spend = np.nan_to_num(np.asarray(spend, dtype=float))
    roi = np.nan_to_num(np.asarray(roi, dtype=float))
    n = spend.shape[0]
    m = _block_size(treatment_share)
    by_spend = np.lexsort((np.arange(n), -spend))  # biggest first, ties by position
    order = np.empty(0, dtype=np.int64)
    for start in range(0, n, 2 * m):
        stratum = by_spend[start : start + 2 * m]
        order = np.concatenate([order, stratum[np.lexsort((np.arange(stratum.size), -roi[stratum]))]])
    rng = np.random.default_rng([14, *(int(x) & 0xFFFFFFFF for x in seeds)])
    block = np.arange(n) // m  # block of each position in ``order``
    keys = rng.uniform(size=(len(seeds), n))
    seq = order[np.argsort(block[None, :] + keys, axis=1)]  # a permutation inside every block
    k = np.arange(n)[None, :]
    u = rng.uniform(size=(len(seeds), 1))
    picked = np.floor(treatment_share * (k + 1) + u) - np.floor(treatment_share * k + u) > 0
    out = np.zeros((len(seeds), n), dtype=bool)
    np.put_along_axis(out, seq, picked, axis=1)
    return out


def assign(
    campaign_ids: Sequence[str],
    spend: np.ndarray,
    roi: np.ndarray,
    *,
    seed: int,
    treatment_share: float = 0.5,
) -> Assignment:
    """The seeded, stratified split of ``campaign_ids`` (see the module docstring).

    Raises ``ValueError`` when there are too few campaigns for two arms.
    """
    if len(campaign_ids) < 2:
        raise ValueError(f"a budget-split test needs at least 2 campaigns, the account has {len(campaign_ids)}")
    treated = assignment_matrix(spend, roi, treatment_share=treatment_share, seeds=[seed])[0]
    if treated.all() or not treated.any():
        raise ValueError("the split left one arm empty: use a treatment share nearer 0.5")
    arm = {str(c): ARMS[0] if t else ARMS[1] for c, t in zip(campaign_ids, treated, strict=True)}
    return Assignment(seed=seed, treatment_share=treatment_share, arm=arm)


def arm_shares(
    assignment: Assignment, budgets: Mapping[str, float], total_daily: float, *, treatment_policy: str = "spendopt"
) -> tuple[ArmSpec, ArmSpec]:
    """Each arm's fixed share and total from the live budgets at the start (paused = 0)."""
    per_arm = {a: 0.0 for a in ARMS}
    for cid, arm in assignment.arm.items():
        per_arm[arm] += max(float(budgets.get(cid, 0.0) or 0.0), 0.0)
    whole = sum(per_arm.values())
    if whole <= 0:
        raise ValueError("the arms have no live budget to split")
    specs = []
    for name, policy in zip(ARMS, (treatment_policy, "hold"), strict=True):
        share = per_arm[name] / whole
        specs.append(ArmSpec(name=name, policy=policy, share=share, total_daily=round(share * total_daily, 2)))
    return specs[0], specs[1]


def arm_budget_problems(
    assignment: Assignment, budgets: Mapping[str, float], arms: Sequence[ArmSpec], *, tolerance: float = 0.01
) -> list[str]:
    """Arms whose live budgets (paused = 0) add up to more than their total; empty when isolated."""
    problems = []
    for spec in arms:
        used = sum(max(float(budgets.get(c, 0.0) or 0.0), 0.0) for c in assignment.campaigns(spec.name))
        if used > spec.total_daily + tolerance:
            problems.append(f"arm {spec.name}: budgets {used:,.2f} > its share {spec.total_daily:,.2f}")
    return problems
