"""Family "cohort": audiences x creatives, filled best first, throttled by the target, tiring with use.

What ad-ops people see on Qianchuan: a plan runs on a few creative x audience
cohorts of very different quality; the system serves the best first and moves
to weaker ones as the budget grows; a CPA bid or ROI goal admits only cohorts
that can meet it, so a target set too tight makes volume fall off a cliff;
creatives tire as the same people see them, until a new one arrives; live
rooms convert better at weekends, search worse.

Equations, campaign ``i`` with cohorts ``j = 1..K_i`` (3-7) on day ``t``,
weekday ``w``, exposure load ``E`` (the state)::

    f      = 1 / (1 + phi_i * E)                        creative fatigue
    r_j    = r0_ij * conv_i[w] * f                      the cohort's ROI at its base price
    c_j    = aov_i / r_j                                its cost per order
    x_j    = ln(bid / c_j)          cpa                 how far the target admits the cohort
             ln(r_j / goal)         roi
             x0_i                   none (放量: every cohort, bid up by x0)
    e_j    = 1 / (1 + exp(-x_j / width_i))              throttle: a cliff when width is small
    k_j    = h_i * tanh(1.5 * max(x_j, 0))              extra reach bought by bidding above the cost
    P_j    = P0_ij * vol_i[w] * season[w] * exp(nu_i t) * e_j * (1 + k_j) * lv    pool, CNY/day
    q_j    = r_j * exp(-lam_i * max(x_j, 0))            ROI of the pool: the platform spends part
                                                        (lam_i 0.5-0.9) of the headroom on dearer traffic
    cap    = sum_j P_j                                  the most it can spend, whatever the budget
    spend  = min(u_i * B, cap)                          u_i 0.93-0.99 of the budget is used
    F      = sum_j q_(j) * clip(spend - sum_{l<j} P_(l), 0, P_(j))   best-first fill, q sorted down
    M      = spend * sum_j q_j P_j / cap                             a blind fill
    gmv    = beta * F + (1 - beta) * M                  beta_i 0.5-0.9; 0.15 while learning
    orders = gmv / aov_i

    state  E_{t+1} = delta * E_t + spend_t / cap0_i     (delta 0.85; cap0 the opening capacity)
           on a creative refresh day (t = phase_i mod R_i, R_i 7-21 days): E_{t+1} *= 0.3

An admitted cohort (``x_j >= 0``) costs ``c_j^(1-lam) bid^lam <= bid`` per
order, so a CPA plan's realised CPA is under its bid unless its bid admits
nothing, and an ROI plan's ROI is at or above its goal. The response is piecewise linear in the budget (a kink
per cohort), not a power law. Spending more tires the creatives faster.

Learning: ``L_i`` (2-5) days when a campaign appears and after its budget moves
by more than ``x_i`` (20-50 %, up or down) or its bid by more than ``y_i``
(10-30 %) from the day's opening value; while learning the system explores
(``beta`` 0.15), finds less (``lv`` 0.7) and is noisier (x1.5).

Noise of a realised day, from ``(seed, t)``: a log-normal shock on the pools
(log-sd 0.08-0.22) and orders log-normal with coefficient of variation
``min(0.3, sqrt(1/orders + 0.12^2))``. Attribution: the preset's maturity
raised to a per-campaign power (live 0.5-1.0: fast; video 0.9-1.8: slow;
search 0.8-1.4), so it still completes on the preset's last day.

Hidden parameters come from each campaign's budget, bid, bid type, channel
and the seed: the best cohort's ROI is 2.2-7 and each next one keeps 60-92 %
of it; a CPA bid (ROI goal) sits somewhere inside the cohorts' costs (ROIs),
ROI 1.4-4.5 at a CPA bid (sets ``aov``); the capacity its opening bid admits =
budget x 0.5-2.2, split over the cohorts.
"""

from __future__ import annotations

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

__all__ = ["CohortMarket"]

MAX_COHORTS = 7
DELTA = 0.85
REFRESH_KEEP = 0.3
LEARN_BETA = 0.15
LEARN_POOL = 0.7
LEARN_NOISE = 1.5
ORDER_CV_FLOOR = 0.12
_MATURITY_POWER = {"qianchuan.live": (0.5, 1.0), "qianchuan.video": (0.9, 1.8), "qianchuan.search": (0.8, 1.4)}


@dataclass(frozen=True)
class CohortMarket(EditResets):
    """Hidden parameters, one entry per campaign (``(n,)``, cohorts ``(n, 7)``); see the module docstring."""

    kind: np.ndarray
    open_bid: np.ndarray
    roi0: np.ndarray  # (n, 7) cohort ROI, best first; unused cohorts 0
    pool0: np.ndarray  # (n, 7) cohort pool CNY/day; unused cohorts 0
    aov: np.ndarray
    width: np.ndarray
    reach: np.ndarray  # h
    spend_up: np.ndarray  # lam
    x_none: np.ndarray
    use: np.ndarray  # u
    beta: np.ndarray
    fatigue: np.ndarray  # phi
    capacity0: np.ndarray
    refresh_every: np.ndarray  # int
    refresh_phase: np.ndarray  # int
    volume_drift: np.ndarray
    volume_weekday: np.ndarray  # (n, 7), season included
    conversion_weekday: np.ndarray  # (n, 7)
    budget_reset: np.ndarray
    bid_reset: np.ndarray
    days_learning: np.ndarray
    pool_sd: np.ndarray
    maturity_power: np.ndarray
    load0: np.ndarray  # opening exposure load
    cpm: np.ndarray
    ctr: np.ndarray
    maturity_table: tuple[float, ...]
    start_weekday: int
    name: str = "cohort"

    @classmethod
    def build(cls, scenario: Scenario, seed: int) -> CohortMarket:
        rows = []
        for c in scenario.campaigns:
            rng = campaign_rng(seed, c.campaign_id, "cohort")
            k = int(rng.integers(3, MAX_COHORTS + 1))
            keep = rng.uniform(0.6, 0.92, size=k - 1)
            ladder = np.concatenate([[1.0], np.cumprod(keep)])  # ROI relative to the best cohort
            aov = float(np.exp(rng.uniform(np.log(40), np.log(400))))
            if c.bid_type == "cpa":
                aov = float(c.bid) * float(np.exp(rng.uniform(np.log(1.4), np.log(4.5))))  # type: ignore[arg-type]
            place = float(rng.uniform(0.3, k - 0.7))  # where the target sits among the cohorts
            rel = float(np.exp(np.interp(place, np.arange(k), np.log(ladder))))
            if c.bid_type == "cpa":
                top = aov / float(c.bid) / rel  # type: ignore[arg-type]  # cohort ROI at the bid = aov / bid
            elif c.bid_type == "roi":
                top = float(c.bid) / rel  # type: ignore[arg-type]
            capacity = c.budget * float(np.exp(rng.uniform(np.log(0.5), np.log(2.2))))
            split = rng.dirichlet(np.full(k, 2.0))
            width, reach = float(rng.uniform(0.03, 0.15)), float(rng.uniform(0.1, 0.8))
            x_none, spend_up = float(rng.uniform(0.3, 1.0)), float(rng.uniform(0.5, 0.9))
            fatigue = float(rng.uniform(0.01, 0.05))
            old = c.start_day <= -scenario.history_days
            load0 = 0.5 * min(1.0, 1.0 / (c.budget / capacity)) / (1 - DELTA) if old else 0.0
            tired = 1.0 / (1.0 + fatigue * load0)  # the targets below hold for the opening fatigue
            if c.bid_type == "none":  # the best cohort's ROI at max delivery is 2.2-7
                top = float(np.exp(rng.uniform(np.log(2.2), np.log(7.0)) + spend_up * x_none))
            top = float(np.clip(top / tired, 0.3, 100.0))
            roi0, pool0 = np.zeros(MAX_COHORTS), np.zeros(MAX_COHORTS)
            roi0[:k] = top * ladder
            if c.bid_type == "cpa":
                x = np.log(float(c.bid) / (aov / (roi0[:k] * tired)))  # type: ignore[arg-type]
            elif c.bid_type == "roi":
                x = np.log(roi0[:k] * tired / float(c.bid))  # type: ignore[arg-type]
            else:
                x = np.full(k, x_none)
            admitted = split / (1 + np.exp(np.clip(-x / width, -50, 50)))
            admitted = admitted * (1 + reach * np.tanh(1.5 * np.maximum(x, 0)))
            pool0[:k] = split * capacity / admitted.sum()  # the opening bid admits ``capacity``
            vol, conv = weekday_pattern(c.channel, rng, jitter=0.04)
            lo, hi = _MATURITY_POWER.get(c.channel, (0.8, 1.4))
            rows.append(
                dict(
                    kind=BID_KIND[c.bid_type],
                    open_bid=np.nan if c.bid is None else float(c.bid),
                    roi0=roi0,
                    pool0=pool0,
                    aov=aov,
                    width=width,
                    reach=reach,
                    spend_up=spend_up,
                    x_none=x_none,
                    use=float(rng.uniform(0.93, 0.99)),
                    beta=float(rng.uniform(0.5, 0.9)),
                    fatigue=fatigue,
                    capacity0=capacity,
                    refresh_every=int(rng.integers(7, 22)),
                    refresh_phase=int(rng.integers(0, 22)),
                    volume_drift=float(rng.uniform(-0.008, 0.008)),
                    volume_weekday=vol * np.array(scenario.weekday) / np.mean(scenario.weekday),
                    conversion_weekday=conv,
                    budget_reset=float(rng.uniform(0.2, 0.5)),
                    bid_reset=float(rng.uniform(0.1, 0.3)),
                    days_learning=int(rng.integers(2, 6)),
                    pool_sd=float(rng.uniform(0.08, 0.22)),
                    maturity_power=float(np.exp(rng.uniform(np.log(lo), np.log(hi)))),
                    load0=load0,
                    cpm=float(rng.uniform(20, 90)),
                    ctr=float(rng.uniform(0.005, 0.05)),
                )
            )
        fields = stack_rows(rows, ("kind", "refresh_every", "refresh_phase", "days_learning"))
        return cls(**fields, maturity_table=tuple(scenario.maturity), start_weekday=scenario.start_date.weekday())

    # ------------------------------------------------------------------ protocol
    def initial_state(self) -> State:
        return {"load": self.load0.astype(float).copy()}

    def next_state(self, t: int, state: State, outcome: dict[str, np.ndarray]) -> State:
        load = DELTA * state["load"] + np.asarray(outcome["spend"], dtype=float) / self.capacity0
        refresh = (t - self.refresh_phase) % self.refresh_every == 0
        return {"load": np.where(refresh, load * REFRESH_KEEP, load)}

    def maturity(self, age: int) -> np.ndarray:
        share = self.maturity_table[min(age, len(self.maturity_table) - 1)]
        return np.asarray(share, dtype=float) ** self.maturity_power

    def expected(
        self, idx: np.ndarray, t: int, budget: np.ndarray, bid: np.ndarray, learning: np.ndarray, state: State
    ) -> tuple[np.ndarray, np.ndarray]:
        spend, gmv = self._day(idx, t, budget, bid, learning, state, None)
        return spend, gmv

    def realised(
        self, t: int, budget: np.ndarray, bid: np.ndarray, learning: np.ndarray, state: State, seed: int
    ) -> dict[str, np.ndarray]:
        n = self.kind.shape[0]
        rng = np.random.default_rng([int(seed) & 0xFFFFFFFF, int(t) + 3_000_000, 2])
        z = rng.standard_normal((2, n))
        learn = learning.astype(bool)
        spend, gmv = self._day(np.arange(n), t, budget[:, None], bid[:, None], learn[:, None], state, z[0])
        spend, gmv = spend[:, 0], gmv[:, 0]
        orders = gmv / self.aov
        orders = noisy_orders(orders, z[1], learn, cv_floor=ORDER_CV_FLOOR, learn_factor=LEARN_NOISE)
        return outcome_columns(spend, orders * self.aov, orders, self.cpm, self.ctr)

    # ------------------------------------------------------------------ the day
    def _day(
        self,
        idx: np.ndarray,
        t: int,
        budget: np.ndarray,
        bid: np.ndarray,
        learning: np.ndarray,
        state: State,
        z: np.ndarray | None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Spend and GMV ``(len(idx), k)``; ``z`` the day's pool shock or ``None`` (noise-free)."""
        col = lambda a: a[idx][:, None]  # noqa: E731
        w = (self.start_weekday + t) % 7
        learn = np.asarray(learning, dtype=bool)
        fatigue = 1.0 / (1.0 + self.fatigue[idx] * state["load"][idx])
        roi = self.roi0[idx] * (self.conversion_weekday[idx, w] * fatigue)[:, None]  # (m, 7)
        exists = self.pool0[idx] > 0
        kind = col(self.kind)[..., None]  # (m, 1, 1)
        with np.errstate(invalid="ignore", divide="ignore"):
            stated = np.where(np.isfinite(bid) & (bid > 0), bid, col(self.open_bid))[..., None]  # (m, k, 1)
            cost = np.where(exists, col(self.aov) / roi, np.inf)[:, None, :]  # (m, 1, 7)
            x = np.where(
                kind == 1,
                np.log(stated / cost),
                np.where(kind == 2, np.log(roi[:, None, :] / stated), col(self.x_none)[..., None]),
            )
        x = np.where(exists[:, None, :], x, -np.inf)
        width = col(self.width)[..., None]
        admitted = 1.0 / (1.0 + np.exp(np.clip(-x / width, -50, 50)))
        extra = col(self.reach)[..., None] * np.tanh(1.5 * np.maximum(x, 0.0))
        scale = self.pool0[idx] * (self.volume_weekday[idx, w] * np.exp(self.volume_drift[idx] * t))[:, None]
        if z is not None:
            sd = self.pool_sd[idx] * np.where(learn[:, 0], LEARN_NOISE, 1.0)
            scale = scale * np.exp(sd * z[idx] - sd**2 / 2)[:, None]
        pool = scale[:, None, :] * admitted * (1.0 + extra) * np.where(learn, LEARN_POOL, 1.0)[..., None]
        quality = roi[:, None, :] * np.exp(-col(self.spend_up)[..., None] * np.maximum(x, 0.0))
        cap = pool.sum(axis=2)
        spend = np.minimum(np.where(budget > 0, budget, 0.0) * col(self.use), cap)
        order = np.argsort(-quality, axis=2, kind="stable")
        pool_s = np.take_along_axis(pool, order, axis=2)
        quality_s = np.take_along_axis(quality, order, axis=2)
        before = np.cumsum(pool_s, axis=2) - pool_s
        fill = np.clip(spend[..., None] - before, 0.0, pool_s)
        best_first = (quality_s * fill).sum(axis=2)
        with np.errstate(invalid="ignore", divide="ignore"):
            blind = np.where(cap > 0, spend * (quality * pool).sum(axis=2) / cap, 0.0)
        beta = np.where(learn, LEARN_BETA, col(self.beta))
        gmv = beta * best_first + (1.0 - beta) * blind
        return spend, gmv
