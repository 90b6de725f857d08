"""Benchmark: read + validate daily stats files with ``connectors.files.stats.read_stats``.

    .venv/bin/python scripts/bench_read_stats.py [--rows 200000] [--xlsx-rows 20000]

Writes a contract CSV (UTF-8 BOM, Chinese names, 19-digit ids, every optional
column), the same rows as a GBK console export with Chinese headers, and a
smaller XLSX; prints seconds and rows/s for each. Target: 200,000 CSV rows in
under 4 s on the 2-core reference machine (the 200k-row import into SQLite,
reading included, must stay under 15 s).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

CONSOLE = {
    "date": "日期", "account_id": "账户ID", "campaign_id": "计划ID", "campaign_name": "计划名称",
    "spend": "消耗(元)", "gmv": "直接成交金额(元)", "orders": "直接成交订单数", "impressions": "展示次数",
    "clicks": "点击次数", "budget": "预算(元)", "bid": "出价(元)", "status": "计划状态",
}  # fmt: skip


def make_frame(rows: int, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    campaigns = max(1, rows // 200)
    days = -(-rows // campaigns)
    ids = np.array([str(1_780_000_000_000_000_000 + i * 7919) for i in range(campaigns)])
    dates = pd.date_range("2026-04-01", periods=days).strftime("%Y-%m-%d").to_numpy()
    spend = np.round(rng.gamma(2.0, 800.0, rows), 2)
    gmv = np.round(spend * rng.lognormal(1.0, 0.4, rows), 2)
    impressions = rng.poisson(spend * 40)
    return pd.DataFrame(
        {
            "date": np.tile(dates, campaigns)[:rows],
            "account_id": "1700000000000000001",
            "campaign_id": np.repeat(ids, days)[:rows],
            "campaign_name": np.array([f"秋冬新品直播间-{i}" for i in range(campaigns)])[np.arange(rows) // days],
            "channel": np.where(np.arange(rows) // days % 2 == 0, "qianchuan.live", "qianchuan.video"),
            "spend": spend,
            "gmv": gmv,
            "orders": rng.poisson(gmv / 120.0),
            "impressions": impressions,
            "clicks": rng.binomial(impressions, 0.02),
            "budget": np.round(np.maximum(300, spend * 1.3) / 100) * 100,
            "bid_type": "cpa",
            "bid": 45.5,
            "status": "active",
            "currency": "CNY",
        }
    )


def timed(label: str, rows: int, paths: list[Path], **kwargs) -> None:
    from connectors.files.stats import read_stats

    start, cpu = time.perf_counter(), time.process_time()
    frame = read_stats(paths, today=dt.date(2026, 12, 31), **kwargs)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    assert len(frame) == rows, (len(frame), rows)
    print(f"{label:<30} {rows:>8} rows  wall {seconds:6.2f} s  cpu {cpu:6.2f} s  {rows / seconds:>9,.0f} rows/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--xlsx-rows", type=int, default=20_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        frame = make_frame(args.rows)
        contract = Path(tmp) / "stats.csv"
        frame.to_csv(contract, index=False, encoding="utf-8-sig")
        console = Path(tmp) / "console.csv"
        out = frame[list(CONSOLE)].rename(columns=CONSOLE)
        out["计划状态"] = "投放中"
        out["消耗(元)"] = [f"{v:,.2f}" for v in frame["spend"]]
        out.to_csv(console, index=False, encoding="gbk")
        small = make_frame(args.xlsx_rows)
        book = Path(tmp) / "stats.xlsx"
        small.to_excel(book, index=False)
        print(f"load average before: {os.getloadavg()[0]:.1f}")
        timed("contract CSV (UTF-8 BOM)", args.rows, [contract])
        timed("console CSV (GBK, 1,234.50)", args.rows, [console])
        timed("XLSX (openpyxl read-only)", args.xlsx_rows, [book])


if __name__ == "__main__":
    main()
