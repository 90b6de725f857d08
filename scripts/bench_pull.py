"""Benchmark: pull 1,000 plans x 30 days from the fake Qianchuan server under a QPS limit.

    .venv/bin/python scripts/bench_pull.py [--plans 1000] [--accounts 5] [--latency 0.05] [--qps 10]

The fake server adds ``--latency`` to every answer and answers 40100 above
``--qps`` (app-wide); the client's token bucket is set to the same QPS (``--burst`` requests may
leave back to back after a pause). The
pull (plans, learning/guarantee status, 30 days of standard and 全域 daily
reports, saved into a fresh SQLite store) is timed, and the achieved request
rate is printed as a share of the limit. Target: at least 90 %.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from connectors.qianchuan.auth import exchange_auth_code
from connectors.qianchuan.connector import QianchuanConnector
from connectors.qianchuan.fake.server import FakeServer
from connectors.qianchuan.fake.world import FakeSettings
from connectors.qianchuan.settings import QianchuanSettings
from connectors.qianchuan.tokens import TokenStore, new_key
from optimizer.jobs.pull import pull
from optimizer.store import open_store


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plans", type=int, default=1000, help="standard plans in total")
    parser.add_argument("--accounts", type=int, default=5)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--qps", type=float, default=10.0)
    parser.add_argument("--page-size", type=int, default=100)
    parser.add_argument("--workers", type=int, default=3, help="accounts read at once")
    parser.add_argument("--burst", type=int, default=3, help="client token-bucket size")
    args = parser.parse_args()

    per_account = args.plans // args.accounts
    fake = FakeSettings(
        seed=1,
        accounts=args.accounts,
        plans_per_account=per_account,
        uni_plans_per_account=2,
        latency_s=args.latency,
        qps_limit=args.qps,
        history_days=args.days + 5,
    )
    with tempfile.TemporaryDirectory() as tmp, FakeServer(fake) as server:
        world = server.world
        settings = QianchuanSettings(
            base_url=server.base_url,
            auth_url=server.auth_url,
            app_id=fake.app_id,
            app_secret=fake.app_secret,
            app_qps=args.qps,
            account_qps=args.qps,
            burst=args.burst,
            concurrency=8,
            page_size=args.page_size,
        )
        store = TokenStore(Path(tmp) / "tokens.enc", key=new_key())
        asyncio.run(exchange_auth_code(settings, world.issue_auth_code(), store))
        engine = open_store(f"sqlite:///{Path(tmp) / 'bench.db'}")
        calls_before = sum(world.calls.values())
        world.first_call_at = None
        t0 = time.perf_counter()
        with QianchuanConnector(settings, store) as connector:
            summary = pull(connector, engine, today=world.today, initial_days=args.days, workers=args.workers)
            retries = connector.client.retries
        elapsed = time.perf_counter() - t0
        calls = sum(world.calls.values()) - calls_before
        window = world.last_call_at - world.first_call_at
    rows = summary.rows
    rate = calls / elapsed
    print(f"plans: {args.plans} standard + {2 * args.accounts} 全域 in {args.accounts} accounts, {args.days} days")
    print(f"server: latency {args.latency * 1000:.0f} ms, limit {args.qps:g} QPS; client bucket {args.qps:g} QPS")
    print(f"requests: {calls} ({world.rate_limited} answered 40100, {retries} retries)")
    print(f"rows stored: {rows}  failed accounts: {len(summary.failed)}")
    print(f"elapsed: {elapsed:.1f} s   achieved: {rate:.2f} req/s = {100 * rate / args.qps:.0f} % of the limit")
    print(
        f"first to last request: {window:.1f} s = {(calls - 1) / window:.2f} req/s (the rest is set-up and the last save)"
    )


if __name__ == "__main__":
    main()
