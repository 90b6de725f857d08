"""The boundary between fitting and solving: a response model.

``fit`` turns history into a ``ResponseModel``; ``solve`` asks it what a
campaign would spend and earn on the effective date at candidate settings.
Anything that can answer ``predict`` can be optimized: the fitted model, the
simulated platform's ground truth (the oracle), or a hand-written curve in a
test.

Shapes: ``n`` campaigns in ``campaign_ids`` order, ``k`` candidate settings
per campaign. ``budget`` is the daily budget (``inf`` = no cap, ``0`` = paused);
``bid`` is the CPA bid (money per order) for ``cpa`` campaigns, the ROI target
for ``roi`` campaigns and ``nan`` for ``none``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np

__all__ = ["Forecast", "ResponseModel"]


@dataclass(frozen=True)
class Forecast:
    """Expected outcome per campaign and candidate; every array is ``(n, k)``.

    ``spend`` and ``gmv`` are means for the effective date; ``gmv_sd`` is the
    standard deviation of the model's belief about ``gmv`` (parameter
    uncertainty, not day-to-day noise), used to keep decisions off noise.
    """

    spend: np.ndarray
    gmv: np.ndarray
    gmv_sd: np.ndarray

    def __post_init__(self) -> None:
        if not (self.spend.shape == self.gmv.shape == self.gmv_sd.shape):
            raise ValueError(
                f"forecast arrays differ in shape: spend {self.spend.shape}, gmv {self.gmv.shape}, "
                f"gmv_sd {self.gmv_sd.shape}"
            )
        for name in ("spend", "gmv", "gmv_sd"):
            values = getattr(self, name)
            if not np.all(np.isfinite(values)) or np.any(values < 0):
                raise ValueError(f"forecast {name} has a negative or non-finite value")


@runtime_checkable
class ResponseModel(Protocol):
    """Forecasts spend and GMV of ``campaign_ids`` at given budgets and bids."""

    @property
    def campaign_ids(self) -> Sequence[str]: ...

    def predict(self, budget: np.ndarray, bid: np.ndarray) -> Forecast:
        """``budget`` and ``bid`` are ``(n, k)``; returns a ``(n, k)`` ``Forecast``."""
        ...
