"""Multi-day check: a one-sided CUSUM on each campaign's standardized GMV-given-spend residuals.

A lasting drop (a broken landing page, a product out of stock, conversion
halved) is often too small for one day's band: with the daily GMV noise of a
typical campaign (log-sd about 0.2) a halving is about 3 sd, and a one-day test
that caught 95 % of them would raise several false alerts per 100 campaign-days.
Evidence that accumulates over days does not have that limit.

For campaign ``i`` and each day ``t`` of the last ``window`` days, with the
residual ``e_t = log gmv_t - log g_t(s_t)`` of the daily check (the fitted
model's GMV at the spend that happened, ``optimizer.alerts.daily``), the
campaign's robust centre ``c`` and the day's sd ``sd_t``, the day's common shift
``d_t`` (median over the account's campaigns with volume) taken out::

    z_t = (e_t - c - d_t) / sd_t
    S_t = max(0, S_{t-1} - z_t - k)          (lower CUSUM, S = 0 before the window)

and the check fires when ``S`` crosses ``h`` on yesterday. ``S`` restarts from 0
after a crossing and after a day the one-day check already flagged
(``z_t < -z``): one alert per problem, the combined Shewhart-CUSUM scheme. Days
without volume (no row, spend under ``min_spend``) leave ``S`` as it was.

The reference value and threshold are not tuned to any market:

* ``k = delta / 2`` with ``delta = -log(1 - drop) / sd`` (``drop``:
  ``[alerts] cusum_drop``, the smallest lasting GMV shortfall worth finding,
  in the campaign's own sd units: Page's optimal reference value for that shift);
* ``h`` from the in-control average run length ``arl`` (``[alerts] cusum_arl``:
  campaign-days between false alarms on a normal campaign) by Siegmund's
  approximation for Gaussian increments, ``ARL0 = (exp(2 k b) - 1 - 2 k b) /
  (2 k^2)`` with ``b = h + 1.166``, solved for ``h``. The default 1000 costs
  about 0.1 false alert per 100 normal campaign-days.

Campaigns in learning, thin or new are not tested (their band is not settled).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from optimizer.alerts.daily import DayCheck

__all__ = ["Cusum", "cusum_threshold", "lower_cusum", "siegmund_arl"]

_CORRECTION = 1.166  # Siegmund's overshoot correction, 2 * 0.583, for Gaussian increments


def siegmund_arl(k: np.ndarray | float, h: np.ndarray | float) -> np.ndarray:
    """In-control average run length of a one-sided CUSUM with reference ``k`` and limit ``h`` (sd units)."""
    k = np.maximum(np.asarray(k, dtype=float), 1e-6)
    b = np.asarray(h, dtype=float) + _CORRECTION
    x = 2 * k * b
    return (np.expm1(np.minimum(x, 700.0)) - x) / (2 * k**2)


def cusum_threshold(k: np.ndarray | float, arl: float) -> np.ndarray:
    """The limit ``h`` whose in-control ARL is ``arl`` for reference ``k`` (bisection; ARL grows with ``h``)."""
    k = np.atleast_1d(np.asarray(k, dtype=float))
    lo, hi = np.zeros_like(k), np.full_like(k, 50.0)
    for _ in range(60):
        mid = (lo + hi) / 2
        low = siegmund_arl(k, mid) < arl
        lo, hi = np.where(low, mid, lo), np.where(low, hi, mid)
    return (lo + hi) / 2


def lower_cusum(z: np.ndarray, usable: np.ndarray, k: np.ndarray, h: np.ndarray, reset_below: np.ndarray) -> tuple:
    """Run the lower CUSUM over ``z`` (``(n, T)``, oldest day first; ``T >= 1``).

    Returns ``(S, fired, run)``: each campaign's statistic on the last day, whether
    it crossed ``h`` on the last day (and the one-day check did not fire), and the
    days since ``S`` last stood at 0.
    """
    n, days = z.shape
    s, run = np.zeros(n), np.zeros(n, dtype=int)
    for t in range(days):
        ok = usable[:, t]
        nxt = np.where(ok, np.maximum(0.0, s - z[:, t] - k), s)
        run = np.where(ok, np.where(nxt > 0, run + 1, 0), run)
        cross = ok & (nxt > h)
        shewhart = ok & (z[:, t] < -reset_below)
        if t == days - 1:
            return nxt, cross & ~shewhart, run
        s = np.where(cross | shewhart, 0.0, nxt)
        run = np.where(cross | shewhart, 0, run)
    raise ValueError("no days")


@dataclass(frozen=True)
class Cusum:
    """The multi-day test of one day check (``(n,)`` arrays)."""

    statistic: np.ndarray
    limit: np.ndarray
    reference: np.ndarray
    fired: np.ndarray
    run_days: np.ndarray

    @classmethod
    def of(cls, c: DayCheck, drop: float, arl: float, z_reset: np.ndarray, min_spend: float) -> Cusum:
        e, spend, obs = c.residuals, c.residual_spend, c.residual_observed  # (n, W), yesterday first
        usable = obs & (spend >= min_spend) & np.isfinite(e)
        dev = np.where(usable, e - c.centre[:, None], np.nan)
        shift = np.zeros(e.shape[1])
        for t in range(e.shape[1]):
            col = dev[usable[:, t], t]
            shift[t] = float(np.median(col)) if col.size >= 5 else 0.0
        sd = np.maximum(np.nan_to_num(c.residual_sd, nan=1.0), 1e-6)
        z = np.where(usable, (e - c.centre[:, None] - shift[None, :]) / sd, 0.0)
        scale = np.median(sd, axis=1)
        k = -np.log1p(-drop) / scale / 2
        h = cusum_threshold(k, arl)
        usable &= ~c.learning[:, None]
        s, fired, run = lower_cusum(z[:, ::-1], usable[:, ::-1], k, h, z_reset)
        return cls(statistic=s, limit=h, reference=k, fired=fired, run_days=run)
