"""Daily stats generated from a known ground truth, for fit tests.

``none`` campaigns: demand ``D ~ LogNormal(mu, sigma)``, spend ``min(B, D)``,
``gmv = R * D * (spend / D)^b * noise`` (ROI ``R`` at full delivery, less
steeply diminishing the more of the day's demand the budget lets through;
with ``D`` at its typical level ``gmv = A * spend^b``). ``cpa`` campaigns: demand scales as
``bid^gamma``, ROI as ``bid^beta``. Budgets move around a base so the curve is
identifiable unless ``flat=True``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Truth:
    campaign_id: np.ndarray
    channel: np.ndarray
    bid_type: np.ndarray
    mu: np.ndarray  # log demand at the reference bid
    sigma: np.ndarray
    a: np.ndarray  # none: gmv = a * spend^b ; cpa: ROI at the reference bid
    b: np.ndarray  # none: exponent ; cpa: ROI elasticity to the bid
    gamma: np.ndarray  # cpa: volume elasticity to the bid
    ref_bid: np.ndarray
    base_budget: np.ndarray
    drift: np.ndarray  # daily log growth of demand; mu is the level on the last day


def make_stats(
    n: int = 50,
    days: int = 30,
    *,
    seed: int = 0,
    cpa_share: float = 0.0,
    flat: bool = False,
    noise: float = 0.15,
    end: dt.date = dt.date(2026, 11, 20),
    lag: tuple[float, ...] = (),
    channels: tuple[str, ...] = ("qianchuan.live", "qianchuan.video"),
    roi_level: float = 3.0,
    drift: float = 0.0,
    gamma_range: tuple[float, float] = (1.2, 1.2),
) -> tuple[pd.DataFrame, Truth]:
    """Return (stats frame shaped like read_stats' output, truth)."""
    rng = np.random.default_rng(seed)
    ids = np.array([f"17{seed:03d}{i:012d}" for i in range(n)], dtype=object)
    channel = np.array([channels[i % len(channels)] for i in range(n)], dtype=object)
    bid_type = np.where(rng.random(n) < cpa_share, "cpa", "none").astype(object)
    base_budget = np.round(rng.uniform(500, 5000, n), -2)
    mu = np.log(base_budget) + rng.normal(0.0, 0.4, n)
    sigma = rng.uniform(0.1, 0.3, n)
    b = rng.uniform(0.55, 0.9, n)
    roi_at_base = roi_level * np.exp(rng.normal(0, 0.3, n))
    a = np.where(bid_type == "none", roi_at_base * base_budget ** (1 - b), roi_at_base)
    b = np.where(bid_type == "none", b, -0.6)
    gamma = np.where(bid_type == "none", 0.0, rng.uniform(*gamma_range, n))
    trend = rng.uniform(-drift, drift, n) if drift else np.zeros(n)
    ref_bid = np.where(bid_type == "none", np.nan, np.round(rng.uniform(30, 120, n), 2))

    dates = pd.date_range(end=pd.Timestamp(end), periods=days, freq="D")
    rows = []
    for t, date in enumerate(dates):
        mult = np.ones(n) if flat else np.exp(rng.uniform(-0.5, 0.5, n))
        budget = np.maximum(np.round(base_budget * mult, -2), 300)
        bid = np.where(bid_type == "none", np.nan, ref_bid * (1 if flat else np.exp(rng.uniform(-0.15, 0.15, n))))
        bid = np.round(bid, 2)
        level = mu + trend * (t - (days - 1))
        demand = np.exp(level + np.where(bid_type == "none", 0.0, gamma * np.log(bid / ref_bid)) + rng.normal(0, sigma))
        spend = np.minimum(budget, demand)
        full = np.exp(mu)  # typical demand: a = R * full^(1 - b)
        roi = np.where(
            bid_type == "none",
            a * full ** (b - 1) * (spend / demand) ** (b - 1),
            a * np.where(bid_type == "none", 1.0, (bid / ref_bid)) ** b,
        )
        gmv = spend * roi * np.exp(rng.normal(0, noise, n) - noise**2 / 2)
        age = len(dates) - t
        if lag and age <= len(lag):
            gmv = gmv * lag[age - 1]
        rows.append(
            pd.DataFrame(
                {
                    "account_id": "acct1",
                    "campaign_id": ids,
                    "date": date,
                    "spend": np.round(spend, 2),
                    "gmv": np.round(gmv, 2),
                    "orders": np.round(gmv / 150).astype("int64"),
                    "campaign_name": [f"计划{i}" for i in range(n)],
                    "channel": channel,
                    "budget": budget,
                    "bid_type": bid_type,
                    "bid": bid,
                    "status": "active",
                    "currency": "CNY",
                }
            )
        )
    frame = pd.concat(rows, ignore_index=True)
    truth = Truth(ids, channel, bid_type, mu, sigma, a, b, gamma, ref_bid, base_budget, trend)
    return frame, truth


def true_gmv(
    truth: Truth,
    budget: np.ndarray,
    bid: np.ndarray | None = None,
    draws: int = 4000,
    seed: int = 1,
    days_ahead: int = 0,
):
    """Monte-Carlo expected (spend, gmv) per campaign at ``budget`` (n,) and ``bid`` (n,).

    ``days_ahead``: days after the last day of history (demand drifts on).
    """
    rng = np.random.default_rng(seed)
    n = len(truth.campaign_id)
    bid = truth.ref_bid if bid is None else bid
    shift = np.where(
        truth.bid_type == "none", 0.0, truth.gamma * np.log(np.where(truth.bid_type == "none", 1, bid / truth.ref_bid))
    )
    level = truth.mu + truth.drift * days_ahead
    demand = np.exp((level + shift)[:, None] + truth.sigma[:, None] * rng.normal(size=(n, draws)))
    spend = np.minimum(budget[:, None], demand)
    ratio = np.where(truth.bid_type == "none", 1.0, bid / truth.ref_bid)
    full = np.exp(truth.mu)[:, None]
    roi = np.where(
        (truth.bid_type == "none")[:, None],
        truth.a[:, None] * full ** (truth.b[:, None] - 1) * (spend / demand) ** (truth.b[:, None] - 1),
        (truth.a * ratio**truth.b)[:, None],
    )
    return spend.mean(1), (spend * roi).mean(1)
