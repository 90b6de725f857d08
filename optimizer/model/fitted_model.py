"""A fitted response model: forecasts of spend and GMV at any budget and bid.

``optimizer.model.fit`` estimates the parameters; ``FittedModel`` holds them and
answers ``ResponseModel.predict`` for the solver, the reasons and the report.
The formulation (delivery, efficiency, forecast) is in ``optimizer.model.fit``'s
docstring.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from optimizer.model.normal import ncdf
from optimizer.model.response import Forecast

__all__ = ["FittedModel"]


@dataclass(frozen=True)
class FittedModel:
    """The fitted response of ``n`` campaigns; implements ``ResponseModel``.

    Arrays are ``(n,)`` in ``campaign_ids`` order (the ``History`` order) unless
    noted. ``dow_volume`` / ``dow_roi`` are ``(n, 7)`` log effects by weekday.
    """

    account_ids: np.ndarray
    ids: np.ndarray
    bid_type: np.ndarray
    effective_date: dt.date
    ref_bid: np.ndarray  # b_i, NaN for none
    ref_spend: np.ndarray  # s_i, the centre of x for none
    mu: np.ndarray  # log demand at the current bid on the last day of history
    sigma: np.ndarray
    mu_cov: np.ndarray  # (n, 3, 3) posterior covariance of (mu, gamma, trend)
    gamma: np.ndarray  # bid elasticity of volume (0 for none)
    trend: np.ndarray  # daily log growth of demand
    alpha: np.ndarray  # log ROI at the campaign's mean fill and bid
    beta: np.ndarray  # elasticity of ROI to the fill ratio (spend / demand), in [-0.95, 0]
    beta_bid: np.ndarray  # elasticity of ROI to the bid (0 for none)
    roi_trend: np.ndarray  # daily log growth of ROI
    x_mean: np.ndarray  # (n, 3) centre of (log fill, log bid / ref bid, day)
    cov: np.ndarray  # (n, 4, 4) posterior covariance of (alpha, beta, beta_bid, roi_trend)
    dow_volume: np.ndarray
    dow_roi: np.ndarray
    pooling_weight: np.ndarray  # share of alpha's posterior precision that came from the prior, in [0, 1]
    days: np.ndarray  # days observed
    thin: np.ndarray  # bool: little or noisy history
    bid_locked: np.ndarray  # bool: keeps its bid (new or learning, or its bid still settling)
    bid_settling: np.ndarray  # bool: the bid changed fewer than [model] bid_settle_days days ago
    under_explored: np.ndarray  # bool: budget never varied while capped
    roi_noise_var: np.ndarray  # day-to-day variance of log ROI around the fit: mean = median x exp(var / 2)
    horizon: float = 1.0  # days from the last day of history to the effective date
    exploration_share: float = 0.0
    notes: dict = field(default_factory=dict)

    @property
    def campaign_ids(self) -> list[str]:
        return [str(x) for x in self.ids]

    def take(self, index: np.ndarray | list[int]) -> FittedModel:
        """The model of the campaigns at ``index`` (in that order): every ``(n, ...)`` array sliced."""
        from dataclasses import fields, replace

        index = np.asarray(index, dtype=np.int64)
        n = len(self.ids)
        updates = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, np.ndarray) and value.shape[:1] == (n,):
                updates[f.name] = value[index]
        return replace(self, **updates)

    def _log_demand(self, shift: np.ndarray, weekday: int) -> np.ndarray:
        """``(n, k)`` expected log demand on the effective date at bid ``ref_bid * exp(shift)``."""
        return (
            self.mu[:, None]
            + self.gamma[:, None] * shift
            + (self.trend * self.horizon)[:, None]
            + self.dow_volume[:, weekday][:, None]
        )

    def expected_spend(self, budget: np.ndarray, bid: np.ndarray) -> np.ndarray:
        """``(n, k)`` E[min(B, D)] at ``budget`` (inf = no cap, 0 = paused) and ``bid``."""
        weekday = self.effective_date.weekday()
        with np.errstate(divide="ignore", invalid="ignore"):
            shift = np.log(bid / self.ref_bid[:, None])
        shift = np.where(np.isfinite(shift), shift, 0.0)
        mu = self._log_demand(shift, weekday)
        sigma = self.sigma[:, None]
        mean = np.exp(mu + sigma**2 / 2)
        budget = np.asarray(budget, dtype=float)
        capped = np.isfinite(budget) & (budget > 0)
        log_b = np.log(np.where(capped, budget, 1.0))
        below = mean * ncdf((log_b - mu - sigma**2) / sigma) + np.where(capped, budget, 0.0) * (
            1 - ncdf((log_b - mu) / sigma)
        )
        spend = np.where(capped, below, np.where(budget > 0, mean, 0.0))
        return np.minimum(spend, np.where(np.isfinite(budget), budget, np.inf))

    def predict(self, budget: np.ndarray, bid: np.ndarray) -> Forecast:
        """``budget`` and ``bid`` ``(n, k)`` -> ``Forecast`` of ``(n, k)`` arrays (formulation: ``optimizer.model.fit``)."""
        budget = np.asarray(budget, dtype=float)
        bid = np.asarray(bid, dtype=float)
        if budget.ndim == 1:
            budget, bid = budget[:, None], bid[:, None]
        if budget.shape[0] != len(self.ids) or bid.shape != budget.shape:
            raise ValueError(f"budget {budget.shape} and bid {bid.shape} must be ({len(self.ids)}, k)")
        weekday = self.effective_date.weekday()
        spend = self.expected_spend(budget, bid)
        with np.errstate(divide="ignore", invalid="ignore"):
            x_bid = np.log(bid / self.ref_bid[:, None])
        x_bid = np.where(np.isfinite(x_bid), x_bid, 0.0)
        mu = self._log_demand(x_bid, weekday)
        sigma = self.sigma[:, None]
        capped = np.isfinite(budget) & (budget > 0)
        a = (np.log(np.where(capped, budget, 1.0)) - mu) / sigma
        phi = np.exp(-0.5 * a**2) / np.sqrt(2 * np.pi)
        # E[log min(B, D) - log D] = -E[(log D - log B)^+]
        log_fill = np.where(capped, -(sigma * phi - sigma * a * (1 - ncdf(a))), 0.0)
        x1 = log_fill - self.x_mean[:, 0:1]
        x2 = x_bid - self.x_mean[:, 1:2]
        x3 = np.broadcast_to((self.horizon - self.x_mean[:, 2])[:, None], x1.shape)
        log_roi = (
            self.alpha[:, None]
            + self.beta[:, None] * x1
            + self.beta_bid[:, None] * x2
            + self.roi_trend[:, None] * x3
            + self.dow_roi[:, weekday][:, None]
            + 0.5 * self.roi_noise_var[:, None]  # the day's expected GMV, not its median (log-normal days)
        )
        gmv = np.where(spend > 0, spend * np.exp(np.minimum(log_roi, 20.0)), 0.0)
        var_roi = _quad_form(self.cov, (np.ones_like(x1), x1, x2, x3))
        var_level = _quad_form(self.mu_cov, (np.ones_like(x1), x_bid, np.full_like(x1, self.horizon)))
        with np.errstate(divide="ignore", invalid="ignore"):
            fill_cap = spend / np.where(np.isfinite(budget) & (budget > 0), budget, np.inf)
        uncapped = np.where(np.isfinite(budget), 1.0 - np.minimum(np.nan_to_num(fill_cap), 1.0), 1.0)
        # An uncertain demand level moves spend (uncapped) and the fill ratio (capped) alike.
        var = np.maximum(var_roi, 0) + (
            (uncapped * (1 + self.beta[:, None])) ** 2 + ((1 - uncapped) * self.beta[:, None]) ** 2
        ) * np.maximum(var_level, 0)
        gmv_sd = gmv * np.sqrt(var)
        return Forecast(spend=np.round(spend, 6), gmv=np.round(gmv, 6), gmv_sd=np.round(gmv_sd, 6))

    def marginal_roi(self, budget: np.ndarray, bid: np.ndarray, step: float = 0.01) -> np.ndarray:
        """``(n,)`` d gmv / d spend when the budget moves by ``step`` (relative) at ``(budget, bid)`` ``(n,)``."""
        budget = np.asarray(budget, dtype=float)
        bid = np.asarray(bid, dtype=float)
        finite = np.isfinite(budget) & (budget > 0)
        lo = np.where(finite, budget * (1 - step), budget)
        hi = np.where(finite, budget * (1 + step), budget)
        f = self.predict(np.stack([lo, hi], axis=1), np.stack([bid, bid], axis=1))
        dspend = f.spend[:, 1] - f.spend[:, 0]
        dgmv = f.gmv[:, 1] - f.gmv[:, 0]
        with np.errstate(divide="ignore", invalid="ignore"):
            mroi = np.where(dspend > 1e-6, dgmv / dspend, np.nan)
        # Uncapped or saturated campaigns: fall back to the average ROI times the curve's elasticity.
        avg = np.divide(f.gmv[:, 0], f.spend[:, 0], out=np.zeros(len(budget)), where=f.spend[:, 0] > 0)
        fallback = avg * (1 + self.beta)
        return np.where(np.isfinite(mroi), mroi, fallback)


def _quad_form(cov: np.ndarray, u: tuple[np.ndarray, ...]) -> np.ndarray:
    """``(n, k)`` ``u' cov u`` for ``cov`` ``(n, d, d)`` and ``d`` arrays ``(n, k)``."""
    out = np.zeros_like(u[0], dtype=float)
    for i, ui in enumerate(u):
        for j, uj in enumerate(u):
            out = out + ui * uj * cov[:, i, j][:, None]
    return out
