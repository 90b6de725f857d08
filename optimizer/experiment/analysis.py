"""The lift of a budget-split test: CUPED-adjusted ratio of the arms' GMV per yuan.

Data: per day ``d`` and arm ``a`` (T treatment, C control) the arm's matured GMV
``g[a,d]`` and its denominator ``w[a,d]``: spend (metric ``roi``, GMV per yuan)
or the arm's fixed budget share (metric ``gmv``, GMV per yuan of budget). Two
periods: ``pre`` (before the start) and ``test`` (after the burn-in, matured days
only). For a period::

    L      = log(sum_d g[T,d] / sum_d w[T,d]) - log(sum_d g[C,d] / sum_d w[C,d])
    u_d    = g[T,d]/sum g[T] - w[T,d]/sum w[T] - g[C,d]/sum g[C] + w[C,d]/sum w[C]
    Var(L) = n/(n-1) * (sum_d u_d^2 + 2 sum_{l=1..q} (1 - l/(q+1)) sum_d u_d u_{d+l})

(the delta method; ``q = lags`` Newey-West lags for days that are not
independent; a factor common to both arms on a day, the weekday, cancels in
``u_d``). ``se_method="bootstrap"`` replaces ``Var(L)`` by a moving-block
bootstrap over days instead.

CUPED. ``Y = L_test``, ``X = L_pre``. The arms differ for good (``alpha``: which
campaigns the draw put where) and by the days' luck (``e``)::

    Y = tau + alpha + e_test,   X = alpha + e_pre
    theta = Var(alpha) / (Var(alpha) + Var(e_pre))          the CUPED coefficient
    delta = Y - theta (X - E[X])                             the adjusted log lift
    Var(delta) = Var(e_test) + theta^2 Var(e_pre) + (1 - theta)^2 Var(alpha)

plus ``Var(eta)``, the drift of the lasting difference between the periods
(``optimizer.experiment.drift``: campaigns that change between the pre-period and
the test; estimated from the control arm, which the treatment does not touch).
``E[X]`` and ``Var(X) = Var(alpha) + Var(e_pre)`` come from re-randomising
(``balance``: the same stratified design redrawn on the pre-period totals), so
``theta`` is estimated, not assumed. Lift = ``exp(delta) - 1`` with the interval
``exp(delta +/- t sqrt(Var)) - 1``: ``t`` is Student's with the Welch-Satterthwaite
degrees of freedom of the two periods' variances (a few weeks of days estimate a
variance loosely; the normal's 1.96 would be too narrow).

The randomization interval (``se_method="randomization"``, opt-in: see
docs/benchmarks.md for what it trades). The day-based variances above model the arms'
lasting difference as fixed between the periods; when campaigns change between
the pre-period and the test (fatigue, refreshed creatives, attribution speed:
the ``cohort`` market) that difference drifts and the model's variance is too
small. The design itself knows the spread: redraw the same stratified
assignment ``draws`` times on the units' totals of both periods; for a
constant effect ``e`` on GMV per yuan, the treated units' test GMV put back to
control by ``exp(e)`` gives the estimator of a redraw as ``e + D_a(e)``::

    D_a(e)   = L_test(a; treated GMV / exp(e)) - theta (L_pre(a) - E[X])
    interval = every e with q_{alpha/2}(D(e)) <= delta - e <= q_{1-alpha/2}(D(e))   (bisection)
    p        = two-sided share of the redraws D_a(0) (raw outcomes, no effect) beyond delta

This is Fisher's randomization test inverted (exact for an A/A test, where the
outcomes do not depend on the arm) and covers drift, skew and a dominant
campaign without a variance model; ``se`` is the redraws' standard deviation.

Sequential looks. ``sequential=True`` gives an always-valid interval (the
normal-mixture mSPRT of Johari, Pekelis and Walsh 2017, mixing variance
``tau2``, default the variance the plan expects at its horizon)::

    delta +/- sqrt(V (V + tau2) / tau2 * log((V + tau2) / (V alpha^2)))

which holds however often the report is read before the horizon.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from optimizer.experiment.design import assignment_matrix

__all__ = ["ArmDays", "Balance", "LiftEstimate", "UnitTotals", "balance", "estimate", "log_ratio"]

Metric = Literal["roi", "gmv"]


@dataclass(frozen=True)
class ArmDays:
    """One period's daily arm series, each ``(days,)``: GMV and denominator per arm."""

    gmv_t: np.ndarray
    den_t: np.ndarray
    gmv_c: np.ndarray
    den_c: np.ndarray

    @property
    def days(self) -> int:
        return int(self.gmv_t.shape[0])

    def take(self, index: np.ndarray) -> ArmDays:
        """The days at ``index`` (any shape); sums run over the last axis."""
        return ArmDays(self.gmv_t[index], self.den_t[index], self.gmv_c[index], self.den_c[index])


@dataclass(frozen=True)
class UnitTotals:
    """Each unit's totals ``(n,)`` in the pre-period and the test, the drawn arm (True = treatment)
    and the redrawn design ``(draws, n)`` (``design.assignment_matrix``), for the randomization interval."""

    gmv_pre: np.ndarray
    den_pre: np.ndarray
    gmv_test: np.ndarray
    den_test: np.ndarray
    treated: np.ndarray
    redraws: np.ndarray


@dataclass(frozen=True)
class Balance:
    """The pre-period arm difference over redrawn assignments: its mean and variance."""

    mean_x: float
    var_x: float
    draws: int


class LiftEstimate(BaseModel):
    """The lift of treatment over control with its interval (fractions: 0.05 = +5 %)."""

    model_config = ConfigDict(frozen=True)

    metric: Metric = Field(description="roi: GMV per yuan spent; gmv: GMV per yuan of budget share")
    lift: float = Field(description="exp(delta) - 1")
    low: float = Field(description="lower end of the interval")
    high: float = Field(description="upper end of the interval")
    se: float = Field(ge=0, description="standard error of delta (log scale)")
    p_value: float = Field(ge=0, le=1, description="two-sided, fixed horizon")
    theta: float = Field(ge=0, le=1, description="CUPED coefficient on the pre-period difference")
    df: float = Field(
        gt=0, description="Welch-Satterthwaite degrees of freedom of the t interval (inf: randomization interval)"
    )
    drift: float = Field(0.0, ge=0, description="Var(eta) in se^2: the arms' lasting difference moving (log scale)")
    raw_lift: float = Field(description="exp(L_test) - 1 before the adjustment")
    days_test: int = Field(ge=0)
    days_pre: int = Field(ge=0)
    sequential: bool = Field(description="the interval is always valid (sequential)")
    method: str = Field(description="delta | bootstrap | randomization")
    alpha: float = Field(gt=0, lt=1)

    @property
    def significant(self) -> bool:
        return self.low > 0 or self.high < 0


def log_ratio(p: ArmDays) -> np.ndarray:
    """``L`` over the last axis (so a stack of resampled periods gives one ``L`` each)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.log(p.gmv_t.sum(-1) / p.den_t.sum(-1)) - np.log(p.gmv_c.sum(-1) / p.den_c.sum(-1))


def _delta_var(p: ArmDays, lags: int) -> float:
    n = p.days
    if n < 2:
        return math.inf
    u = p.gmv_t / p.gmv_t.sum() - p.den_t / p.den_t.sum() - p.gmv_c / p.gmv_c.sum() + p.den_c / p.den_c.sum()
    u = u - u.mean()
    var = float(u @ u)
    for lag in range(1, min(lags, n - 1) + 1):
        var += 2.0 * (1.0 - lag / (lags + 1.0)) * float(u[lag:] @ u[:-lag])
    return max(var, 0.0) * n / (n - 1)


def _bootstrap_var(p: ArmDays, draws: int, seed: int) -> float:
    """Moving-block bootstrap over days: blocks of ``round(n^(1/3))`` days, ``draws`` resamples."""
    n = p.days
    if n < 2:
        return math.inf
    block = max(1, round(n ** (1 / 3)))
    rng = np.random.default_rng([int(seed) & 0xFFFFFFFF, 1414])
    starts = rng.integers(0, n - block + 1, size=(draws, -(-n // block)))
    index = (starts[:, :, None] + np.arange(block)).reshape(draws, -1)[:, :n]
    values = log_ratio(p.take(index))
    return float(np.var(values[np.isfinite(values)], ddof=1))


def _redrawn_ratio(a: np.ndarray, gmv: np.ndarray, den: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.log((a @ gmv) / (a @ den)) - np.log(((1 - a) @ gmv) / ((1 - a) @ den))


def _redrawn_band(units: UnitTotals, x: np.ndarray, theta: float, shift: float, alpha: float) -> np.ndarray:
    """The redraws' adjusted log lift ``D_a`` with the treated units' test GMV put back by ``exp(shift)``,
    and its ``alpha/2`` and ``1 - alpha/2`` quantiles (first two values)."""
    imputed = np.where(units.treated, units.gmv_test * math.exp(-shift), units.gmv_test)
    d = _redrawn_ratio(units.redraws.astype(float), imputed, units.den_test) - theta * x
    d = d[np.isfinite(d)]
    return np.concatenate([np.quantile(d, [alpha / 2, 1 - alpha / 2]), d]) if d.size >= 20 else np.array([])


def _invert(
    units: UnitTotals, x: np.ndarray, theta: float, delta: float, alpha: float, side: int, span: float
) -> float:
    """The interval's end: the effect ``e`` where ``delta - e`` leaves the redraws' band at ``e``
    (``side`` 1: the low end, ``delta - e`` meets the upper quantile; -1: the high end)."""

    def gap(e: float) -> float:
        band = _redrawn_band(units, x, theta, e, alpha)
        return (delta - e) - band[1 if side == 1 else 0]

    lo, hi = delta - span, delta + span  # gap falls as e rises (slope about -1)
    if gap(lo) < 0 or gap(hi) > 0:  # not bracketed: the widest band we looked at
        return lo if side == 1 else hi
    for _ in range(40):
        mid = 0.5 * (lo + hi)
        if gap(mid) > 0:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def randomization(units: UnitTotals, delta: float, theta: float, mean_x: float, alpha: float) -> tuple[float, ...]:
    """``(var, low, high, p_value)`` of ``delta`` over the redrawn design (module docstring): the test of
    no effect on the raw outcomes, the interval by inverting the test of each constant effect."""
    x = _redrawn_ratio(units.redraws.astype(float), units.gmv_pre, units.den_pre) - mean_x
    null = _redrawn_band(units, x, theta, 0.0, alpha)
    if null.size == 0:
        return math.inf, -math.inf, math.inf, 1.0
    draws = null[2:]
    span = 10.0 * (float(null[1] - null[0]) + abs(delta)) + 1e-9
    low = _invert(units, x, theta, delta, alpha, 1, span)
    high = _invert(units, x, theta, delta, alpha, -1, span)
    tail = min(np.sum(draws >= delta) + 1, np.sum(draws <= delta) + 1) / (draws.size + 1)
    return float(draws.var(ddof=1)), low, high, min(1.0, 2.0 * float(tail))


def period_var(p: ArmDays, *, method: str = "delta", lags: int = 0, draws: int = 1000, seed: int = 0) -> float:
    """``Var(L)`` of one period by the delta method (Newey-West ``lags``) or the block bootstrap."""
    if method == "bootstrap":
        return _bootstrap_var(p, draws, seed)
    if method not in ("delta", "randomization"):  # randomization: the day-based part is the delta method's
        raise ValueError(f"se_method must be 'delta', 'bootstrap' or 'randomization', not {method!r}")
    return _delta_var(p, lags)


def redraw_seeds(seed: int, draws: int = 400) -> list[int]:
    """The seeds of the ``draws`` redrawn assignments (``balance`` and the randomization interval share them)."""
    return [int(seed) * 7919 + k + 1 for k in range(draws)]


def balance(
    gmv: np.ndarray,
    den: np.ndarray,
    *,
    strat_spend: np.ndarray,
    strat_roi: np.ndarray,
    treatment_share: float,
    draws: int = 400,
    seed: int = 0,
) -> Balance:
    """Redraw the stratified design ``draws`` times on the units' pre-period totals ``(n,)``.

    ``gmv`` and ``den`` are each unit's pre-period GMV and denominator (spend, or
    budget for the ``gmv`` metric); ``strat_*`` the inputs the design sorts by.
    """
    a = assignment_matrix(
        strat_spend, strat_roi, treatment_share=treatment_share, seeds=redraw_seeds(seed, draws)
    ).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        x = np.log((a @ gmv) / (a @ den)) - np.log(((1 - a) @ gmv) / ((1 - a) @ den))
    x = x[np.isfinite(x)]
    if x.size < 2:
        return Balance(0.0, 0.0, int(x.size))
    return Balance(float(x.mean()), float(x.var(ddof=1)), int(x.size))


def cuped(var_pre: float, bal: Balance) -> tuple[float, float]:
    """``(theta, Var(alpha))`` from the pre-period noise and the redrawn spread."""
    var_alpha = max(bal.var_x - var_pre, 0.0)
    whole = var_alpha + var_pre
    return (var_alpha / whole if whole > 0 else 1.0), var_alpha


def adjusted_var(var_test: float, var_pre: float, bal: Balance) -> float:
    """``Var(delta)`` (module docstring) for the test and pre-period variances."""
    theta, var_alpha = cuped(var_pre, bal)
    return var_test + theta**2 * var_pre + (1 - theta) ** 2 * var_alpha


def degrees_of_freedom(
    var_test: float, n_test: int, var_pre: float, n_pre: int, bal: Balance, drift: float = 0.0, drift_units: float = 0.0
) -> float:
    """Welch-Satterthwaite degrees of freedom of ``Var(delta)``: each period's variance is estimated
    from its days, the drift from ``drift_units`` campaigns (``Var(alpha)``, from the redrawn design,
    counts as known)."""
    theta, _ = cuped(var_pre, bal)
    parts = ((var_test, n_test), (theta**2 * var_pre, n_pre), (drift, drift_units))
    denominator = sum(v**2 / (n - 1) for v, n in parts if n > 1)
    total = adjusted_var(var_test, var_pre, bal) + drift
    return total**2 / denominator if denominator > 0 else math.inf


def critical(alpha: float, df: float) -> float:
    """Two-sided critical value of Student's t with ``df`` degrees of freedom (the normal's when infinite)."""
    if not math.isfinite(df) or df > 1000:
        return NormalDist().inv_cdf(1 - alpha / 2)
    from scipy.stats import t as student

    return float(student.ppf(1 - alpha / 2, df))


def sequential_radius(var: float, tau2: float, alpha: float) -> float:
    """Half-width of the always-valid normal-mixture interval (module docstring)."""
    if not math.isfinite(var) or var <= 0:
        return math.inf
    return math.sqrt(var * (var + tau2) / tau2 * math.log((var + tau2) / (var * alpha**2)))


def _p_value(z: float, df: float) -> float:
    if not math.isfinite(df) or df > 1000:
        return 2.0 * (1.0 - NormalDist().cdf(abs(z)))
    from scipy.stats import t as student

    return float(2.0 * student.sf(abs(z), df))


def estimate(
    test: ArmDays,
    pre: ArmDays,
    bal: Balance,
    *,
    metric: Metric = "roi",
    alpha: float = 0.05,
    se_method: str = "delta",
    lags: int = 0,
    sequential: bool = False,
    tau2: float | None = None,
    seed: int = 0,
    units: UnitTotals | None = None,
    drift: float = 0.0,
    drift_units: float = 0.0,
) -> LiftEstimate:
    """The CUPED-adjusted lift of ``test`` with its interval; see the module docstring.

    ``drift`` is ``Var(eta)`` (``optimizer.experiment.drift``) from ``drift_units`` campaigns, added to
    the day model's variance;
    ``se_method="randomization"`` ignores it and needs ``units`` (the same days' per-unit totals).
    Raises ``ValueError`` when a period has fewer than 2 days or an arm has no GMV.
    """
    if test.days < 2 or pre.days < 2:
        raise ValueError(f"need at least 2 matured days in each period (test {test.days}, pre {pre.days})")
    y, x = float(log_ratio(test)), float(log_ratio(pre))
    if not (math.isfinite(y) and math.isfinite(x)):
        raise ValueError("an arm has no GMV or no spend in a period: the lift is undefined")
    var_test = period_var(test, method=se_method, lags=lags, seed=seed)
    var_pre = period_var(pre, method=se_method, lags=lags, seed=seed + 1)
    theta, _ = cuped(var_pre, bal)
    delta = y - theta * (x - bal.mean_x)
    if se_method == "randomization":
        if units is None:
            raise ValueError("se_method='randomization' needs the units' totals (units=)")
        var, low, high, p = randomization(units, delta, theta, bal.mean_x, alpha)
        df, drift = math.inf, 0.0
    else:
        var = adjusted_var(var_test, var_pre, bal) + drift
        df = degrees_of_freedom(var_test, test.days, var_pre, pre.days, bal, drift, drift_units)
        radius = critical(alpha, df) * math.sqrt(var)
        low, high = delta - radius, delta + radius
        p = _p_value(delta / math.sqrt(var), df) if var > 0 else 0.0
    se = math.sqrt(var)
    if sequential:
        radius = sequential_radius(var, tau2 if tau2 and tau2 > 0 else var, alpha)
        low, high = delta - radius, delta + radius
    return LiftEstimate(
        metric=metric,
        lift=math.expm1(delta),
        low=math.expm1(low),
        high=math.expm1(high),
        se=se,
        p_value=min(max(p, 0.0), 1.0),
        theta=theta,
        df=df,
        drift=drift,
        raw_lift=math.expm1(y),
        days_test=test.days,
        days_pre=pre.days,
        sequential=sequential,
        method=se_method,
        alpha=alpha,
    )
