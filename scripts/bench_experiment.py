"""Budget-split experiments in simulation: interval coverage, A/A false alarms, plan power.

For every family and seed: a small generated account (its own layout seed), a
stratified split, the spendopt policy in the treatment arm and the control held,
against the counterfactual where both arms are held (which is also the seed's
A/A test: both arms held). Per run it records the true lift (experiment vs
counterfactual, same days, same luck), the 95 % interval the report gives
(fixed horizon and sequential), whether the A/A test rejects, the plan's MDE
and its promised power, and whether an A/A test with the plan's MDE injected
into the treatment arm's GMV rejects (the realised power at the planned effect).

    nice python scripts/bench_experiment.py --seeds 60 --families curves,pacing
    nice python scripts/bench_experiment.py --seeds 200 --aa-only   # fast calibration check

Prints one row per family and overall; writes every run to --out (CSV).
"""

from __future__ import annotations

import argparse
import inspect
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from connectors.sim.platform import SimulatedPlatform
from connectors.sim.scenario import scenario_from_dict
from optimizer.experiment.analysis import ArmDays, estimate
from optimizer.experiment.series import analyse
from optimizer.simulate.experiment import run_experiment


def account(seed: int, campaigns: int) -> object:
    """A small generated account; its layout changes with the seed."""
    return scenario_from_dict(
        {
            "name": f"bench-experiment-{seed}",
            "account_id": "1769000000000000",
            "history_days": 35,
            "history_budget_jitter": 0.05,
            "maturity": [0.7, 0.9, 0.97, 1.0],
            "settings": {"budget": {"max_change_pct": 30}, "objective": {"roi_floor": 1.5}},
            "generate": {"count": campaigns, "layout_seed": 5000 + seed, "id_start": 1795000000000000001},
        }
    )


def injected(aa: ArmDays, effect: float) -> ArmDays:
    """The A/A test's days with the treatment arm's GMV raised by ``effect`` (a known lift)."""
    return ArmDays(aa.gmv_t * (1 + effect), aa.den_t, aa.gmv_c, aa.den_c)


def boosted_estimate(run, se_method: str):
    """The A/A test with the plan's MDE injected: the treatment arm's GMV raised, campaign by campaign."""
    x = run.extra
    if se_method != "randomization":  # the drift term comes from the control arm, which the injection leaves alone
        drift = x["drift_aa"]
        aa = injected(x["aa_test"], run.plan.mde)
        return estimate(
            aa, x["pre"], x["balance"], se_method=se_method, drift=drift.var, drift_units=drift.effective_units
        )
    rows, sp = x["rows"], x["split"]
    aa = rows["aa"].copy()
    treated = aa["campaign_id"].astype(str).map(sp.assignment.arm) == "treatment"
    aa.loc[treated, "gmv"] = aa.loc[treated, "gmv"] * (1 + run.plan.mde)
    return analyse(sp, rows["pre"], x["pre_dates"], aa, x["test_dates"], se_method=se_method)["roi"]


def one(family: str, seed: int, args: argparse.Namespace) -> dict:
    t0 = time.perf_counter()
    run = run_experiment(
        account(seed, args.campaigns),
        seed=seed,
        days=args.days,
        burn_in_days=args.burn_in,
        pre_days=args.pre_days,
        treatment_policy="hold" if args.aa_only else "spendopt",
        market=family,
        se_method=args.se,
    )
    boosted = boosted_estimate(run, args.se)
    e, s = run.estimate, run.sequential
    return {
        "family": family,
        "seed": seed,
        "true_lift": run.true_lift,
        "true_gmv_lift": run.true_gmv_lift,
        "lift": e.lift,
        "low": e.low,
        "high": e.high,
        "covers": e.low <= run.true_lift <= e.high,
        "seq_covers": s.low <= run.true_lift <= s.high,
        "rejects": e.significant,
        "aa_lift": run.aa.lift,
        "aa_rejects": run.aa.significant,
        "theta": e.theta,
        "plan_se": run.plan.se,
        "se": e.se,
        "mde": run.plan.mde,
        "power_at_true": run.plan.power_at(run.true_lift),
        "injected_rejects": boosted.low > 0,
        "isolation_problems": len(run.isolation_problems),
        "seconds": time.perf_counter() - t0,
    }


def summarise(runs: pd.DataFrame) -> pd.DataFrame:
    groups = [(f, g) for f, g in runs.groupby("family", sort=False)] + [("all", runs)]
    rows = []
    for name, g in groups:
        rows.append(
            {
                "family": name,
                "runs": len(g),
                "coverage_95": g["covers"].mean(),
                "seq_coverage": g["seq_covers"].mean(),
                "aa_reject": g["aa_rejects"].mean(),
                "mean_true_lift": g["true_lift"].mean(),
                "mean_mde": g["mde"].mean(),
                "power_promised": 0.8,
                "power_realised": g["injected_rejects"].mean(),
                "power_promised_true": g["power_at_true"].mean(),
                "reject_true": g["rejects"].mean(),
                "se_plan_over_real": (g["plan_se"] / g["se"]).median(),
                "isolation_problems": int(g["isolation_problems"].sum()),
                "s_per_run": g["seconds"].mean(),
            }
        )
    return pd.DataFrame(rows)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=60, help="runs per family")
    ap.add_argument("--first-seed", type=int, default=0)
    ap.add_argument("--families", default="curves,pacing", help="market families (SimulatedPlatform market=)")
    ap.add_argument("--campaigns", type=int, default=16)
    ap.add_argument("--days", type=int, default=20, help="simulated days from the start")
    ap.add_argument("--burn-in", type=int, default=2)
    ap.add_argument("--pre-days", type=int, default=28)
    ap.add_argument("--se", default="delta", choices=("delta", "bootstrap", "randomization"))
    ap.add_argument("--aa-only", action="store_true", help="hold in both arms of the experiment too (fast)")
    ap.add_argument("--out", type=Path, default=Path("out/bench_experiment.csv"))
    args = ap.parse_args()
    families = [f.strip() for f in args.families.split(",") if f.strip()]
    has_market = "market" in inspect.signature(SimulatedPlatform.__init__).parameters
    unknown = [f for f in families if f != "curves" and not has_market]
    if unknown:
        sys.exit(f"this checkout's simulator has no market families besides 'curves' (asked: {', '.join(unknown)})")
    from rich.progress import Progress

    rows = []
    with Progress(transient=True) as bar:
        task = bar.add_task("experiments", total=len(families) * args.seeds)
        for family in families:
            for seed in range(args.first_seed, args.first_seed + args.seeds):
                rows.append(one(family, seed, args))
                bar.advance(task)
    runs = pd.DataFrame(rows)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    runs.to_csv(args.out, index=False)
    with pd.option_context("display.width", 200, "display.max_columns", 30, "display.float_format", "{:.3f}".format):
        print(summarise(runs).to_string(index=False))
    print(f"runs: {args.out}")
    np.seterr(all="ignore")


if __name__ == "__main__":
    main()
