"""Synthetic response models with known curves, for solver tests and benchmarks.

``CurveModel`` answers ``ResponseModel.predict`` from closed forms, per campaign:

* delivery capacity (what the campaign would spend with no cap):
  ``cap = cap0 * (bid / bid0) ** elasticity`` for ``cpa`` (a higher CPA bid buys
  more delivery), ``cap0 * (bid0 / bid) ** elasticity`` for ``roi`` (a higher ROI
  target buys less), ``cap0`` for ``none``;
* spend ``= min(budget, cap)`` (``budget = inf`` = no cap; ``0`` = paused);
* GMV, a concave curve of spend: power ``a * spend ** b`` (``kind = 0``) or Hill
  ``a * spend / (spend + h)`` (``kind = 1``), times an efficiency factor
  ``(bid0 / bid) ** cost_elasticity`` for ``cpa`` (paying more per order lowers
  ROI) and ``(bid / bid0) ** cost_elasticity`` for ``roi``;
* ``gmv_sd = cv * gmv``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from optimizer.model.response import Forecast


@dataclass(frozen=True)
class CurveModel:
    ids: tuple[str, ...]
    bid_type: np.ndarray  # (n,) str
    bid0: np.ndarray
    cap0: np.ndarray
    kind: np.ndarray  # 0 power, 1 Hill
    a: np.ndarray
    b: np.ndarray  # power exponent (kind 0) or half-saturation h (kind 1)
    cv: np.ndarray
    elasticity: float = 0.8
    cost_elasticity: float = 0.5

    @property
    def campaign_ids(self):
        return self.ids

    def predict(self, budget: np.ndarray, bid: np.ndarray) -> Forecast:
        col = lambda x: np.asarray(x, dtype=float)[:, None]  # noqa: E731
        bid0 = col(self.bid0)
        has_bid = np.isfinite(bid0) & np.isfinite(bid) & (bid > 0)
        ratio = np.where(has_bid, bid / np.where(np.isfinite(bid0), bid0, 1.0), 1.0)
        is_cpa = (self.bid_type == "cpa")[:, None]
        is_roi = (self.bid_type == "roi")[:, None]
        cap = col(self.cap0) * np.where(is_cpa, ratio**self.elasticity, np.where(is_roi, ratio**-self.elasticity, 1.0))
        spend = np.minimum(np.maximum(budget, 0.0), cap)
        power = col(self.a) * np.power(spend, np.clip(col(self.b), 0.05, 1.0))
        hill = col(self.a) * spend / (spend + np.maximum(col(self.b), 1e-9))
        gmv = np.where(col(self.kind) == 0, power, hill)
        eff = np.where(is_cpa, ratio**-self.cost_elasticity, np.where(is_roi, ratio**self.cost_elasticity, 1.0))
        gmv = gmv * eff
        return Forecast(spend=spend, gmv=gmv, gmv_sd=col(self.cv) * gmv)


def random_account(
    n: int, seed: int, *, channels=("live", "video", "search"), locked_share: float = 0.05, uncapped_share: float = 0.05
):
    """A random account: ``(model, states)`` with ``n`` campaigns and plausible curves."""
    rng = np.random.default_rng(seed)
    ids = tuple(f"c{i:06d}" for i in range(n))
    bid_type = rng.choice(np.array(["cpa", "roi", "none"]), size=n, p=[0.4, 0.3, 0.3])
    budget = np.round(rng.uniform(300, 20_000, n), -1)
    bid0 = np.where(
        bid_type == "cpa",
        np.round(rng.uniform(20, 150, n), 2),
        np.where(bid_type == "roi", np.round(rng.uniform(1.5, 4.0, n), 2), np.nan),
    )
    cap0 = budget * rng.uniform(0.6, 1.6, n)
    kind = rng.integers(0, 2, n)
    roi_at_budget = rng.uniform(1.2, 5.0, n)
    b_pow = rng.uniform(0.5, 0.9, n)
    h = budget * rng.uniform(0.5, 3.0, n)
    # scale a so that ROI at today's budget is roi_at_budget
    a_pow = roi_at_budget * budget / budget**b_pow
    a_hill = roi_at_budget * (budget + h)
    a = np.where(kind == 0, a_pow, a_hill)
    b = np.where(kind == 0, b_pow, h)
    model = CurveModel(ids, bid_type, bid0, cap0, kind, a, b, rng.uniform(0.02, 0.3, n))
    status = np.where(rng.uniform(size=n) < 0.05, "paused", "active")
    states = pd.DataFrame(
        {
            "campaign_id": list(ids),
            "channel": rng.choice(np.array(channels), size=n),
            "bid_type": bid_type,
            "budget": np.where(rng.uniform(size=n) < uncapped_share, np.nan, budget),
            "bid": bid0,
            "status": status,
            "spend_today": np.where(rng.uniform(size=n) < 0.2, budget * rng.uniform(0, 0.9, n), 0.0),
            "locked": rng.uniform(size=n) < locked_share,
        }
    )
    return model, states
