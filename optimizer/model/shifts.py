"""Level shifts: a sale, a sudden drop or a channel going dark, picked up in a day and forgotten as fast.

The fit weighs days by recency (``[model] half_life_days``), so a shift that
started yesterday moves its level only a little, and one that ended yesterday
lingers for days. This step looks at the channel totals instead: for each
(account, channel) and each of the last ``WINDOW`` days, the fitted model's
forecast of that day's spend and GMV at the settings then in force (the model
moved to that date: weekday, trend) against what happened::

    r_t = log(actual_t / forecast_t)          (GMV lag-corrected; spend and ROI)

The usual residual ``m`` (median over the window, yesterday excluded) and its
spread ``s`` (1.4826 x median absolute deviation, at least ``MIN_SPREAD``) say
what an ordinary day looks like. When yesterday's residual is more than
``THRESHOLD`` spreads from ``m``, the channel's level is shifted by
``r_yesterday - m`` for tomorrow (log demand for spend, log ROI for GMV per
spend); otherwise nothing changes. The shift is recomputed every morning from
the newest day only, so it lasts exactly as long as the data show it: one day
after a shift starts it is in the forecast, one day after it ends it is gone.
A channel with fewer than ``MIN_CAMPAIGNS`` observed campaigns yesterday, or a
day less than ``MIN_MATURITY`` reported, is left alone (too noisy to tell).
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
THRESHOLD = 3.0
MIN_SPREAD = 0.03
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
    groups = np.array([f"{a}|{c}" for a, c in zip(history.account_id, history.channel, strict=True)])
    resid_s, resid_r = {}, {}
    for t in days:
        s_hat, g_hat = _day_forecast(history, model, t)
        for g in np.unique(groups):
            inside = (groups == g) & obs[:, t]
            if inside.sum() < MIN_CAMPAIGNS:
                continue
            s_act, g_act = np.nansum(history.spend[inside, t]), np.nansum(history.gmv[inside, t])
            s_f, g_f = s_hat[inside].sum(), g_hat[inside].sum()
            if min(s_act, g_act, s_f, g_f) <= 0:
                continue
            resid_s.setdefault(g, {})[t] = np.log(s_act / s_f)
            resid_r.setdefault(g, {})[t] = np.log((g_act / s_act) / (g_f / s_f))
    demand, roi, found = np.zeros(n), np.zeros(n), {}
    for g in np.unique(groups):
        ds = _shift(resid_s.get(g, {}), n_days - 1)
        dr = _shift(resid_r.get(g, {}), n_days - 1)
        if ds or dr:
            found[str(g)] = (ds, dr)
            demand[groups == g], roi[groups == g] = ds, dr
    return LevelShift(demand, roi, found)


def _shift(resid: dict[int, float], last: int) -> float:
    if last not in resid or len(resid) < 5:
        return 0.0
    past = np.array([v for t, v in resid.items() if t != last])
    m = float(np.median(past))
    s = max(1.4826 * float(np.median(np.abs(past - m))), MIN_SPREAD)
    r = resid[last]
    return r - m if abs(r - m) > THRESHOLD * s else 0.0


def with_level_shifts(history: History, model: FittedModel) -> tuple[FittedModel, LevelShift]:
    """``model`` with the level shifts of yesterday applied to tomorrow's forecast (and the shifts)."""
    shift = level_shifts(history, model)
    if not shift.any:
        return model, shift
    shifted = replace(model, mu=model.mu + shift.demand, alpha=model.alpha + shift.roi)
    notes = dict(model.notes)
    notes["level_shifts"] = shift.groups
    return replace(shifted, notes=notes), shift
