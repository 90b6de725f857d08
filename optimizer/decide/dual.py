"""The coupling guardrails of the decision model and their Lagrangian dual.

Helpers of ``optimizer.decide.solve`` (whose docstring holds the formulation). The
coupling rows are written ``sum_ij a_r[i,j] x[i,j] <= b_r`` and scaled so that
every quantity is of order one:

* budget-like rows (``budget.total_daily``, ``channel[c].max_share``,
  ``channel[c].min_share``): ``a_r[i,j] = sign_r * member_r[i] * B[i,j] / Ts``
  with ``member_r`` the campaigns the row covers (all, or one channel), ``sign``
  ``-1`` for a minimum share; ``Ts = max(T, 1)``;
* ``objective.roi_floor``: ``a[i,j] = (F s[i,j] - g'[i,j]) / Rs``, ``b = 0``, with
  ``g' = g - z w_i sd[i,j]`` the GMV less its share of the confidence margin
  (``optimizer.decide.solve``; ``g' = g`` at ``objective.floor_confidence = 0.5``).

Scores ``vs = v / Vs`` (``-inf`` for invalid candidates). The dual function is
``D(y) = b.y + sum_i max_j (vs[i,j] - a[i,j].y)`` for ``y >= 0``; Kelley's cutting
planes minimise it with a GLOP master LP of ``m + 1`` variables. With ``vs = 0``
and ``y`` on the simplex, ``min D < 0`` certifies that no fractional choice meets
the rows (Farkas), which ``diagnose`` uses to name conflicting guardrails.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from optimizer.i18n import t

__all__ = ["CouplingRows", "diagnose", "kelley", "reduced_scores"]

_BOX = 1e4
_TOL = 1e-9


@dataclass(frozen=True)
class CouplingRows:
    """Scaled coupling rows; arrays ``(n, k)`` for ``Bs``/``As``, ``member`` ``(n, m_b)``."""

    names: tuple[str, ...]
    values: tuple[str, ...]  # the setting behind each row, for messages
    member: np.ndarray  # (n, m_b) sign * membership of the budget-like rows
    Bs: np.ndarray
    As: np.ndarray | None  # ROI row, or None when roi_floor == 0
    rhs: np.ndarray  # (m,)
    Ts: float
    Rs: float

    @property
    def m_budget(self) -> int:
        return self.member.shape[1]

    @classmethod
    def build(cls, B, spend, gmv, channels, settings, total: float, floor_gmv=None) -> CouplingRows:
        """``floor_gmv`` ``(n, k)``: the GMV the ROI row counts (default ``gmv``; the solver passes it less
        its confidence margin, ``objective.floor_confidence``)."""
        n = len(B)
        floor_gmv = gmv if floor_gmv is None else floor_gmv
        Ts = max(total, 1.0)
        names, values, cols, rhs = ["budget.total_daily"], [f"{total:,.2f}"], [np.ones(n)], [total / Ts]
        for ch in settings.channel:
            inside = (channels == ch.name).astype(float)
            if ch.max_share < 1:
                names.append(f"channel[{ch.name}].max_share")
                values.append(f"{ch.max_share:g} (at most {ch.max_share * total:,.2f})")
                cols.append(inside)
                rhs.append(ch.max_share * total / Ts)
            if ch.min_share > 0:
                names.append(f"channel[{ch.name}].min_share")
                values.append(f"{ch.min_share:g} (at least {ch.min_share * total:,.2f})")
                cols.append(-inside)
                rhs.append(-ch.min_share * total / Ts)
        floor = settings.objective.roi_floor
        As, Rs = None, 1.0
        if floor > 0:
            Rs = max(float((gmv + floor * spend).max(axis=1).sum()), 1.0)
            As = (floor * spend - floor_gmv) / Rs
            names.append("objective.roi_floor")
            values.append(f"{floor:g}")
            rhs.append(0.0)
        return cls(
            names=tuple(names),
            values=tuple(values),
            member=np.stack(cols, axis=1),
            Bs=B / Ts,
            As=As,
            rhs=np.asarray(rhs, dtype=float),
            Ts=Ts,
            Rs=Rs,
        )

    def lhs_per_candidate(self, r: int) -> np.ndarray:
        """``a_r`` as an ``(n, k)`` array."""
        if r < self.m_budget:
            return self.member[:, [r]] * self.Bs
        assert self.As is not None, "the ROI row exists only when roi_floor > 0"
        return self.As

    def row_sums(self, ii: np.ndarray, jj: np.ndarray) -> np.ndarray:
        """``sum_t a_r[ii[t], jj[t]]`` for every row ``r``: ``(m,)``."""
        b = self.Bs[ii, jj]
        member = (
            self.member if len(ii) == len(self.member) and (len(ii) == 0 or ii[-1] == len(ii) - 1) else self.member[ii]
        )
        out = list(b @ member)
        if self.As is not None:
            out.append(float(self.As[ii, jj].sum()))
        return np.asarray(out, dtype=float)

    def coefficients(self, ii: np.ndarray, jj: np.ndarray) -> np.ndarray:
        """``a_r[ii[t], jj[t]]``: ``(m, len(ii))``."""
        b = self.Bs[ii, jj]
        parts = [self.member[ii].T * b[None, :]]
        if self.As is not None:
            parts.append(self.As[ii, jj][None, :])
        return np.concatenate(parts, axis=0)

    def unscaled(self, y: np.ndarray, vs_scale: float) -> dict[str, float]:
        """Multipliers in objective units per CNY of budget (or per unit of the ROI row)."""
        out = {}
        for r, name in enumerate(self.names):
            scale = self.Ts if r < self.m_budget else self.Rs
            out[name] = round(float(y[r]) * vs_scale / scale, 9)
        return out


def reduced_scores(rows: CouplingRows, vs: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``vs[i,j] - a[i,j].y``: ``(n, k)``, ``-inf`` where ``vs`` is."""
    per_budget = rows.member @ y[: rows.m_budget]
    red = np.multiply(rows.Bs, per_budget[:, None])
    np.subtract(vs, red, out=red)
    if rows.As is not None and y[-1] != 0:
        red -= rows.As * y[-1]
    return red


def _evaluate(rows, vs, y):
    red = reduced_scores(rows, vs, y)
    j = np.argmax(red, axis=1)
    i = np.arange(len(j))
    phi = float(red[i, j].sum())
    return float(rows.rhs @ y) + phi, rows.rhs - rows.row_sums(i, j), phi


def kelley(
    rows: CouplingRows,
    vs: np.ndarray,
    *,
    deadline: float,
    simplex: bool = False,
    allowed: np.ndarray | None = None,
    max_iter: int = 400,
) -> tuple[np.ndarray, float]:
    """Minimise ``D(y)`` by cutting planes; returns ``(y_best, D(y_best))``.

    ``y`` is in ``[0, 1e4]^m``, or on the simplex with ``simplex=True``; rows with
    ``allowed[r] = False`` keep ``y_r = 0``.
    """
    from ortools.linear_solver import pywraplp

    m = len(rows.names)
    allowed = np.ones(m, dtype=bool) if allowed is None else allowed
    upper = 1.0 if simplex else _BOX
    cuts: list[tuple[float, np.ndarray]] = []  # theta - slope.y >= offset

    def master(params):
        lp = pywraplp.Solver.CreateSolver("GLOP")
        # dual simplex suits cutting planes (each new cut keeps the basis dual
        # feasible); GLOP's primal path with presolve gave up (ABNORMAL) on such LPs
        lp.SetSolverSpecificParametersAsString(params)
        ys = [lp.NumVar(0.0, upper if allowed[r] else 0.0, f"y[{r}]") for r in range(m)]
        theta = lp.NumVar(-lp.infinity(), lp.infinity(), "theta")
        if simplex:
            lp.Add(sum(ys) == 1)
        objective = lp.Objective()
        for r in range(m):
            objective.SetCoefficient(ys[r], float(rows.rhs[r]))
        objective.SetCoefficient(theta, 1.0)
        objective.SetMinimization()
        return lp, ys, theta, objective

    def add_cut(model, offset, slope):
        lp, ys, theta, _ = model
        cut = lp.Constraint(offset, lp.infinity())
        cut.SetCoefficient(theta, 1.0)
        for r in range(m):
            cut.SetCoefficient(ys[r], -float(slope[r]))

    model = master("use_dual_simplex: true")
    y = np.zeros(m) if not simplex else allowed / allowed.sum()
    best_y, best_d = y, np.inf
    for _ in range(max_iter):
        d, grad, phi = _evaluate(rows, vs, y)
        if d < best_d:
            best_y, best_d = y, d
        # theta >= phi + slope.(y' - y), slope = -(sum of the chosen a)
        slope = grad - rows.rhs
        cuts.append((phi - float(slope @ y), slope))
        add_cut(model, *cuts[-1])
        if model[0].Solve() != pywraplp.Solver.OPTIMAL:
            # a fresh LP without presolve, in case the incremental one gave up
            model = master("use_preprocessing: false")
            for offset, sl in cuts:
                add_cut(model, offset, sl)
            if model[0].Solve() != pywraplp.Solver.OPTIMAL:
                break
        lower = model[3].Value()
        if best_d - lower <= _TOL + 1e-8 * abs(best_d) or time.perf_counter() > deadline:
            break
        y = np.clip(np.array([v.solution_value() for v in model[1]]), 0.0, upper)
    return best_y, best_d


def hits_box(y: np.ndarray) -> bool:
    """True when a multiplier ran to the box: the guardrails are likely infeasible."""
    return bool(np.any(y >= 0.5 * _BOX))


def _min_lhs(rows, valid, r):
    a = np.where(valid, rows.lhs_per_candidate(r), np.inf)
    return float(a.min(axis=1).sum())


def _single_row(rows, valid, locked, settings, r):
    name = rows.names[r]
    low = _min_lhs(rows, valid, r)
    if low <= rows.rhs[r] + 1e-9:
        return None
    pct = f"{settings.budget.max_change_pct:g}%"
    names = [name]
    covered = rows.member[:, r] != 0 if r < rows.m_budget else np.ones(len(locked), dtype=bool)
    if (locked & covered).any():
        names.append("locked campaigns")
    if name == "budget.total_daily":
        need = low * rows.Ts
        why = t("decisions.infeasible_total", value=rows.values[r], need=need)
    elif name.endswith(".max_share"):
        why = t("decisions.infeasible_max_share", name=name, value=rows.values[r], low=low * rows.Ts)
    elif name.endswith(".min_share"):
        names = [name, "budget.max_change_pct"] + names[1:]
        why = t("decisions.infeasible_min_share", name=name, value=rows.values[r], reach=-low * rows.Ts, pct=pct)
    else:
        why = t("decisions.infeasible_floor", value=rows.values[r])
    return names, why


def diagnose(rows: CouplingRows, valid: np.ndarray, *, locked: np.ndarray, settings, joint: bool = False):
    """``(guardrail names, explanation)`` when the rows cannot all hold, else ``None``.

    Single-row conflicts are found analytically (cheap, always run). With
    ``joint=True`` a deletion filter over the rows finds a minimal conflicting
    set of coupling guardrails (each test a Farkas check with ``kelley``).
    """
    for r in range(len(rows.names)):
        found = _single_row(rows, valid, locked, settings, r)
        if found is not None:
            return found
    if not joint:
        return None
    zero = np.where(valid, 0.0, -np.inf)
    deadline = time.perf_counter() + 30.0

    def infeasible(allowed):
        _, d = kelley(rows, zero, deadline=deadline, simplex=True, allowed=allowed)
        return d < -1e-7

    keep = np.ones(len(rows.names), dtype=bool)
    if not infeasible(keep):
        return None
    for r in range(len(rows.names)):
        trial = keep.copy()
        trial[r] = False
        if trial.any() and infeasible(trial):
            keep = trial
    names = [rows.names[r] for r in np.flatnonzero(keep)]
    listed = "; ".join(f"{rows.names[r]} = {rows.values[r]}" for r in np.flatnonzero(keep))
    why = t("decisions.infeasible_joint", listed=listed, pct=settings.budget.max_change_pct)
    return names + ["budget.max_change_pct"], why


def restore(rows: CouplingRows, vs: np.ndarray, y: np.ndarray, *, margin: float = 3e-6, rounds: int = 6) -> np.ndarray:
    """Raise multipliers of violated rows until each campaign's best choice meets every row.

    Near the dual optimum many campaigns are almost tied, and their best choices
    at ``y`` can overshoot a row; raising that row's multiplier alone makes its
    left side non-increasing, so a bisection per violated row finds the smallest
    multiplier that meets it. Returns the new ``y`` (best effort: a few rounds).
    """
    y = y.copy()
    n = vs.shape[0]
    ii = np.arange(n)

    def lhs_at(y_try):
        choice = np.argmax(reduced_scores(rows, vs, y_try), axis=1)
        return rows.row_sums(ii, choice) - rows.rhs

    for _ in range(rounds):
        excess = lhs_at(y)
        violated = np.flatnonzero(excess > -margin)
        violated = violated[excess[violated] > 0] if len(violated) else violated
        if len(violated) == 0:
            return y
        r = int(violated[np.argmax(excess[violated])])
        lo = y[r]
        hi = max(2 * lo, lo + 1e-3)
        while hi < _BOX:
            trial = y.copy()
            trial[r] = hi
            if lhs_at(trial)[r] <= -margin:
                break
            hi *= 4
        hi = min(hi, _BOX)
        for _ in range(24):
            mid = 0.5 * (lo + hi)
            trial = y.copy()
            trial[r] = mid
            if lhs_at(trial)[r] <= -margin:
                hi = mid
            else:
                lo = mid
        y[r] = hi
    return y
