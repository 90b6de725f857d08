"""Daily anomaly checks: yesterday against the fitted model, given what actually happened.

For campaign ``i`` and yesterday ``y`` (the history's last day), with the model
moved to that day (``horizon = 0``, its weekday) and asked at the budget and bid
that were in force:

* **GMV given spend.** The model's GMV at the spend that actually happened,
  ``g(s) = gmv_hat * (s / spend_hat)^(1 + beta)`` (ROI moves with the fill ratio
  by ``beta``), so "spent more" is not "performed worse". The log residual
  ``e = log gmv - log g(s)`` is compared with the campaign's own residuals over
  the last ``window`` days (median ``c``, robust scale ``r`` = 1.4826 MAD, both
  pooled towards the account's with the weight of 5 days), widened by the
  model's parameter uncertainty and by the lag correction of an immature day:
  ``z = (e - c - d) / sqrt(r^2 + (gmv_sd / gmv)^2 + (k (1 - m))^2)`` (``k`` 0.25
  when the lag curve was estimated from re-sent rows, 0.5 when configured).
  ``d`` is the median of that day's ``e - c`` over the account's campaigns (at
  least 5 with volume): a lag correction that is off moves them all (the
  store's lag curve can be wrong for the first days of an account), so an
  account-wide drop is not any one campaign's alert.
* **Orders** against a negative binomial with the expected orders (expected
  GMV / the campaign's order value) and the same relative spread: ``P(X <= x)``.
* **Spend against budget and forecast.** Uncapped days: ``log s`` against the
  model's log demand (``sigma`` and the level's uncertainty). Capped days: the
  chance the model gave of reaching the budget; a cap the model gave less than
  the tail chance is the budget exhausted early.
* **Zero delivery**: no row yesterday for a campaign the platform lists as
  live with a budget, that delivered on most of the week before.
* **CPA / ROI far off target** for ``cpa`` / ``roi`` campaigns, when also
  below the model's band; **runaway**: spend well above forecast while ROI is
  under target (or under the band for max-delivery plans).

Every check needs a minimum volume (``min_spend`` expected or spent, ``min_orders``
for the orders test) and both a relative and an absolute shortfall; campaigns in
learning, thin or new are held to ``learning_z`` instead of ``z``. One campaign
gets at most one performance alert a day (the most specific: runaway, then
target, then GMV, then orders) and at most one delivery alert.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np

from optimizer.alerts.cusum import Cusum
from optimizer.model.normal import ncdf
from optimizer.store.alerts import Finding

if TYPE_CHECKING:
    from optimizer.model.features import History
    from optimizer.model.fitted_model import FittedModel
    from optimizer.settings import AlertSettings

__all__ = ["DayCheck", "daily_findings", "day_check"]

_POOL = 5.0  # days of weight the account's residual median and scale get in each campaign's


def _day_forecast(model: FittedModel, history: History, t: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Spend, GMV and GMV sd the model gives day ``t`` of the history at that day's settings."""
    last = len(history.dates) - 1
    day = history.dates[t].astype("datetime64[D]").astype(dt.date)
    at = replace(model, effective_date=day, horizon=float(t - last))
    budget = np.where(np.isfinite(history.budget[:, t]), history.budget[:, t], np.inf)
    bid = np.where(np.isfinite(history.bid[:, t]), history.bid[:, t], history.current_bid)
    bid = np.where(np.isfinite(bid), bid, model.ref_bid)
    f = at.predict(budget[:, None], np.where(np.isfinite(bid), bid, 1.0)[:, None])
    return f.spend[:, 0], f.gmv[:, 0], f.gmv_sd[:, 0]


def _given_spend(spend_hat: np.ndarray, gmv_hat: np.ndarray, spend: np.ndarray, beta: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(spend_hat > 0, spend / spend_hat, np.nan)
        return gmv_hat * ratio ** (1 + beta)


def _robust(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per row: median, 1.4826 MAD and count of the finite values."""
    count = np.isfinite(values).sum(axis=1)
    with np.errstate(all="ignore"):
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            med = np.nanmedian(values, axis=1)
            mad = 1.4826 * np.nanmedian(np.abs(values - med[:, None]), axis=1)
    return np.nan_to_num(med), np.nan_to_num(mad), count


class DayCheck:
    """Yesterday's numbers and the model's view of them, ``(n,)`` arrays (see the module docstring)."""

    def __init__(self, history: History, model: FittedModel, window: int = 28, min_spend: float = 200.0) -> None:
        t_last = len(history.dates) - 1
        self.date = history.dates[t_last].astype("datetime64[D]").astype(dt.date)
        self.spend = np.nan_to_num(history.spend[:, t_last])
        self.gmv = np.nan_to_num(history.gmv[:, t_last])
        self.orders = np.nan_to_num(history.orders[:, t_last])
        self.observed = history.observed[:, t_last]
        self.budget = history.budget[:, t_last]
        self.maturity = float(history.maturity[t_last])
        width = min(window, t_last + 1)
        residuals, rel_sd = np.full((history.n, width), np.nan), np.zeros((history.n, width))
        days = np.arange(t_last, t_last - width, -1)  # yesterday first
        lag_k = 0.25 if history.maturity_source == "revisions" else 0.5
        for k, t in enumerate(days):
            spend_hat, gmv_hat, gmv_sd = _day_forecast(model, history, int(t))
            if k == 0:
                self.spend_hat, self.gmv_hat, self.gmv_sd = spend_hat, gmv_hat, gmv_sd
            s, g = history.spend[:, t], history.gmv[:, t]
            ok = history.observed[:, t] & (s > 0) & (g > 0) & (spend_hat > 0)
            with np.errstate(divide="ignore", invalid="ignore"):
                e = np.log(g) - np.log(_given_spend(spend_hat, gmv_hat, s, model.beta))
                rel_sd[:, k] = np.where(gmv_hat > 0, gmv_sd / gmv_hat, 0.0)
            residuals[:, k] = np.where(ok & np.isfinite(e), e, np.nan)
        med, mad, count = _robust(residuals[:, 1:])
        pool_med = float(np.median(med[count >= 7])) if (count >= 7).any() else 0.0
        pool_mad = float(np.median(mad[count >= 7])) if (count >= 7).any() else 0.25
        self.centre = (count * med + _POOL * pool_med) / (count + _POOL)
        self.scale = np.sqrt((count * mad**2 + _POOL * pool_mad**2) / (count + _POOL))
        self.expected_gmv = _given_spend(self.spend_hat, self.gmv_hat, self.spend, model.beta) * np.exp(self.centre)
        with np.errstate(divide="ignore", invalid="ignore"):
            e_y = np.log(np.maximum(self.gmv, 0.01)) - np.log(self.expected_gmv)
            # A lag correction that is off (or a platform-wide day) moves every campaign: take out the common shift.
            usable = self.observed & (self.spend >= min_spend) & np.isfinite(e_y)
            self.shift = float(np.median(e_y[usable] - self.centre[usable])) if usable.sum() >= 5 else 0.0
            self.expected_gmv = self.expected_gmv * np.exp(self.shift)
            lag = lag_k * (1 - np.asarray(history.maturity, dtype=float)[days])
            # every day of the window: its log residual, its sd, its spend (for the multi-day check, cusum.py)
            self.residuals, self.residual_spend = residuals, history.spend[:, days]
            self.residual_observed = history.observed[:, days]
            self.residual_sd = np.sqrt(self.scale[:, None] ** 2 + rel_sd**2 + lag[None, :] ** 2)
            self.sd = self.residual_sd[:, 0]
            self.z_gmv = (e_y - self.shift) / self.sd
        # delivery: yesterday's log demand and its spread
        weekday = self.date.weekday()
        bid = np.where(np.isfinite(history.bid[:, t_last]), history.bid[:, t_last], model.ref_bid)
        with np.errstate(divide="ignore", invalid="ignore"):
            shift = np.where(np.isfinite(bid / model.ref_bid), np.log(bid / model.ref_bid), 0.0)
        self.log_demand = model.mu + model.gamma * shift + model.dow_volume[:, weekday]
        self.demand_sd = np.sqrt(model.sigma**2 + np.maximum(model.mu_cov[:, 0, 0], 0))
        self.learning = (history.status == "learning") | model.thin | (model.days < 14)
        self.aov = _order_value(history)


def _order_value(history: History) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        gmv = np.nansum(np.where(history.observed, history.gmv, 0.0), axis=1)
        orders = np.nansum(np.where(history.observed, history.orders, 0.0), axis=1)
        return np.where(orders > 0, gmv / orders, np.nan)


def day_check(history: History, model: FittedModel, window: int = 28, min_spend: float = 200.0) -> DayCheck:
    return DayCheck(history, model, window, min_spend)


def _nbinom_cdf(x: np.ndarray, mean: np.ndarray, rel_sd: np.ndarray) -> np.ndarray:
    """``P(X <= x)`` for counts with ``mean`` and variance ``mean + (rel_sd * mean)^2`` (negative binomial),
    by the normal approximation with continuity correction (no SciPy at run time)."""
    sd = np.sqrt(np.maximum(mean + (rel_sd * mean) ** 2, 1e-9))
    return ncdf((x + 0.5 - mean) / sd)


def _r(x: float) -> float:
    return round(float(x), 2) if np.isfinite(x) else 0.0


def daily_findings(
    history: History, model: FittedModel, live: Any, settings: AlertSettings, check: DayCheck | None = None
) -> list[Finding]:
    """The findings of yesterday for every campaign of ``history``; ``live``: today's states
    (a frame with ``campaign_id``, ``status``, ``budget``, ``locked``)."""
    c = check or DayCheck(history, model, settings.window_days, float(settings.min_spend))
    s = settings
    z_need = np.where(c.learning, s.learning_z, s.z)
    tail = ncdf(-z_need)
    live_by_id = {str(r.campaign_id): r for r in live.itertuples(index=False)}
    kind = history.bid_type
    target = np.where(np.isfinite(history.bid[:, -1]), history.bid[:, -1], history.current_bid)
    with np.errstate(divide="ignore", invalid="ignore"):
        roi = np.where(c.spend > 0, c.gmv / c.spend, np.nan)
        cpa = np.where(c.orders > 0, c.spend / c.orders, np.inf)
        z_spend = (np.log(np.maximum(c.spend, 0.01)) - c.log_demand) / c.demand_sd
        p_cap = 1 - ncdf((np.log(np.where(np.isfinite(c.budget), c.budget, np.inf)) - c.log_demand) / c.demand_sd)
        exp_orders = np.where(c.aov > 0, c.expected_gmv / c.aov, 0.0)
    capped = np.isfinite(c.budget) & (c.spend >= 0.95 * c.budget)
    volume = c.observed & (np.maximum(c.spend, c.spend_hat) >= float(s.min_spend))
    short = c.expected_gmv - c.gmv
    gmv_low = volume & (c.z_gmv < -z_need) & (c.gmv < c.expected_gmv * (1 - s.relative)) & (short >= float(s.absolute))
    p_orders = _nbinom_cdf(c.orders, np.maximum(exp_orders, 1e-9), c.sd)
    orders_low = volume & (exp_orders >= s.min_orders) & (p_orders < tail) & (c.orders < exp_orders * (1 - s.relative))
    drift = Cusum.of(c, s.cusum_drop, s.cusum_arl, z_need, float(s.min_spend)) if s.cusum_arl > 0 else None
    gmv_shift = volume & (c.gmv < c.expected_gmv) & (drift.fired if drift is not None else False)
    below_band = volume & (c.z_gmv < -2.0) & (c.gmv < c.expected_gmv * (1 - s.relative / 2))
    roi_low = gmv_low & (kind == "roi") & (roi < target * (1 - s.target_miss))
    cpa_high = gmv_low & (kind == "cpa") & (cpa > target * (1 + s.target_miss))
    spend_up = c.observed & (((~capped) & (z_spend > z_need)) | (capped & (p_cap < tail)))
    spend_up &= (c.spend >= c.spend_hat * (1 + s.relative)) & (c.spend - c.spend_hat >= float(s.absolute))
    spend_up |= c.observed & capped & (p_cap < tail) & (c.spend - c.spend_hat >= float(s.absolute))
    runaway = spend_up & (((kind == "roi") & (roi < target * (1 - s.target_miss / 2))) | below_band)
    spend_low = (
        c.observed
        & ~capped
        & (c.spend_hat >= float(s.min_spend))
        & (z_spend < -z_need)
        & (c.spend < c.spend_hat * (1 - s.relative))
        & (c.spend_hat - c.spend >= float(s.absolute))
    )
    recent = history.observed[:, -8:-1].sum(axis=1) >= 5
    out: list[Finding] = []
    for i in range(history.n):
        cid = str(history.campaign_id[i])
        state = live_by_id.get(cid)
        if state is None or bool(getattr(state, "locked", False)) or str(state.status) == "paused":
            continue
        budget_now = float(state.budget) if state.budget == state.budget else np.inf  # NaN = no cap
        evidence = {
            "date": c.date.isoformat(),
            "spend": _r(c.spend[i]),
            "forecast_spend": _r(c.spend_hat[i]),
            "gmv": _r(c.gmv[i]),
            "expected_gmv": _r(c.expected_gmv[i]),
            "z": _r(c.z_gmv[i]),
            "orders": int(c.orders[i]),
            "expected_orders": _r(exp_orders[i]),
            "roi": _r(roi[i]),
            "target": _r(target[i]),
            "learning": bool(c.learning[i]),
        }
        perf = next(
            (k for k, hit in (("runaway", runaway), ("roi_low", roi_low), ("cpa_high", cpa_high)) if hit[i]), None
        )
        perf = perf or next((k for k, hit in (("gmv_low", gmv_low), ("gmv_shift", gmv_shift)) if hit[i]), None)
        perf = perf or ("orders_low" if orders_low[i] else None)
        delivery = None
        if not c.observed[i] and recent[i] and budget_now > 0 and c.spend_hat[i] >= float(s.min_spend):
            delivery = "zero_delivery"
        elif perf != "runaway" and spend_up[i]:
            delivery = "budget_exhausted" if capped[i] else "spend_high"
        elif spend_low[i]:
            delivery = "spend_low"
        for k in (perf, delivery):
            if k is None:
                continue
            severity = "critical" if k in ("runaway", "zero_delivery") else "warning"
            extra = {"budget": _r(c.budget[i]), "chance_of_cap": _r(p_cap[i])} if k == "budget_exhausted" else {}
            if k == "gmv_shift" and drift is not None:
                extra = {"cusum": _r(drift.statistic[i]), "cusum_limit": _r(drift.limit[i])}
                extra["drift_days"] = int(drift.run_days[i])
            out.append(
                Finding(
                    account_id=str(history.account_id[i]),
                    campaign_id=cid,
                    campaign_name=str(history.campaign_name[i]),
                    kind=k,
                    severity=severity,
                    evidence={**evidence, **extra},
                    data_date=c.date,
                )
            )
    return out
