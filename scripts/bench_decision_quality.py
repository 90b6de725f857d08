"""Decision quality of the ``spendopt`` policy in the dry-run simulation (issue 4, must-hold 4).

    .venv/bin/python scripts/bench_decision_quality.py [--seeds 0 1 2 3 4] [--days 28]
        [--scenarios demo flat_history ...] [--kappa 1.0]

For every scenario preset and seed: ``run_simulation`` with the yardsticks
(hold, rules, oracle) and ``spendopt``, all under the preset's guardrails.
Prints one row per scenario with the medians over seeds of: the share of the
oracle's GMV, the lift over ``rules`` and over ``hold``, the lowest run ROI
(final GMV / spend over the whole run) and the lowest realised daily ROI
against ``objective.roi_floor`` (a forecast constraint: a realised day can
fall below it on bad luck), and the largest day's total live
budget against ``budget.total_daily`` (absent: the first day's total). Targets: >= 95 % of the oracle, >= 10 %
above rules, the floor met, the total never exceeded. ``--kappa`` overrides
``objective.uncertainty_penalty`` to compare settings in one run.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    from connectors.sim.scenario import list_scenarios, load_scenario
    from optimizer.simulate import run_simulation, simulation_settings

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--days", type=int, default=28)
    parser.add_argument("--scenarios", nargs="+", default=None)
    parser.add_argument("--kappa", type=float, default=None, help="override objective.uncertainty_penalty")
    args = parser.parse_args()
    names = args.scenarios or list_scenarios()
    print(f"{'scenario':<18} {'seeds':>5} {'% oracle':>9} {'vs rules':>9} {'vs hold':>8} {'run ROI':>8} "
          f"{'min day':>8} {'floor':>6} {'max budget':>12} {'total_daily':>12} {'s/run':>6}")
    for name in names:
        scenario = load_scenario(name)
        settings = simulation_settings(scenario)
        if args.kappa is not None:
            settings = settings.model_copy(update={"objective": settings.objective.model_copy(
                update={"uncertainty_penalty": args.kappa})})
        pct, rules, hold, min_roi, max_budget, secs, run_roi = [], [], [], [], [], [], []
        for seed in args.seeds:
            started = time.perf_counter()
            result = run_simulation(scenario, days=args.days, seed=seed, policies=["spendopt"],
                                    settings=settings, progress=False)
            secs.append(time.perf_counter() - started)
            row = result.summary.set_index("policy").loc["spendopt"]
            pct.append(float(row["pct_of_oracle_gmv"]))
            run_roi.append(float(row["roi"]))
            rules.append(float(row["lift_vs_rules_pct"]))
            hold.append(float(row["lift_vs_hold_pct"]))
            days = result.days[result.days["policy"] == "spendopt"]
            min_roi.append(float(days["roi"].min()))
            max_budget.append(float(days["total_budget"].max()))
        hold_days = result.days[result.days["policy"] == "hold"]
        cap = settings.budget.total_daily if settings.budget.total_daily is not None else hold_days["total_budget"].iloc[0]
        print(f"{name:<18} {len(args.seeds):>5} {statistics.median(pct):>8.2f}% {statistics.median(rules):>8.2f}% "
              f"{statistics.median(hold):>7.2f}% {min(run_roi):>8.2f} {min(min_roi):>8.2f} {settings.objective.roi_floor:>6.2f} "
              f"{max(max_budget):>12,.2f} {float(cap):>12,.2f} "
              f"{statistics.median(secs):>6.1f}", flush=True)


if __name__ == "__main__":
    main()
