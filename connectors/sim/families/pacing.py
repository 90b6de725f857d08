"""Family "pacing": an oCPM auction bought hour by hour by the platform's budget pacer.

Qianchuan bills per impression but bids per conversion: a 控成本 plan states a
cost per order (CPA bid) or a pay-ROI goal, a 放量 (max-delivery) plan states
neither, and the platform's pacer spreads the daily budget over the day's
traffic (``FLOW_CONTROL_MODE_BALANCE``) or spends it as fast as it can
(``FAST``). Here each campaign competes for "conversion opportunities" (units)
against rivals whose price per conversion is log-normal around ``m``; when it
wins it pays between the rival's price and its own (``b^(1-psi) c^psi``, a
softened second price), so its realised CPA is under the price it bid.

Equations, campaign ``i`` on day ``t`` with weekday ``w``, hour ``h = 0..23``
(``Phi`` the standard normal CDF)::

    U_h    = V_i * s_ih * vol_i[w] * season[w] * exp(nu_i t) * lv     units on offer at a sure win
    m_t    = m_i * exp(mu_i t)                                         rivals' median price (drifts)
    z(b)   = ln(b / m_t) / sigma_i                                     sigma small: a cliff, large: a slope
    N_h(b) = U_h * Phi(z(b))                                           units won bidding b
    A_h(b) = U_h * m_t * exp((1-psi) sigma z + psi^2 sigma^2 / 2) * Phi(z(b) - psi sigma)
                                                                       spend: E[b^(1-psi) c^psi; c < b]
    b_cap  = theta_i * bid                    cpa  (theta <= 1: the platform keeps a margin)
             theta_i * aov_i / goal           roi  (a higher goal is a lower price per order)
             m_t * exp(zeta_i * sigma_i)      none (放量: whatever it takes, up to a ceiling)

    pacer  R_0 = B;  target_h = R_h * f_ih / sum_{j >= h} f_ij   (BALANCE; FAST: target_h = R_h)
           spend_h = min(target_h, A_h(b_cap))    the bid is shaded to b_h = A_h^-1(spend_h) <= b_cap
                                                  (Newton on ln A in z)
           R_{h+1} = R_h - spend_h
    spend  = sum_h spend_h                         <= B; at most sum_h A_h(b_cap) however big B is
    orders = sum_h N_h(b_h) * conv_i[w] * lc
    gmv    = orders * aov_i

``s_ih`` is the campaign's true hourly traffic (a live room delivers only while
it is on air), ``f_ih`` the pacer's forecast of it (smoother), so a budgeted
plan rarely spends its budget exactly. The auction gives every shape the
family needs: a CPA plan's volume responds steeply to its bid when ``sigma``
is small and barely when its bid is far above the rivals; a higher ROI goal
buys less at a better ROI; more budget buys dearer units (diminishing
returns, except for a FAST plan, which buys every hour at its ceiling until
the budget runs out: near-linear); ``A(b_cap)`` is a hard capacity; ``vol`` and ``conv`` are weekday
effects on volume and on conversion (the latter moves CPA and ROI, not spend).

Learning: a campaign learns ``L_i`` days when it appears (about 20 orders'
worth, 2-5 days) and again after its budget is raised by more than ``x_i``
(25-60 %) or its bid moves by more than ``y_i`` (8-25 %) from the day's
opening value. While learning the pacer finds less traffic (``lv`` in
0.5-0.75), converts worse (``lc`` in 0.8-0.92) and is noisier (x1.6).

Noise of a realised day, from ``(seed, t)`` only: a day shock on ``U`` (log-sd
``sd_i``, 0.08-0.2), hourly shocks (log-sd 0.15, mean-preserving), a rival-price
shock (log-sd 0.04), and orders log-normal with coefficient of variation
``min(0.3, sqrt(1/orders + 0.05^2))``.

Hidden parameters per campaign come from its budget, bid, bid type, channel
and the seed (``campaign_rng``): ``sigma`` log-uniform 0.12-0.7; ``psi``
0.15-0.45; ``theta`` 0.93-1; the bid's place among the rivals ``z(b_cap)``
uniform -0.8..2.0; capacity ``sum_h A_h(b_cap)`` = budget x log-uniform
0.45-2.2; ROI at the CPA bid 1.4-4.5 (sets ``aov`` for cpa plans); drift ``mu``
-0.4..1.2 %/day, ``nu`` -1..1 %/day; a quarter of the plans pace FAST.
Attribution follows ``Scenario.maturity``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from connectors.sim.families import (
    EditResets,
    State,
    campaign_rng,
    noisy_orders,
    outcome_columns,
    stack_rows,
    weekday_pattern,
)
from connectors.sim.market import BID_KIND
from connectors.sim.scenario import Scenario

__all__ = ["PacingMarket", "hourly_shape"]

HOURS = 24
_HOUR = np.arange(HOURS) + 0.5
LEARN_NOISE = 1.6
HOUR_SD = 0.15
PRICE_SD = 0.04
NEWTON = 8
Z_LOW = -8.0
ORDER_CV_FLOOR = 0.05


def _bump(centre: float, width: float) -> np.ndarray:
    return np.exp(-0.5 * ((_HOUR - centre) / width) ** 2)


def hourly_shape(channel: str, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(true traffic share, the pacer's forecast) by hour, each summing to 1."""
    if channel == "qianchuan.live":
        start = int(rng.choice([8, 10, 12, 14, 18, 19, 20]))
        length = int(rng.integers(3, 9))
        on = (start <= _HOUR) & (min(start + length, HOURS) > _HOUR)
        generic = on * (1.0 + 0.5 * _bump(start + length / 2, max(length / 3, 1.0)))
    elif channel == "qianchuan.search":
        generic = 0.05 + 0.8 * _bump(11, 3) + 0.9 * _bump(20.5, 2.5)
    else:
        generic = 0.05 + 0.35 * _bump(9.5, 2) + 0.6 * _bump(12.5, 1.5) + 1.0 * _bump(21, 2.2)
    wobble = np.exp(0.35 * rng.standard_normal(HOURS))
    wobble = np.convolve(np.r_[wobble[-1], wobble, wobble[0]], np.ones(3) / 3, mode="valid")
    true = generic * wobble
    true = true / true.sum()
    generic = generic / generic.sum()
    forecast = 0.6 * true + 0.4 * generic
    return true, forecast / forecast.sum()


_ERFC = np.frompyfunc(math.erfc, 1, 1)  # the C library's erfc, elementwise (no SciPy at run time)


def _ndtr(x: np.ndarray) -> np.ndarray:
    """The standard normal CDF, ``0.5 erfc(-x / sqrt 2)``."""
    x = np.asarray(x, dtype=float)
    return 0.5 * np.asarray(_ERFC(-x / math.sqrt(2)), dtype=float).reshape(x.shape)


def _log_ndtr(x: np.ndarray) -> np.ndarray:
    """``log`` of the normal CDF, exact in the far left tail too (asymptotic series below -30)."""
    x = np.asarray(x, dtype=float)
    out = np.empty_like(x)
    tail = x < -30
    with np.errstate(divide="ignore"):
        out[~tail] = np.log(_ndtr(x[~tail]))
    t = x[tail]
    out[tail] = -0.5 * t**2 - np.log(-t) - 0.5 * math.log(2 * math.pi) + np.log1p(-1 / t**2 + 3 / t**4 - 15 / t**6)
    return out


def _shaded_bid(
    need: np.ndarray, z_cap: np.ndarray, price: np.ndarray, sigma: np.ndarray, psi: np.ndarray
) -> np.ndarray:
    """The ``z <= z_cap`` at which the unit spend is ``need`` (Newton on its logarithm, which is
    increasing and concave in ``z``, so the iterates approach the root from below)."""
    shift = psi * sigma
    with np.errstate(divide="ignore", invalid="ignore"):
        goal = np.log(need) - np.log(price) - shift**2 / 2
    z = z_cap.copy()
    for _ in range(NEWTON):
        x = z - shift
        log_cdf = _log_ndtr(x)
        f = (1 - psi) * sigma * z + log_cdf - goal
        slope = (1 - psi) * sigma + np.exp(-0.5 * x**2 - 0.5 * np.log(2 * np.pi) - log_cdf)
        z = np.clip(z - f / slope, Z_LOW, z_cap)
    return np.where(np.isfinite(goal), z, Z_LOW)


def _unit_spend(
    z: np.ndarray, price: np.ndarray | float, sigma: np.ndarray | float, psi: np.ndarray | float
) -> np.ndarray:
    """Spend per unit on offer when bidding ``z`` sigmas above the rivals' median ``price``."""
    return price * np.exp((1 - psi) * sigma * z + (psi * sigma) ** 2 / 2) * _ndtr(z - psi * sigma)


@dataclass(frozen=True)
class PacingMarket(EditResets):
    """Hidden parameters, one entry per campaign (``(n,)`` unless noted); see the module docstring."""

    RAISES_ONLY = True  # cutting a budget does not send the plan back to learning

    kind: np.ndarray  # int: 0 none, 1 cpa, 2 roi
    open_bid: np.ndarray  # the opening bid: stands in for a missing or invalid one
    units: np.ndarray  # V: units a day at a sure win, average weekday
    median_price: np.ndarray  # m at t = 0, CNY per unit
    sigma: np.ndarray
    psi: np.ndarray  # pricing: 1 second price, 0 first price
    theta: np.ndarray  # platform margin on the stated price
    zeta: np.ndarray  # none: ceiling of the bid in sigmas above m
    aov: np.ndarray
    price_drift: np.ndarray  # mu, per day
    volume_drift: np.ndarray  # nu, per day
    shape: np.ndarray  # (n, 24) true hourly share
    forecast: np.ndarray  # (n, 24) the pacer's forecast share
    fast: np.ndarray  # bool: FAST pacing
    volume_weekday: np.ndarray  # (n, 7), Monday first, season included
    conversion_weekday: np.ndarray  # (n, 7)
    learn_volume: np.ndarray
    learn_conversion: np.ndarray
    budget_reset: np.ndarray  # x: relative budget raise that restarts learning
    bid_reset: np.ndarray  # y: relative bid move that restarts learning
    days_learning: np.ndarray  # int
    day_sd: np.ndarray
    cpm: np.ndarray
    ctr: np.ndarray
    maturity_table: tuple[float, ...]
    start_weekday: int  # weekday of t = 0
    name: str = "pacing"

    @classmethod
    def build(cls, scenario: Scenario, seed: int) -> PacingMarket:
        rows = []
        for c in scenario.campaigns:
            rng = campaign_rng(seed, c.campaign_id, "pacing")
            shape, forecast = hourly_shape(c.channel, rng)
            vol, conv = weekday_pattern(c.channel, rng)
            sigma = float(np.exp(rng.uniform(np.log(0.12), np.log(0.7))))
            psi = float(rng.uniform(0.15, 0.45))
            theta = float(rng.uniform(0.93, 1.0))
            zeta = float(rng.uniform(0.8, 2.0))
            z_cap = float(rng.uniform(-0.8, 2.0))
            capacity = c.budget * float(np.exp(rng.uniform(np.log(0.45), np.log(2.2))))
            roi_level = float(np.exp(rng.uniform(np.log(1.4), np.log(4.5))))
            aov = float(np.exp(rng.uniform(np.log(40), np.log(400))))
            if c.bid_type == "cpa":
                aov = float(c.bid) * roi_level  # type: ignore[arg-type]
                b_cap = theta * float(c.bid)  # type: ignore[arg-type]
                m = b_cap * np.exp(-sigma * z_cap)
            elif c.bid_type == "roi":
                b_cap = theta * aov / float(c.bid)  # type: ignore[arg-type]
                m = b_cap * np.exp(-sigma * z_cap)
            else:
                m = aov / roi_level
                z_cap = zeta
            per_unit = float(_unit_spend(np.array(z_cap), m, sigma, psi))
            units = capacity / per_unit
            orders_a_day = units * float(_ndtr(np.array(z_cap))) * min(1.0, c.budget / capacity)
            rows.append(
                dict(
                    kind=BID_KIND[c.bid_type],
                    open_bid=np.nan if c.bid is None else float(c.bid),
                    units=units,
                    median_price=float(m),
                    sigma=sigma,
                    psi=psi,
                    theta=theta,
                    zeta=zeta,
                    aov=aov,
                    price_drift=float(rng.uniform(-0.004, 0.012)),
                    volume_drift=float(rng.uniform(-0.01, 0.01)),
                    shape=shape,
                    forecast=forecast,
                    fast=bool(rng.random() < 0.25),
                    volume_weekday=vol * np.array(scenario.weekday) / np.mean(scenario.weekday),
                    conversion_weekday=conv,
                    learn_volume=float(rng.uniform(0.5, 0.75)),
                    learn_conversion=float(rng.uniform(0.8, 0.92)),
                    budget_reset=float(rng.uniform(0.25, 0.6)),
                    bid_reset=float(rng.uniform(0.08, 0.25)),
                    days_learning=int(np.clip(np.ceil(20 / max(orders_a_day, 1e-9)) + 1, 2, 5)),
                    day_sd=float(rng.uniform(0.08, 0.2)),
                    cpm=float(rng.uniform(20, 90)),
                    ctr=float(rng.uniform(0.005, 0.05)),
                )
            )
        fields = stack_rows(rows, ("kind", "days_learning"))
        return cls(**fields, maturity_table=tuple(scenario.maturity), start_weekday=scenario.start_date.weekday())

    # ------------------------------------------------------------------ protocol
    def initial_state(self) -> State:
        return {}

    def next_state(self, t: int, state: State, outcome: dict[str, np.ndarray]) -> State:
        return state

    def maturity(self, age: int) -> float:
        return self.maturity_table[min(age, len(self.maturity_table) - 1)]

    def expected(
        self, idx: np.ndarray, t: int, budget: np.ndarray, bid: np.ndarray, learning: np.ndarray, state: State
    ) -> tuple[np.ndarray, np.ndarray]:
        spend, orders = self._day(idx, t, budget, bid, learning, None)
        return spend, orders * self.aov[idx][:, None]

    def realised(
        self, t: int, budget: np.ndarray, bid: np.ndarray, learning: np.ndarray, state: State, seed: int
    ) -> dict[str, np.ndarray]:
        n = self.kind.shape[0]
        rng = np.random.default_rng([int(seed) & 0xFFFFFFFF, int(t) + 2_000_000, 1])
        z = rng.standard_normal((HOURS + 3, n))
        idx = np.arange(n)
        learn = learning.astype(bool)
        spend, orders = self._day(idx, t, budget[:, None], bid[:, None], learn[:, None], z)
        spend, orders = spend[:, 0], orders[:, 0]
        orders = noisy_orders(orders, z[HOURS + 2], learn, cv_floor=ORDER_CV_FLOOR, learn_factor=LEARN_NOISE)
        return outcome_columns(spend, orders * self.aov, orders, self.cpm, self.ctr)

    # ------------------------------------------------------------------ the day, hour by hour
    def _day(
        self, idx: np.ndarray, t: int, budget: np.ndarray, bid: np.ndarray, learning: np.ndarray, z: np.ndarray | None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Spend and orders ``(len(idx), k)``; ``z`` the realised day's normals or ``None`` (noise-free)."""
        col = lambda a: a[idx][:, None]  # noqa: E731
        w = (self.start_weekday + t) % 7
        sigma, kind = col(self.sigma), col(self.kind)
        learn = np.asarray(learning, dtype=bool)
        lv = np.where(learn, col(self.learn_volume), 1.0)
        lc = np.where(learn, col(self.learn_conversion), 1.0)
        units = col(self.units) * col(self.volume_weekday[:, w]) * np.exp(col(self.volume_drift) * t) * lv
        price = col(self.median_price) * np.exp(col(self.price_drift) * t)
        shape = self.shape[idx]
        if z is not None:
            noise = np.where(learn, LEARN_NOISE, 1.0)
            day_sd = col(self.day_sd) * noise
            units = units * np.exp(day_sd * z[HOURS][idx][:, None] - day_sd**2 / 2)
            hourly = np.exp(HOUR_SD * z[:HOURS][:, idx].T - HOUR_SD**2 / 2)  # (len(idx), 24)
            shape = shape * hourly
            price = price * np.exp(PRICE_SD * z[HOURS + 1][idx][:, None])
        with np.errstate(invalid="ignore", divide="ignore"):
            stated = np.where(np.isfinite(bid) & (bid > 0), bid, col(self.open_bid))
            b_cap = np.where(
                kind == 1,
                col(self.theta) * stated,
                np.where(kind == 2, col(self.theta) * col(self.aov) / stated, price * np.exp(col(self.zeta) * sigma)),
            )
            z_cap = np.log(b_cap / price) / sigma
        psi = col(self.psi)
        z_cap = np.where(np.isfinite(z_cap), z_cap, Z_LOW)
        full = _unit_spend(z_cap, price, sigma, psi)  # spend per unit on offer at b_cap
        forecast = self.forecast[idx]
        left_share = np.cumsum(forecast[:, ::-1], axis=1)[:, ::-1]  # sum_{j >= h} f_j
        fast = col(self.fast)
        remaining = np.where(budget > 0, budget, 0.0).astype(float)
        shape_all = np.broadcast(remaining, units).shape
        offer = np.empty(shape_all + (HOURS,))
        spent = np.empty(shape_all + (HOURS,))
        for h in range(HOURS):  # the pacer: sequential in the budget left
            offer[..., h] = units * shape[:, h : h + 1]
            cap_h = offer[..., h] * full
            with np.errstate(invalid="ignore", divide="ignore"):
                paced = np.where(
                    forecast[:, h : h + 1] > 0, remaining * forecast[:, h : h + 1] / left_share[:, h : h + 1], 0.0
                )
            paced = np.where(np.isinf(remaining), np.inf, paced)
            out = np.minimum(np.where(fast, remaining, paced), cap_h)
            spent[..., h] = np.where(np.isfinite(out) & (out > 0), out, 0.0)
            remaining = remaining - spent[..., h]
        with np.errstate(invalid="ignore", divide="ignore"):
            need = np.where(offer > 0, spent / offer, 0.0)
        grid = lambda a: np.broadcast_to(a[..., None], need.shape)  # noqa: E731
        z = _shaded_bid(need, grid(np.broadcast_to(z_cap, shape_all)), grid(price), grid(sigma), grid(psi))
        orders = np.where(spent > 0, offer * _ndtr(z), 0.0).sum(axis=-1)
        spend = spent.sum(axis=-1)
        orders = orders * col(self.conversion_weekday[:, w]) * lc
        return spend, orders
