"""Benchmark: SIGKILL `spendopt run` at random points of apply, run the day's job again, count what broke.

    .venv/bin/python scripts/bench_kills.py [--sim 50] [--http 50] [--seed 1] [--plans 16]
        [--fault-rate 0.15] [--after-apply-rate 0.20] [--timeout 1.0] [--scenario large_account]

Sim: the embedded simulated account (scenario ``large_account``, 60 campaigns),
one simulated day per trial. HTTP: ``spendopt run --connector qianchuan``
against the fake Qianchuan server in this process, ``--fault-rate`` of all
calls failing (code 50000, HTTP 503, dropped connection, or an answer after
the client's ``--timeout``, the write acted on) and ``--after-apply-rate`` of
the writes acting and then answering 50000; a fresh store and platform day per
trial. Each run is killed (SIGKILL) a random time into apply (from when its
recommendations file appears to a little past the last write of a calibration
run), then the same day's job runs to completion. Prints, per platform, the
kills and the four counters the target is 0 for: fields beyond the step of
their start-of-day value, pending audit rows left, platform-vs-log mismatches
and writes the platform acted on that the log does not confirm
(``tests/apply/kills.py`` says how each is counted).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

ROWS = (
    ("kills", "SIGKILLs that hit a live run"),
    ("missed", "runs that ended before their kill time (retried, not counted)"),
    ("hit_after_write", "kills after at least one write was accepted"),
    ("left_pending", "kills that left audit rows pending"),
    ("reruns", "reruns of the day's job"),
    ("rerun_failed", "reruns that exited non-zero"),
    ("writes", "writes the platform acted on (write log)"),
    ("written_twice", "fields written more than once in a day"),
    ("beyond_step", "fields beyond the step of their start-of-day value"),
    ("pending", "pending audit rows left"),
    ("mismatch", "platform-vs-log mismatches"),
    ("unconfirmed", "writes acted on that the log does not confirm"),
)


def main() -> None:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
    from rich.table import Table

    from tests.apply.kill_platforms import HttpTrials, SimTrials
    from tests.apply.kills import Tally

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sim", type=int, default=50, help="kills on the simulated account")
    parser.add_argument("--http", type=int, default=50, help="kills over HTTP against the fake server")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--scenario", default="large_account", help="simulated account preset")
    parser.add_argument("--plans", type=int, default=16, help="standard plans on the fake Qianchuan account")
    parser.add_argument("--fault-rate", type=float, default=0.15)
    parser.add_argument("--after-apply-rate", type=float, default=0.20)
    parser.add_argument("--timeout", type=float, default=1.0, help="the client's HTTP timeout (s)")
    args = parser.parse_args()
    console = Console()
    tallies: dict[str, Tally] = {}
    seconds: dict[str, float] = {}
    with (
        tempfile.TemporaryDirectory(prefix="bench-kills-") as tmp,
        Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console
        ) as bar,
    ):
        plans = []
        if args.sim:
            plans.append(("sim", SimTrials(Path(tmp) / "sim", scenario=args.scenario, seed=args.seed), args.sim))
        if args.http:
            http = HttpTrials(
                Path(tmp) / "http",
                plans=args.plans,
                fault_rate=args.fault_rate,
                after_apply_rate=args.after_apply_rate,
                timeout_s=args.timeout,
                seed=args.seed,
            )
            plans.append(("http", http, args.http))
        try:
            for name, trials, n in plans:
                task = bar.add_task(f"{name}: calibrating", total=n)
                t0 = time.perf_counter()
                trials.prepare()
                trials.calibrate()
                bar.update(task, description=f"{name}: kill + rerun (apply window {trials.apply_s:.2f} s)")
                tallies[name] = trials.kills(n, progress=lambda task=task: bar.advance(task))
                seconds[name] = time.perf_counter() - t0
        finally:
            for _, trials, _ in plans:
                if isinstance(trials, HttpTrials):
                    trials.close()
    table = Table(title="kills during apply, then the day's job again (target: the last four are 0)")
    table.add_column("counter")
    for name in tallies:
        table.add_column(name, justify="right")
    for key, label in ROWS:
        table.add_row(label, *(str(getattr(t, key)) for t in tallies.values()))
    table.add_row("faults injected", *(_faults(t) for t in tallies.values()))
    table.add_row("wall time (s)", *(f"{seconds[n]:.0f}" for n in tallies))
    console.print(table)
    for name, tally in tallies.items():
        for problem in tally.problems[:20]:
            console.print(f"[{name}] {problem}", markup=False)
    sys.exit(0 if all(t.clean for t in tallies.values()) else 1)


def _faults(tally) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(tally.faults.items())) or "-"


if __name__ == "__main__":
    main()
