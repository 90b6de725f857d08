"""The efficiency half of ``fit``: a weighted Bayesian regression of log ROI.

The formulation is in ``optimizer.model.fit``'s docstring (**Efficiency**,
**Partial pooling**). Input: the prepared ``Days`` and the fitted ``Delivery``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from optimizer.model.normal import mills
from optimizer.model.pooling import (
    DEFAULT_SLOPE,
    PRIOR_SLOPE_WEIGHT,
    SLOPE_BOUNDS,
    TAU_ALPHA_MIN,
    TAU_BETA,
    TAU_TREND,
    dow_effect,
    group_mean,
    trend_prior,
)

if TYPE_CHECKING:
    from optimizer.model.delivery import Delivery
    from optimizer.model.features import History
    from optimizer.model.fit import Days
    from optimizer.settings import ModelSettings

__all__ = ["MAX_NOISE_VAR", "Efficiency", "RoiDesign", "fit_efficiency", "roi_design"]

MAX_NOISE_VAR = 0.25
"""Cap on a campaign's day-to-day log ROI variance in the mean correction (sd 0.5: at most +13 %)."""


class RoiDesign(NamedTuple):
    """The weighted regression of log ROI: response, weights and centred regressors."""

    weight: np.ndarray  # (n, T)
    X: np.ndarray  # (n, T, 4)
    XtWX: np.ndarray  # (n, 4, 4)
    XtWy: np.ndarray  # (n, 4)
    ybar: np.ndarray  # (n,)
    S0: np.ndarray  # (n,) total weight
    x_mean: np.ndarray  # (n, 3)
    r0: np.ndarray  # (n,) account ROI
    ref_spend: np.ndarray  # (n,)
    dow_roi: np.ndarray  # (n_accounts, 7)
    y: np.ndarray  # (n, T) log ROI less the weekday effect


class Efficiency(NamedTuple):
    alpha: np.ndarray
    beta: np.ndarray
    beta_bid: np.ndarray
    roi_trend: np.ndarray
    cov: np.ndarray
    pooling_weight: np.ndarray
    noise_var: np.ndarray  # (n,) residual variance of a mature day's log ROI around the fit


def roi_design(h: History, d: Days, delivery: Delivery) -> RoiDesign:
    """Efficiency: y = log ROI (smoothed towards the account ROI on tiny days) on fill and bid."""
    n = h.n
    obs, spend, gmv, acct, mean_spend, recency = d.obs, d.spend, d.gmv, d.acct, d.mean_spend, d.recency
    n_days = len(h.dates)
    acct_spend = np.bincount(acct, np.where(obs, spend, 0).sum(axis=1))
    acct_gmv = np.bincount(acct, gmv.sum(axis=1))
    r0 = (acct_gmv / np.maximum(acct_spend, 1e-9))[acct]
    r0 = np.where(r0 > 0, r0, 1.0)
    s0 = 0.05 * mean_spend
    y = np.log((gmv + r0[:, None] * s0[:, None]) / (spend + s0[:, None]))
    weight = np.where(
        obs, (recency * h.maturity**2)[None, :] * np.minimum(1.0, spend / (0.2 * mean_spend[:, None])), 0.0
    )
    ref_spend_log = (weight * d.log_spend).sum(axis=1) / np.maximum(weight.sum(axis=1), 1e-9)
    ref_spend = np.where(
        weight.sum(axis=1) > 0,
        np.exp(ref_spend_log),
        np.where(d.days > 0, np.maximum(mean_spend, 1.0), np.maximum(d.anchor, 1.0)),
    )

    # Weekday effect on log ROI: residuals from each campaign's weighted mean, mature days only.
    S0 = weight.sum(axis=1)
    ybar0 = (weight * y).sum(axis=1) / np.maximum(S0, 1e-9)
    mature = (h.maturity >= 0.98)[None, :]  # immature days would mix attribution lag into the weekday effect
    dow_roi_acct = dow_effect(acct, h.weekday, y - ybar0[:, None], np.where(mature, weight, 0.0))
    y = y - dow_roi_acct[acct][:, h.weekday]

    # Regressors, centred on each campaign's weighted mean: log fill (spend / expected demand), log bid.
    # An uncapped day spent its whole demand (fill 1); a capped day's demand is above its spend, by
    # E[z - log s | z > log s] under the fitted delivery model (the truncated-normal mean).
    z, mean_d, xb = delivery.z, delivery.mean_d, d.xb
    sd_all = np.sqrt(delivery.sig2)[:, None]
    excess = sd_all * mills((z - mean_d) / sd_all) - (z - mean_d)  # E[z | z > z_t] - z_t >= 0
    log_fill = np.where(delivery.cens, -excess, 0.0)
    ages = np.broadcast_to(d.age, (n, n_days))
    x_mean = (
        np.stack([(weight * log_fill).sum(1), (weight * xb).sum(1), (weight * ages).sum(1)], axis=1)
        / np.maximum(S0, 1e-9)[:, None]
    )
    X = np.stack([np.ones_like(y), log_fill - x_mean[:, :1], xb - x_mean[:, 1:2], ages - x_mean[:, 2:]], axis=2)
    X = np.where(obs[:, :, None], X, 0.0)  # (n, T, 4)
    XtWX = np.einsum("nt,nti,ntj->nij", weight, X, X)
    XtWy = np.einsum("nt,nti,nt->ni", weight, X, y)
    ybar = XtWy[:, 0] / np.maximum(S0, 1e-9)
    return RoiDesign(
        weight=weight,
        X=X,
        XtWX=XtWX,
        XtWy=XtWy,
        ybar=ybar,
        S0=S0,
        x_mean=x_mean,
        r0=r0,
        ref_spend=ref_spend,
        dow_roi=dow_roi_acct,
        y=y,
    )


def _slope_bounds(h: History) -> tuple[np.ndarray, np.ndarray]:
    lo = np.array([SLOPE_BOUNDS.get(t, (-2, 2))[0] for t in h.bid_type])
    hi = np.array([SLOPE_BOUNDS.get(t, (-2, 2))[1] for t in h.bid_type])
    return lo, hi


def _pooled_slopes(h: History, d: Days, r: RoiDesign) -> np.ndarray:
    """``(n, 2)`` slopes (fill, bid) pooled per account and bid type (within-campaign), shrunk to the defaults."""
    n = h.n
    acct_type, XtWX, XtWy = d.acct_type, r.XtWX, r.XtWy
    prior_b = np.stack(
        [
            np.full(n, DEFAULT_SLOPE["none"]),
            np.array([DEFAULT_SLOPE.get(t, 0.0) if t != "none" else 0.0 for t in h.bid_type]),
        ],
        axis=1,
    )
    k_types = int(acct_type.max()) + 1
    pooled_A = np.zeros((k_types, 2, 2))
    pooled_r = np.zeros((k_types, 2))
    np.add.at(pooled_A, acct_type, XtWX[:, 1:3, 1:3])
    np.add.at(pooled_r, acct_type, XtWy[:, 1:3] - XtWX[:, 1:3, :1][:, :, 0] * r.ybar[:, None])
    prior_mean_t = np.zeros((k_types, 2))
    np.add.at(prior_mean_t, acct_type, prior_b)
    prior_mean_t /= d.type_count[:, None]
    pooled_A += PRIOR_SLOPE_WEIGHT * np.eye(2)
    pooled_r += PRIOR_SLOPE_WEIGHT * prior_mean_t
    slope0 = np.linalg.solve(pooled_A, pooled_r[:, :, None])[:, :, 0][acct_type]
    lo, hi = _slope_bounds(h)
    slope0[:, 0] = np.clip(slope0[:, 0], *SLOPE_BOUNDS["none"])
    slope0[:, 1] = np.where(d.none, 0.0, np.clip(slope0[:, 1], lo, hi))
    return slope0


def fit_efficiency(h: History, d: Days, r: RoiDesign, model: ModelSettings) -> Efficiency:
    """Posterior of (alpha, beta_fill, beta_bid, roi_trend) with empirical-Bayes priors."""
    n = h.n
    obs, acct, group, acct_type, none, shrink = d.obs, d.acct, d.group, d.acct_type, d.none, d.shrink
    S0, ybar, X, XtWX, XtWy = r.S0, r.ybar, r.X, r.XtWX, r.XtWy
    slope0 = _pooled_slopes(h, d, r)
    lo, hi = _slope_bounds(h)

    # Noise variance per campaign, pooled with its group (3 pseudo-days).
    resid0 = np.where(obs, r.y - ybar[:, None] - np.einsum("nti,ni->nt", X[:, :, 1:3], slope0), 0.0)
    rss = (r.weight * resid0**2).sum(axis=1)
    group_var, _ = group_mean(group, rss / np.maximum(S0, 1e-9), S0)
    group_var = np.maximum(group_var, 0.01)
    sigma_y2 = (rss + 3.0 * group_var) / (S0 + 3.0)

    # Intercept prior: group mean, shrunk to the account-and-type mean; tau^2 by moments.
    v_i = sigma_y2 / np.maximum(S0, 1e-9)
    has = S0 > 0
    prec = np.where(has, 1.0 / (v_i + 0.05), 0.0)
    m_group, _ = group_mean(group, ybar, prec)
    m_acct, _ = group_mean(acct_type, ybar, prec)
    n_group = np.bincount(group, has.astype(float))[group]
    m_prior = (n_group * m_group + 3.0 * m_acct) / (n_group + 3.0)
    m_prior = np.where(np.isfinite(m_prior), m_prior, np.log(r.r0))
    dev2, _ = group_mean(acct_type, (ybar - m_prior) ** 2 - v_i, has.astype(float))
    tau_alpha2 = np.maximum(dev2, TAU_ALPHA_MIN**2) / shrink
    tau_beta2 = TAU_BETA**2 / shrink

    # Posterior of (alpha, beta_fill, beta_bid, roi_trend): 4x4 Bayesian linear regression.
    prior_prec3 = np.zeros((n, 4, 4))
    prior_prec3[:, 0, 0] = 1.0 / tau_alpha2
    prior_prec3[:, 1, 1] = 1.0 / tau_beta2
    prior_prec3[:, 2, 2] = np.where(none, 1e6, 1.0 / tau_beta2)
    prior_prec3[:, 3, 3] = 1.0 / TAU_TREND**2
    prior_mean3 = np.column_stack([m_prior, slope0, np.zeros(n)])

    def posterior(prior_prec):
        P = XtWX / sigma_y2[:, None, None] + prior_prec
        rhs = XtWy / sigma_y2[:, None] + np.einsum("nij,nj->ni", prior_prec, prior_mean3)
        cov = np.linalg.inv(P)
        return P, cov, np.einsum("nij,nj->ni", cov, rhs)

    P, cov, theta = posterior(prior_prec3)
    prior_prec3[:, 3, 3] = 1.0 / (
        trend_prior(acct, theta[:, 3], cov[:, 3, 3], d.days >= model.min_history_days, TAU_TREND**2) / shrink
    )
    P, cov, theta = posterior(prior_prec3)
    return Efficiency(
        alpha=theta[:, 0],
        beta=np.clip(theta[:, 1], *SLOPE_BOUNDS["none"]),
        beta_bid=np.where(none, 0.0, np.clip(theta[:, 2], lo, hi)),
        roi_trend=theta[:, 3],
        cov=cov,
        pooling_weight=(1.0 / tau_alpha2) / P[:, 0, 0],
        noise_var=np.minimum(sigma_y2, MAX_NOISE_VAR),
    )
