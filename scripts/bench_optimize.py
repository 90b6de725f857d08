"""Benchmark: the one-shot optimize end to end (read, fit, solve, verify, write CSV).

    .venv/bin/python scripts/bench_optimize.py [--sizes 1000 10000 100000] [--days 30] [--runs 5] [--no-report]

For each size a contract CSV (19-digit ids, Chinese names, 30% CPA campaigns,
budgets that moved around, two channels) is generated from a known ground truth
(``tests/fit/synthetic.py``). In the same run it prints the floors (importing
numpy + pandas + OR-Tools, a bare ``pandas.read_csv`` of the file, Pillow, which
draws the report's charts, and matplotlib's object API, which drew them before),
``read_stats`` (read + validate) against a bare ``read_csv``
(alternating, median of 3), and ``--runs`` runs of ``spendopt optimize`` itself
with the report, each a fresh process (``python -m optimizer.cli``; bytecode cached
as an install has it): the median, every run and the peak RSS of the largest; then
one instrumented run in a fresh process for the stages: import, read (parse),
validate, fit (with the slope backtest the report shows), solve, verify,
recommend, write (CSV, XLSX, metadata), report. Stage times come from wrappers
that call through.
Targets (issue 16): 1k <= 1.0 s, 10k <= 2.5 s, 100k <= 20 s with <= 1.5 GB;
read + validate <= 3x a bare read_csv.
"""

from __future__ import annotations

import argparse
import json
import os
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


def _timed(module, name: str, stage: str, spent: dict[str, float]) -> None:
    """Wrap ``module.name`` so its wall time adds to ``spent[stage]`` (instrumentation only: it calls through)."""
    inner = getattr(module, name)

    def wrapper(*args, **kwargs):
        t0 = time.perf_counter()
        try:
            return inner(*args, **kwargs)
        finally:
            spent[stage] = spent.get(stage, 0.0) + time.perf_counter() - t0

    setattr(module, name, wrapper)


def run_one(path: Path, report: bool) -> dict:
    started = time.perf_counter()
    import connectors.files.tabular as tabular
    import connectors.files.typed_csv as typed_csv
    import optimizer.decide.recommend as recommend_mod
    import optimizer.decide.solve as solve_mod
    import optimizer.decide.verify as verify_mod
    import optimizer.report as report_mod
    from optimizer.jobs.optimize import run_optimize
    from optimizer.settings import Settings

    spent: dict[str, float] = {"import": time.perf_counter() - started}
    for module, name, stage in [(typed_csv, "read_typed", "parse"), (tabular, "read_table", "parse"),
                                (solve_mod, "solve", "solve"), (verify_mod, "verify", "verify"),
                                (recommend_mod, "recommend", "recommend"), (report_mod, "write_report", "report")]:  # fmt: skip
        _timed(module, name, stage, spent)
    cpu0 = time.process_time()
    with tempfile.TemporaryDirectory() as out:
        result = run_optimize([path], Path(out) / "recs.csv", Settings(), report=report)
    t = result.timings
    stages = {
        "import": spent["import"],
        "read": spent.get("parse", 0.0),
        "validate": t["read"] - spent.get("parse", 0.0),
        "fit": t["fit"] + t.get("backtest", 0.0),
        "solve": spent.get("solve", 0.0),
        "verify": spent.get("verify", 0.0),
        "recommend": t["solve+recommend"] - spent.get("solve", 0.0) - spent.get("verify", 0.0),
        "write": t["write"] - spent.get("report", 0.0),
        "report": spent.get("report", 0.0),
    }
    return {
        "campaigns": result.n_campaigns,
        "seconds": round(time.perf_counter() - started, 2),
        "cpu": round(time.process_time() - cpu0, 2),
        "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "gap": result.solver_gap,
        **{k: round(v, 2) for k, v in stages.items()},
    }


def floors(path: Path) -> dict:
    """What no run can beat, measured in this process: the imports and a bare ``pandas.read_csv``."""
    t0 = time.perf_counter()
    import numpy  # noqa: F401
    import pandas as pd
    from ortools.linear_solver import pywraplp  # noqa: F401

    t1 = time.perf_counter()
    pd.read_csv(path)
    t2 = time.perf_counter()
    from PIL import Image, ImageDraw, ImageFont  # noqa: F401

    t3 = time.perf_counter()
    from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: F401
    from matplotlib.figure import Figure  # noqa: F401

    return {
        "imports": round(t1 - t0, 3),
        "read_csv": round(t2 - t1, 3),
        "pillow": round(t3 - t2, 3),
        "matplotlib": round(time.perf_counter() - t3, 3),
    }


def read_ratio(path: Path) -> dict:
    """``read_stats`` (read + validate) against a bare ``pandas.read_csv`` of the same file, alternating, 3 each."""
    import pandas as pd

    from connectors.files.stats import read_stats

    bare, ours = [], []
    for _ in range(3):
        t0 = time.perf_counter()
        pd.read_csv(path)
        t1 = time.perf_counter()
        read_stats([path])
        bare.append(t1 - t0)
        ours.append(time.perf_counter() - t1)
    b, o = sorted(bare)[1], sorted(ours)[1]
    return {"bare": round(b, 3), "read_stats": round(o, 3), "ratio": round(o / b, 2)}


def _env() -> dict[str, str]:
    """The environment of the runs: bytecode cached as an installed package has it.

    A machine may set ``PYTHONDONTWRITEBYTECODE`` (this one does); then every run would compile
    spendopt's own modules from source again (some 70 of them, 0.09 s), which no install does.
    """
    return {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def _child(args: list[str]) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, *args], check=True, capture_output=True, text=True, cwd=ROOT, env=_env()
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def run_command(path: Path, report: bool) -> dict:
    """``spendopt optimize`` itself in a fresh process: wall seconds and peak RSS (MB) of that process."""
    with tempfile.TemporaryDirectory() as out:
        argv = [sys.executable, "-m", "optimizer.cli", "optimize", "--input", str(path), "--output", f"{out}/r.csv"]
        t0 = time.perf_counter()
        proc = subprocess.Popen(
            [*argv, *([] if report else ["--no-report"])],
            cwd=ROOT,
            env=_env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - t0
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(
                f"spendopt optimize failed on {path}: {proc.stderr.read().decode() if proc.stderr else ''}"
            )
    return {"process": round(seconds, 2), "peak_mb": round(usage.ru_maxrss / 1024)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--no-report", action="store_true", help="leave out the PNG/HTML report")
    parser.add_argument("--runs", type=int, default=5, help="whole-process runs per size (the median is shown)")
    parser.add_argument("--one", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--floors", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--ratio", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(args.one, not args.no_report)))
        return
    if args.floors:
        print(json.dumps(floors(args.floors)))
        return
    if args.ratio:
        print(json.dumps(read_ratio(args.ratio)))
        return
    folder = Path(tempfile.gettempdir()) / "spendopt_bench_optimize"
    folder.mkdir(exist_ok=True)
    for n in args.sizes:
        path = make_input(n, args.days, folder)
        floor = _child(["--floors", str(path)])
        ratio = _child(["--ratio", str(path)])
        print(f"{n:,} campaigns x {args.days} days: floors: imports (numpy, pandas, OR-Tools) {floor['imports']} s, "
              f"bare read_csv {floor['read_csv']} s, Pillow (the report's charts) {floor['pillow']} s, "
              f"matplotlib object API {floor['matplotlib']} s (no longer imported); "
              f"read + validate {ratio['read_stats']} s = {ratio['ratio']}x a bare read_csv ({ratio['bare']} s)",
              flush=True)  # fmt: skip
        flag = ["--no-report"] if args.no_report else []
        _child(["--one", str(path), *flag])  # warm-up: caches spendopt's bytecode, as an install has it
        runs = sorted((run_command(path, not args.no_report) for _ in range(args.runs)), key=lambda r: r["process"])
        r = _child(["--one", str(path), *flag])
        stages = ", ".join(f"{k} {r[k]:.2f}" for k in STAGES)
        print(f"  spendopt optimize, whole process, median of {len(runs)}: {runs[len(runs) // 2]['process']:.2f} s "
              f"(all: {', '.join(str(x['process']) for x in runs)}); peak RSS {max(x['peak_mb'] for x in runs):,} MB; "
              f"one instrumented run: {r['seconds']:.2f} s, gap {r['gap']:.1e}, stages (s): {stages}",
              flush=True)  # fmt: skip


STAGES = ("import", "read", "validate", "fit", "solve", "verify", "recommend", "write", "report")


if __name__ == "__main__":
    main()
