"""A fleet on one machine for the tests: the fake Qianchuan server, a throwaway PostgreSQL, workers.

``fleet_site`` starts the fake server (in this process, so a test can watch what
it answered and acted on), authorizes the app, writes a config pointing at both
and gives the environment a ``spendopt worker`` subprocess needs. Workers are
real processes (``start_worker``); ``jobs`` and ``wait_for`` read the queue.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from connectors.qianchuan.auth import exchange_auth_code
from connectors.qianchuan.fake.server import FakeServer
from connectors.qianchuan.fake.world import FakeSettings
from connectors.qianchuan.settings import QianchuanSettings
from connectors.qianchuan.tokens import TokenStore, new_key

CONFIG = """
[job]
connector = "qianchuan"
history_days = 28
output_dir = "{out}"
lease_s = {lease_s}

[review]
auto_apply_max_change_pct = 60

[worker]
concurrency = 1
heartbeat_s = 0.5
stalled_after_s = 1.5
retry_wait_s = {lease_s}
max_attempts = 3
report = false

[qianchuan]
base_url = "{base}"
auth_url = "{auth}"
token_file = "{tokens}"
app_qps = 500
account_qps = 500
burst = 20
backoff_base_s = 0.01
backoff_max_s = 0.1
"""


@dataclass
class Site:
    server: FakeServer
    url: str
    config: Path
    env: dict[str, str]
    folder: Path
    queues: list[Any] = field(default_factory=list)

    @property
    def world(self) -> Any:
        return self.server.world

    def settings(self):
        from optimizer.settings import load_settings

        return load_settings(self.config)

    def queue(self):
        from optimizer.jobs.queue import AgencyQueue

        queue = AgencyQueue(self.settings(), self.url)
        self.queues.append(queue)  # closed when the site ends
        queue.install()
        return queue

    def advertisers(self) -> list[str]:
        return sorted(str(a) for a in self.world.advertisers)

    def slow_down(self, **changes: float) -> None:
        """Change the fake platform's latency while it runs (its settings are read per call)."""
        self.world.settings = self.world.settings.model_copy(update=changes)


@contextmanager
def fleet_site(folder: Path, url: str, fake: FakeSettings, *, lease_s: int = 5) -> Iterator[Site]:
    with FakeServer(fake) as server:
        key = new_key()
        client = QianchuanSettings(
            base_url=server.base_url, auth_url=server.auth_url, app_id=fake.app_id, app_secret=fake.app_secret
        )
        tokens = folder / "tokens.enc"
        asyncio.run(exchange_auth_code(client, server.world.issue_auth_code(), TokenStore(tokens, key=key)))
        config = folder / "spendopt.toml"
        config.write_text(
            CONFIG.format(
                out=folder / "runs", lease_s=lease_s, base=server.base_url, auth=server.auth_url, tokens=tokens
            )
        )
        env = {
            "SPENDOPT_DATABASE_URL": url,
            "SPENDOPT_SECRET_KEY": key,
            "SPENDOPT_QIANCHUAN_APP_ID": fake.app_id,
            "SPENDOPT_QIANCHUAN_APP_SECRET": fake.app_secret,
        }
        saved = {k: os.environ.get(k) for k in env}
        os.environ.update(env)  # the in-process queue reads the same settings as the workers
        site = Site(server, url, config, {**os.environ, **env}, folder)
        try:
            yield site
        finally:
            for queue in site.queues:
                queue.close()
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v


def start_worker(site: Site, name: str) -> subprocess.Popen:
    """A real ``spendopt worker`` process (its log in the site's folder)."""
    with (site.folder / f"{name}.log").open("w") as log:  # the child keeps its own descriptor
        return subprocess.Popen(
            [sys.executable, "-m", "optimizer.cli", "worker", "--config", str(site.config)],
            env=site.env,
            stdout=subprocess.DEVNULL,
            stderr=log,
        )


def jobs(url: str) -> list[dict[str, Any]]:
    """The account-day jobs, oldest first: id, account_id, day, status, attempts, worker_id."""
    import psycopg
    from psycopg.rows import dict_row

    from optimizer.store.ratelimit import libpq_url

    with psycopg.connect(libpq_url(url), row_factory=dict_row) as conn:
        return conn.execute(
            "SELECT id, args->>'account_id' AS account_id, args->>'day' AS day, status::text AS status, attempts, "
            "worker_id FROM procrastinate_jobs WHERE task_name = 'spendopt.account_day' ORDER BY id"
        ).fetchall()


def wait_for(check: Callable[[], Any], timeout_s: float, what: str, every_s: float = 0.05) -> Any:
    """Poll ``check`` until it returns something true; fail the test after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(every_s)
    raise AssertionError(f"timed out after {timeout_s:g} s waiting for {what}")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
