"""Benchmark: the one-shot optimize end to end (read, fit, solve, verify, write CSV).

    .venv/bin/python scripts/bench_optimize.py [--sizes 100 1000 10000 100000] [--days 30] [--report]

For each size a contract CSV (19-digit ids, Chinese names, 30% CPA campaigns,
budgets that moved around, two channels) is generated from a known ground truth
(``tests/fit/synthetic.py``) and ``run_optimize`` is run on it in a fresh
subprocess, so the peak memory (``ru_maxrss``) belongs to that size alone.
Prints wall and CPU seconds (the machine is shared and noisy: CPU time is the
steadier figure), per-stage wall seconds, peak RSS and the solver's gap to its
own bound. Targets on the 2-core reference machine: 1,000 campaigns x 30 days
in <= 2 s; 10,000 in <= 10 s with <= 2 GB; a 200,000-row input (the 10k run
has 300,000 rows) in < 60 s. The PNG/HTML report is left out unless
``--report`` (it is a fixed ~1 s of matplotlib for the top 12 campaigns).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def make_input(n: int, days: int, folder: Path) -> Path:
    from tests.fit.synthetic import make_stats

    path = folder / f"stats_{n}x{days}.csv"
    if not path.exists():
        frame, _ = make_stats(n=n, days=days, seed=42, cpa_share=0.3)
        frame["campaign_id"] = "1" + frame["campaign_id"].str.zfill(18).str[1:]  # 19 digits
        frame.drop(columns=["bid_type"]).assign(bid_type=frame["bid_type"]).to_csv(
            path, index=False, encoding="utf-8-sig", date_format="%Y-%m-%d"
        )
    return path


def run_one(path: Path, report: bool) -> dict:
    from optimizer.jobs.optimize import run_optimize
    from optimizer.settings import Settings

    started = time.perf_counter()
    cpu0 = time.process_time()
    with tempfile.TemporaryDirectory() as out:
        result = run_optimize([path], Path(out) / "recs.csv", Settings(), report=report)
    total = time.perf_counter() - started
    cpu = time.process_time() - cpu0
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "campaigns": result.n_campaigns,
        "seconds": round(total, 2),
        "cpu": round(cpu, 2),
        "peak_mb": round(peak_mb),
        "gap": result.solver_gap,
        **{k: round(v, 2) for k, v in result.timings.items()},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 10000, 100000])
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--report", action="store_true", help="also draw the PNG/HTML report")
    parser.add_argument("--one", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(args.one, args.report)))
        return
    folder = Path(tempfile.gettempdir()) / "spendopt_bench_optimize"
    folder.mkdir(exist_ok=True)
    print(f"{'campaigns':>9} {'rows':>9} {'wall s':>7} {'CPU s':>6} {'peak MB':>8} {'gap':>9}  stages (wall s)")
    for n in args.sizes:
        path = make_input(n, args.days, folder)
        cmd = [sys.executable, __file__, "--one", str(path)] + (["--report"] if args.report else [])
        out = subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=ROOT)
        r = json.loads(out.stdout.strip().splitlines()[-1])
        stages = ", ".join(
            f"{k} {v:.2f}" for k, v in r.items() if k not in ("campaigns", "seconds", "cpu", "peak_mb", "gap")
        )
        print(
            f"{r['campaigns']:>9,} {r['campaigns'] * args.days:>9,} {r['seconds']:>7.2f} {r['cpu']:>6.2f} {r['peak_mb']:>8,} "
            f"{r['gap']:>9.2e}  {stages}",
            flush=True,
        )


if __name__ == "__main__":
    main()
