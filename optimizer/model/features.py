"""Daily history -> per-campaign arrays ready to fit (the ``features`` stage).

Input: the long frame of data contract section 1 as ``connectors.files.stats.read_stats``
returns it (one row per account, campaign and date; ``budget`` NaN = no cap).
Output: a frozen ``History`` of dense ``(n, T)`` arrays, ``n`` campaigns in
(account_id, campaign_id) order and ``T`` calendar days ending the day before
``as_of`` (at most ``window_days``). A day without a row is "not observed"
(Qianchuan omits plans with no activity), never a zero.

Three corrections happen here, so ``fit`` sees clean numbers:

* **Attribution lag.** GMV and orders of the last few days are still growing
  when the rows are pulled. A day of age ``a = as_of - date`` (in days) has
  reported a share ``m(a)`` of its final value, so ``gmv / m(a)`` estimates it.
  ``m`` is estimated from how re-sent rows grew (``maturity_from_revisions``:
  chain-ladder development factors over the store's ``daily_stat_revision``
  rows) or, without such evidence, taken from ``[model] lag_maturity``.
  ``maturity`` is kept so ``fit`` can trust immature days less.
* **Censoring.** A day whose spend reached ``[model] censor_threshold`` of its
  budget was capped: the campaign would have spent more, so its spend is a
  lower bound on demand.
* **Trailing stats** for the reasons people read: days capped in the last 7,
  last-7-day spend/GMV/ROI, days of history, how much budgets and bids varied.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

    from optimizer.settings import ModelSettings

__all__ = ["ROSTER_COLUMNS", "History", "build_history", "maturity_curve", "maturity_from_revisions", "roster_frame"]

MIN_DEVELOPMENT_ROWS = 20
"""Rows needed at an age before its development factor is trusted over the configured curve."""


@dataclass(frozen=True)
class History:
    """Per-campaign arrays; ``(n,)`` per campaign, ``(n, T)`` per campaign and day.

    Money is CNY as float; ``spend``, ``gmv``, ``orders`` are NaN where the day is
    not observed. ``gmv`` and ``orders`` are lag-corrected; ``gmv_reported`` is
    what the platform said. ``budget`` is ``inf`` for no cap; ``bid`` NaN for
    ``none`` campaigns and unknown bids.
    """

    account_id: np.ndarray  # (n,) str
    campaign_id: np.ndarray  # (n,) str
    campaign_name: np.ndarray  # (n,) str
    channel: np.ndarray  # (n,) str
    bid_type: np.ndarray  # (n,) "cpa" | "roi" | "none"
    status: np.ndarray  # (n,) "active" | "paused" | "learning"
    current_budget: np.ndarray  # (n,) float, inf = no cap
    current_bid: np.ndarray  # (n,) float, NaN for none
    currency: np.ndarray  # (n,) str
    dates: np.ndarray  # (T,) datetime64[D]
    weekday: np.ndarray  # (T,) int, Monday = 0
    spend: np.ndarray  # (n, T)
    gmv: np.ndarray  # (n, T) lag-corrected
    gmv_reported: np.ndarray  # (n, T)
    orders: np.ndarray  # (n, T) lag-corrected, float
    budget: np.ndarray  # (n, T) inf = no cap
    bid: np.ndarray  # (n, T)
    observed: np.ndarray  # (n, T) bool
    censored: np.ndarray  # (n, T) bool: spend reached the cap
    maturity: np.ndarray  # (T,) share of final GMV reported so far
    as_of: dt.date
    maturity_source: str  # "revisions" or "configured"

    @property
    def n(self) -> int:
        return len(self.campaign_id)

    def days_observed(self) -> np.ndarray:
        """``(n,)`` days with a row."""
        return self.observed.sum(axis=1)

    def capped_last(self, days: int = 7) -> tuple[np.ndarray, np.ndarray]:
        """``(n,)`` capped days and observed days among the last ``days`` calendar days."""
        return self.censored[:, -days:].sum(axis=1), self.observed[:, -days:].sum(axis=1)

    def last_days(self, days: int = 7) -> tuple[np.ndarray, np.ndarray]:
        """``(n,)`` spend and lag-corrected GMV summed over the last ``days`` days."""
        return (np.nansum(self.spend[:, -days:], axis=1), np.nansum(self.gmv[:, -days:], axis=1))

    def log_spread(self, values: np.ndarray) -> np.ndarray:
        """``(n,)`` standard deviation of ``log(values)`` over observed days with finite positive values."""
        ok = self.observed & np.isfinite(values) & (values > 0)
        logs = np.where(ok, np.log(np.where(ok, values, 1.0)), 0.0)
        cnt = ok.sum(axis=1)
        mean = logs.sum(axis=1) / np.maximum(cnt, 1)
        var = (np.where(ok, (logs - mean[:, None]) ** 2, 0.0)).sum(axis=1) / np.maximum(cnt, 1)
        return np.sqrt(var)


def maturity_curve(configured: tuple[float, ...], max_age: int) -> np.ndarray:
    """``(max_age + 1,)`` share of final GMV reported at age 0..max_age from the configured list.

    ``configured[0]`` is the share at age 1 (the morning after); age 0 (same-day,
    partial) uses the first value too; ages past the list are final (1.0).
    """
    out = np.ones(max_age + 1)
    for age in range(max_age + 1):
        idx = max(age, 1) - 1
        if idx < len(configured):
            out[age] = configured[idx]
    return out


def maturity_from_revisions(revisions: pd.DataFrame, max_age: int = 14) -> np.ndarray | None:
    """Estimate the maturity curve from re-sent rows (chain ladder).

    ``revisions`` has columns account_id, campaign_id, date, seen_on, gmv: one row
    per new or changed value of a day's GMV and the day it was seen (the store's
    ``daily_stat_revision``). A value is taken to hold until its next revision,
    and rows are assumed re-pulled up to the newest ``seen_on``.

    Development factor ``f(a) = sum v(a+1) / sum v(a)`` over the days known at
    both ages; ``m(a) = 1 / prod_{j >= a} f(j)``. Returns ``(max_age + 1,)`` or
    ``None`` when fewer than ``MIN_DEVELOPMENT_ROWS`` days were seen twice.
    """
    import pandas as pd

    if revisions is None or len(revisions) == 0:
        return None
    rev = revisions[["account_id", "campaign_id", "date", "seen_on", "gmv"]].copy()
    rev["date"] = pd.to_datetime(rev["date"])
    rev["seen_on"] = pd.to_datetime(rev["seen_on"])
    rev["age"] = (rev["seen_on"] - rev["date"]).dt.days.clip(lower=0, upper=max_age)
    rev["gmv"] = rev["gmv"].astype(float)
    newest = rev["seen_on"].max()
    counts = rev.groupby(["account_id", "campaign_id", "date"], sort=False)["gmv"].transform("size")
    if (counts > 1).sum() < MIN_DEVELOPMENT_ROWS:
        return None
    wide = rev.pivot_table(index=["account_id", "campaign_id", "date"], columns="age", values="gmv", aggfunc="last")
    wide = wide.reindex(columns=range(max_age + 1)).ffill(axis=1)
    dates = wide.index.get_level_values("date")
    horizon = (newest - dates).days.to_numpy()  # the oldest age each row was observed at
    values = wide.to_numpy(dtype=float)
    factors = np.ones(max_age)
    for age in range(max_age):
        known = (horizon >= age + 1) & np.isfinite(values[:, age]) & (values[:, age] > 0)
        if known.sum() < MIN_DEVELOPMENT_ROWS:
            continue
        factors[age] = max(values[known, age + 1].sum() / values[known, age].sum(), 1.0)
    maturity = 1.0 / np.concatenate([np.cumprod(factors[::-1])[::-1], [1.0]])
    return np.clip(maturity, 0.05, 1.0)


ROSTER_COLUMNS = ("account_id", "campaign_id", "campaign_name", "channel", "bid_type", "status", "budget", "bid")
"""Columns of a roster: the campaigns an account has today, as ``roster_frame`` builds it."""


def roster_frame(campaigns) -> pd.DataFrame:
    """The platform's campaign list as a roster for ``build_history`` (excluded campaigns left out)."""
    import pandas as pd

    rows = [
        (
            c.account_id,
            c.campaign_id,
            c.name,
            c.channel,
            c.bid_type,
            c.status,
            float(c.budget) if c.budget is not None else np.nan,
            float(c.bid) if c.bid is not None else np.nan,
        )
        for c in campaigns
        if not c.excluded_reason
    ]
    return pd.DataFrame(rows, columns=list(ROSTER_COLUMNS))


def build_history(
    stats: pd.DataFrame,
    model: ModelSettings,
    *,
    as_of: dt.date | None = None,
    revisions: pd.DataFrame | None = None,
    window_days: int = 56,
    roster: pd.DataFrame | None = None,
) -> History:
    """Turn the long stats frame into a ``History`` (see the module docstring).

    ``as_of`` is the day the rows were pulled (default: the day after the newest
    date); rows on or after it are ignored. ``revisions`` (optional) is the
    evidence for the lag correction. ``roster`` (optional, ``ROSTER_COLUMNS``)
    lists the account's campaigns today: one that has no row in the window (a
    campaign paused all along, or just created) is added with no observed day,
    its settings taken from the roster, so the fit can forecast it from its
    channel's campaigns (partial pooling) and the solver can weigh resuming it.
    """
    import pandas as pd

    frame, day, start, n_days, as_of_ts = _window(stats, as_of, window_days)
    uniques, codes, extra = _campaign_keys(frame, roster)
    n = len(uniques)
    key_account = uniques.get_level_values(0).to_numpy(dtype=object)
    key_campaign = uniques.get_level_values(1).to_numpy(dtype=object)

    def dense(column: str, fill: float = np.nan) -> np.ndarray:
        out = np.full((n, n_days), fill)
        if column in frame.columns:
            out[codes, day] = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        return out

    observed = np.zeros((n, n_days), dtype=bool)
    observed[codes, day] = True
    spend = dense("spend")
    gmv_reported = dense("gmv")
    orders_reported = dense("orders")
    budget = dense("budget")
    budget = np.where(observed & np.isnan(budget), np.inf, budget)
    bid = dense("bid")

    ages = np.arange(n_days, 0, -1)  # (T,) age of each calendar day at as_of
    max_age = 14
    estimated = maturity_from_revisions(revisions, max_age) if revisions is not None else None
    curve = estimated if estimated is not None else maturity_curve(model.lag_maturity, max_age)
    maturity = curve[np.minimum(ages, max_age)]
    gmv = gmv_reported / maturity[None, :]
    orders = orders_reported / maturity[None, :]
    censored = observed & np.isfinite(budget) & (budget > 0) & (spend >= model.censor_threshold * budget)

    latest, last_day = _latest_rows(frame, codes, day, uniques, extra)
    bid_type = _latest_text(latest, "bid_type", "none")
    current_budget, current_bid = _current_settings(latest, last_day, budget, bid_type)
    # Days without a bid get the current bid (bids change rarely; the file may omit them).
    bid = np.where(np.isnan(bid) & observed, current_bid[:, None], bid)

    calendar = np.arange(n_days).astype("timedelta64[D]") + np.datetime64(start.date(), "D")
    weekday = ((calendar.astype("datetime64[D]").astype(np.int64) + 3) % 7).astype(int)  # 1970-01-01 was a Thursday
    return History(
        account_id=key_account,
        campaign_id=key_campaign,
        campaign_name=_latest_text(latest, "campaign_name", ""),
        channel=_latest_text(latest, "channel", "default"),
        bid_type=bid_type,
        status=_latest_text(latest, "status", "active"),
        current_budget=current_budget,
        current_bid=current_bid,
        currency=_latest_text(latest, "currency", "CNY"),
        dates=calendar,
        weekday=weekday,
        spend=spend,
        gmv=gmv,
        gmv_reported=gmv_reported,
        orders=orders,
        budget=budget,
        bid=bid,
        observed=observed,
        censored=censored,
        maturity=maturity,
        as_of=as_of_ts.date(),
        maturity_source="revisions" if estimated is not None else "configured",
    )


def _window(stats: pd.DataFrame, as_of: dt.date | None, window_days: int):
    """The rows in the window before ``as_of``: ``(frame, day index (rows,), first day, T, as_of)``."""
    import pandas as pd

    if len(stats) == 0:
        raise ValueError("no daily stats to build a history from")
    frame = stats
    dates = pd.to_datetime(frame["date"]).dt.normalize()
    newest = dates.max()
    as_of_ts = pd.Timestamp(as_of) if as_of is not None else newest + pd.Timedelta(days=1)
    start = max(dates.min(), as_of_ts - pd.Timedelta(days=window_days))
    keep = ((dates >= start) & (dates < as_of_ts)).to_numpy()
    frame = frame.loc[keep]
    dates = dates[keep]
    if len(frame) == 0:
        raise ValueError(f"no daily stats before {as_of_ts.date()}")
    start = dates.min()
    n_days = int((as_of_ts - start).days)
    day = (dates - start).dt.days.to_numpy()
    return frame, day, start, n_days, as_of_ts


def _campaign_keys(frame: pd.DataFrame, roster: pd.DataFrame | None):
    """Sorted (account, campaign) keys of the rows and the roster, each row's code, and the roster-only rows."""
    import pandas as pd

    account, campaign = frame["account_id"].astype(str), frame["campaign_id"].astype(str)
    if roster is None or not len(roster):
        in_order = _keys_in_order(account.to_numpy(dtype=object), campaign.to_numpy(dtype=object))
        if in_order is not None:
            return (*in_order, None)
    keys = pd.MultiIndex.from_arrays([account, campaign])
    extra = None
    if roster is not None and len(roster):
        roster_keys = pd.MultiIndex.from_arrays([roster["account_id"].astype(str), roster["campaign_id"].astype(str)])
        unseen = ~roster_keys.isin(keys) & ~roster_keys.duplicated()
        extra = roster.loc[unseen].assign(
            account_id=roster_keys[unseen].get_level_values(0), campaign_id=roster_keys[unseen].get_level_values(1)
        )
        keys_all = keys.append(roster_keys[unseen])
    else:
        keys_all = keys
    uniques = keys_all.unique().sort_values()
    return uniques, uniques.get_indexer(keys), extra


def _keys_in_order(account: np.ndarray, campaign: np.ndarray):
    """The keys and codes when the rows come sorted by (account, campaign), as ``read_stats`` sorts
    them: a key's code is then a running count (no hashing of millions of texts); None otherwise."""
    import pandas as pd

    if not len(account):
        return None
    new = np.ones(len(account), dtype=bool)
    new[1:] = (account[1:] != account[:-1]) | (campaign[1:] != campaign[:-1])
    first = np.flatnonzero(new)
    a, c = account[first], campaign[first]
    if not np.all((a[1:] > a[:-1]) | ((a[1:] == a[:-1]) & (c[1:] > c[:-1]))):
        return None
    return pd.MultiIndex.from_arrays([a, c]), np.cumsum(new) - 1


def _latest_rows(frame: pd.DataFrame, codes: np.ndarray, day: np.ndarray, uniques, extra: pd.DataFrame | None):
    """Latest row per campaign (the current state); the roster gives it for campaigns with no row."""
    import pandas as pd

    n = len(uniques)
    if len(codes) and np.all((codes[1:] > codes[:-1]) | ((codes[1:] == codes[:-1]) & (day[1:] >= day[:-1]))):
        ends = np.flatnonzero(np.r_[codes[1:] != codes[:-1], True])  # rows in (code, day) order: no sort
        last_pos, last_day = pd.Series(ends, index=codes[ends]), pd.Series(day[ends], index=codes[ends])
    else:
        last = pd.DataFrame({"code": codes, "day": day, "pos": np.arange(len(frame))}).sort_values(["code", "day"])
        last_pos = last.groupby("code", sort=True)["pos"].last()
        last_day = last.groupby("code", sort=True)["day"].last()
    latest = frame.iloc[last_pos.to_numpy()].set_axis(last_pos.index)
    if extra is not None and len(extra):
        extra_codes = uniques.get_indexer(pd.MultiIndex.from_arrays([extra["account_id"], extra["campaign_id"]]))
        latest = pd.concat([latest, extra.set_axis(extra_codes)])
    return latest.reindex(np.arange(n)), last_day


def _latest_text(latest: pd.DataFrame, column: str, default: str) -> np.ndarray:
    import pandas as pd

    n = len(latest)
    if column not in latest.columns:
        return np.full(n, default, dtype=object)
    values = latest[column].astype(object).to_numpy()
    keep = ~pd.isna(values)
    keep[keep] = values[keep] != ""
    if pd.api.types.infer_dtype(values, skipna=True) in ("string", "empty"):  # text as read: no str() per value
        return np.where(keep, values, default).astype(object)
    return np.array([str(v) if ok else default for v, ok in zip(values, keep, strict=True)], dtype=object)


def _current_settings(latest: pd.DataFrame, last_day, budget: np.ndarray, bid_type: np.ndarray):
    """``(n,)`` budget (``inf`` = no cap) and bid today: the latest day's, else the roster's."""
    import pandas as pd

    n = len(latest)
    seen = np.zeros(n, dtype=bool)
    seen[last_day.index.to_numpy()] = True
    current_budget = np.full(n, np.inf)
    current_budget[seen] = budget[last_day.index.to_numpy(), last_day.to_numpy()]
    if "budget" in latest.columns:
        roster_budget = pd.to_numeric(latest["budget"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        current_budget = np.where(~seen & np.isfinite(roster_budget), roster_budget, current_budget)
    current_bid = (
        pd.to_numeric(latest["bid"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        if "bid" in latest.columns
        else np.full(n, np.nan)
    )
    current_bid = np.where(bid_type == "none", np.nan, current_bid)
    return current_budget, current_bid
