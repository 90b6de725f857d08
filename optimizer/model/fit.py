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

times ``exp(sigma_y,i^2 / 2)``: a day's GMV is log-normal around the fit, so its
*mean* (what a ROI floor and a day's expected GMV are about) is the median times
that factor (``sigma_y,i^2`` the campaign's residual variance of a mature day's
log ROI, capped at ``efficiency.MAX_NOISE_VAR``). The parameters enter at their
posterior median (no ``exp(var/2)`` optimism over the parameters' uncertainty):
before this factor the forecast was the day's median, 2-5 % under the
expected GMV on the simulated markets, which under a binding ROI floor paused
campaigns that met it (issue 10).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from optimizer.model.delivery import fit_delivery
from optimizer.model.efficiency import fit_efficiency, roi_design
from optimizer.model.fitted_model import FittedModel
from optimizer.model.pooling import group_codes

if TYPE_CHECKING:
    from optimizer.model.features import History
    from optimizer.settings import ModelSettings

__all__ = ["Days", "fit"]


class Days(NamedTuple):
    """What every section of ``fit`` reads: the observed days and each campaign's groups."""

    obs: np.ndarray  # (n, T) bool: a row with positive spend
    spend: np.ndarray  # (n, T) spend, 1 where not observed
    gmv: np.ndarray  # (n, T) lag-corrected GMV, 0 where not observed
    log_spend: np.ndarray  # (n, T)
    mean_spend: np.ndarray  # (n,) over observed days (1 without any)
    anchor: np.ndarray  # (n,) today's budget, else the mean spend
    days: np.ndarray  # (n,) observed days
    none: np.ndarray  # (n,) bool: bid type "none"
    ref_bid: np.ndarray  # (n,) today's bid (NaN for none)
    xb: np.ndarray  # (n, T) log bid move from today's bid (0 where not observed)
    acct: np.ndarray  # (n,) account code
    group: np.ndarray  # (n,) (account, channel, bid type) code
    acct_type: np.ndarray  # (n,) (account, bid type) code
    type_count: np.ndarray  # (k,) campaigns per (account, bid type)
    recency: np.ndarray  # (T,) weight of each day
    age: np.ndarray  # (T,) days before the last day of history
    shrink: float


def fit(history: History, model: ModelSettings, effective_date: dt.date | None = None) -> FittedModel:
    """Fit the response model of every campaign in ``history`` (formulation in the module docstring)."""
    h = history
    eff = effective_date or h.as_of
    d = _prepare(h, model)
    delivery = fit_delivery(h, d, model)
    design = roi_design(h, d, delivery)
    roi = fit_efficiency(h, d, design, model)
    thin, bid_locked, bid_settling, under_explored = _flags(h, d, model, delivery.cens, roi.cov)
    acct = d.acct
    return FittedModel(
        account_ids=h.account_id,
        ids=h.campaign_id,
        bid_type=h.bid_type,
        effective_date=eff,
        ref_bid=d.ref_bid,
        ref_spend=design.ref_spend,
        mu=delivery.mu,
        sigma=np.sqrt(delivery.sig2),
        mu_cov=delivery.mu_cov,
        gamma=delivery.gamma,
        trend=delivery.trend,
        alpha=roi.alpha,
        beta=roi.beta,
        beta_bid=roi.beta_bid,
        roi_trend=roi.roi_trend,
        x_mean=design.x_mean,
        cov=roi.cov,
        dow_volume=delivery.dow_volume[acct],
        dow_roi=design.dow_roi[acct],
        pooling_weight=roi.pooling_weight,
        days=d.days,
        thin=thin,
        bid_locked=bid_locked,
        bid_settling=bid_settling,
        under_explored=under_explored,
        roi_noise_var=roi.noise_var,
        horizon=float((np.datetime64(eff, "D") - h.dates[-1]).astype(int)),
        exploration_share=model.exploration_share,
        notes={"maturity_source": h.maturity_source},
    )


def _prepare(h: History, model: ModelSettings) -> Days:
    """The observed days, each campaign's groups and its bid moves."""
    obs = h.observed & np.isfinite(h.spend) & (h.spend > 0)
    spend = np.where(obs, h.spend, 1.0)
    gmv = np.where(obs, np.nan_to_num(h.gmv, nan=0.0), 0.0)
    acct = group_codes(h.account_id)
    group = group_codes(h.account_id, h.channel, h.bid_type)
    acct_type = group_codes(h.account_id, h.bid_type)
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
    n_days = len(h.dates)
    recency = 0.5 ** ((n_days - 1 - np.arange(n_days)) / model.half_life_days)  # curves drift: recent days count more
    age = np.arange(n_days) - (n_days - 1.0)  # days before the last day of history (0 on it)
    # A campaign never seen spending (paused all along, just created): its budget today is the anchor.
    anchor = np.where(np.isfinite(h.current_budget) & (h.current_budget > 0), h.current_budget, mean_spend)
    return Days(
        obs=obs,
        spend=spend,
        gmv=gmv,
        log_spend=log_spend,
        mean_spend=mean_spend,
        anchor=anchor,
        days=days,
        none=none,
        ref_bid=ref_bid,
        xb=xb,
        acct=acct,
        group=group,
        acct_type=acct_type,
        type_count=np.maximum(np.bincount(acct_type), 1),
        recency=recency,
        age=age,
        shrink=shrink,
    )


def _flags(h: History, d: Days, model: ModelSettings, cens: np.ndarray, cov: np.ndarray):
    """``(n,)`` thin, bid_locked, bid_settling and under_explored."""
    days, none, ref_bid = d.days, d.none, d.ref_bid
    n_days = len(h.dates)
    cnt = d.obs.sum(1)
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
    return thin, bid_locked, bid_settling, under_explored
