"""History -> a response model per campaign, with partial pooling (the ``fit`` stage).

Data (``features.History``): for campaign ``i`` and day ``t``: spend ``s``,
lag-corrected GMV ``g``, budget ``B`` (``inf`` = no cap), bid ``b``, weekday
``w(t)``, a censoring flag ``c`` (spend reached the cap) and the share ``m`` of
the day's GMV already reported. Every step is a vectorised sum over ``(n, T)``
arrays; no per-campaign optimizer loop.

**Delivery (how much a campaign can spend).** The demand a campaign would spend
uncapped on a day is log-normal::

    log D_it = mu_i + gamma_i * (log b_it - log b_i) + kappa_i * u_t + dv[a, w(t)] + eps,  eps ~ N(0, sigma_i^2)

with ``b_i`` the current bid (``none``: no bid term), ``gamma_i`` the
campaign's bid elasticity of volume (CPA bid up -> more delivery; ROI target up
-> less), ``u_t`` the day's age (0 on the last day of history, negative
before), ``kappa_i`` the campaign's daily trend (curves drift: a campaign
growing 2 % a day is 20 % above its recency-weighted mean), and ``dv`` an
account's weekday effect. Spend is ``min(B, D)``: a capped day (``c = 1``) says
only ``D >= s``. ``theta_i = (mu_i, gamma_i, kappa_i)`` and ``sigma_i`` are
fitted by EM for the censored normal (Tobit), each M step a batched 3x3
Bayesian regression, days weighted by recency ``r_t = 0.5^(age / [model]
half_life_days)``. Priors: ``mu_i ~ N(log(1.5 max B_i), 0.7^2)`` (a campaign
capped on every day gets a finite, modest headroom; one with no row at all is
anchored on its budget today), ``gamma_i ~ N(gamma_k, 0.5^2)`` with ``gamma_k``
pooled per account and bid type from uncensored days with bid moves and shrunk
to a structural default (the local elasticity: volume saturates as bids rise,
so a campaign that has moved its bid learns its own), ``kappa_i ~ N(0,
tau_kappa^2)`` with ``tau_kappa`` the account's spread of trends beyond noise
(empirical Bayes from a first pass with a wide prior; an account without drift
gets almost none). The expected spend at budget ``B``::

    E[min(B, D)] = exp(mu + sigma^2/2) Phi((log B - mu - sigma^2)/sigma) + B (1 - Phi((log B - mu)/sigma))

is increasing and concave in ``B`` and never above ``B``.

**Efficiency (what spend earns).** With ``y_it = log((g + r0 s0) / (s + s0))``
(log ROI, smoothed towards the account ROI ``r0`` on tiny days)::

    y_it = alpha_i + beta_i * (f_it - fbar_i) + delta_i * (x_it - xbar_i) + rho_i * (u_t - ubar_i) + dr[a, w(t)] + e,
    e ~ N(0, sigma_y,i^2 / (m_t^2 r_t))

``f = log(s / D)`` is the log fill ratio: 0 on an uncapped day (it spent its
demand), ``-E[log D - log s | D > s]`` (the truncated-normal mean of the
delivery model) on a capped day; ``x = log(b / b_i)`` the bid move (0 for
``none``). So ``gmv = R * D * (s / D)^(1 + beta)``: the first yuan of a day buys
the best traffic (``beta`` in [-0.95, 0], concave in spend), and the bid moves
the ROI the platform delivers at (``delta``: CPA bid up -> ROI down, ROI
target up -> ROI up); ``rho_i`` is the ROI's daily trend. ``bars`` are the
campaign's weighted means, so ``alpha_i`` is the log ROI at its usual operating
point.

**Partial pooling (empirical Bayes).** ``alpha_i ~ N(m_g, tau_alpha^2)`` with
``m_g`` the mean of its (account, channel, bid type) group, itself shrunk
towards the account mean; ``tau_alpha^2`` by the method of moments across
campaigns (between-campaign variance minus mean sampling variance).
``(beta_i, delta_i) ~ N((beta_k, delta_k), tau_beta^2 I)`` with ``(beta_k, delta_k)``
the within-campaign pooled slopes of the account and bid type, shrunk towards
structural defaults (``DEFAULT_SLOPE``); ``rho_i ~ N(0, tau_rho^2)`` with
``tau_rho`` by empirical Bayes as for ``kappa``. ``[model] shrinkage``
multiplies the prior precisions. The posterior of ``(alpha_i, beta_i, delta_i,
rho_i)`` is the closed-form Bayesian linear regression (a batched 4x4 solve);
its covariance ``V_i`` gives ``gmv_sd`` by the delta method, ``sd(log gmv) =
sqrt(u' V u)`` with ``u = (1, f* - fbar, x* - xbar, u* - ubar)``, plus the
delivery level's uncertainty (``(1, x*, u*)`` through the delivery posterior).

**Forecast** on the effective date (weekday ``w*``, ``u*`` days after the last
day of history) at budget ``B``, bid ``b``::

    mu*   = mu_i + gamma_i (log b - log b_i) + kappa_i u* + dv[a, w*]
    spend = E[min(B, D)]
    f*    = E[log min(B, D) - log D] = -(sigma phi(a) - sigma a (1 - Phi(a))),  a = (log B - mu*)/sigma
    gmv   = spend * exp(alpha_i + beta_i (f* - fbar_i) + delta_i (x - xbar_i) + rho_i (u* - ubar_i) + dr[a, w*])

``gmv`` is the posterior median (no ``exp(var/2)`` optimism).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import numpy as np

from optimizer.model.fitted_model import FittedModel
from optimizer.model.normal import mills

if TYPE_CHECKING:
    from optimizer.model.features import History
    from optimizer.settings import ModelSettings

__all__ = ["fit"]

DEFAULT_SLOPE = {"none": -0.3, "cpa": -0.5, "roi": 0.8}
"""Structural prior of beta per bid type, used when the account's history cannot tell."""
SLOPE_BOUNDS = {"none": (-0.95, 0.0), "cpa": (-2.0, 0.5), "roi": (-0.5, 2.0)}
DEFAULT_GAMMA = {"none": 0.0, "cpa": 1.0, "roi": -1.5}
"""Structural prior of the bid elasticity of delivery volume per bid type."""
GAMMA_BOUNDS = {"none": (0.0, 0.0), "cpa": (0.2, 3.0), "roi": (-4.0, -0.2)}
TAU_BETA = 0.3
TAU_GAMMA = 0.5
"""Prior sd of a campaign's bid elasticity of volume around its account's (the curve flattens as bids rise)."""
TAU_TREND = 0.04
"""Widest prior sd of a campaign's daily log trend of demand and of ROI (the first, wide pass)."""
TAU_TREND_MIN = 0.001
"""Narrowest: an account whose campaigns show no trend beyond noise."""
PRIOR_SLOPE_WEIGHT = 4.0  # the structural default counts as this much within-campaign log-variation (x sd^2 * days)
TAU_ALPHA_MIN = 0.05
TOBIT_ITERATIONS = 40
HEADROOM = np.log(1.5)
HEADROOM_SD = 0.7


def _group_codes(*columns: np.ndarray) -> np.ndarray:
    import pandas as pd

    frame = pd.DataFrame({str(i): pd.Series(c, dtype=object) for i, c in enumerate(columns)})
    return frame.groupby(list(frame.columns), sort=True).ngroup().to_numpy()


def _group_mean(codes: np.ndarray, values: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Weighted mean of ``values`` within each code and the code's total weight, broadcast back to ``(n,)``."""
    size = codes.max() + 1 if len(codes) else 0
    num = np.bincount(codes, weights * values, minlength=size)
    den = np.bincount(codes, weights, minlength=size)
    return (num / np.where(den > 0, den, 1.0))[codes], den[codes]


def _unshrunk(
    post_mean: np.ndarray, post_var: np.ndarray, prior_mean: np.ndarray | float, prior_var: np.ndarray | float
) -> tuple[np.ndarray, np.ndarray]:
    """A normal posterior's data-only estimate and its sampling variance.

    With ``k = 1 - post_var / prior_var`` (the data's share of the precision):
    ``estimate = prior_mean + (post_mean - prior_mean) / k``, ``variance = post_var / k``.
    """
    k = np.clip(1.0 - post_var / prior_var, 1e-3, 1.0)
    return prior_mean + (post_mean - prior_mean) / k, post_var / k


def _trend_prior(
    codes: np.ndarray, estimate: np.ndarray, variance: np.ndarray, usable: np.ndarray, prior_var: float
) -> np.ndarray:
    """``(n,)`` prior variance of a daily trend: its account's spread of trends beyond their noise.

    ``estimate`` and ``variance`` are posteriors under the prior ``N(0, prior_var)``;
    undone (``_unshrunk``) they give each campaign's own estimate ``t`` and
    sampling variance ``s^2``; the method of moments over the account's
    campaigns with enough history gives ``tau^2 = mean(t^2 - s^2)``, kept in
    ``[TAU_TREND_MIN^2, TAU_TREND^2]``.
    """
    t, s2 = _unshrunk(estimate, variance, 0.0, prior_var)
    excess, _ = _group_mean(codes, t**2 - s2, usable.astype(float))
    return np.clip(excess, TAU_TREND_MIN**2, TAU_TREND**2)


def _dow_effect(codes: np.ndarray, weekday: np.ndarray, resid: np.ndarray, weight: np.ndarray, prior: float = 30.0):
    """``(n_accounts, 7)`` shrunk weighted mean residual per account and weekday (zero-mean over weekdays)."""
    n_acc = codes.max() + 1
    wd = np.broadcast_to(weekday[None, :], resid.shape)
    idx = codes[:, None] * 7 + wd
    ok = weight > 0
    num = np.bincount(idx[ok], (weight * resid)[ok], minlength=n_acc * 7).reshape(n_acc, 7)
    den = np.bincount(idx[ok], weight[ok], minlength=n_acc * 7).reshape(n_acc, 7)
    effect = num / (den + prior)
    # Only with at least three of every weekday (three weeks of usable days) is there an effect.
    used_days = ok.any(axis=0)
    per_weekday = np.bincount(weekday[used_days], minlength=7)
    if (per_weekday < 3).any():
        return np.zeros((n_acc, 7))
    return effect - effect.mean(axis=1, keepdims=True)


def fit(history: History, model: ModelSettings, effective_date: dt.date | None = None) -> FittedModel:
    """Fit the response model of every campaign in ``history`` (formulation in the module docstring)."""
    h = history
    n = h.n
    eff = effective_date or h.as_of
    obs = h.observed & np.isfinite(h.spend) & (h.spend > 0)
    spend = np.where(obs, h.spend, 1.0)
    gmv = np.where(obs, np.nan_to_num(h.gmv, nan=0.0), 0.0)
    acct = _group_codes(h.account_id)
    group = _group_codes(h.account_id, h.channel, h.bid_type)
    acct_type = _group_codes(h.account_id, h.bid_type)
    shrink = max(model.shrinkage, 1e-6)
    days = obs.sum(axis=1)
    none = h.bid_type == "none"
    log_spend = np.log(spend)
    mean_spend = np.where(days > 0, np.where(obs, spend, 0).sum(axis=1) / np.maximum(days, 1), 1.0)

    ref_bid = np.where(none, np.nan, h.current_bid)
    bid_now = np.where(np.isfinite(h.bid) & (h.bid > 0), h.bid, ref_bid[:, None])
    with np.errstate(divide="ignore", invalid="ignore"):
        x_bid = np.log(bid_now / ref_bid[:, None])
    xb = np.where(obs & ~none[:, None] & np.isfinite(x_bid), x_bid, 0.0)

    # ---- delivery: censored-normal EM on log spend, per campaign level, bid elasticity and trend
    gamma0 = np.array([DEFAULT_GAMMA.get(t, 0.0) for t in h.bid_type])
    cens = obs & h.censored
    unc = obs & ~h.censored
    n_days = len(h.dates)
    recency = 0.5 ** ((n_days - 1 - np.arange(n_days)) / model.half_life_days)  # curves drift: recent days count more
    age = np.arange(n_days) - (n_days - 1.0)  # days before the last day of history (0 on it)
    cnt = (obs * recency).sum(1)
    n_unc = unc.sum(1)
    # Prior mean of the bid elasticity of volume: pooled per account and bid type from uncensored days
    # with bid variation, shrunk to the structural default.
    xb_c = np.where(unc, xb - (xb * unc).sum(1, keepdims=True) / np.maximum(n_unc[:, None], 1), 0.0)
    zb_c = np.where(unc, log_spend - (log_spend * unc).sum(1, keepdims=True) / np.maximum(n_unc[:, None], 1), 0.0)
    type_count = np.maximum(np.bincount(acct_type), 1)
    g_num = (
        np.bincount(acct_type, (xb_c * zb_c).sum(1)) + PRIOR_SLOPE_WEIGHT * np.bincount(acct_type, gamma0) / type_count
    )
    g_den = np.bincount(acct_type, (xb_c**2).sum(1)) + PRIOR_SLOPE_WEIGHT
    g_lo = np.array([GAMMA_BOUNDS.get(t, (0, 0))[0] for t in h.bid_type])
    g_hi = np.array([GAMMA_BOUNDS.get(t, (0, 0))[1] for t in h.bid_type])
    gamma_pool = np.clip((g_num / g_den)[acct_type], g_lo, g_hi)
    z0 = log_spend - gamma_pool[:, None] * xb
    zmean0 = (z0 * unc).sum(1) / np.maximum(n_unc, 1)
    dow_vol_acct = _dow_effect(acct, h.weekday, np.where(unc, z0 - zmean0[:, None], 0.0), unc.astype(float))
    z = log_spend - dow_vol_acct[acct][:, h.weekday]

    with np.errstate(invalid="ignore"):
        budget_max = np.nanmax(np.where(obs & np.isfinite(h.budget), h.budget, np.nan), axis=1, initial=-np.inf)
    zmax = np.where(obs, z0, -np.inf).max(axis=1)
    m0 = np.where(np.isfinite(budget_max) & (budget_max > 0), np.log(np.maximum(budget_max, 1.0)), zmax) + HEADROOM
    # A campaign never seen spending (paused all along, just created): its budget today is the anchor.
    anchor = np.where(np.isfinite(h.current_budget) & (h.current_budget > 0), h.current_budget, mean_spend)
    m0 = np.where(np.isfinite(m0), m0, np.log(np.maximum(anchor, 1.0)) + HEADROOM)

    # log D_it = theta_i . (1, x_it, age_t) + eps: level at the current bid on the last day, the
    # campaign's own bid elasticity (prior: the pooled one) and its daily trend (prior: none).
    Xd = np.stack([np.ones((n, n_days)), xb, np.broadcast_to(age, (n, n_days))], axis=2)
    Xd = np.where(obs[:, :, None], Xd, 0.0)
    Pd = np.zeros((n, 3, 3))
    Pd[:, 0, 0] = 1.0 / HEADROOM_SD**2
    Pd[:, 1, 1] = np.where(none, 1e6, 1.0 / TAU_GAMMA**2)
    Pd[:, 2, 2] = 1.0 / TAU_TREND**2
    md = np.column_stack([m0, np.where(none, 0.0, gamma_pool), np.zeros(n)])
    Ad = np.einsum("t,nti,ntj->nij", recency, Xd, Xd)
    bd_unc = np.einsum("t,nti,nt->ni", recency, np.where(unc[:, :, None], Xd, 0.0), np.where(unc, z, 0.0))
    q_unc = np.where(unc, z * z * recency, 0.0).sum(1)
    rows, cols = np.nonzero(cens)
    z_cens = z[rows, cols]
    w_cens = recency[cols]
    X_cens = Xd[rows, cols]  # (m, 3)
    b_start = bd_unc + np.stack(
        [np.bincount(rows, w_cens * z_cens * X_cens[:, k], minlength=n) for k in range(3)], axis=1
    )
    theta_d = np.linalg.solve(Ad / 0.09 + Pd, (b_start / 0.09 + np.einsum("nij,nj->ni", Pd, md))[:, :, None])[:, :, 0]
    sig2 = np.full(n, 0.09)
    group_sig2 = 0.09
    info = np.einsum("nti,ntj->nij", np.where(unc[:, :, None], Xd, 0.0), Xd) + 0.25 * np.einsum(
        "nti,ntj->nij", np.where(cens[:, :, None], Xd, 0.0), Xd
    )

    def tobit(theta_d, sig2, prior_prec):
        for _ in range(TOBIT_ITERATIONS):
            sd = np.sqrt(sig2)
            m_c = np.einsum("mi,mi->m", X_cens, theta_d[rows])
            sd_c = sd[rows]
            lam = mills((z_cens - m_c) / sd_c)
            ez_c = m_c + sd_c * lam
            ez2_c = m_c**2 + sd_c**2 + sd_c * lam * (z_cens + m_c)
            b = bd_unc + np.stack(
                [np.bincount(rows, w_cens * ez_c * X_cens[:, k], minlength=n) for k in range(3)], axis=1
            )
            q = q_unc + np.bincount(rows, w_cens * ez2_c, minlength=n)
            lhs = Ad / sig2[:, None, None] + prior_prec
            rhs = b / sig2[:, None] + np.einsum("nij,nj->ni", prior_prec, md)
            theta_new = np.linalg.solve(lhs, rhs[:, :, None])[:, :, 0]
            ss = q - 2 * np.einsum("ni,ni->n", theta_new, b) + np.einsum("ni,nij,nj->n", theta_new, Ad, theta_new)
            sig2_new = np.clip((np.maximum(ss, 0.0) + 3.0 * group_sig2) / (cnt + 3.0), 0.02**2, 4.0)
            done = (
                np.max(np.abs(theta_new - theta_d), initial=0.0) < 1e-3
                and np.max(np.abs(sig2_new - sig2), initial=0.0) < 1e-4
            )
            theta_d, sig2 = theta_new, sig2_new
            if done:
                break
        # Uncertainty: every uncensored day counts fully, a capped one a quarter.
        return theta_d, sig2, np.linalg.inv(info / sig2[:, None, None] + prior_prec)

    # Empirical Bayes for the trend: a first pass with a wide prior, then the account's spread of
    # trends (method of moments) is the prior of the second; an account without drift gets none.
    theta_d, sig2, mu_cov = tobit(theta_d, sig2, Pd)
    # The account's bid elasticity: the precision-weighted mean of its campaigns' own (censoring handled
    # by the EM; a pool of uncensored days alone is biased low, a high bid being likelier to hit the cap),
    # with the structural default counted as one campaign.
    g_own, g_var = _unshrunk(theta_d[:, 1], mu_cov[:, 1, 1], md[:, 1], TAU_GAMMA**2)
    g_w = np.where(none | (days < model.min_history_days), 0.0, 1.0 / (g_var + TAU_GAMMA**2))
    g_pool = (np.bincount(acct_type, g_w * g_own) + np.bincount(acct_type, gamma0) / type_count / TAU_GAMMA**2) / (
        np.bincount(acct_type, g_w) + 1.0 / TAU_GAMMA**2
    )
    md[:, 1] = np.where(none, 0.0, np.clip(g_pool[acct_type], g_lo, g_hi))
    tau_trend2 = (
        _trend_prior(acct, theta_d[:, 2], mu_cov[:, 2, 2], days >= model.min_history_days, TAU_TREND**2) / shrink
    )
    Pd[:, 2, 2] = 1.0 / tau_trend2
    theta_d, sig2, mu_cov = tobit(theta_d, sig2, Pd)
    gamma = np.where(none, 0.0, np.clip(theta_d[:, 1], g_lo, g_hi))
    trend = theta_d[:, 2]
    mu = theta_d[:, 0]
    mean_d = np.einsum("nti,ni->nt", Xd, theta_d)  # fitted log demand per day (observed days)
    cnt = obs.sum(1)

    # ---- efficiency: y = log ROI (smoothed towards the account ROI on tiny days) on fill and bid
    acct_spend = np.bincount(acct, np.where(obs, spend, 0).sum(axis=1))
    acct_gmv = np.bincount(acct, gmv.sum(axis=1))
    r0 = (acct_gmv / np.maximum(acct_spend, 1e-9))[acct]
    r0 = np.where(r0 > 0, r0, 1.0)
    s0 = 0.05 * mean_spend
    y = np.log((gmv + r0[:, None] * s0[:, None]) / (spend + s0[:, None]))
    weight = np.where(
        obs, (recency * h.maturity**2)[None, :] * np.minimum(1.0, spend / (0.2 * mean_spend[:, None])), 0.0
    )
    ref_spend_log = (weight * log_spend).sum(axis=1) / np.maximum(weight.sum(axis=1), 1e-9)
    ref_spend = np.where(
        weight.sum(axis=1) > 0,
        np.exp(ref_spend_log),
        np.where(days > 0, np.maximum(mean_spend, 1.0), np.maximum(anchor, 1.0)),
    )

    # Weekday effect on log ROI: residuals from each campaign's weighted mean, mature days only.
    S0 = weight.sum(axis=1)
    ybar0 = (weight * y).sum(axis=1) / np.maximum(S0, 1e-9)
    mature = (h.maturity >= 0.98)[None, :]  # immature days would mix attribution lag into the weekday effect
    dow_roi_acct = _dow_effect(acct, h.weekday, y - ybar0[:, None], np.where(mature, weight, 0.0))
    y = y - dow_roi_acct[acct][:, h.weekday]

    # Regressors, centred on each campaign's weighted mean: log fill (spend / expected demand), log bid.
    # An uncapped day spent its whole demand (fill 1); a capped day's demand is above its spend, by
    # E[z - log s | z > log s] under the fitted delivery model (the truncated-normal mean).
    sd_all = np.sqrt(sig2)[:, None]
    excess = sd_all * mills((z - mean_d) / sd_all) - (z - mean_d)  # E[z | z > z_t] - z_t >= 0
    log_fill = np.where(cens, -excess, 0.0)
    ages = np.broadcast_to(age, (n, n_days))
    x_mean = (
        np.stack([(weight * log_fill).sum(1), (weight * xb).sum(1), (weight * ages).sum(1)], axis=1)
        / np.maximum(S0, 1e-9)[:, None]
    )
    X = np.stack([np.ones_like(y), log_fill - x_mean[:, :1], xb - x_mean[:, 1:2], ages - x_mean[:, 2:]], axis=2)
    X = np.where(obs[:, :, None], X, 0.0)  # (n, T, 4)
    XtWX = np.einsum("nt,nti,ntj->nij", weight, X, X)
    XtWy = np.einsum("nt,nti,nt->ni", weight, X, y)
    ybar = XtWy[:, 0] / np.maximum(S0, 1e-9)

    # Pooled slopes per account and bid type (within-campaign), shrunk to the structural defaults.
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
    np.add.at(pooled_r, acct_type, XtWy[:, 1:3] - XtWX[:, 1:3, :1][:, :, 0] * ybar[:, None])
    prior_mean_t = np.zeros((k_types, 2))
    np.add.at(prior_mean_t, acct_type, prior_b)
    prior_mean_t /= type_count[:, None]
    pooled_A += PRIOR_SLOPE_WEIGHT * np.eye(2)
    pooled_r += PRIOR_SLOPE_WEIGHT * prior_mean_t
    slope0 = np.linalg.solve(pooled_A, pooled_r[:, :, None])[:, :, 0][acct_type]
    lo = np.array([SLOPE_BOUNDS.get(t, (-2, 2))[0] for t in h.bid_type])
    hi = np.array([SLOPE_BOUNDS.get(t, (-2, 2))[1] for t in h.bid_type])
    slope0[:, 0] = np.clip(slope0[:, 0], *SLOPE_BOUNDS["none"])
    slope0[:, 1] = np.where(none, 0.0, np.clip(slope0[:, 1], lo, hi))

    # Noise variance per campaign, pooled with its group (3 pseudo-days).
    resid0 = np.where(obs, y - ybar[:, None] - np.einsum("nti,ni->nt", X[:, :, 1:3], slope0), 0.0)
    rss = (weight * resid0**2).sum(axis=1)
    group_var, _ = _group_mean(group, rss / np.maximum(S0, 1e-9), S0)
    group_var = np.maximum(group_var, 0.01)
    sigma_y2 = (rss + 3.0 * group_var) / (S0 + 3.0)

    # Intercept prior: group mean, shrunk to the account-and-type mean; tau^2 by moments.
    v_i = sigma_y2 / np.maximum(S0, 1e-9)
    has = S0 > 0
    prec = np.where(has, 1.0 / (v_i + 0.05), 0.0)
    m_group, _ = _group_mean(group, ybar, prec)
    m_acct, _ = _group_mean(acct_type, ybar, prec)
    n_group = np.bincount(group, has.astype(float))[group]
    m_prior = (n_group * m_group + 3.0 * m_acct) / (n_group + 3.0)
    m_prior = np.where(np.isfinite(m_prior), m_prior, np.log(r0))
    dev2, _ = _group_mean(acct_type, (ybar - m_prior) ** 2 - v_i, has.astype(float))
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
        r = XtWy / sigma_y2[:, None] + np.einsum("nij,nj->ni", prior_prec, prior_mean3)
        cov = np.linalg.inv(P)
        return P, cov, np.einsum("nij,nj->ni", cov, r)

    P, cov, theta = posterior(prior_prec3)
    prior_prec3[:, 3, 3] = 1.0 / (
        _trend_prior(acct, theta[:, 3], cov[:, 3, 3], days >= model.min_history_days, TAU_TREND**2) / shrink
    )
    P, cov, theta = posterior(prior_prec3)
    alpha = theta[:, 0]
    beta = np.clip(theta[:, 1], *SLOPE_BOUNDS["none"])
    beta_bid = np.where(none, 0.0, np.clip(theta[:, 2], lo, hi))
    roi_trend = theta[:, 3]
    pooling_weight = (1.0 / tau_alpha2) / P[:, 0, 0]

    # ---- flags
    budget_spread = h.log_spread(h.budget)
    capped_share = cens.sum(1) / np.maximum(cnt, 1)
    thin = (days < model.min_history_days) | (np.sqrt(cov[:, 0, 0]) > 0.35)
    first_seen = np.argmax(h.observed, axis=1)
    new = ((h.observed.shape[1] - first_seen) < model.min_history_days) | (days == 0)
    # Days at today's bid (a bid just changed needs days before its effect shows in the data).
    other_bid = h.observed & ~np.isclose(h.bid, ref_bid[:, None], rtol=0, atol=0.005)
    changed = other_bid.any(axis=1)
    last_other = n_days - 1 - np.argmax(other_bid[:, ::-1], axis=1)
    days_at_bid = (h.observed & (np.arange(n_days)[None, :] > last_other[:, None])).sum(axis=1)
    bid_settling = changed & (days_at_bid < model.bid_settle_days) & ~none
    bid_locked = (model.hold_bids_in_learning & ((h.status == "learning") | new) | bid_settling) & ~none
    under_explored = (capped_share >= 0.5) & (budget_spread < 0.05) | (days < model.min_history_days)

    return FittedModel(
        account_ids=h.account_id,
        ids=h.campaign_id,
        bid_type=h.bid_type,
        effective_date=eff,
        ref_bid=ref_bid,
        ref_spend=ref_spend,
        mu=mu,
        sigma=np.sqrt(sig2),
        mu_cov=mu_cov,
        gamma=gamma,
        trend=trend,
        alpha=alpha,
        beta=beta,
        beta_bid=beta_bid,
        roi_trend=roi_trend,
        x_mean=x_mean,
        cov=cov,
        dow_volume=dow_vol_acct[acct],
        dow_roi=dow_roi_acct[acct],
        pooling_weight=pooling_weight,
        days=days,
        thin=thin,
        bid_locked=bid_locked,
        bid_settling=bid_settling,
        under_explored=under_explored,
        horizon=float((np.datetime64(eff, "D") - h.dates[-1]).astype(int)),
        exploration_share=model.exploration_share,
        notes={"maturity_source": h.maturity_source},
    )
