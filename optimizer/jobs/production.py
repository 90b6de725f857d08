"""The daily job in production: wait for yesterday's data, run once, say when it failed or was late.

``run_once`` is what ``spendopt schedule --once`` (cron) and each firing of
``spendopt schedule`` (the APScheduler loop, ``optimizer.jobs.schedule``) do::

    wait_for_data: yesterday final on every account?  (the connector's
      ``data_final(account_id, day)`` when it has one, else: it reports rows
      for yesterday) -- no: retry after [schedule] retry_s, doubling up to
      retry_max_s, until [schedule] data_deadline (local time)
    -> late: alert run_late + notify, outcome "late"
    -> run_job (pull, fit, checks, solve, apply) -> failed: alert run_failed + notify

``StopFlag`` is set by SIGTERM/SIGINT (``stop_on_signals``): a wait ends at
once (nothing was started), while a run in flight is finished, every call it
sends answered and recorded, before the process stops, so no change is left
pending. The unit and the cron line ``--print-systemd`` prints are below.
"""

from __future__ import annotations

import datetime as dt
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal
from zoneinfo import ZoneInfo

from connectors.clock import utc_now

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from connectors.base import Connector
    from optimizer.notify import Notifier
    from optimizer.settings import Settings

__all__ = [
    "Outcome",
    "RunOutcome",
    "StopFlag",
    "data_ready",
    "run_once",
    "stop_on_signals",
    "systemd_unit",
    "wait_for_data",
]

Outcome = Literal["ok", "failed", "late", "stopped"]


class StopFlag(threading.Event):
    """Set when the process was asked to stop; waits poll it."""


def stop_on_signals(flag: StopFlag, signals: tuple[int, ...] = (signal.SIGTERM, signal.SIGINT)) -> None:
    """SIGTERM / SIGINT set ``flag`` instead of killing the process mid-call (main thread only)."""
    for sig in signals:
        signal.signal(sig, lambda *_: flag.set())


@dataclass(frozen=True)
class RunOutcome:
    outcome: Outcome
    waited_s: float = 0.0
    attempts: int = 0
    message: str = ""
    results: tuple[Any, ...] = ()


def data_ready(connector: Connector, day: dt.date) -> tuple[bool, list[str]]:
    """Whether ``day``'s data is final on every account; the accounts still waiting."""
    waiting = []
    for account in connector.list_accounts():
        final = getattr(connector, "data_final", None)
        if final is not None:
            ok = bool(final(account.account_id, day))
        else:
            ok = any(True for _ in connector.daily_stats(account.account_id, day, day))
        if not ok:
            waiting.append(account.account_id)
    return not waiting, waiting


def _deadline(today: dt.date, at: str, timezone: str) -> dt.datetime:
    from optimizer.jobs.schedule import parse_time

    hour, minute, second = parse_time(at)
    return dt.datetime.combine(today, dt.time(hour, minute, second), tzinfo=ZoneInfo(timezone))


def wait_for_data(
    connector: Connector,
    settings: Settings,
    *,
    today: dt.date,
    clock: Callable[[], dt.datetime],
    sleep: Callable[[float], None],
    stop: threading.Event,
) -> RunOutcome:
    """Retry with doubling back-off until yesterday is final, the deadline passes, or ``stop``."""
    plan = settings.schedule
    deadline = _deadline(today, plan.data_deadline, plan.timezone)
    started = clock()
    delay, attempts = float(plan.retry_s), 0
    while True:
        attempts += 1
        ready, waiting = data_ready(connector, today - dt.timedelta(days=1))
        waited = (clock() - started).total_seconds()
        if ready:
            return RunOutcome("ok", waited, attempts)
        if clock() + dt.timedelta(seconds=delay) > deadline:
            return RunOutcome(
                "late", waited, attempts, f"no final data for {today - dt.timedelta(days=1)}: {', '.join(waiting)}"
            )
        left = delay
        while left > 0:
            if stop.is_set():
                return RunOutcome("stopped", waited, attempts)
            step = min(left, 1.0)
            sleep(step)
            left -= step
        delay = min(delay * 2, float(plan.retry_max_s))


def run_once(
    settings: Settings,
    engine: Engine,
    *,
    notifier: Notifier | None = None,
    stop: threading.Event | None = None,
    clock: Callable[[], dt.datetime] = utc_now,
    sleep: Callable[[float], None] = time.sleep,
    job: Callable[..., list[Any]] | None = None,
    connector: Connector | None = None,
) -> RunOutcome:
    """Wait for the data, run the daily job once, and alert + notify when it is late or fails.

    ``job(settings, engine, stop=...)`` defaults to ``run_job`` (which sends its own summary); ``connector``
    (for the readiness check) defaults to the configured one.
    """
    from optimizer.jobs.connect import open_connector
    from optimizer.jobs.daily import run_job

    stop = stop or StopFlag()
    job = job or run_job
    if connector is not None:
        today = clock().astimezone(ZoneInfo(settings.data.timezone)).date()
        waited = wait_for_data(connector, settings, today=today, clock=clock, sleep=sleep, stop=stop)
    else:
        with open_connector(settings, save=False) as (live, today, _sim):
            waited = wait_for_data(live, settings, today=today, clock=clock, sleep=sleep, stop=stop)
    if waited.outcome != "ok":
        if waited.outcome == "late":
            _tell(settings, engine, notifier, "run_late", waited.message, today, clock)
        return waited
    try:
        results = job(settings, engine, stop=stop.is_set)
    except Exception as exc:  # the run failed as a whole: tell a person, then let the schedule go on
        _tell(settings, engine, notifier, "run_failed", f"{type(exc).__name__}: {exc}"[:500], today, clock)
        return RunOutcome("failed", waited.waited_s, waited.attempts, str(exc))
    failed = [f"{a.account_id}: {a.error}" for r in results for a in r.accounts if a.error]
    if failed:  # the run's own summary (sent by the job) already says which account failed
        _tell(settings, engine, None, "run_failed", "; ".join(failed)[:500], today, clock)
        return RunOutcome("failed", waited.waited_s, waited.attempts, "; ".join(failed), tuple(results))
    return RunOutcome("ok", waited.waited_s, waited.attempts, "", tuple(results))


def _tell(
    settings: Settings,
    engine: Engine,
    notifier: Notifier | None,
    kind: str,
    message: str,
    today: dt.date,
    clock: Callable[[], dt.datetime],
) -> None:
    """Record an account-wide alert ``kind`` and send it (a failed or late run must reach a person)."""
    from optimizer.alerts import account_now
    from optimizer.jobs.watch import notify_alerts
    from optimizer.store.alerts import ACCOUNT_WIDE, Finding, record_findings

    finding = Finding(
        account_id="*",
        campaign_id=ACCOUNT_WIDE,
        kind=kind,
        severity="critical",
        evidence={"message": message},
        data_date=today - dt.timedelta(days=1),
    )
    new = record_findings(
        engine,
        [finding],
        source="schedule",
        now=account_now(today, settings.data.timezone, clock()),
        cooldown=dt.timedelta(hours=12),
    )
    if new and notifier is not None:
        notify_alerts(engine, notifier, new)


def systemd_unit(spendopt: str = "/usr/local/bin/spendopt", config: str = "/etc/spendopt/spendopt.toml") -> str:
    """A systemd service for ``spendopt schedule`` and the cron line for ``--once``, ready to paste."""
    return f"""# /etc/systemd/system/spendopt.service
[Unit]
Description=spendopt daily job (budgets and bids by marginal ROI)
After=network-online.target
Wants=network-online.target

[Service]
Type=simple
User=spendopt
EnvironmentFile=/etc/spendopt/env
ExecStart={spendopt} schedule --config {config}
Restart=on-failure
RestartSec=60
# SIGTERM lets the call in flight finish and be recorded; give a run time to end
KillSignal=SIGTERM
TimeoutStopSec=900

[Install]
WantedBy=multi-user.target

# or, instead of the service, cron (crontab -e, as the spendopt user; times in the machine's zone):
# 30 9 * * * . /etc/spendopt/env; {spendopt} schedule --once --config {config} >> /var/log/spendopt.log 2>&1
"""
