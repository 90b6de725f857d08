"""Benchmark: the dry-run simulation, 60 campaigns x 30 days x 3 policies.

    .venv/bin/python scripts/bench_simulate.py [--scenario large_account] [--days 30] [--seed 0]
                                               [--policy spendopt] [--runs 2]

Runs ``run_simulation`` (hold, rules, oracle, plus any ``--policy``) on the
preset, timing the platform build, each policy's closed loop and the outputs
(three CSVs and the PNG). Target on the 2-core reference machine: the three
yardsticks on 60 campaigns x 30 days in under 30 s.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="large_account")
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--policy", action="append", default=[])
    parser.add_argument("--runs", type=int, default=2)
    args = parser.parse_args()

    from connectors.sim import SimulatedPlatform, load_scenario
    from optimizer.simulate import loop as simulate
    from optimizer.simulate.loop import run_simulation, simulation_settings, write_outputs

    scenario = load_scenario(args.scenario)
    settings = simulation_settings(scenario)
    listed = sum(1 for c in scenario.campaigns if c.start_day <= args.days)
    print(
        f"scenario {scenario.name}: {len(scenario.campaigns)} campaigns ({listed} live by day {args.days}), "
        f"{scenario.history_days} history days, {args.days} simulated days, seed {args.seed}"
    )

    t0 = time.perf_counter()
    SimulatedPlatform(scenario, seed=args.seed)
    print(f"platform build (history realised): {time.perf_counter() - t0:.3f} s")

    # time each policy's loop through the module's own runner
    for run in range(1, args.runs + 1):
        per_policy: dict[str, float] = {}
        original = simulate._run_policy

        def timed(name, *a, original=original, per_policy=per_policy, **kw):
            start = time.perf_counter()
            out = original(name, *a, **kw)
            per_policy[name] = time.perf_counter() - start
            return out

        simulate._run_policy = timed
        try:
            start = time.perf_counter()
            result = run_simulation(
                scenario, days=args.days, seed=args.seed, policies=args.policy, settings=settings, progress=False
            )
            loop = time.perf_counter() - start
        finally:
            simulate._run_policy = original
        with tempfile.TemporaryDirectory() as tmp:
            start = time.perf_counter()
            write_outputs(result, Path(tmp))
            outputs = time.perf_counter() - start
        parts = ", ".join(f"{k} {v:.2f} s" for k, v in per_policy.items())
        print(f"run {run}: simulation {loop:.2f} s ({parts}); outputs {outputs:.2f} s; total {loop + outputs:.2f} s")
    print(result.summary.to_string(index=False))


if __name__ == "__main__":
    main()
