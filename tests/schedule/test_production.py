"""Production scheduling: late data is retried with back-off, then run or reported; a failed run is
told; SIGTERM during apply lets the call in flight finish and leaves no pending change."""

from __future__ import annotations

import datetime as dt
import os
import signal
import threading
import time
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from pydantic import SecretStr

from connectors.sim import SimulatedPlatform
from optimizer.jobs.daily import run_daily
from optimizer.jobs.production import StopFlag, run_once, stop_on_signals, systemd_unit
from optimizer.notify import Notifier, WebhookBot
from optimizer.settings import load_settings
from optimizer.store import list_alerts, open_store
from tests.notify.receivers import FakeClock, Receivers


class LatePlatform(SimulatedPlatform):
    """A simulated account whose report for yesterday stays empty for the first ``late_reads`` reads."""

    late_reads = 0

    def daily_stats(self, account_id, start, end):
        yesterday = self.today - dt.timedelta(days=1)
        if start <= yesterday <= end and self.late_reads > 0:
            self.late_reads -= 1
            return iter([r for r in super().daily_stats(account_id, start, end) if r.date != yesterday])
        return super().daily_stats(account_id, start, end)


class SlowWrites(SimulatedPlatform):
    """Budget writes take a while; ``in_flight`` is set while one is being answered; ``calls`` counts writes."""

    in_flight: threading.Event
    calls = 0

    def update_budgets(self, changes, **kw):
        self.calls += 1
        self.in_flight.set()
        time.sleep(0.5)
        return super().update_budgets(changes, **kw)

    def update_bids(self, changes, **kw):
        self.calls += 1
        return super().update_bids(changes, **kw)

    def update_status(self, changes, **kw):
        self.calls += 1
        return super().update_status(changes, **kw)


class Clock:
    def __init__(self, start: dt.datetime) -> None:
        self.now, self.slept = start, 0.0

    def __call__(self) -> dt.datetime:
        return self.now

    def sleep(self, s: float) -> None:
        self.now += dt.timedelta(seconds=s)
        self.slept += s


@pytest.fixture
def sqlite_engine(tmp_path):
    engine = open_store(f"sqlite:///{tmp_path / 'prod.db'}")
    yield engine
    engine.dispose()


def morning(platform) -> Clock:
    return Clock(dt.datetime.combine(platform.today, dt.time(9, 30), tzinfo=ZoneInfo("Asia/Shanghai")))


def daily(platform, tmp_path):
    return lambda settings, engine, stop=None: [
        run_daily(settings, platform, engine, today=platform.today, out_dir=tmp_path, report=False, stop=stop)
    ]


def test_late_data_is_retried_with_back_off_then_the_day_runs(sqlite_engine, tmp_path, isolated_home):
    platform = LatePlatform.from_scenario("demo", seed=2)
    platform.late_reads = 3
    clock = morning(platform)
    outcome = run_once(
        load_settings(),
        sqlite_engine,
        connector=platform,
        job=daily(platform, tmp_path),
        clock=clock,
        sleep=clock.sleep,
    )
    assert outcome.outcome == "ok" and outcome.attempts == 4
    assert clock.slept == 300 + 600 + 1200  # the wait doubles
    assert outcome.results[0].ok and list_alerts(sqlite_engine) == []


def test_data_still_late_at_the_deadline_is_reported_and_nothing_runs(sqlite_engine, tmp_path, isolated_home):
    platform = LatePlatform.from_scenario("demo", seed=2)
    platform.late_reads = 10_000
    clock = morning(platform)
    fake = FakeClock(clock.now.timestamp())
    rx = Receivers(fake, {"webhook": "k"}).start()
    ran = []
    try:
        bot = WebhookBot(url=SecretStr(rx.url("webhook")), secret=SecretStr("k"))
        with Notifier([bot], clock=fake.time, sleep=fake.sleep) as notifier:
            outcome = run_once(
                load_settings(),
                sqlite_engine,
                notifier=notifier,
                connector=platform,
                job=lambda *a, **k: ran.append(a),
                clock=clock,
                sleep=clock.sleep,
            )
    finally:
        rx.stop()
    assert outcome.outcome == "late" and not ran
    assert clock.now <= dt.datetime.combine(platform.today, dt.time(12), tzinfo=ZoneInfo("Asia/Shanghai"))
    (alert,) = list_alerts(sqlite_engine)
    assert alert.kind == "run_late" and alert.notified_at is not None
    (arrival,) = rx.of("webhook")
    assert arrival.body["notices"][0]["title"].startswith("昨日数据迟迟未就绪")


def test_a_failed_run_is_told(sqlite_engine, tmp_path, isolated_home):
    platform = SimulatedPlatform.from_scenario("demo", seed=2)
    clock = morning(platform)

    def broken(settings, engine, stop=None):
        raise RuntimeError("database is locked")

    outcome = run_once(load_settings(), sqlite_engine, connector=platform, job=broken, clock=clock, sleep=clock.sleep)
    assert outcome.outcome == "failed"
    (alert,) = list_alerts(sqlite_engine)
    assert alert.kind == "run_failed" and "database is locked" in alert.evidence["message"]


def test_a_stop_while_waiting_ends_the_wait_without_running(sqlite_engine, tmp_path, isolated_home):
    platform = LatePlatform.from_scenario("demo", seed=2)
    platform.late_reads = 10_000
    clock = morning(platform)
    stop = StopFlag()
    stop.set()
    outcome = run_once(
        load_settings(),
        sqlite_engine,
        connector=platform,
        job=daily(platform, tmp_path),
        stop=stop,
        clock=clock,
        sleep=clock.sleep,
    )
    assert outcome.outcome == "stopped" and list_alerts(sqlite_engine) == []


def test_sigterm_during_apply_finishes_the_call_in_flight_and_leaves_no_pending_change(
    sqlite_engine, tmp_path, isolated_home
):
    platform = SlowWrites.from_scenario("demo", seed=2)
    platform.in_flight = threading.Event()
    stop = StopFlag()
    previous = signal.getsignal(signal.SIGTERM)
    stop_on_signals(stop, (signal.SIGTERM,))
    box = {}
    clock = morning(platform)
    job = daily(platform, tmp_path)
    try:
        worker = threading.Thread(
            target=lambda: box.update(
                out=run_once(
                    load_settings(),
                    sqlite_engine,
                    connector=platform,
                    job=job,
                    stop=stop,
                    clock=clock,
                    sleep=clock.sleep,
                )
            )
        )
        worker.start()
        assert platform.in_flight.wait(120), "the run never sent a budget change"
        os.kill(os.getpid(), signal.SIGTERM)  # the process is not killed: the flag is set
        worker.join(120)
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert stop.is_set() and box["out"].outcome == "ok"
    with sqlite_engine.connect() as conn:
        states = dict(conn.execute(sa.text("SELECT state, count(*) FROM change_log GROUP BY state")).all())
    assert states.get("pending", 0) == 0 and states.get("confirmed", 0) > 0, states
    assert platform.calls == 1  # the call in flight finished and was settled; no call was sent after SIGTERM
    items = box["out"].results[0].accounts[0].applied.items
    stopped = [i for i in items if "SIGTERM" in i.message]
    assert stopped and all(i.outcome == "skipped" for i in stopped)
    assert {i.outcome for i in items} <= {"confirmed", "skipped"}


def test_the_systemd_unit_and_cron_line():
    text = systemd_unit("/opt/spendopt/bin/spendopt")
    assert "ExecStart=/opt/spendopt/bin/spendopt schedule --config" in text
    assert "KillSignal=SIGTERM" in text and "TimeoutStopSec=" in text
    assert "30 9 * * *" in text and "schedule --once" in text
