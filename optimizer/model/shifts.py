"""Level shifts: a sale, a sudden drop or a channel going dark, picked up in a day and forgotten as fast.

The fit weighs days by recency (``[model] half_life_days``), so a shift that
started yesterday moves its level only a little, and one that ended yesterday
lingers for days. This step looks at the channel totals instead: for each
(account, channel) and each of the last ``WINDOW`` days, the fitted model's
forecast of that day's spend and GMV at the settings then in force (the model
moved to that date: weekday, trend) against what happened::

    r_t = log(actual_t / forecast_t)          (GMV lag-corrected; spend and ROI)

The usual residual ``m`` (median over the window, the last two days excluded)
and its spread ``s`` (1.4826 x median absolute deviation, at least
``MIN_SPREAD``) say what an ordinary day looks like. When the last two days'
residuals are both more than ``THRESHOLD`` spreads from ``m`` on the same side,
the channel's level is shifted by ``r_yesterday - m`` for tomorrow (log demand
for spend, log ROI for GMV per spend); otherwise nothing changes. It is
recomputed every morning from the newest days, so a shift is in the forecast
two days after it starts and gone one day after it ends. A channel with fewer
than ``MIN_CAMPAIGNS`` observed campaigns, or a yesterday less than
``MIN_MATURITY`` reported, is left alone; an ROI shift also needs evidence of
the attribution lag (re-sent rows: ``History.maturity_source == "revisions"``)
or no lag at all, since an immature day read with the wrong lag curve looks
like a drop.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from optimizer.model.features import History
    from optimizer.model.fitted_model import FittedModel

__all__ = ["THRESHOLD", "LevelShift", "level_shifts", "with_level_shifts"]

WINDOW = 14
THRESHOLD = 4.0
MIN_SPREAD = 0.05
MIN_CAMPAIGNS = 3
MIN_MATURITY = 0.5


class LevelShift:
    """Per campaign ``(n,)``: the log shift of demand and of ROI applied for the effective date."""

    def __init__(self, demand: np.ndarray, roi: np.ndarray, groups: dict[str, tuple[float, float]]) -> None:
        self.demand, self.roi, self.groups = demand, roi, groups

    @property
    def any(self) -> bool:
        return bool(np.any(self.demand != 0) or np.any(self.roi != 0))


def _day_forecast(history: History, model: FittedModel, t: int) -> tuple[np.ndarray, np.ndarray]:
    """The model moved to day ``t`` of the history: forecast spend and GMV ``(n,)`` at that day's settings."""
    import datetime as dt

    day = dt.date.fromisoformat(str(history.dates[t]))
    last = history.dates.shape[0] - 1
    moved = replace(model, effective_date=day, horizon=float(t - last))
    budget = np.where(np.isfinite(history.budget[:, t]), history.budget[:, t], np.inf)
    f = moved.predict(budget[:, None], history.bid[:, t][:, None])
    return f.spend[:, 0], f.gmv[:, 0]


def level_shifts(history: History, model: FittedModel) -> LevelShift:
    """The shifts of the module docstring for ``model``'s campaigns (``history``'s order)."""
    n, n_days = history.observed.shape
    zero = LevelShift(np.zeros(n), np.zeros(n), {})
    if n_days < 5 or history.maturity[-1] < MIN_MATURITY:
        return zero
    days = range(max(0, n_days - WINDOW), n_days)
    obs = history.observed & (np.nan_to_num(history.spend, nan=0.0) > 0)
    labels, codes = np.unique(
        np.array([f"{a}|{c}" for a, c in zip(history.account_id, history.channel, strict=True)]), return_inverse=True
    )
    resid_s: dict[int, dict[int, float]] = {}
    resid_r: dict[int, dict[int, float]] = {}
    for t in days:
        s_hat, g_hat = _day_forecast(history, model, t)
        inside = obs[:, t]
        k = codes[inside]
        count = np.bincount(k, minlength=len(labels))
        s_act, g_act, s_f, g_f = (
            np.bincount(k, np.nan_to_num(v[inside], nan=0.0), minlength=len(labels))
            for v in (history.spend[:, t], history.gmv[:, t], s_hat, g_hat)
        )
        for j in np.flatnonzero(
            (count >= MIN_CAMPAIGNS) & (np.minimum(np.minimum(s_act, g_act), np.minimum(s_f, g_f)) > 0)
        ):
            resid_s.setdefault(int(j), {})[t] = float(np.log(s_act[j] / s_f[j]))
            resid_r.setdefault(int(j), {})[t] = float(np.log((g_act[j] / s_act[j]) / (g_f[j] / s_f[j])))
    # an ROI shift read off days still being attributed needs evidence of the lag (re-sent rows)
    roi_ok = history.maturity_source == "revisions" or bool(np.all(history.maturity >= 0.999))
    by_group = np.zeros((len(labels), 2))
    found = {}
    for g in range(len(labels)):
        ds = _shift(resid_s.get(g, {}), n_days - 1)
        dr = _shift(resid_r.get(g, {}), n_days - 1) if roi_ok else 0.0
        if ds or dr:
            found[str(labels[g])] = (ds, dr)
            by_group[g] = ds, dr
    return LevelShift(by_group[codes, 0], by_group[codes, 1], found)


def _shift(resid: dict[int, float], last: int) -> float:
    """``r_last - m`` when the last two days are both beyond ``THRESHOLD`` spreads on the same side, else 0."""
    if last not in resid or last - 1 not in resid or len(resid) < 6:
        return 0.0
    past = np.array([v for t, v in resid.items() if t < last - 1])
    m = float(np.median(past))
    s = max(1.4826 * float(np.median(np.abs(past - m))), MIN_SPREAD)
    d1, d0 = resid[last] - m, resid[last - 1] - m
    return d1 if abs(d1) > THRESHOLD * s and abs(d0) > THRESHOLD * s and d1 * d0 > 0 else 0.0


def with_level_shifts(history: History, model: FittedModel) -> tuple[FittedModel, LevelShift]:
    """``model`` with the level shifts of yesterday applied to tomorrow's forecast (and the shifts)."""
    shift = level_shifts(history, model)
    if not shift.any:
        return model, shift
    shifted = replace(model, mu=model.mu + shift.demand, alpha=model.alpha + shift.roi)
    notes = dict(model.notes)
    notes["level_shifts"] = shift.groups
    return replace(shifted, notes=notes), shift
