"""Decision quality of the ``spendopt`` policy in the dry-run simulation (issue 4, must-hold 4).

    .venv/bin/python scripts/bench_decision_quality.py [--seeds 0 1 2 3 4] [--days 28]
        [--scenarios demo flat_history ...] [--kappa 1.0] [--set model.half_life_days=14] [--decompose]
        [--layouts 1 2 3]

For every scenario preset and seed: ``run_simulation`` with the yardsticks
(hold, rules, oracle) and ``spendopt``, all under the preset's guardrails.
Prints one row per scenario with the medians over seeds of: the share of the
oracle's GMV, the lift over ``rules`` and over ``hold``, the lowest run ROI
(final GMV / spend over the whole run) and the lowest realised daily ROI
(and the oracle's, for scale) against ``objective.roi_floor`` (a forecast constraint: a realised day can
fall below it on bad luck), and the largest day's total live
budget against ``budget.total_daily`` (absent: the first day's total). Targets: >= 95 % of the oracle, >= 10 %
above rules, the floor met, the total never exceeded. ``--kappa`` overrides
``objective.uncertainty_penalty`` to compare settings in one run.

``--layouts L ...`` redraws the campaigns of every generated preset from
layout seed ``L`` (same generator ranges, lag, noise and guardrails; new
curves, budgets and launches): accounts the model was not tuned on.

``--decompose`` also runs ``spendopt-on-truth``: the same policy (same
candidates, solver, verify, bids held in learning) optimising the simulated
platform's *true* curves instead of the fitted ones. Its share of the oracle is
what the decision layer and the guardrails alone reach; the difference to
``spendopt`` is what the fit's errors cost.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _register_truth_policy() -> None:
    """``spendopt-on-truth``: the spendopt policy with the fitted model swapped for the true curves."""
    import numpy as np

    from optimizer.model.response import Forecast
    from optimizer.simulate.policies import register_policy
    from optimizer.simulate.policies.spendopt import SpendoptPolicy

    class TrueCurves:
        """The platform's truth restricted to the fitted campaigns, in their order."""

        def __init__(self, truth, ids):
            position = {cid: i for i, cid in enumerate(truth.campaign_ids)}
            self.truth, self.ids, self.n = truth, list(ids), len(position)
            self.rows = np.array([position[cid] for cid in self.ids])

        @property
        def campaign_ids(self):
            return self.ids

        def predict(self, budget, bid):
            budget, bid = np.asarray(budget, float), np.asarray(bid, float)
            full_budget = np.zeros((self.n, budget.shape[1]))
            full_bid = np.full((self.n, budget.shape[1]), np.nan)
            full_budget[self.rows], full_bid[self.rows] = budget, bid
            f = self.truth.predict(full_budget, full_bid)
            return Forecast(spend=f.spend[self.rows], gmv=f.gmv[self.rows], gmv_sd=np.zeros_like(f.gmv[self.rows]))

    class SpendoptOnTruth(SpendoptPolicy):
        name = "spendopt-on-truth"

        def __init__(self, context) -> None:
            super().__init__(context)
            self.truth = context.truth

        def response(self, day, model):
            return TrueCurves(self.truth(day), model.campaign_ids)

    register_policy("spendopt-on-truth", SpendoptOnTruth)


def _preset_data(name: str) -> dict:
    from connectors.sim.scenario import scenario_dir
    from connectors.tomlfile import read_toml

    return read_toml(scenario_dir() / f"{name}.toml", what="scenario file")


def _generated(name: str) -> bool:
    return "generate" in _preset_data(name)


def _redrawn(name: str, layout: int):
    """The preset with its generated campaigns drawn again from ``layout``: a new account of the same kind."""
    from connectors.sim.scenario import scenario_from_dict

    data = _preset_data(name)
    data["generate"] = {**data["generate"], "layout_seed": layout}
    return scenario_from_dict(data, source=f"{name}@{layout}")


def main() -> None:
    from connectors.sim.scenario import list_scenarios, load_scenario
    from optimizer.simulate.loop import run_simulation, simulation_settings

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--days", type=int, default=28)
    parser.add_argument("--scenarios", nargs="+", default=None)
    parser.add_argument("--kappa", type=float, default=None, help="override objective.uncertainty_penalty")
    parser.add_argument("--decompose", action="store_true", help="also run spendopt on the true curves")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="SECTION.KEY=NUMBER",
        help="override a numeric setting, e.g. --set model.half_life_days=14",
    )
    parser.add_argument(
        "--layouts",
        type=int,
        nargs="+",
        default=None,
        help="redraw each generated preset's campaigns with these layout seeds (accounts not tuned on)",
    )
    args = parser.parse_args()
    names = args.scenarios or list_scenarios()
    cases = [(name, None) for name in names]
    if args.layouts:
        cases = [(name, layout) for name in names if _generated(name) for layout in args.layouts]
    policies = ["spendopt"]
    if args.decompose:
        _register_truth_policy()
        policies.append("spendopt-on-truth")
    print(
        f"{'scenario':<24} {'seeds':>5} {'% oracle':>9} {'worst':>7} {'vs rules':>9} {'vs hold':>8} {'run ROI':>8} "
        f"{'min day':>8} {'oracle':>7} {'floor':>6} {'max budget':>12} {'total_daily':>12} {'s/run':>6}"
        + (f" {'on truth':>9}" if args.decompose else "")
    )
    for name, layout in cases:
        scenario = load_scenario(name) if layout is None else _redrawn(name, layout)
        label = name if layout is None else f"{name}@{layout}"
        settings = simulation_settings(scenario)
        overrides = list(args.set) + ([f"objective.uncertainty_penalty={args.kappa}"] if args.kappa is not None else [])
        for item in overrides:
            path, value = item.split("=", 1)
            section, key = path.split(".", 1)
            part = getattr(settings, section)
            settings = settings.model_copy(
                update={section: part.model_copy(update={key: type(getattr(part, key))(value)})}
            )
        pct, rules, hold, min_roi, max_budget, secs, run_roi, on_truth = [], [], [], [], [], [], [], []
        oracle_min_roi = []
        for seed in args.seeds:
            started = time.perf_counter()
            result = run_simulation(
                scenario, days=args.days, seed=seed, policies=policies, settings=settings, progress=False
            )
            secs.append(time.perf_counter() - started)
            summary = result.summary.set_index("policy")
            row = summary.loc["spendopt"]
            if args.decompose:
                on_truth.append(float(summary.loc["spendopt-on-truth", "pct_of_oracle_gmv"]))
            pct.append(float(row["pct_of_oracle_gmv"]))
            run_roi.append(float(row["roi"]))
            rules.append(float(row["lift_vs_rules_pct"]))
            hold.append(float(row["lift_vs_hold_pct"]))
            days = result.days[result.days["policy"] == "spendopt"]
            min_roi.append(float(days["roi"].min()))
            oracle_days = result.days[result.days["policy"] == "oracle"]
            oracle_min_roi.append(float(oracle_days["roi"].min()))
            max_budget.append(float(days["total_budget"].max()))
        hold_days = result.days[result.days["policy"] == "hold"]
        cap = (
            settings.budget.total_daily
            if settings.budget.total_daily is not None
            else hold_days["total_budget"].iloc[0]
        )
        print(
            f"{label:<24} {len(args.seeds):>5} {statistics.median(pct):>8.2f}% {min(pct):>6.2f}% "
            f"{statistics.median(rules):>8.2f}% "
            f"{statistics.median(hold):>7.2f}% {min(run_roi):>8.2f} {min(min_roi):>8.2f} {min(oracle_min_roi):>7.2f} {settings.objective.roi_floor:>6.2f} "
            f"{max(max_budget):>12,.2f} {float(cap):>12,.2f} "
            f"{statistics.median(secs):>6.1f}" + (f" {statistics.median(on_truth):>8.2f}%" if args.decompose else ""),
            flush=True,
        )


if __name__ == "__main__":
    main()
