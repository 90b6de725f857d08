"""Benchmark the decision model: solve + verify at 100 / 1k / 10k / 100k campaigns.

Usage (from the repository root)::

    .venv/bin/python scripts/bench_solve.py                 # all sizes + SLSQP comparison
    .venv/bin/python scripts/bench_solve.py --sizes 100 1000 --slsqp 100
    .venv/bin/python scripts/bench_solve.py --slsqp          # no SLSQP comparison

The SLSQP comparison needs SciPy, which spendopt itself does not use: install
the ``bench`` extra first (``.venv/bin/pip install -e '.[bench]'``).

Each size runs in a fresh subprocess so that the peak resident memory
(``ru_maxrss``) belongs to that size alone. Accounts are synthetic
(``tests/solve/curves.py``: power and Hill curves, CPA/ROI/max-delivery
campaigns, 5% paused, 5% uncapped, 5% locked) with ``total_daily`` = 90% of
today's total, a channel with min/max shares 0.3/0.6 and the default ROI floor
2.0. Printed: wall time of solve and of verify, their CPU time, peak RSS, the optimality gap
against the solver's own bound, and verify's verdict.

SLSQP comparison: scipy's SLSQP (the allocator of PyMC-Marketing and
LightweightMMM) on the same curves and guardrails in their continuous form:
budgets in the same +/-step window, bids held, no pauses, the same total,
channel shares and ROI floor, analytic (finite-difference, vectorised)
gradients. Both answers are scored by the same model; the ratios are
ours / SLSQP for time and for expected GMV (ours also with bids held, which
leaves pausing and the discrete budget grid as the only differences: SLSQP's
continuous budgets are not held to the grid or to the 100 CNY minimum step).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _settings(states, *, risk: float = 1.0):
    from optimizer.settings import Settings

    today = float(states.loc[states.status != "paused", "budget"].sum(skipna=True))
    return Settings(
        budget={"total_daily": round(0.9 * today, 2)},
        channel=[{"name": "live", "min_share": 0.3, "max_share": 0.6}],
        objective={"uncertainty_penalty": risk},
    )


def run_one(n: int, seed: int = 7) -> dict:
    from optimizer.decide.solve import solve
    from optimizer.decide.verify import verify
    from tests.solve.curves import random_account

    warm_model, warm_states = random_account(20, seed + 1)
    solve(warm_model, warm_states, _settings(warm_states))  # load OR-Tools' libraries outside the timing
    model, states = random_account(n, seed)
    settings = _settings(states)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    c0, t0 = time.process_time(), time.perf_counter()
    alloc = solve(model, states, settings, time_limit_s=60)
    t1 = time.perf_counter()
    problems = verify(alloc, states, settings)
    t2, c2 = time.perf_counter(), time.process_time()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "n": n,
        "solve_s": round(t1 - t0, 3),
        "verify_s": round(t2 - t1, 3),
        "cpu_s": round(c2 - c0, 3),
        "peak_rss_mb": round(rss / 1024, 1),
        "rss_before_mb": round(rss_before / 1024, 1),
        "gap_pct": round(100 * alloc.stats.gap, 5),
        "status": alloc.stats.status,
        "n_in_mip": alloc.stats.n_in_mip,
        "violations": len(problems),
    }


def slsqp_compare(n: int, seed: int = 11) -> dict:
    import numpy as np
    from scipy.optimize import minimize

    from optimizer.decide.solve import solve
    from optimizer.decide.verify import verify
    from tests.solve.curves import random_account

    model, states = random_account(n, seed, locked_share=0.0, uncapped_share=0.0)
    states = states.assign(status="active", spend_today=0.0)
    settings = _settings(states, risk=0.0)
    solve(model, states, settings)  # load OR-Tools' libraries outside the timing
    t0 = time.perf_counter()
    alloc = solve(model, states, settings, time_limit_s=60)
    ours_s = time.perf_counter() - t0
    assert not verify(alloc, states, settings)
    ours_gmv = alloc.stats.expected_gmv
    held = settings.model_copy(update={"bid": settings.bid.model_copy(update={"max_change_pct": 0.0})})
    held_gmv = solve(model, states, held, time_limit_s=60).stats.expected_gmv

    b0 = states["budget"].to_numpy(float)
    bid0 = states["bid"].to_numpy(float)
    p = settings.budget.max_change_pct / 100
    low = np.maximum(b0 * (1 - p), float(settings.budget.min_campaign_budget))
    high = b0 * (1 + p)
    total = float(settings.budget.total_daily)
    live = (states["channel"] == "live").to_numpy()
    floor = settings.objective.roi_floor
    scale = total / n

    def forecast(x):
        fc = model.predict((x * scale)[:, None], bid0[:, None])
        return fc.spend[:, 0], fc.gmv[:, 0]

    def objective(x):
        return -forecast(x)[1].sum() / total

    def gradient(x):
        h = 1e-4
        return -(forecast(x + h)[1] - forecast(x)[1]) / h / total

    def roi_slack(x):
        s, g = forecast(x)
        return (g.sum() - floor * s.sum()) / total

    def roi_grad(x):
        h = 1e-4
        s0, g0 = forecast(x)
        s1, g1 = forecast(x + h)
        return ((g1 - g0) - floor * (s1 - s0)) / h / total

    constraints = [
        {"type": "ineq", "fun": lambda x: total / scale - x.sum(), "jac": lambda x: -np.ones(n)},
        {"type": "ineq", "fun": lambda x: 0.6 * total / scale - x[live].sum(), "jac": lambda x: -live.astype(float)},
        {"type": "ineq", "fun": lambda x: x[live].sum() - 0.3 * total / scale, "jac": lambda x: live.astype(float)},
        {"type": "ineq", "fun": roi_slack, "jac": roi_grad},
    ]
    start = np.clip(b0 * total / b0.sum(), low, high) / scale
    t0 = time.perf_counter()
    res = minimize(
        objective,
        start,
        jac=gradient,
        bounds=list(zip(low / scale, high / scale, strict=True)),
        constraints=constraints,
        method="SLSQP",
        options={"maxiter": 500, "ftol": 1e-9},
    )
    slsqp_s = time.perf_counter() - t0
    _s, g = forecast(res.x)
    return {
        "n": n,
        "ours_s": round(ours_s, 3),
        "slsqp_s": round(slsqp_s, 3),
        "time_ratio": round(ours_s / slsqp_s, 4),
        "ours_gmv": round(ours_gmv, 2),
        "slsqp_gmv": round(float(g.sum()), 2),
        "gmv_ratio": round(ours_gmv / float(g.sum()), 5),
        "gmv_ratio_bids_held": round(held_gmv / float(g.sum()), 5),
        "slsqp_success": bool(res.success),
        "slsqp_budget_excess": round(float(res.x.sum() * scale - total), 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[100, 1000, 10_000, 100_000])
    parser.add_argument("--slsqp", type=int, nargs="*", default=[100, 300])
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--one-slsqp", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.slsqp and importlib.util.find_spec("scipy") is None:
        parser.exit(
            2, "the SLSQP comparison needs SciPy: .venv/bin/pip install -e '.[bench]' (or pass --slsqp alone)\n"
        )
    if args.one is not None:
        print(json.dumps(run_one(args.one)))
        return
    if args.one_slsqp is not None:
        print(json.dumps(slsqp_compare(args.one_slsqp)))
        return

    def child(flag: str, n: int) -> dict:
        out = subprocess.run(
            [sys.executable, __file__, flag, str(n)], capture_output=True, text=True, check=True, cwd=ROOT
        )
        return json.loads(out.stdout.strip().splitlines()[-1])

    print("| campaigns | solve s | verify s | CPU s (both) | peak RSS MB | gap % | status | in MIP | violations |")
    print("|---|---|---|---|---|---|---|---|---|")
    for n in args.sizes:
        r = child("--one", n)
        print(
            f"| {n:,} | {r['solve_s']} | {r['verify_s']} | {r['cpu_s']} | {r['peak_rss_mb']} | {r['gap_pct']} | "
            f"{r['status']} | {r['n_in_mip']} | {r['violations']} |",
            flush=True,
        )
    if args.slsqp:
        print()
        print(
            "| campaigns | ours s | SLSQP s | time ratio | ours GMV | SLSQP GMV | GMV ratio "
            "| GMV ratio, bids held | SLSQP converged |"
        )
        print("|---|---|---|---|---|---|---|---|---|")
        for n in args.slsqp:
            r = child("--one-slsqp", n)
            print(
                f"| {n:,} | {r['ours_s']} | {r['slsqp_s']} | {r['time_ratio']} | {r['ours_gmv']:,.0f} | "
                f"{r['slsqp_gmv']:,.0f} | {r['gmv_ratio']} | {r['gmv_ratio_bids_held']} | {r['slsqp_success']} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
