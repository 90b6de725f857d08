"""Are the fitted slopes right? A rolling-origin backtest of the *changes* a move makes.

Levels are easy (a campaign spends about what it spent yesterday); what the
optimizer relies on is what the next yuan or the next bid step buys. So the fit
is judged on the account's own history by the changes it predicts:

1. **Origins.** Every ``ORIGIN_EVERY`` days over the last ``WINDOW`` days of the
   history (at least ``MIN_TRAIN`` days before each), the model is fitted on
   the days before the origin only (``fit`` as the optimizer runs it).
2. **Moves.** For each campaign-day ``t`` in the week after an origin on which
   the budget or the bid moved by at least ``MIN_MOVE`` (relative) from day
   ``t-1`` (both days observed, spend > 0), the model predicts the change in
   log spend and log GMV between the two days' settings,
   ``m = log f(B_t, b_t) - log f(B_{t-1}, b_{t-1})``; the data say
   ``a = log y_t - log y_{t-1}`` (GMV lag-corrected).
3. **Slope error.** Per lever (``budget``, ``bid``) and quantity (spend, GMV),
   pooled over campaign-days, the calibration slope ``k`` of ``a`` on ``m``
   (with an intercept for the day-to-day swing every campaign shares), its
   standard error, and ``slope error = |k - 1|``: 0 when the predicted changes
   are right on average, 1 when the real response is flat (or twice the
   predicted). A lever is **identified** when at least ``MIN_MOVES`` moves and
   a predicted spread wide enough give ``se(k) <= MAX_SE``; otherwise it is
   flagged and its error says nothing either way.

Large accounts are backtested on at most ``MAX_CAMPAIGNS`` campaigns (those
with the most moves), so the check stays a small share of the run's time.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from optimizer.model.features import History
    from optimizer.settings import ModelSettings

__all__ = ["MAX_SE", "SlopeCheck", "backtest_slopes", "history_until", "take_history"]

WINDOW = 21
ORIGIN_EVERY = 7
MIN_TRAIN = 14
MIN_MOVE = 0.02
MIN_MOVES = 8
MAX_SE = 0.35
MAX_CAMPAIGNS = 1000


@dataclass(frozen=True)
class SlopeCheck:
    """One lever x quantity of the backtest."""

    lever: str  # "budget" or "bid"
    quantity: str  # "spend" or "gmv"
    moves: int  # campaign-days with such a move
    slope: float  # k: realised change per predicted change (1 = right); NaN without moves
    se: float  # standard error of k
    median_abs_error: float  # median |a - m| over the moves (log points)

    @property
    def identified(self) -> bool:
        return self.moves >= MIN_MOVES and bool(np.isfinite(self.se)) and self.se <= MAX_SE

    @property
    def error(self) -> float:
        """``|k - 1|``, the slope error."""
        return abs(self.slope - 1.0) if np.isfinite(self.slope) else float("nan")

    @property
    def sentence(self) -> str:
        """One line for a person (``optimizer.i18n``, catalog ``decisions``)."""
        from optimizer.i18n import t

        names = {"lever": t(f"decisions.lever_{self.lever}"), "quantity": t(f"decisions.quantity_{self.quantity}")}
        if not self.identified:
            return t("decisions.backtest_unidentified", moves=self.moves, **names)
        return t(
            "decisions.backtest_line",
            moves=self.moves,
            slope=self.slope,
            se=self.se,
            error=self.error,
            mae=float(np.expm1(self.median_abs_error)),
            **names,
        )


def history_until(history: History, t: int) -> History:
    """The history as it stood on the morning of day index ``t``: days ``< t``, current settings from then."""
    import datetime as dt

    n_days = history.observed.shape[1]
    cut: dict[str, Any] = {}
    for f in fields(history):
        value = getattr(history, f.name)
        if isinstance(value, np.ndarray) and value.ndim == 2 and value.shape[1] == n_days:
            cut[f.name] = value[:, :t]
        elif f.name in ("dates", "weekday", "maturity"):
            cut[f.name] = value[:t]
    obs = cut["observed"]
    seen = obs.any(axis=1)
    last = t - 1 - np.argmax(obs[:, ::-1], axis=1)
    rows = np.arange(history.n)
    cut["current_budget"] = np.where(seen, cut["budget"][rows, last], history.current_budget)
    cut["current_bid"] = np.where(seen, cut["bid"][rows, last], history.current_bid)
    cut["status"] = np.where(seen, "active", history.status).astype(object)
    as_of = history.as_of - dt.timedelta(days=n_days - t)
    return replace(history, **cut, as_of=as_of)


def _select(history: History) -> np.ndarray:
    """Indices of at most ``MAX_CAMPAIGNS`` campaigns, the most moved first (deterministic)."""
    moves = _moved(history).sum(axis=1)
    if history.n <= MAX_CAMPAIGNS:
        return np.arange(history.n)
    order = np.lexsort((history.campaign_id.astype(str), -moves))
    return np.sort(order[:MAX_CAMPAIGNS])


def _ratio(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.abs(np.log(a / b))


def _moved(history: History) -> np.ndarray:
    """``(n, T)`` day ``t`` moved the budget or the bid from day ``t-1`` (both observed with spend)."""
    ok = history.observed & (np.nan_to_num(history.spend, nan=0.0) > 0)
    both = np.zeros_like(ok)
    both[:, 1:] = ok[:, 1:] & ok[:, :-1]
    budget_move = np.zeros_like(ok)
    bid_move = np.zeros_like(ok)
    budget_move[:, 1:] = np.nan_to_num(_ratio(history.budget[:, 1:], history.budget[:, :-1]), nan=0.0) >= MIN_MOVE
    bid_move[:, 1:] = np.nan_to_num(_ratio(history.bid[:, 1:], history.bid[:, :-1]), nan=0.0) >= MIN_MOVE
    return both & (budget_move | bid_move)


def backtest_slopes(history: History, settings: ModelSettings) -> tuple[SlopeCheck, ...]:
    """The backtest of the module docstring: one ``SlopeCheck`` per lever x quantity."""
    from optimizer.model.fit import fit

    keep = _select(history)
    h = take_history(history, keep) if len(keep) < history.n else history
    n_days = h.observed.shape[1]
    moved = _moved(h)
    pairs: dict[tuple[str, str], list[np.ndarray]] = {}
    for origin in range(max(MIN_TRAIN, n_days - WINDOW), n_days, ORIGIN_EVERY):
        days = [t for t in range(origin, min(origin + ORIGIN_EVERY, n_days)) if moved[:, t].any()]
        if not days:
            continue
        past = history_until(h, origin)
        if not past.observed.any():
            continue
        model = fit(past, settings)
        for t in days:
            _collect(pairs, h, model, moved[:, t], t)
    out = []
    for lever in ("budget", "bid"):
        for quantity in ("spend", "gmv"):
            out.append(_calibrate(lever, quantity, pairs.get((lever, quantity), [])))
    return tuple(out)


def _collect(pairs, h: History, model, rows: np.ndarray, t: int) -> None:
    i = np.flatnonzero(rows)
    budget = np.stack([h.budget[i, t - 1], h.budget[i, t]], axis=1)
    bid = np.stack([h.bid[i, t - 1], h.bid[i, t]], axis=1)
    f = model.take(i).predict(budget, bid)
    with np.errstate(divide="ignore", invalid="ignore"):
        m_spend = np.log(f.spend[:, 1] / f.spend[:, 0])
        m_gmv = np.log(f.gmv[:, 1] / f.gmv[:, 0])
        a_spend = np.log(h.spend[i, t] / h.spend[i, t - 1])
        a_gmv = np.log(h.gmv[i, t] / h.gmv[i, t - 1])
    budget_move = np.nan_to_num(_ratio(budget[:, 1], budget[:, 0]), nan=0.0) >= MIN_MOVE
    for lever, of_lever in (("budget", budget_move), ("bid", ~budget_move)):
        for quantity, m, a in (("spend", m_spend, a_spend), ("gmv", m_gmv, a_gmv)):
            keep = of_lever & np.isfinite(m) & np.isfinite(a)
            if keep.any():
                pairs.setdefault((lever, quantity), []).append(np.stack([m[keep], a[keep]]))


def _calibrate(lever: str, quantity: str, pairs: list[np.ndarray]) -> SlopeCheck:
    """The calibration slope of realised on predicted changes; ``pairs`` are ``(2, k)`` blocks of (m, a)."""
    m, a = np.concatenate(pairs, axis=1) if pairs else np.empty((2, 0))
    n_pairs = len(m)
    if n_pairs < 3:
        return SlopeCheck(lever, quantity, n_pairs, float("nan"), float("inf"), float("nan"))
    mc, ac = m - m.mean(), a - a.mean()
    sxx = float(mc @ mc)
    mae = float(np.median(np.abs(a - m)))
    if sxx <= 1e-12:
        return SlopeCheck(lever, quantity, n_pairs, float("nan"), float("inf"), mae)
    k = float(mc @ ac) / sxx
    resid = ac - k * mc
    se = float(np.sqrt(max(float(resid @ resid), 0.0) / max(n_pairs - 2, 1) / sxx))
    return SlopeCheck(lever, quantity, n_pairs, k, se, mae)


def take_history(history: History, index: np.ndarray) -> History:
    """The history of the campaigns at ``index`` (in that order): every per-campaign array sliced."""
    n = history.n
    updates = {}
    for f in fields(history):
        value = getattr(history, f.name)
        if isinstance(value, np.ndarray) and value.shape[:1] == (n,) and f.name not in ("dates", "weekday", "maturity"):
            updates[f.name] = value[index]
    return replace(history, **updates)
