"""Benchmark: an agency's morning on a fleet of `spendopt worker` processes and one PostgreSQL.

    nice .venv/bin/python scripts/bench_agency.py [--accounts 200] [--plans 50] [--workers 4]
        [--concurrency 2] [--qps 50] [--account-qps 20] [--kill-at 0.3] [--platform-nice N]
    nice .venv/bin/python scripts/bench_agency.py --compare [--accounts 40] [--qps 2000]

A throwaway PostgreSQL (tests/pgserver.py) and the fake Qianchuan server
(``--accounts`` advertisers x ``--plans`` standard plans, 60 days of history,
answering 40100 above ``--qps``, in a child process of its own) run here; the workers are real
``spendopt worker`` processes pointed at both. The morning task is queued; a
worker lists the advertisers and defers one job per account-day; the workers
pull, fit, solve and apply. With ``--kill-at F`` one worker is SIGKILLed once
a share F of the accounts is done: its job is put back by the others after
``stalled_after_s`` and the next run takes over the run key and reconciles.

Printed: requests, elapsed time against ``requests / app QPS`` (target <= 1.2),
the busiest second the server saw (target <= app QPS) and its 40100 answers,
duplicate writes (a (plan, field) the server applied twice: target 0), pending
audit rows (target 0), jobs by status. ``--compare`` runs the morning with 1
worker and with ``--workers`` workers at a QPS that does not bind and prints
the time ratio.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from connectors.qianchuan.auth import exchange_auth_code  # noqa: E402
from connectors.qianchuan.fake.server import FakeServer  # noqa: E402
from connectors.qianchuan.fake.world import FakeSettings  # noqa: E402
from connectors.qianchuan.settings import QianchuanSettings  # noqa: E402
from connectors.qianchuan.tokens import TokenStore, new_key  # noqa: E402
from tests.pgserver import PostgresServer, find_bindir  # noqa: E402


@dataclass
class Morning:
    workers: int
    accounts: int
    requests: int
    elapsed_s: float
    busiest: int
    rate_limited: int
    duplicates: int
    pending: int
    jobs: dict[str, int]
    killed: bool
    fill: list[float]  # the share of the app QPS the server saw in each tenth of the morning


CONFIG = """
[job]
connector = "qianchuan"
history_days = {history}
output_dir = "{out}"
lease_s = 5

[worker]
concurrency = {concurrency}
heartbeat_s = 1
stalled_after_s = 6
retry_wait_s = 5
max_attempts = 3
report = false

[qianchuan]
base_url = "{base}"
auth_url = "{auth}"
token_file = "{tokens}"
app_qps = {qps}
account_qps = {account_qps}
burst = 1
concurrency = 4
backoff_base_s = 0.05
backoff_max_s = 1.0
"""


def _jobs(url: str) -> Counter:
    import psycopg

    from optimizer.store.ratelimit import libpq_url

    with psycopg.connect(libpq_url(url)) as conn:
        rows = conn.execute(
            "SELECT status::text, count(*) FROM procrastinate_jobs WHERE task_name = 'spendopt.account_day' GROUP BY 1"
        ).fetchall()
    return Counter(dict(rows))


def _pending(url: str) -> int:
    import psycopg

    from optimizer.store.ratelimit import libpq_url

    with psycopg.connect(libpq_url(url)) as conn:
        return conn.execute("SELECT count(*) FROM change_log WHERE state = 'pending'").fetchone()[0]


class Platform:
    """The fake Qianchuan server in a process of its own, as the real platform runs on machines of its own.

    In the bench's process it would share one GIL with the poll loop, and its stamps of when calls
    arrive would come late and bunched whenever that process waits for the CPU. The parent asks it
    for what the bench reads (``ask``); ``nice`` sets the child's niceness (root may lower it).
    """

    def __init__(self, fake: FakeSettings, *, nice: int | None = None) -> None:
        import multiprocessing as mp

        ctx = mp.get_context("fork")
        self._conn, child = ctx.Pipe()
        self._proc = ctx.Process(target=_platform_main, args=(fake, child, nice), daemon=True)
        self._proc.start()
        self.base_url, self.auth_url = self._conn.recv()

    def ask(self, what: str):
        self._conn.send(what)
        return self._conn.recv()

    def stop(self) -> None:
        if self._proc.is_alive():
            self._conn.send("stop")
            self._proc.join(timeout=10)
        if self._proc.is_alive():
            self._proc.kill()


def _platform_main(fake: FakeSettings, conn, nice: int | None) -> None:
    if nice is not None:
        os.setpriority(os.PRIO_PROCESS, 0, nice)
    with FakeServer(fake) as server:
        world = server.world
        conn.send((server.base_url, server.auth_url))
        answers = {
            "auth_code": world.issue_auth_code,
            "today": lambda: world.today,
            "calls": lambda: sum(world.calls.values()),
            "clear_times": world.call_times.clear,
            "applied": lambda: list(world.applied),
            "call_times": lambda: list(world.call_times),
            "rate_limited": lambda: world.rate_limited,
            "busiest": lambda: world.busiest_window(1.0),
        }
        while (what := conn.recv()) != "stop":
            conn.send(answers[what]())


def morning(pg: PostgresServer, args, *, workers: int, concurrency: int, qps: float, kill_at: float | None) -> Morning:
    from optimizer.jobs.queue import AgencyQueue
    from optimizer.settings import load_settings
    from optimizer.store import open_store

    fake = FakeSettings(
        seed=3,
        accounts=args.accounts,
        plans_per_account=args.plans,
        uni_plans_per_account=2,
        history_days=60,
        qps_limit=qps,
    )
    tmp = Path(tempfile.mkdtemp(prefix="bench-agency-"))
    url = pg.create_database(f"agency_{workers}_{int(time.time() * 1000) % 10**8}")
    server = Platform(fake, nice=args.platform_nice)
    try:
        key = new_key()
        client = QianchuanSettings(
            base_url=server.base_url, auth_url=server.auth_url, app_id=fake.app_id, app_secret=fake.app_secret
        )
        asyncio.run(exchange_auth_code(client, server.ask("auth_code"), TokenStore(tmp / "tokens.enc", key=key)))
        config = tmp / "spendopt.toml"
        config.write_text(
            CONFIG.format(
                history=args.history_days,
                out=tmp / "runs",
                concurrency=concurrency,
                base=server.base_url,
                auth=server.auth_url,
                tokens=tmp / "tokens.enc",
                qps=qps,
                account_qps=args.account_qps,
            )
        )
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("SPENDOPT_")},
            "SPENDOPT_DATABASE_URL": url,
            "SPENDOPT_SECRET_KEY": key,
            "SPENDOPT_QIANCHUAN_APP_ID": fake.app_id,
            "SPENDOPT_QIANCHUAN_APP_SECRET": fake.app_secret,
            "XDG_DATA_HOME": str(tmp / "data"),
        }
        os.environ.update(env)
        settings = load_settings(config)
        queue = AgencyQueue(settings, url, engine=open_store(url))
        queue.install()
        env["PYTHONPATH"] = str(ROOT)  # the workers run this tree's code, whatever .venv was installed from
        before = server.ask("calls")
        server.ask("clear_times")
        procs = [
            subprocess.Popen(
                [str(ROOT / ".venv/bin/spendopt"), "worker", "--config", str(config)],  # at the bench's niceness
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=open(tmp / f"worker{i}.log", "w"),  # noqa: SIM115 (the child keeps it)
            )
            for i in range(workers)
        ]
        t0 = time.perf_counter()
        queue.start_morning(server.ask("today"))
        try:
            killed = _run_morning(url, procs, args, kill_at, t0)
            elapsed = time.perf_counter() - t0
        finally:
            _stop(procs)
        applied = Counter((ad, field) for ad, field, _value in server.ask("applied"))
        return Morning(
            workers=workers,
            accounts=args.accounts,
            requests=server.ask("calls") - before,
            elapsed_s=elapsed,
            busiest=server.ask("busiest"),
            rate_limited=server.ask("rate_limited"),
            duplicates=sum(n - 1 for n in applied.values() if n > 1),
            pending=_pending(url),
            jobs=dict(_jobs(url)),
            killed=killed,
            fill=_fill(server.ask("call_times"), elapsed, qps),
        )
    finally:
        server.stop()


def _run_morning(url: str, procs: list[subprocess.Popen], args, kill_at: float | None, t0: float) -> bool:
    """Wait until every account-day is done, SIGKILLing the first worker at ``kill_at``; True if it was."""
    killed = False
    while True:
        time.sleep(0.5)
        jobs = _jobs(url)
        finished = jobs["succeeded"] + jobs["failed"]
        if kill_at is not None and not killed and finished >= kill_at * args.accounts:
            procs[0].send_signal(signal.SIGKILL)
            procs[0].wait()  # reaped, as its supervisor would: a zombie's pid still looks alive
            killed = True
            print(f"  SIGKILL worker 1 (pid {procs[0].pid}) at {finished} accounts done", flush=True)
        if sum(jobs.values()) >= args.accounts and finished == sum(jobs.values()):
            return killed
        if time.perf_counter() - t0 > args.timeout:
            print("  timed out", dict(jobs), flush=True)
            return killed


def _stop(procs: list[subprocess.Popen]) -> None:
    for p in procs:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    for p in procs:
        try:
            p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            p.kill()


def _fill(times: list[float], elapsed: float, qps: float, parts: int = 10) -> list[float]:
    """Calls the server saw in each tenth of the morning, as a share of what the app QPS allows."""
    if not times or elapsed <= 0:
        return []
    start = min(times)
    width = elapsed / parts
    counts = Counter(min(parts - 1, int((t - start) / width)) for t in times)
    return [counts[i] / (width * qps) for i in range(parts)]


def show(m: Morning, qps: float) -> None:
    floor = m.requests / qps
    print(f"workers: {m.workers}{' (one SIGKILLed mid-run)' if m.killed else ''}, accounts: {m.accounts}")
    print(f"  requests: {m.requests:,}; app QPS {qps:g}: requests / QPS = {floor:.1f} s")
    print(f"  elapsed: {m.elapsed_s:.1f} s = {m.elapsed_s / floor:.2f} x (requests / QPS)")
    print(f"  busiest second at the server: {m.busiest} calls (limit {qps:g}); answered 40100: {m.rate_limited}")
    print(f"  duplicate writes: {m.duplicates}; pending audit rows: {m.pending}; jobs: {m.jobs}")
    print("  share of the app QPS used, per tenth of the morning: " + " ".join(f"{f:.2f}" for f in m.fill), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=200)
    parser.add_argument("--plans", type=int, default=50, help="standard plans per advertiser")
    parser.add_argument("--history-days", type=int, default=28, help="[job] history_days")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--concurrency", type=int, default=2, help="jobs per worker process")
    parser.add_argument("--qps", type=float, default=50.0, help="the app's QPS (server limit = client limit)")
    parser.add_argument("--account-qps", type=float, default=20.0)
    parser.add_argument("--kill-at", type=float, default=0.3, help="SIGKILL one worker at this share done")
    parser.add_argument("--compare", action="store_true", help="1 worker vs --workers at a QPS that does not bind")
    parser.add_argument("--timeout", type=float, default=1800)
    parser.add_argument(
        "--platform-nice", type=int, default=None, help="niceness of the fake platform's process (default: inherited)"
    )
    args = parser.parse_args()
    bindir = find_bindir()
    if bindir is None:
        raise SystemExit("PostgreSQL binaries not found (apt-get install postgresql)")
    pg = PostgresServer(bindir).start()
    try:
        if args.compare:
            one = morning(pg, args, workers=1, concurrency=1, qps=args.qps, kill_at=None)
            show(one, args.qps)
            many = morning(pg, args, workers=args.workers, concurrency=1, qps=args.qps, kill_at=None)
            show(many, args.qps)
            print(f"time ratio {args.workers} workers / 1 worker: {many.elapsed_s / one.elapsed_s:.2f}")
        else:
            show(
                morning(
                    pg, args, workers=args.workers, concurrency=args.concurrency, qps=args.qps, kill_at=args.kill_at
                ),
                args.qps,
            )
    finally:
        pg.stop()


if __name__ == "__main__":
    main()
