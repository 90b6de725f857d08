"""Planning a budget-split test: how large a lift ``days`` days can detect on this account.

From the pre-period alone (the account's own history, split the way ``start``
will split it)::

    sigma2   = n_pre * Var(L_pre)                  one day's variance of the arm difference
    V(days)  = sigma2 / days + theta^2 Var(L_pre) + (1 - theta)^2 Var(alpha) + Var(eta)
    MDE      = exp((t_{1-alpha/2} + z_power) sqrt(V)) - 1
    power(e) = Phi(log(1+e)/sqrt(V) - t_{1-alpha/2}) + Phi(-log(1+e)/sqrt(V) - t_{1-alpha/2})

(``t`` the two-sided critical value the analysis will use: Student's with the
Welch-Satterthwaite degrees of freedom of ``days``, the pre-period and the drift.)
``Var(eta)``, the drift of the arms' lasting difference, is the analysis's own
estimator (``optimizer.experiment.drift``) on the only untouched windows there are
before the start: the two halves of the history, every campaign in the pool; the
analysis re-measures it on the control arm between the pre-period and the test.

(``optimizer.experiment.analysis`` has ``L``, ``theta`` and ``alpha``.) A plan
whose MDE is above ``realistic_lift`` gets a warning: the account (or the
test) is too small to see a lift an optimiser can realistically earn.
"""

from __future__ import annotations

import math
from statistics import NormalDist

from pydantic import BaseModel, ConfigDict, Field

from optimizer.experiment.analysis import (
    ArmDays,
    Balance,
    adjusted_var,
    critical,
    cuped,
    degrees_of_freedom,
    period_var,
)

__all__ = ["Plan", "make_plan", "power_at"]


class Plan(BaseModel):
    """What a test of ``days`` days can detect (fractions: 0.05 = +5 %)."""

    model_config = ConfigDict(frozen=True)

    days: int = Field(ge=1, description="matured test days the analysis will read")
    days_pre: int = Field(ge=0, description="pre-period days the plan is computed from")
    se: float = Field(ge=0, description="expected standard error of the log lift")
    mde: float = Field(ge=0, description="minimum detectable effect at `power`")
    power: float = Field(gt=0, lt=1)
    alpha: float = Field(gt=0, lt=1)
    theta: float = Field(ge=0, le=1, description="CUPED coefficient the analysis will use")
    daily_sd: float = Field(ge=0, description="sd of one day's arm difference (log scale)")
    realistic_lift: float = Field(gt=0, description="the lift the warning compares the MDE with")
    critical: float = Field(gt=0, description="two-sided critical value the analysis will use")
    drift: float = Field(0.0, ge=0, description="Var(eta) in se^2: the history's drift of the arm difference")

    @property
    def too_small(self) -> bool:
        return self.mde > self.realistic_lift

    def power_at(self, effect: float) -> float:
        return power_at(effect, self.se, self.alpha, critical=self.critical)

    def days_for(self, effect: float, *, limit: int = 365) -> int | None:
        """Fewest test days whose power at ``effect`` reaches ``power`` (``None``: not within ``limit``)."""
        var_fixed = self.se**2 - self.daily_sd**2 / self.days
        z = self.critical + NormalDist().inv_cdf(self.power)
        room = (math.log1p(effect) / z) ** 2 - var_fixed
        if room <= 0:
            return None
        need = math.ceil(self.daily_sd**2 / room)
        return need if need <= limit else None


def power_at(effect: float, se: float, alpha: float = 0.05, *, critical: float | None = None) -> float:
    """Two-sided power of the fixed-horizon test at a true lift ``effect`` (``critical``: default the normal's)."""
    if se <= 0:
        return 1.0
    z = critical if critical is not None else NormalDist().inv_cdf(1 - alpha / 2)
    shift = math.log1p(effect) / se
    return NormalDist().cdf(shift - z) + NormalDist().cdf(-shift - z)


def make_plan(
    pre: ArmDays,
    bal: Balance,
    *,
    days: int,
    alpha: float = 0.05,
    power: float = 0.8,
    realistic_lift: float = 0.05,
    lags: int = 0,
    drift: float = 0.0,
    drift_units: float = 0.0,
) -> Plan:
    """The plan for a test of ``days`` matured days; ``ValueError`` with fewer than 2 pre-period days.

    ``drift``: ``Var(eta)`` measured on the history (``series.plan_drift``); ``drift_units``: the
    campaigns the analysis will estimate it from (the control arm), so the plan's critical value is
    the analysis's."""
    if pre.days < 2:
        raise ValueError(f"planning needs at least 2 matured days of history, there are {pre.days}")
    var_pre = period_var(pre, lags=lags)
    sigma2 = var_pre * pre.days
    theta, _ = cuped(var_pre, bal)
    var = adjusted_var(sigma2 / days, var_pre, bal) + drift
    se = math.sqrt(var)
    df = degrees_of_freedom(sigma2 / days, days, var_pre, pre.days, bal, drift, drift_units)
    crit = critical(alpha, df)
    z = crit + NormalDist().inv_cdf(power)
    return Plan(
        days=days,
        days_pre=pre.days,
        se=se,
        mde=math.expm1(z * se),
        power=power,
        alpha=alpha,
        theta=theta,
        daily_sd=math.sqrt(sigma2),
        realistic_lift=realistic_lift,
        critical=crit,
        drift=drift,
    )
