"""Learning the watch's day shapes (``optimizer.alerts.shape.learn_shapes``) from 14 days of polls.

    .venv/bin/python scripts/bench_shapes.py [--campaigns 1000 10000] [--runs 3]

Polls every 30 minutes (47 a day) of each campaign on 14 days, as
``optimizer.store.intraday.load_polls`` returns them; prints the median time
of ``--runs`` runs per size.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def polls(n: int, days: int = 14):
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(0)
    minutes = np.arange(30, 1440, 30)
    per_campaign = days * len(minutes)
    final = np.repeat(rng.uniform(500, 5000, n * days), len(minutes))
    minute = np.tile(minutes, n * days)
    return pd.DataFrame(
        {
            "campaign_id": np.repeat([str(7000000000000000000 + i) for i in range(n)], per_campaign).astype(object),
            "date": np.tile(np.repeat(pd.date_range("2026-11-01", periods=days).date, len(minutes)), n),
            "minute": minute,
            "spend": final * minute / 1440 * rng.uniform(0.9, 1.1, len(minute)),
            "final": final,
        }
    )


def main() -> None:
    from optimizer.alerts.shape import learn_shapes

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--campaigns", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    for n in args.campaigns:
        frame = polls(n)
        times = []
        for _ in range(args.runs):
            started = time.perf_counter()
            shapes = learn_shapes(frame)
            times.append(time.perf_counter() - started)
        print(
            f"{n:>6} campaigns x 14 days ({len(frame):,} polls): {statistics.median(times):.2f} s, {len(shapes.campaigns)} shapes"
        )


if __name__ == "__main__":
    main()
