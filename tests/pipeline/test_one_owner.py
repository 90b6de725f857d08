"""Two `spendopt run` and two `spendopt schedule` at once on one store: one run does the day, nothing goes twice.

Real processes on one SQLite file and on one real PostgreSQL: the embedded
simulated account, then the fake Qianchuan server over HTTP (a platform the
processes share for real, so the run key is what keeps them apart).
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from optimizer.store import open_store

SPENDOPT = [sys.executable, "-m", "optimizer.cli"]


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SPENDOPT_")}
    env.update(XDG_DATA_HOME=str(tmp_path / "data"), XDG_CONFIG_HOME=str(tmp_path / "config"), **extra)
    return env


def _config(tmp_path: Path, connector: str, seconds_ahead: int) -> Path:
    at = dt.datetime.now(ZoneInfo("Asia/Shanghai")) + dt.timedelta(seconds=seconds_ahead)
    path = tmp_path / "spendopt.toml"
    path.write_text(
        f'[ui]\nlanguage = "en"\n\n[job]\nconnector = "{connector}"\nlease_s = 30\n\n[schedule]\ntime = "{at:%H:%M:%S}"\n'
        'timezone = "Asia/Shanghai"\n\n[review]\nauto_apply_max_change_pct = 100\n',
        encoding="utf-8",
    )
    return path


def _four_processes(tmp_path: Path, url: str, config: Path, env: dict[str, str]) -> list[subprocess.CompletedProcess]:
    common = ["--db", url, "--config", str(config)]
    commands = [[*SPENDOPT, "run", *common]] * 2 + [[*SPENDOPT, "schedule", "--runs", "1", *common]] * 2
    procs = [
        subprocess.Popen(c, env=env, cwd=Path.cwd(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for c in commands
    ]
    out = []
    for proc, command in zip(procs, commands, strict=True):
        stdout, stderr = proc.communicate(timeout=400)
        out.append(subprocess.CompletedProcess(command, proc.returncode, stdout, stderr))
    return out


def _one_run_did_the_day(url: str, done: list[subprocess.CompletedProcess]) -> str:
    for proc in done:
        assert proc.returncode == 0, proc.stdout + proc.stderr
    engine = open_store(url)
    with engine.connect() as conn:
        writers = conn.execute(sa.text("SELECT DISTINCT run_id FROM change_log")).scalars().all()
        leases = conn.execute(sa.text("SELECT run_id, state FROM run_lease")).all()
        runs = conn.execute(sa.text("SELECT run_id FROM optimization_run WHERE kind = 'daily'")).scalars().all()
        saved = conn.execute(sa.text("SELECT DISTINCT run_id FROM recommendation")).scalars().all()
    engine.dispose()
    assert len(runs) == 4, runs
    assert len(leases) == 1 and leases[0].state == "done"
    owner = leases[0].run_id
    assert writers == [owner] and saved == [owner], ("only the owner decides and sends", [p.stdout for p in done])
    told = [p.stdout for p in done if owner not in p.stdout.split("\n")[0]]
    assert len(told) == 3 and all(owner in text and "nothing to do" in text for text in told), told
    return owner


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_two_runs_and_two_schedules_on_the_simulated_account(backend, tmp_path, request):
    url = f"sqlite:///{tmp_path / 'store.db'}" if backend == "sqlite" else request.getfixturevalue("postgres_url")
    done = _four_processes(tmp_path, url, _config(tmp_path, "sim", 10), _env(tmp_path))
    _one_run_did_the_day(url, done)
    from connectors.sim.account import open_sim_account

    engine = open_store(url)
    with engine.connect() as conn:
        logged = conn.execute(sa.text("SELECT count(*) FROM change_log")).scalar()
    engine.dispose()
    account = open_sim_account(tmp_path / "data" / "spendopt", today=dt.datetime.now(ZoneInfo("Asia/Shanghai")).date())
    try:
        assert account.platform._requests == logged > 0, "every write item the platform saw is one audit row"
    finally:
        account.close()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_two_runs_and_two_schedules_over_http_send_nothing_twice(backend, tmp_path, request):
    from connectors.qianchuan.fake.server import FakeServer
    from connectors.qianchuan.fake.world import FakeSettings
    from connectors.qianchuan.tokens import new_key
    from tests.qianchuan.helpers import client_settings

    url = f"sqlite:///{tmp_path / 'store.db'}" if backend == "sqlite" else request.getfixturevalue("postgres_url")
    fake = FakeSettings(seed=5, accounts=1, plans_per_account=12, uni_plans_per_account=1, latency_s=0.01)
    with FakeServer(fake) as server:
        key = new_key()
        settings = client_settings(server)
        from connectors.qianchuan.tokens import TokenStore

        store = TokenStore(tmp_path / "data" / "spendopt" / "qianchuan-tokens.enc", key=key)
        authorize_into(server, settings, store)
        env = _env(
            tmp_path,
            SPENDOPT_QIANCHUAN__BASE_URL=server.base_url,
            SPENDOPT_QIANCHUAN__AUTH_URL=server.auth_url,
            SPENDOPT_QIANCHUAN_APP_ID=fake.app_id,
            SPENDOPT_QIANCHUAN_APP_SECRET=fake.app_secret,
            SPENDOPT_SECRET_KEY=key,
        )
        done = _four_processes(tmp_path, url, _config(tmp_path, "qianchuan", 12), env)
        received = Counter((ad, field) for ad, field, _ in server.world.received)
    _one_run_did_the_day(url, done)
    assert received and max(received.values()) == 1, [k for k, n in received.items() if n > 1]


def authorize_into(server, settings, store) -> None:
    import asyncio

    from connectors.qianchuan.auth import exchange_auth_code

    asyncio.run(exchange_auth_code(settings, server.world.issue_auth_code(), store))
