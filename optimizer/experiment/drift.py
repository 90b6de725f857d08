"""How much the arms' lasting difference moves between two windows (the drift term of the variance).

The day model (``optimizer.experiment.analysis``) splits the arm difference into a
lasting part ``alpha`` (which campaigns the draw put where) and the days' luck, and
CUPED removes ``alpha`` with the pre-period. That holds when each campaign's level
is the same in the pre-period and the test. When campaigns change between the two
(creatives tire and are refreshed, audiences grow at their own pace, attribution
speeds differ: the ``cohort`` market), the lasting difference of the test is
``alpha + eta``: ``eta`` is the same for every test day, so no variance over days
sees it, and the day model's interval is too narrow (A/A rejected 8 % of 200 seeds
on cohort; docs/benchmarks.md).

``eta`` is a between-campaign quantity: how differently the campaigns of one arm
change from those of the other. It is estimated from units whose outcomes in both
windows are untouched by the treatment (the control arm between the pre-period and
the test; before the start, every campaign between the two halves of the history),
by splitting them at random into two halves ``b``, many times::

    C(b)     = L_2(b) - L_1(b)                  change of the halves' log ROI ratio (``L`` as in analysis)
    V        = Var_b C(b)                       drift + both windows' luck, for this pool
    N        = mean_b [Var_day L_2(b) + Var_day L_1(b)]   the luck alone (the day model's delta method)
    eta_pool = max(V - N, 0)
    Var(eta) = eta_pool * k(design) / mean_b k(b)     k = sum_T w^2/(sum_T w)^2 + sum_C w^2/(sum_C w)^2

``k`` scales a split's variance of a weighted mean difference to the experiment's own
split (``w``: pre-period GMV, each campaign's weight in its arm's log GMV): with campaigns drawn
at random, the pool's campaigns change like the others, so their spread carries
over. Its Student t degrees of freedom are the pool's effective number of units
(Kish: ``(sum w)^2 / sum w^2``) minus one. The estimate is added to ``Var(delta)`` (``analysis.estimate(drift=)``); the plan
adds the history's own (``planning.make_plan(drift=)``), so it promises the power the
analysis will have. ``se_method="randomization"`` needs no drift term (it redraws the
campaigns' totals themselves).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import datetime as dt

    import pandas as pd

__all__ = ["Drift", "Window", "concentration", "drift_var", "effective_units", "window"]


@dataclass(frozen=True)
class Window:
    """Per-unit daily GMV and denominator ``(units, days)`` of one window."""

    gmv: np.ndarray
    den: np.ndarray


@dataclass(frozen=True)
class Drift:
    """The drift variance for the experiment's split, with the parts it came from (log scale)."""

    var: float
    pool_units: int
    effective_units: float  # Kish's (sum w)^2 / sum w^2 of the pool: the Student t's df is this - 1
    spread: float  # V: variance of the halves' change
    luck: float  # N: the days' part of it


def window(
    rows: pd.DataFrame, ids: Sequence[str], dates: Sequence[dt.date], *, budget: np.ndarray | None = None
) -> Window:
    """The units' daily GMV and spend over ``dates`` (0 without rows); ``budget`` ``(units,)``: the
    denominator is the unit's start budget every day instead of its spend (the ``gmv`` metric)."""
    import pandas as pd

    part = rows.assign(campaign_id=rows["campaign_id"].astype(str), date=pd.to_datetime(rows["date"]).dt.date)
    sums = part.groupby(["campaign_id", "date"])[["gmv", "spend"]].sum()
    grid = pd.MultiIndex.from_product([list(ids), list(dates)], names=["campaign_id", "date"])
    sums = sums.reindex(grid, fill_value=0.0)
    shape = (len(ids), len(dates))
    gmv = sums["gmv"].to_numpy(float).reshape(shape)
    den = sums["spend"].to_numpy(float).reshape(shape) if budget is None else np.repeat(budget[:, None], shape[1], 1)
    return Window(gmv, den)


def _ratio_and_luck(b: np.ndarray, w: Window) -> tuple[np.ndarray, np.ndarray]:
    """For splits ``b`` ``(draws, units)``: each split's ``L`` and its delta-method variance over days."""
    arms = [(b @ w.gmv, b @ w.den), ((1 - b) @ w.gmv, (1 - b) @ w.den)]
    with np.errstate(divide="ignore", invalid="ignore"):
        (gt, dt_), (gc, dc) = ((g / g.sum(1, keepdims=True), d / d.sum(1, keepdims=True)) for g, d in arms)
        ratio = np.log(arms[0][0].sum(1) / arms[0][1].sum(1)) - np.log(arms[1][0].sum(1) / arms[1][1].sum(1))
    u = gt - dt_ - gc + dc
    u = u - u.mean(1, keepdims=True)
    n = w.gmv.shape[1]
    return ratio, (u * u).sum(1) * n / max(n - 1, 1)


def concentration(b: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """``k`` of each split ``b`` (``(..., units)``, True = first arm) for unit weights ``weight``."""
    first, second = b * weight, (1 - b) * weight
    return (first**2).sum(-1) / first.sum(-1) ** 2 + (second**2).sum(-1) / second.sum(-1) ** 2


def effective_units(weight: np.ndarray) -> float:
    """Kish's effective number of units ``(sum w)^2 / sum w^2``: a spread estimated from campaigns of very
    different sizes rests on fewer of them than their count."""
    w = np.asarray(weight, dtype=float)
    total = float((w * w).sum())
    return float(w.sum() ** 2 / total) if total > 0 else 0.0


def drift_var(
    first: Window,
    second: Window,
    pool_weight: np.ndarray,
    design_k: float,
    *,
    draws: int = 300,
    seed: int = 0,
) -> Drift:
    """``Var(eta)`` for a design with concentration ``design_k`` from a pool of untouched units
    (module docstring): ``first``/``second`` the pool's two windows, ``pool_weight`` its weights."""
    n = first.gmv.shape[0]
    n_eff = effective_units(pool_weight)
    if n < 4 or first.gmv.shape[1] < 2 or second.gmv.shape[1] < 2:
        return Drift(0.0, n, n_eff, 0.0, 0.0)
    rng = np.random.default_rng([int(seed) & 0xFFFFFFFF, 1415])
    b = (np.argsort(rng.uniform(size=(draws, n)), axis=1) < n // 2).astype(float)
    l2, luck2 = _ratio_and_luck(b, second)
    l1, luck1 = _ratio_and_luck(b, first)
    change = l2 - l1
    ok = np.isfinite(change) & np.isfinite(luck1) & np.isfinite(luck2)
    if ok.sum() < 20:
        return Drift(0.0, n, n_eff, 0.0, 0.0)
    spread = float(np.var(change[ok], ddof=1))
    luck = float(np.mean(luck1[ok] + luck2[ok]))
    k_pool = float(np.mean(concentration(b[ok], pool_weight)))
    var = max(spread - luck, 0.0) * design_k / k_pool if k_pool > 0 else 0.0
    return Drift(var, n, n_eff, spread, luck)
