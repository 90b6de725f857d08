"""Benchmark: audited apply of N budget changes on the simulated platform.

    .venv/bin/python scripts/bench_apply.py [--campaigns 1000] [--db URL | --postgres]

A generated account of N campaigns; every campaign's budget goes up 100 CNY.
Prints the wall time of (1) a dry run, (2) the real apply (pending row before,
confirmation after each change, read-back per call), (3) the same apply again
(everything already applied: nothing sent), and for scale (4) the platform's
own time for the same writes without any audit; (2) - (4) is the cost of the
audit trail per change.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from decimal import Decimal
from pathlib import Path


def main() -> None:
    import pandas as pd

    from connectors.base import BudgetChange
    from connectors.sim import SimulatedPlatform, scenario_from_dict
    from optimizer.act.apply import apply_changes
    from optimizer.store import open_store

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--campaigns", type=int, default=1000)
    parser.add_argument("--db", default=None, help="store URL (default: a fresh SQLite file)")
    parser.add_argument("--postgres", action="store_true", help="start a throwaway PostgreSQL (tests/pgserver.py)")
    args = parser.parse_args()
    server = None
    if args.postgres:
        import sys

        sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
        from tests.pgserver import PostgresServer, find_bindir

        server = PostgresServer(find_bindir()).start()
        args.db = server.create_database("bench_apply")

    def platform() -> SimulatedPlatform:
        scenario = scenario_from_dict(
            {"name": "bench-apply", "history_days": 1, "generate": {"count": args.campaigns, "layout_seed": 1}}
        )
        return SimulatedPlatform(scenario, seed=1)

    sim = platform()
    account = sim.list_accounts()[0].account_id
    states = sim.list_campaigns(account)
    rows = pd.DataFrame(
        [
            {
                "account_id": account,
                "campaign_id": s.campaign_id,
                "bid_type": s.bid_type,
                "current_budget": s.budget,
                "recommended_budget": s.budget + Decimal(100),
                "current_bid": s.bid,
                "recommended_bid": s.bid,
                "action": "increase",
                "decision": "auto",
                "reason": "预算 +100",
                "approved": None,
            }
            for s in states
            if s.status != "paused"
        ]
    )
    n = len(rows)
    with tempfile.TemporaryDirectory() as tmp:
        engine = open_store(args.db or f"sqlite:///{Path(tmp) / 'bench.db'}")
        today = sim.today

        def timed(label: str, fn) -> float:
            t0 = time.perf_counter()
            out = fn()
            elapsed = time.perf_counter() - t0
            summary = out.summary() if hasattr(out, "summary") else ""
            print(f"{label:<34} {elapsed:7.2f} s  {elapsed / n * 1000:6.2f} ms/change  {summary}")
            return elapsed

        print(f"{n} budget changes, store {engine.url.get_backend_name()}")
        timed("dry run", lambda: apply_changes(engine, sim, rows, run_id="dry", effective_date=today, dry_run=True))
        real = timed("apply (audited)", lambda: apply_changes(engine, sim, rows, run_id="r1", effective_date=today))
        timed(
            "apply again (all already applied)",
            lambda: apply_changes(engine, sim, rows, run_id="r2", effective_date=today),
        )
        bare_sim = platform()
        changes = [
            BudgetChange(account_id=account, campaign_id=r.campaign_id, budget=r.recommended_budget)
            for r in rows.itertuples()
        ]
        bare = timed("platform writes only (no audit)", lambda: bare_sim.update_budgets(changes))
        print(f"audited apply: {(real - bare) / n * 1000:.2f} ms of store work per change")
        engine.dispose()
    if server is not None:
        server.stop()


if __name__ == "__main__":
    main()
