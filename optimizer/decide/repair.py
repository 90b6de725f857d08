"""Step 2 of ``optimizer.decide.solve``: fix the clear choices, repair the coupling rows with a MIP.

At the dual's best multipliers each campaign has a best reduced score; the
campaigns whose best and second-best are closest (the ambiguous ones) are
re-decided by a SCIP MIP over their best candidates (time-limited, hinted with
today's settings, each coupling row a named constraint); the others keep their
choice. With at most ``WHOLE_CELLS`` valid candidates in all, the MIP decides
every campaign over every candidate and so solves the whole problem exactly.
"""

from __future__ import annotations

import time

import numpy as np

from optimizer.decide.candidates import HOLD
from optimizer.errors import OptimizerError

__all__ = ["WHOLE_CELLS", "repair", "row_limits"]

WHOLE_CELLS = 2000  # up to this many valid candidates in all, the MIP decides every campaign (exact)
_MIP_CANDIDATES = 6  # candidates per ambiguous campaign in the repair MIP


def repair(rows, vs, red, choice, valid, deadline):
    """Fix the clear choices, re-decide the ambiguous campaigns with a MIP.

    Returns ``(choice, mip_bound or None, n_in_mip)``; ``choice`` is ``None`` when
    even the full MIP has no feasible solution.
    """
    n = len(choice)
    best = red[np.arange(n), choice]
    second = np.partition(np.where(np.isfinite(red), red, -np.inf), -2, axis=1)[:, -2] if red.shape[1] > 1 else best
    ambiguity = np.where(np.isfinite(second), best - second, np.inf)
    exact = int(valid.sum()) <= WHOLE_CELLS
    m_campaigns = n if exact else min(n, max(40, 10 * len(rows.names)))
    start_ok = bool(np.all(rows.row_sums(np.arange(n), choice) <= row_limits(rows) + 1e-12))
    while True:
        if m_campaigns >= n:
            sel = np.arange(n)
        else:
            sel = np.sort(np.lexsort((np.arange(n), ambiguity))[:m_campaigns])
        try:
            result = _mip(rows, vs, red, choice, sel, valid, deadline, prune=not exact)
        except OptimizerError:
            if start_ok:  # out of time: the multipliers' own choice already meets every row
                return choice, None, 0
            raise
        if result is not None:
            new_choice, mip_bound = result
            return new_choice, (mip_bound if exact else None), len(sel)
        if m_campaigns >= n:
            if exact:
                return None, None, n
            exact = True  # last try: every candidate of every campaign
        m_campaigns = min(n, 4 * m_campaigns)


def _mip(rows, vs, red, choice, sel, valid, deadline, *, prune):
    """SCIP over campaigns ``sel``; the others keep ``choice``. ``None`` if infeasible."""
    from ortools.linear_solver import pywraplp

    solver = pywraplp.Solver.CreateSolver("SCIP")
    fixed = np.ones(len(choice), dtype=bool)
    fixed[sel] = False
    rest = np.flatnonzero(fixed)
    lhs_fixed = rows.row_sums(rest, choice[rest])
    infinity = solver.infinity()
    x_vars = []  # (i, j, var)
    order_j = np.argsort(-red[sel], axis=1, kind="stable")
    for pos, i in enumerate(sel):
        js = [j for j in order_j[pos] if valid[i, j]]
        if prune:
            js = js[:_MIP_CANDIDATES]
        js.sort()
        ct = solver.Constraint(1, 1, f"one_choice[{pos}]")
        for j in js:
            var = solver.BoolVar(f"x[{pos},{j}]")
            ct.SetCoefficient(var, 1)
            x_vars.append((i, j, var))
    ii = np.array([t[0] for t in x_vars], dtype=np.int64)
    jj = np.array([t[1] for t in x_vars], dtype=np.int64)
    coefs = rows.coefficients(ii, jj)  # (m, len)
    # tight feasibility; no cutting-plane rounds at the root: on these small
    # multiple-choice knapsacks they cost more than the branching they save
    solver.SetSolverSpecificParametersAsString("numerics/feastol = 1e-9\nseparating/maxroundsroot = 0\n")
    limits = row_limits(rows)
    for r, name in enumerate(rows.names):
        ct = solver.Constraint(-infinity, limits[r] - lhs_fixed[r], name)
        for t, (_, _, var) in enumerate(x_vars):
            if coefs[r, t] != 0:
                ct.SetCoefficient(var, float(coefs[r, t]))
    objective = solver.Objective()
    for i, j, var in x_vars:
        objective.SetCoefficient(var, float(vs[i, j]))
    objective.SetMaximization()
    solver.SetHint([t[2] for t in x_vars], [1.0 if t[1] == HOLD else 0.0 for t in x_vars])
    solver.SetTimeLimit(int(max(deadline - time.perf_counter(), 0.5) * 1000))
    params = pywraplp.MPSolverParameters()
    # the gap that matters is relative to the whole objective, not to the repaired part
    total_abs = float(np.abs(vs[np.arange(len(choice)), choice]).sum())
    sel_abs = max(float(np.abs(vs[sel, choice[sel]]).sum()), 1e-12)
    rel_gap = 1e-7 if not prune else float(np.clip(1e-5 * total_abs / sel_abs, 1e-6, 1e-2))
    params.SetDoubleParam(params.RELATIVE_MIP_GAP, rel_gap)
    status = solver.Solve(params)
    if status == pywraplp.Solver.INFEASIBLE:
        return None
    if status not in (pywraplp.Solver.OPTIMAL, pywraplp.Solver.FEASIBLE):
        raise OptimizerError(f"the MIP repair found no allocation within the time limit (status {status})")
    new_choice = choice.copy()
    for i, j, var in x_vars:
        if var.solution_value() > 0.5:
            new_choice[i] = j
    fixed_value = float(vs[rest, choice[rest]].sum())
    return new_choice, fixed_value + objective.BestBound()


def row_limits(rows) -> np.ndarray:
    """Right-hand sides for the MIP, ``(m,)``, scaled like ``rows.rhs``.

    Budgets are whole cents: a budget row's limit sits half a cent above the
    last allowed cent, so SCIP's tolerance can neither cut a sum that meets the
    row exactly nor let one through that breaks it by a cent. When the limit is
    not a whole cent (today's total with uncapped campaigns counted at their
    forecast spend, a share of it) it is kept as it is. The ROI row keeps a
    1e-9 margin.
    """
    exact = rows.rhs * rows.Ts * 100
    half_cent = (np.floor(exact + 1e-6) + 0.5) / 100 / rows.Ts
    budget_rows = np.maximum(half_cent, rows.rhs + 1e-12)
    return np.where(np.arange(len(rows.rhs)) < rows.m_budget, budget_rows, rows.rhs - 1e-9)
