"""Market families: independently written ground truths behind the same simulated platform.

``SimulatedPlatform(scenario, seed=..., market=NAME)`` keeps the platform's
rules, clock, writes, reports and state, and asks a *market* what a day
delivers. Each family is its own model of Qianchuan delivery, written from the
platform facts and ad-ops practice, so decisions can be judged on markets the
optimizer's model was not written against:

- ``curves`` (``connectors.sim.market``): a smooth response curve per campaign
  whose parameters are the preset's (``demand``, ``roi``, ``elasticity``, ...).
- ``pacing`` (``families.pacing``): an auction bought hour by hour by a budget
  pacer; the bid sets a win rate, the pacer shades it to spend the budget.
- ``cohort`` (``families.cohort``): audiences x creatives filled best first,
  throttled by the CPA/ROI target, tiring with exposure.

A family decides its hidden parameters from each ``CampaignSpec``'s budget,
bid, bid type and channel and the run's ``seed`` (``curves`` reads the preset's
curve fields instead), so every preset x family is an account.

The protocol (``Market``), with ``n`` the scenario's campaigns, ``idx`` the
rows asked about and ``k`` candidate settings per row::

    learning_days()                                  (n,) days a new or reset campaign learns
    resets(idx, open_budget, open_bid, budget, bid)  (len(idx), k) bool: would this edit restart learning
    initial_state()                                  {name: (n, ...) array}: hidden dynamic state
    expected(idx, t, budget, bid, learning, state)   (spend, gmv), each (len(idx), k), noise-free
    realised(t, budget, bid, learning, state, seed)  {spend, gmv, orders, impressions, clicks}, each (n,)
    next_state(t, state, outcome)                    the state after day t realised ``outcome``
    maturity(age)                                    share of final GMV/orders seen at ``age``: float or (n,)

``learning`` is a bool array (the campaign learns that day). ``realised`` draws
its noise from ``(seed, t)`` only, so every policy meets the same luck.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

if TYPE_CHECKING:
    from connectors.sim.scenario import Scenario

__all__ = [
    "MARKETS",
    "EditResets",
    "Market",
    "State",
    "build_market",
    "campaign_rng",
    "edit_resets",
    "market_names",
    "noisy_orders",
    "outcome_columns",
    "stack_rows",
    "weekday_pattern",
]

MAX_CV = 0.3
"""The most a day's orders vary around their expectation (coefficient of variation)."""

State = dict[str, np.ndarray]


class Market(Protocol):
    """A family's ground truth for one scenario and seed (see the module docstring)."""

    @property
    def name(self) -> str: ...

    def learning_days(self) -> np.ndarray: ...

    def resets(
        self, idx: np.ndarray, open_budget: np.ndarray, open_bid: np.ndarray, budget: np.ndarray, bid: np.ndarray
    ) -> np.ndarray: ...

    def initial_state(self) -> State: ...

    def expected(
        self, idx: np.ndarray, t: int, budget: np.ndarray, bid: np.ndarray, learning: np.ndarray, state: State
    ) -> tuple[np.ndarray, np.ndarray]: ...

    def realised(
        self, t: int, budget: np.ndarray, bid: np.ndarray, learning: np.ndarray, state: State, seed: int
    ) -> dict[str, np.ndarray]: ...

    def next_state(self, t: int, state: State, outcome: dict[str, np.ndarray]) -> State: ...

    def maturity(self, age: int) -> float | np.ndarray: ...


def _curves(scenario: Scenario, seed: int) -> Market:
    from connectors.sim.families.curves import CurvesMarket

    return CurvesMarket.build(scenario, seed)


def _pacing(scenario: Scenario, seed: int) -> Market:
    from connectors.sim.families.pacing import PacingMarket

    return PacingMarket.build(scenario, seed)


def _cohort(scenario: Scenario, seed: int) -> Market:
    from connectors.sim.families.cohort import CohortMarket

    return CohortMarket.build(scenario, seed)


MARKETS: dict[str, Callable[[Scenario, int], Market]] = {"curves": _curves, "pacing": _pacing, "cohort": _cohort}
"""Family name -> factory ``(scenario, seed) -> Market``."""


def market_names() -> list[str]:
    return list(MARKETS)


def build_market(name: str, scenario: Scenario, seed: int) -> Market:
    """The family ``name``'s market for ``scenario``; ``KeyError`` lists the known families."""
    if name not in MARKETS:
        raise KeyError(f"unknown market family {name!r} (known: {', '.join(MARKETS)})")
    return MARKETS[name](scenario, int(seed))


def campaign_rng(seed: int, campaign_id: str, family: str) -> np.random.Generator:
    """A generator for one campaign's hidden parameters: the same campaign id, seed and family
    always draw the same campaign, whatever else the account holds."""
    return np.random.default_rng(
        [int(seed) & 0xFFFFFFFF, zlib.crc32(campaign_id.encode()), zlib.crc32(family.encode())]
    )


def edit_resets(
    kind: np.ndarray,
    budget_reset: np.ndarray,
    bid_reset: np.ndarray,
    open_budget: np.ndarray,
    open_bid: np.ndarray,
    budget: np.ndarray,
    bid: np.ndarray,
    *,
    raises_only: bool,
) -> np.ndarray:
    """``(m, k)`` bool: the edit moves the budget by more than ``budget_reset`` (only a raise, with
    ``raises_only``) or a bid by more than ``bid_reset`` of the day's opening value. Per-campaign
    arrays are ``(m,)``; pausing (budget 0) and "no cap" (inf) are not edits that reset."""
    with np.errstate(invalid="ignore", divide="ignore"):
        change = budget / open_budget - 1.0
        moved_budget = (change if raises_only else np.abs(change)) > budget_reset[:, None] + 1e-9
        moved_bid = np.abs(bid / open_bid - 1.0) > bid_reset[:, None] + 1e-9
    moved_budget &= (open_budget > 0) & (budget > 0) & np.isfinite(budget)
    return moved_budget | (moved_bid & (kind[:, None] != 0))


class EditResets:
    """``learning_days`` and ``resets`` for a family whose dataclass has ``kind``, ``budget_reset``,
    ``bid_reset`` and ``days_learning`` arrays; ``RAISES_ONLY``: only a budget raise resets."""

    RAISES_ONLY = False
    kind: np.ndarray
    budget_reset: np.ndarray
    bid_reset: np.ndarray
    days_learning: np.ndarray

    def learning_days(self) -> np.ndarray:
        return self.days_learning.copy()

    def resets(
        self, idx: np.ndarray, open_budget: np.ndarray, open_bid: np.ndarray, budget: np.ndarray, bid: np.ndarray
    ) -> np.ndarray:
        return edit_resets(
            self.kind[idx],
            self.budget_reset[idx],
            self.bid_reset[idx],
            open_budget,
            open_bid,
            budget,
            bid,
            raises_only=self.RAISES_ONLY,
        )


def stack_rows(rows: list[dict[str, object]], ints: tuple[str, ...]) -> dict[str, Any]:
    """Per-campaign parameter dicts as arrays ``(n, ...)``; the ``ints`` fields as int64 (keyword arguments
    of a family's frozen dataclass, hence ``Any``)."""
    fields: dict[str, np.ndarray] = {k: np.array([r[k] for r in rows]) for k in rows[0]}
    for key in ints:
        fields[key] = fields[key].astype(np.int64)
    return fields


def noisy_orders(
    orders: np.ndarray, z: np.ndarray, learning: np.ndarray, *, cv_floor: float, learn_factor: float
) -> np.ndarray:
    """A day's orders: log-normal around ``orders`` (mean kept) with a coefficient of variation
    ``min(MAX_CV, sqrt(1/orders + cv_floor^2))``, times ``learn_factor`` while learning (capped)."""
    cv = np.sqrt(1.0 / np.maximum(orders, 1e-9) + cv_floor**2)
    cv = np.minimum(MAX_CV, np.minimum(MAX_CV, cv) * np.where(learning, learn_factor, 1.0))
    sd = np.sqrt(np.log1p(cv**2))
    return orders * np.exp(sd * z - sd**2 / 2)


def outcome_columns(
    spend: np.ndarray, gmv: np.ndarray, orders: np.ndarray, cpm: np.ndarray, ctr: np.ndarray
) -> dict[str, np.ndarray]:
    """A realised day as the platform records it: money to 2 decimals, counts as integers."""
    spend = np.round(spend, 2)
    gmv = np.where(spend > 0, np.round(gmv, 2), 0.0)
    orders = np.where(spend > 0, np.round(orders), 0).astype(np.int64)
    impressions = np.round(spend / cpm * 1000).astype(np.int64)
    clicks = np.round(impressions * ctr).astype(np.int64)
    return {"spend": spend, "gmv": gmv, "orders": orders, "impressions": impressions, "clicks": clicks}


_WEEKDAY_VOLUME = {
    "qianchuan.live": (0.94, 0.95, 0.96, 0.98, 1.03, 1.10, 1.04),
    "qianchuan.video": (0.97, 0.96, 0.97, 0.99, 1.02, 1.06, 1.03),
    "qianchuan.search": (1.04, 1.03, 1.02, 1.00, 0.98, 0.95, 0.98),
}
_WEEKDAY_CONVERSION = {
    "qianchuan.live": (0.95, 0.96, 0.98, 1.00, 1.02, 1.06, 1.03),
    "qianchuan.video": (1.03, 1.02, 1.00, 0.99, 0.98, 0.96, 1.02),
    "qianchuan.search": (1.06, 1.04, 1.03, 1.00, 0.97, 0.93, 0.97),
}


def weekday_pattern(channel: str, rng: np.random.Generator, jitter: float = 0.03) -> tuple[np.ndarray, np.ndarray]:
    """(volume, conversion) multipliers Monday first, each mean 1: the channel's pattern, jittered."""
    out = []
    for table in (_WEEKDAY_VOLUME, _WEEKDAY_CONVERSION):
        base = np.array(table.get(channel, table["qianchuan.video"]))
        w = base * np.exp(jitter * rng.standard_normal(7))
        out.append(w / w.mean())
    return out[0], out[1]
