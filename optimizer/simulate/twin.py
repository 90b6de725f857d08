"""Digital twin: a simulated account fitted to a real account's imported history.

``twin_scenario(stats, account_id)`` turns the account's daily stats (data
contract section 1 columns; ``optimizer.store.stats.load_stats`` gives them)
into a ``Scenario`` whose campaigns behave like the account's did, so
``spendopt simulate --twin ACCOUNT`` can try policies on it.

Two steps, the second shared by both fits:

1. **Curves** as a ``ResponseModel``: ``fit="response"`` uses the optimizer's
   own response model (``optimizer.model.features`` + ``optimizer.model.fit``);
   ``fit="simple"`` uses ``SimpleFit`` below (medians and ratios; no pooling);
   ``fit="auto"`` tries the first and falls back to the second.
2. **Calibration**: the model is probed at each campaign's current bid: uncapped
   spend gives ``demand``, GMV/spend there gives ``roi``, the GMV at half that
   spend gives ``curvature`` (log-log slope), the answers at a bid 10 % higher
   give ``elasticity`` and ``cost_elasticity``. These are the parameters of
   ``connectors.sim.market``.

Account-level parts: the weekday pattern is the account's mean spend per
weekday (normalised to mean 1); noise is the spread of each campaign's log
spend and log ROI around its own mean on uncapped days (clipped to
0.05-0.6); the history's flatness is the spread of day-to-day budget moves.
What history cannot tell (drift, launches, lag) keeps the defaults; the twin
starts on the day after the newest date in ``stats``.

``SimpleFit`` per campaign, using mature days (older than 7 days) when there
are at least 7 of them: demand = median spend on uncapped days (spend below 90 %
of the budget), else 1.3 x the largest spend; ROI at the median spend = total
GMV / total spend; curvature = the slope of log GMV on log spend when spend
varied (coefficient of variation > 0.15), else 0.7; ROI at full delivery =
ROI x (demand / median spend)^(curvature - 1); bid elasticities take the
market defaults (1.5 and 0.5).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from connectors.errors import InputError, Problem
from connectors.sim.market import BID_KIND, MarketParams, expected_outcome
from connectors.sim.scenario import CampaignSpec, Scenario
from optimizer.model.response import Forecast, ResponseModel

if TYPE_CHECKING:
    import pandas as pd

    from optimizer.settings import Settings

__all__ = ["SimpleFit", "calibrate", "simple_fit", "twin_from_store", "twin_scenario"]

MATURE_AGE = 7
_DEFAULT_E, _DEFAULT_G, _HEADROOM = 1.5, 0.5, 1.5


class SimpleFit:
    """Per-campaign medians and ratios as a ``ResponseModel`` (see the module docstring)."""

    def __init__(self, ids: Sequence[str], params: MarketParams) -> None:
        self._ids = list(ids)
        self.params = params

    @property
    def campaign_ids(self) -> Sequence[str]:
        return self._ids

    def predict(self, budget: np.ndarray, bid: np.ndarray) -> Forecast:
        t = (self.params.start_date - self.params.start_date).days
        spend, gmv = expected_outcome(self.params, t, budget, bid, np.ones_like(budget, dtype=float))
        return Forecast(spend=spend, gmv=gmv, gmv_sd=np.zeros_like(gmv))


def _latest(stats: pd.DataFrame) -> pd.DataFrame:
    """The newest row per campaign (its current name, channel, budget, bid, status)."""
    frame = stats.sort_values(["campaign_id", "date"], kind="stable")
    return frame.groupby("campaign_id", sort=True).tail(1).set_index("campaign_id")


def simple_fit(stats: pd.DataFrame) -> SimpleFit:
    """Fit ``SimpleFit`` from one account's stats (columns of data contract section 1)."""
    import pandas as pd

    dates = pd.to_datetime(stats["date"])
    newest = dates.max()
    latest = _latest(stats)
    ids = [str(i) for i in latest.index]
    rows: dict[str, list[Any]] = {k: [] for k in ("demand", "roi", "curvature", "ref_bid", "kind", "aov")}
    for cid in ids:
        one = stats[stats["campaign_id"].astype(str) == cid]
        age = (newest - pd.to_datetime(one["date"])).dt.days
        mature = one[age >= MATURE_AGE]
        use = mature if len(mature) >= MATURE_AGE else one
        use = use[use["spend"] > 0]
        spend = use["spend"].to_numpy(float)
        gmv = use["gmv"].to_numpy(float)
        budget = (
            pd.to_numeric(use["budget"], errors="coerce").to_numpy(float)
            if "budget" in use
            else np.full(len(use), np.nan)
        )
        if len(spend) == 0:
            spend, gmv, budget = np.array([1.0]), np.array([0.0]), np.array([np.nan])
        uncapped = ~(spend >= 0.9 * np.where(np.isfinite(budget), budget, np.inf))
        demand = float(np.median(spend[uncapped])) if uncapped.any() else 1.3 * float(spend.max())
        s_op = float(np.median(spend))
        roi_op = float(gmv.sum() / spend.sum()) if spend.sum() > 0 else 0.01
        curv = 0.7
        if len(spend) >= 5 and np.std(spend) / max(np.mean(spend), 1e-9) > 0.15 and (gmv > 0).all():
            slope = float(np.polyfit(np.log(spend), np.log(gmv), 1)[0])
            curv = float(np.clip(slope, 0.3, 1.0))
        rows["demand"].append(max(demand, 1.0))
        rows["roi"].append(max(roi_op * (max(demand, s_op) / max(s_op, 1e-9)) ** (curv - 1), 0.01))
        rows["curvature"].append(curv)
        bid_type = (
            str(latest.loc[cid, "bid_type"])
            if "bid_type" in latest and isinstance(latest.loc[cid, "bid_type"], str)
            else "none"
        )
        bid = pd.to_numeric(pd.Series([latest.loc[cid, "bid"] if "bid" in latest else None]), errors="coerce").iloc[0]
        if bid_type not in BID_KIND or (bid_type != "none" and not np.isfinite(bid)):
            bid_type = "none"
        rows["kind"].append(BID_KIND[bid_type])
        rows["ref_bid"].append(float(bid) if bid_type != "none" else np.nan)
        orders = float(use["orders"].sum()) if "orders" in use else 0.0
        rows["aov"].append(float(gmv.sum() / orders) if orders > 0 else 100.0)
    n = len(ids)
    params = MarketParams(
        kind=np.array(rows["kind"], dtype=np.int64),
        demand=np.array(rows["demand"]),
        roi=np.array(rows["roi"]),
        ref_bid=np.array(rows["ref_bid"]),
        elasticity=np.full(n, _DEFAULT_E),
        cost_elasticity=np.full(n, _DEFAULT_G),
        headroom=np.full(n, _HEADROOM),
        curvature=np.array(rows["curvature"]),
        drift=np.zeros(n),
        roi_drift=np.zeros(n),
        aov=np.array(rows["aov"]),
        cpm=np.full(n, 40.0),
        ctr=np.full(n, 0.02),
        weekday=np.ones(7),
        start_date=(newest + pd.Timedelta(days=1)).date(),
    )
    return SimpleFit(ids, params)


def _response_fit(stats: pd.DataFrame, settings: Settings, as_of: dt.date) -> ResponseModel:
    from optimizer.model.features import build_history
    from optimizer.model.fit import fit

    history = build_history(stats, settings.model, as_of=as_of)
    return fit(history, settings.model, effective_date=as_of)


def calibrate(model: ResponseModel, bid_type: Sequence[str], bid: np.ndarray) -> dict[str, np.ndarray]:
    """Market parameters per campaign (``model.campaign_ids`` order) from probing ``model``.

    ``bid`` is ``(n,)``: the current bid, ``nan`` for ``none``. Returns arrays
    ``demand``, ``roi``, ``curvature``, ``elasticity``, ``cost_elasticity``.
    """
    n = len(model.campaign_ids)
    kind = np.array([BID_KIND.get(t, 0) for t in bid_type])
    has_bid = (kind != 0) & np.isfinite(bid)
    base_bid = np.where(has_bid, bid, np.nan)
    inf = np.full((n, 1), np.inf)
    full = model.predict(inf, base_bid[:, None])
    demand = np.maximum(full.spend[:, 0], 1.0)
    roi = np.where(full.spend[:, 0] > 0, full.gmv[:, 0] / np.maximum(full.spend[:, 0], 1e-9), 0.01)
    half = model.predict((demand / 2)[:, None], base_bid[:, None])
    with np.errstate(divide="ignore", invalid="ignore"):
        curv = np.log(full.gmv[:, 0] / half.gmv[:, 0]) / np.log(full.spend[:, 0] / half.spend[:, 0])
    curv = np.clip(np.where(np.isfinite(curv), curv, 0.7), 0.05, 1.0)
    up = model.predict(inf, np.where(has_bid, base_bid * 1.1, np.nan)[:, None])
    with np.errstate(divide="ignore", invalid="ignore"):
        e = np.abs(np.log(up.spend[:, 0] / full.spend[:, 0])) / math.log(1.1)
        roi_up = up.gmv[:, 0] / up.spend[:, 0]
        g = np.abs(np.log(roi_up / roi)) / math.log(1.1)
    # the market saturates reach with headroom H: its local elasticity at the anchor is e * H / (1 + H)
    e = np.clip(np.where(has_bid & np.isfinite(e), e * (1 + _HEADROOM) / _HEADROOM, _DEFAULT_E), 0.0, 5.0)
    g = np.clip(np.where(has_bid & np.isfinite(g), g, _DEFAULT_G), 0.0, 2.0)
    return {
        "demand": demand,
        "roi": np.clip(roi, 0.01, 100.0),
        "curvature": curv,
        "elasticity": e,
        "cost_elasticity": g,
    }


def _weekday_pattern(stats: pd.DataFrame) -> tuple[float, ...]:
    import pandas as pd

    daily = stats.groupby(pd.to_datetime(stats["date"]))["spend"].sum()
    by_dow = daily.groupby(pd.DatetimeIndex(daily.index).day_of_week).mean().reindex(range(7))
    if by_dow.isna().any() or by_dow.mean() <= 0:
        return (1.0,) * 7
    pattern = (by_dow / by_dow.mean()).clip(0.5, 1.5)
    return tuple(round(float(x), 4) for x in pattern / pattern.mean())


def _spread(stats: pd.DataFrame) -> tuple[float, float, float]:
    """Noise of log spend, of log ROI, and the day-to-day spread of budgets."""
    import pandas as pd

    frame = stats[stats["spend"] > 0].copy()
    frame["ls"] = np.log(frame["spend"].astype(float))
    frame["lr"] = np.log((frame["gmv"].astype(float) + 1.0) / frame["spend"].astype(float))
    budget = (
        pd.to_numeric(frame["budget"], errors="coerce") if "budget" in frame else pd.Series(np.nan, index=frame.index)
    )
    uncapped = ~(frame["spend"] >= 0.9 * budget.fillna(np.inf))
    free = frame[uncapped.to_numpy()]
    sd_s = float(free.groupby("campaign_id")["ls"].std().median()) if len(free) > 10 else 0.15
    sd_r = float(frame.groupby("campaign_id")["lr"].std().median()) if len(frame) > 10 else 0.2
    moves = np.log(budget.where(budget > 0)).groupby(frame["campaign_id"]).diff().abs()
    jitter = float(moves.mean()) if moves.notna().any() else 0.05

    def clip(x: float, lo: float, hi: float) -> float:
        return float(np.clip(x if np.isfinite(x) else lo, lo, hi))

    return clip(sd_s, 0.05, 0.6), clip(sd_r, 0.05, 0.6), clip(jitter, 0.0, 0.5)


def twin_scenario(
    stats: pd.DataFrame,
    account_id: str,
    *,
    settings: Settings | None = None,
    fit: Literal["auto", "response", "simple"] = "auto",
    history_days: int = 42,
) -> Scenario:
    """A ``Scenario`` that behaves like ``account_id``'s history in ``stats``."""
    import pandas as pd

    from optimizer.settings import Settings as _Settings

    settings = settings or _Settings()
    if "account_id" in stats.columns:
        stats = stats[stats["account_id"].astype(str) == account_id]
    if len(stats) == 0:
        raise InputError(Problem("store", f"no daily stats for account {account_id!r}: import or pull some first"))
    stats = stats.assign(campaign_id=stats["campaign_id"].astype(str))
    newest = pd.to_datetime(stats["date"]).max().date()
    as_of = newest + dt.timedelta(days=1)
    latest = _latest(stats)
    model: ResponseModel | None = None
    if fit in ("auto", "response"):
        try:
            model = _response_fit(stats, settings, as_of)
        except (ValueError, ImportError):
            if fit == "response":
                raise
    if model is None:
        model = simple_fit(stats)
    ids = [str(i) for i in model.campaign_ids]
    meta = latest.reindex(ids)

    def col(name: str, default: object) -> list:
        return [
            default if name not in meta or pd.isna(v) else v
            for v in (meta[name] if name in meta else [None] * len(ids))
        ]

    bid_types = [t if t in BID_KIND else "none" for t in col("bid_type", "none")]
    bids = np.array([float(b) if t != "none" else np.nan for b, t in zip(col("bid", np.nan), bid_types)], dtype=float)
    bid_types = [t if (t == "none" or np.isfinite(b)) else "none" for t, b in zip(bid_types, bids)]
    p = calibrate(model, bid_types, bids)
    aov = stats.groupby("campaign_id")[["gmv", "orders"]].sum()
    campaigns = []
    for i, cid in enumerate(ids):
        budget = col("budget", None)[i]
        budget = float(budget) if budget is not None else float(np.ceil(p["demand"][i] * 1.2 / 100) * 100)
        budget = min(max(round(budget, 2), 300.0), 9_999_999.99)
        bid = None if bid_types[i] == "none" else round(float(bids[i]), 2)
        if bid_types[i] == "cpa" and bid is not None:
            bid = min(bid, budget)
        orders = float(aov["orders"][cid]) if cid in aov.index else 0.0
        campaigns.append(
            CampaignSpec(
                campaign_id=cid,
                name=str(col("campaign_name", "")[i] or ""),
                channel=str(col("channel", "default")[i] or "default"),
                bid_type=bid_types[i],
                budget=budget,
                bid=bid,
                status="paused" if col("status", "active")[i] == "paused" else "active",
                demand=round(float(p["demand"][i]), 2),
                roi=round(float(p["roi"][i]), 4),
                curvature=round(float(p["curvature"][i]), 4),
                elasticity=round(float(p["elasticity"][i]), 4),
                cost_elasticity=round(float(p["cost_elasticity"][i]), 4),
                headroom=_HEADROOM,
                aov=round(float(aov["gmv"][cid]) / orders, 2) if orders > 0 else 100.0,
            )
        )
    sd_s, sd_r, jitter = _spread(stats)
    return Scenario(
        name=f"twin-{account_id}",
        description=f"digital twin of account {account_id}, fitted on {len(stats)} rows up to {newest}",
        account_id=account_id,
        account_name=f"{account_id} (twin)",
        start_date=as_of,
        history_days=history_days,
        history_budget_jitter=jitter,
        weekday=_weekday_pattern(stats),
        noise={"demand_sd": sd_s, "gmv_sd": sd_r},
        campaigns=tuple(campaigns),
    )


def twin_from_store(
    database_url: str,
    account_id: str,
    *,
    settings: Settings | None = None,
    fit: Literal["auto", "response", "simple"] = "auto",
) -> Scenario:
    """``twin_scenario`` on the account's stats in the store at ``database_url``."""
    from optimizer.store import open_store
    from optimizer.store.stats import load_stats

    engine = open_store(database_url)
    try:
        stats = load_stats(engine, account_id=account_id)
    finally:
        engine.dispose()
    return twin_scenario(stats, account_id, settings=settings, fit=fit)
