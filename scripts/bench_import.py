"""Benchmark: import 200,000 daily rows (contract CSV, Chinese names, 19-digit ids) into SQLite.

    .venv/bin/python scripts/bench_import.py [--rows 200000] [--db sqlite:////tmp/x.db]

Prints the time to read+validate, the time to save, the total and rows/s; then
the same import again (a no-op re-import: every row unchanged). Target: the
first import under 15 s on the 2-core reference machine.
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd


def make_csv(path: Path, rows: int, seed: int = 7) -> None:
    rng = np.random.default_rng(seed)
    campaigns = max(1, rows // 200)
    days = -(-rows // campaigns)
    ids = np.array([str(1_780_000_000_000_000_000 + i * 7919) for i in range(campaigns)])
    cid = np.repeat(ids, days)[:rows]
    date = np.tile(pd.date_range("2026-04-01", periods=days).strftime("%Y-%m-%d").to_numpy(), campaigns)[:rows]
    spend = np.round(rng.gamma(2.0, 800.0, rows), 2)
    gmv = np.round(spend * rng.lognormal(1.0, 0.4, rows), 2)
    frame = pd.DataFrame(
        {
            "date": date,
            "account_id": "1700000000000000001",
            "campaign_id": cid,
            "campaign_name": np.array([f"秋冬新品直播间-{i}" for i in range(campaigns)])[np.arange(rows) // days],
            "channel": np.where(np.arange(rows) // days % 2 == 0, "qianchuan.live", "qianchuan.video"),
            "spend": spend,
            "gmv": gmv,
            "orders": rng.poisson(gmv / 120.0),
            "budget": np.round(np.maximum(300, spend * 1.3) / 100) * 100,
            "bid_type": "cpa",
            "bid": 45.5,
            "status": "active",
        }
    )
    frame.to_csv(path, index=False, encoding="utf-8-sig")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--db", default=None)
    args = parser.parse_args()

    from connectors.files.stats import read_stats
    from optimizer.store import open_store, save_stats

    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "stats.csv"
        make_csv(csv, args.rows)
        engine = open_store(args.db or f"sqlite:///{Path(tmp) / 'bench.db'}")
        for label in ("first import", "re-import (no-op)"):
            t0 = time.perf_counter()
            frame = read_stats([csv])
            t1 = time.perf_counter()
            summary = save_stats(engine, frame, source=csv.name, seen_on=dt.date(2026, 11, 24))
            t2 = time.perf_counter()
            total = t2 - t0
            print(
                f"{label}: {len(frame):,} rows  read+validate {t1 - t0:.2f} s  save {t2 - t1:.2f} s  "
                f"total {total:.2f} s  {len(frame) / total:,.0f} rows/s  "
                f"(new {summary.inserted:,}, updated {summary.updated:,}, unchanged {summary.unchanged:,})"
            )
        engine.dispose()


if __name__ == "__main__":
    main()
