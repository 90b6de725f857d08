"""Partial-pooling helpers and the priors shared by the delivery and efficiency fits (see ``fit``).

Every function works on ``(n,)`` or ``(n, T)`` arrays with integer group codes ``(n,)``.
"""

from __future__ import annotations

import numpy as np

__all__ = ["dow_effect", "group_codes", "group_mean", "trend_prior", "unshrunk"]

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


def group_codes(*columns: np.ndarray) -> np.ndarray:
    import pandas as pd

    frame = pd.DataFrame({str(i): pd.Series(c, dtype=object) for i, c in enumerate(columns)})
    return frame.groupby(list(frame.columns), sort=True).ngroup().to_numpy()


def group_mean(codes: np.ndarray, values: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Weighted mean of ``values`` within each code and the code's total weight, both broadcast back to ``(n,)``."""
    size = codes.max() + 1 if len(codes) else 0
    num = np.bincount(codes, weights * values, minlength=size)
    den = np.bincount(codes, weights, minlength=size)
    return (num / np.where(den > 0, den, 1.0))[codes], den[codes]


def unshrunk(
    post_mean: np.ndarray, post_var: np.ndarray, prior_mean: np.ndarray | float, prior_var: np.ndarray | float
) -> tuple[np.ndarray, np.ndarray]:
    """A normal posterior's data-only estimate and its sampling variance.

    With ``k = 1 - post_var / prior_var`` (the data's share of the precision):
    ``estimate = prior_mean + (post_mean - prior_mean) / k``, ``variance = post_var / k``.
    """
    k = np.clip(1.0 - post_var / prior_var, 1e-3, 1.0)
    return prior_mean + (post_mean - prior_mean) / k, post_var / k


def trend_prior(
    codes: np.ndarray, estimate: np.ndarray, variance: np.ndarray, usable: np.ndarray, prior_var: float
) -> np.ndarray:
    """``(n,)`` prior variance of a daily trend: its account's spread of trends beyond their noise.

    ``estimate`` and ``variance`` are posteriors under the prior ``N(0, prior_var)``;
    undone (``unshrunk``) they give each campaign's own estimate ``t`` and
    sampling variance ``s^2``; the method of moments over the account's
    campaigns with enough history gives ``tau^2 = mean(t^2 - s^2)``, kept in
    ``[TAU_TREND_MIN^2, TAU_TREND^2]``.
    """
    t, s2 = unshrunk(estimate, variance, 0.0, prior_var)
    excess, _ = group_mean(codes, t**2 - s2, usable.astype(float))
    return np.clip(excess, TAU_TREND_MIN**2, TAU_TREND**2)


def dow_effect(codes: np.ndarray, weekday: np.ndarray, resid: np.ndarray, weight: np.ndarray, prior: float = 30.0):
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
