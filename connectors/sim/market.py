"""The simulated market: each campaign's ground-truth response and a day's outcome.

Everything is vectorised over ``n`` campaigns (and ``k`` candidate settings per
campaign for the expected curves); money is CNY as ``float`` and is rounded to
2 decimals where it leaves the platform.

Equations, for campaign ``i`` on day ``t`` (``t = 0`` is the scenario's first
simulated day; history days are negative)::

    season_t  = weekday[dow(t)]                      mean 1 over a week
    D_base    = demand_i * season_t * exp(drift_i * t)
    R_base    = roi_i * exp(roi_drift_i * t)
    x         = bid / ref_bid_i                      (cpa: CPA bid, roi: ROI goal)

    h(u)  = (1 + H_i) * u / (H_i + u)                saturating reach: h(1) = 1,
                                                     h -> 1 + H_i for a huge bid
    none:  D = D_base,                R = R_base                 max delivery
    cpa:   D = D_base * h(x^e_i),     R = R_base * x^(-g_i)      higher bid: more
                                                                 delivery, dearer orders
    roi:   D = D_base * h(x^(-e_i)),  R = R_base * x^g_i         higher goal: less
                                                                 delivery, better ROI

    spend = D * (1 + (D / B)^p)^(-1/p)               a smooth min(B, D): the
                                                     budget B caps spend, p = 6
    gmv   = R * D * (spend / D)^b_i * L              0 < b_i <= 1: diminishing returns
                                                     (the first yuan of a day buys
                                                     the best traffic)

``D`` is the spend the campaign could deliver uncapped ("demand"), ``R`` the
ROI at full delivery, ``L`` the learning factor (``learning.factor`` while a
campaign learns: its first ``learning.days`` days, and after a bid edit of more
than ``learning.bid_change_threshold`` of the day's opening bid; 1 otherwise).
``B = inf`` is no cap, ``B = 0`` paused.

A realised day draws two standard normals per campaign, ``z1`` and ``z2``, from
a generator seeded by ``(seed, t)`` only, so every policy faces the same luck
(common random numbers)::

    D_real   = D * exp(sd_demand * z1 - sd_demand^2 / 2)
    gmv_real = gmv(D_real) * exp(sd_gmv * z2 - sd_gmv^2 / 2)
    orders   = round(gmv_real / aov_i)
    impressions = spend / cpm_i * 1000, clicks = impressions * ctr_i

Attribution lag: a day's final GMV and orders are reported in growing shares.
Seen on day ``T`` (the platform's current day), day ``d < T`` has age
``a = T - 1 - d`` and shows ``maturity[min(a, len - 1)]`` of its final value
(e.g. 60 % yesterday, 100 % after a week). Spend is final at once.

``expected_outcome`` returns the noise-free curves (``z = 0``): the ground
truth that the oracle optimises and that tests can compare a fitted model with.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

__all__ = [
    "BID_KIND",
    "SMOOTH_MIN_POWER",
    "MarketParams",
    "day_noise",
    "expected_outcome",
    "realised_outcome",
]

SMOOTH_MIN_POWER = 6.0
"""``p`` in the smooth budget cap: at B = D the campaign spends 89 % of D."""

BID_KIND = {"none": 0, "cpa": 1, "roi": 2}


@dataclass(frozen=True)
class MarketParams:
    """Ground-truth parameters, one entry per campaign; every array is ``(n,)``."""

    kind: np.ndarray  # int: 0 none, 1 cpa, 2 roi
    demand: np.ndarray  # CNY/day deliverable at the reference bid, average weekday
    roi: np.ndarray  # GMV / spend at full delivery at the reference bid
    ref_bid: np.ndarray  # CNY per order (cpa) or ROI goal (roi); nan for none
    elasticity: np.ndarray  # e: delivery elasticity to the bid
    cost_elasticity: np.ndarray  # g: ROI elasticity to the bid
    headroom: np.ndarray  # H: most extra delivery a higher bid can buy, as a multiple
    curvature: np.ndarray  # b in (0, 1]
    drift: np.ndarray  # per-day log growth of demand
    roi_drift: np.ndarray  # per-day log growth of ROI
    aov: np.ndarray  # CNY per order
    cpm: np.ndarray  # CNY per 1000 impressions
    ctr: np.ndarray  # clicks per impression
    weekday: np.ndarray  # (7,) Monday first
    start_date: dt.date  # the date of t = 0

    @property
    def n(self) -> int:
        return int(self.kind.shape[0])

    def day_of(self, t: int) -> dt.date:
        return self.start_date + dt.timedelta(days=t)


def _col(a: np.ndarray) -> np.ndarray:
    return a[:, None]


def _demand_and_roi(p: MarketParams, t: int, bid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Uncapped delivery ``D`` and ROI at full delivery ``R``, both ``(n, k)``."""
    season = float(p.weekday[p.day_of(t).weekday()])
    d_base = _col(p.demand * season * np.exp(p.drift * t))
    r_base = _col(p.roi * np.exp(p.roi_drift * t))
    kind = _col(p.kind)
    with np.errstate(invalid="ignore", divide="ignore"):
        x = np.where(kind == 0, 1.0, bid / _col(p.ref_bid))
    x = np.where(np.isfinite(x) & (x > 0), x, 1.0)
    e = _col(p.elasticity)
    g = _col(p.cost_elasticity)
    sign = np.where(kind == 1, 1.0, np.where(kind == 2, -1.0, 0.0))
    u = x ** (sign * e)
    h = _col(p.headroom)
    demand = d_base * (1.0 + h) * u / (h + u)
    roi = r_base * x ** (-sign * g)
    return demand, roi


def _cap(demand: np.ndarray, budget: np.ndarray) -> np.ndarray:
    """Smooth ``min(budget, demand)``; ``budget = inf`` no cap, ``0`` nothing."""
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        ratio = np.where(budget > 0, demand / np.where(budget > 0, budget, 1.0), np.inf)
        share = (1.0 + ratio**SMOOTH_MIN_POWER) ** (-1.0 / SMOOTH_MIN_POWER)
    share = np.where(np.isfinite(ratio), share, 0.0)
    share = np.where(np.isinf(budget), 1.0, share)
    return demand * share


def _gmv(p: MarketParams, demand: np.ndarray, roi: np.ndarray, spend: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(demand > 0, spend / np.where(demand > 0, demand, 1.0), 0.0)
    return roi * demand * np.clip(share, 0.0, 1.0) ** _col(p.curvature)


def expected_outcome(
    p: MarketParams, t: int, budget: np.ndarray, bid: np.ndarray, learning: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Noise-free spend and GMV on day ``t``, each ``(n, k)``.

    ``budget``, ``bid`` and ``learning`` (the factor ``L``, 1 when not learning)
    are ``(n, k)``; ``bid`` is ignored for ``none`` campaigns.
    """
    demand, roi = _demand_and_roi(p, t, bid)
    spend = _cap(demand, budget)
    return spend, _gmv(p, demand, roi, spend) * learning


def day_noise(seed: int, t: int, n: int) -> np.ndarray:
    """The day's standard normals ``(2, n)``; the same for every policy."""
    rng = np.random.default_rng([int(seed) & 0xFFFFFFFF, int(t) + 1_000_000])
    return rng.standard_normal((2, n))


def realised_outcome(
    p: MarketParams,
    t: int,
    budget: np.ndarray,
    bid: np.ndarray,
    learning: np.ndarray,
    noise: np.ndarray,
    sd_demand: float,
    sd_gmv: float,
) -> dict[str, np.ndarray]:
    """One day's final outcome per campaign, each ``(n,)``.

    Returns ``spend`` and ``gmv`` (CNY, rounded to 2 decimals), ``orders``,
    ``impressions`` and ``clicks`` (integers).
    """
    demand, roi = _demand_and_roi(p, t, bid[:, None])
    demand = demand[:, 0] * np.exp(sd_demand * noise[0] - sd_demand**2 / 2)
    spend = _cap(demand[:, None], budget[:, None])
    gmv = _gmv(p, demand[:, None], roi, spend)[:, 0] * learning
    gmv = gmv * np.exp(sd_gmv * noise[1] - sd_gmv**2 / 2)
    spend = np.round(spend[:, 0], 2)
    gmv = np.where(spend > 0, np.round(gmv, 2), 0.0)
    orders = np.round(gmv / p.aov).astype(np.int64)
    impressions = np.round(spend / p.cpm * 1000).astype(np.int64)
    clicks = np.round(impressions * p.ctr).astype(np.int64)
    return {"spend": spend, "gmv": gmv, "orders": orders, "impressions": impressions, "clicks": clicks}
