"""Family "curves": the preset's own response curves (``connectors.sim.market``) as a ``Market``.

The equations are in ``connectors.sim.market``. Learning follows the preset's
``[learning]`` table: every campaign learns ``learning.days`` days when it
appears and after a bid edit of more than ``learning.bid_change_threshold``
from the day's opening bid (budget edits never reset it); while it learns its
GMV is multiplied by ``learning.factor``. Attribution follows
``Scenario.maturity``. No hidden state. This is the platform's behaviour from
before families existed, unchanged.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from connectors.sim.families import State
from connectors.sim.market import BID_KIND, MarketParams, day_noise, expected_outcome, realised_outcome
from connectors.sim.scenario import Scenario

__all__ = ["CurvesMarket", "curve_params"]

_FIELDS = (
    "kind",
    "demand",
    "roi",
    "ref_bid",
    "elasticity",
    "cost_elasticity",
    "headroom",
    "curvature",
    "drift",
    "roi_drift",
    "aov",
    "cpm",
    "ctr",
)


def curve_params(scenario: Scenario) -> MarketParams:
    """The preset's curve fields as ``MarketParams``, one entry per campaign."""
    cs = scenario.campaigns

    def arr(values: list[float]) -> np.ndarray:
        return np.array(values, dtype=float)

    return MarketParams(
        kind=np.array([BID_KIND[c.bid_type] for c in cs], dtype=np.int64),
        demand=arr([c.demand for c in cs]),
        roi=arr([c.roi for c in cs]),
        ref_bid=arr([c.ref_bid or c.bid or math.nan for c in cs]),
        elasticity=arr([c.elasticity for c in cs]),
        cost_elasticity=arr([c.cost_elasticity for c in cs]),
        headroom=arr([c.headroom for c in cs]),
        curvature=arr([c.curvature for c in cs]),
        drift=arr([c.drift for c in cs]),
        roi_drift=arr([c.roi_drift for c in cs]),
        aov=arr([c.aov for c in cs]),
        cpm=arr([c.cpm for c in cs]),
        ctr=arr([c.ctr for c in cs]),
        weekday=np.array(scenario.weekday, dtype=float),
        start_date=scenario.start_date,
    )


@dataclass(frozen=True)
class CurvesMarket:
    """``connectors.sim.market`` behind the ``Market`` protocol."""

    params: MarketParams
    scenario: Scenario
    name: str = "curves"

    @classmethod
    def build(cls, scenario: Scenario, seed: int) -> CurvesMarket:
        return cls(curve_params(scenario), scenario)

    def learning_days(self) -> np.ndarray:
        return np.full(self.params.n, self.scenario.learning.days, dtype=np.int64)

    def resets(
        self, idx: np.ndarray, open_budget: np.ndarray, open_bid: np.ndarray, budget: np.ndarray, bid: np.ndarray
    ) -> np.ndarray:
        with np.errstate(invalid="ignore", divide="ignore"):
            moved = np.abs(bid / open_bid - 1.0) > self.scenario.learning.bid_change_threshold + 1e-9
        return moved & (self.params.kind[idx][:, None] != 0)

    def initial_state(self) -> State:
        return {}

    def _factor(self, learning: np.ndarray) -> np.ndarray:
        return np.where(learning, self.scenario.learning.factor, 1.0)

    def expected(
        self, idx: np.ndarray, t: int, budget: np.ndarray, bid: np.ndarray, learning: np.ndarray, state: State
    ) -> tuple[np.ndarray, np.ndarray]:
        p = self.params
        sub = MarketParams(**{f: getattr(p, f)[idx] for f in _FIELDS}, weekday=p.weekday, start_date=p.start_date)
        return expected_outcome(sub, t, budget, bid, self._factor(learning))

    def realised(
        self, t: int, budget: np.ndarray, bid: np.ndarray, learning: np.ndarray, state: State, seed: int
    ) -> dict[str, np.ndarray]:
        noise = day_noise(seed, t, self.params.n)
        sd = self.scenario.noise
        return realised_outcome(self.params, t, budget, bid, self._factor(learning), noise, sd.demand_sd, sd.gmv_sd)

    def next_state(self, t: int, state: State, outcome: dict[str, np.ndarray]) -> State:
        return state

    def maturity(self, age: int) -> float:
        m = self.scenario.maturity
        return m[min(age, len(m) - 1)]
