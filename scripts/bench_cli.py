"""Benchmark: how long `spendopt --help` takes (heavy libraries must load lazily).

    .venv/bin/python scripts/bench_cli.py [--runs 10]

Prints the median and worst wall time of `spendopt --help` over the runs, and
for scale the time of `python -c pass` measured in the same run. Target: < 0.5 s.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time


def timed(cmd: list[str], runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        out.append(time.perf_counter() - t0)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    exe = shutil.which("spendopt") or str(__import__("pathlib").Path(sys.executable).with_name("spendopt"))
    bare = timed([sys.executable, "-c", "pass"], args.runs)
    help_ = timed([exe, "--help"], args.runs)
    print(f"python -c pass:   median {statistics.median(bare):.3f} s  worst {max(bare):.3f} s")
    print(
        f"spendopt --help:  median {statistics.median(help_):.3f} s  worst {max(help_):.3f} s  "
        f"({statistics.median(help_) / statistics.median(bare):.1f}x a bare interpreter)"
    )


if __name__ == "__main__":
    main()
