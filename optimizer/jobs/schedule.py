"""Run the daily job every day at a fixed local time (``spendopt schedule``).

The only module that imports APScheduler (the stable 3.11 line: a
``BlockingScheduler`` with a ``CronTrigger``); the rest of spendopt sees
``run_schedule`` and ``next_run_time`` only.

Job options, and why:

* ``coalesce=True``: runs missed while the machine slept collapse into one run
  (the job always works on "yesterday": running it three times is pointless);
* ``max_instances=1``: a run still going when the next one is due (a slow API
  day) is not started twice (the audit log would stop a double apply, but the
  pull and the fit would be wasted);
* ``misfire_grace_time``: a run missed by up to ``misfire_grace_s`` seconds
  still happens; a later wake-up waits for tomorrow instead of optimizing on
  stale data in the afternoon.

The default time, 09:30 Asia/Shanghai, is after Qianchuan's ~09:00 data
freshness for the previous day (docs/qianchuan.md 4.7, 8). A job that raises is
logged (by APScheduler and by ``on_error``) and the schedule goes on: one bad
day must not stop the next.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from connectors.clock import utc_now

__all__ = ["JOB_ID", "build_scheduler", "next_run_time", "parse_time", "run_configured", "run_schedule"]

JOB_ID = "spendopt-daily"
log = logging.getLogger(__name__)


def parse_time(at: str) -> tuple[int, int, int]:
    """``"09:30"`` or ``"09:30:15"`` -> (hour, minute, second); ``ValueError`` otherwise."""
    parts = at.strip().split(":")
    if len(parts) not in (2, 3) or not all(p.isdigit() and len(p) == 2 for p in parts):
        raise ValueError(f"time {at!r} must be HH:MM or HH:MM:SS")
    hour, minute, second = (int(p) for p in (*parts, "00")[:3])
    if hour > 23 or minute > 59 or second > 59:
        raise ValueError(f"time {at!r} is not a time of day")
    return hour, minute, second


def _trigger(at: str, timezone: str) -> Any:
    from apscheduler.triggers.cron import CronTrigger

    hour, minute, second = parse_time(at)
    return CronTrigger(hour=hour, minute=minute, second=second, timezone=ZoneInfo(timezone))


def next_run_time(at: str, timezone: str, now: dt.datetime) -> dt.datetime:
    """When the schedule fires next after ``now`` (aware), in ``timezone``.

    Follows the zone's rules (a DST zone keeps the wall-clock time).
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return _trigger(at, timezone).get_next_fire_time(None, now.astimezone(ZoneInfo(timezone)))


def build_scheduler(
    job: Callable[[], None],
    *,
    at: str = "09:30",
    timezone: str = "Asia/Shanghai",
    misfire_grace_s: int = 3600,
    scheduler: Any | None = None,
    runs: int | None = None,
    on_error: Callable[[BaseException], None] | None = None,
) -> Any:
    """A scheduler (``BlockingScheduler`` unless one is given) with the daily job added, not started.

    ``runs``: stop the scheduler after that many runs (``None`` = forever).
    """
    from apscheduler.schedulers.blocking import BlockingScheduler

    tz = ZoneInfo(timezone)
    sched = scheduler if scheduler is not None else BlockingScheduler(timezone=tz)
    done = 0

    def run_once() -> None:
        nonlocal done
        try:
            job()
        except Exception as exc:  # keep the schedule alive; the job's own report says what failed
            log.exception("the daily job failed")
            if on_error is not None:
                on_error(exc)
        finally:
            done += 1
            if runs is not None and done >= runs:
                sched.shutdown(wait=False)

    sched.add_job(
        run_once,
        trigger=_trigger(at, timezone),
        id=JOB_ID,
        name="spendopt daily job",
        coalesce=True,
        max_instances=1,
        misfire_grace_time=misfire_grace_s,
        replace_existing=True,
    )
    return sched


def run_schedule(
    job: Callable[[], None],
    *,
    at: str = "09:30",
    timezone: str = "Asia/Shanghai",
    misfire_grace_s: int = 3600,
    scheduler: Any | None = None,
    clock: Callable[[], dt.datetime] = utc_now,
    runs: int | None = None,
    on_start: Callable[[dt.datetime], None] | None = None,
    on_error: Callable[[BaseException], None] | None = None,
    stop: threading.Event | None = None,
) -> None:
    """Run ``job`` every day at ``at`` (``timezone``) until interrupted (or after ``runs`` runs).

    Blocks. ``on_start(next_run)`` is told when the first run is due (computed
    from ``clock``) so the CLI can print it. Ctrl-C stops cleanly; so does
    ``stop`` being set (SIGTERM): a run in flight finishes first.
    """
    sched = build_scheduler(
        job,
        at=at,
        timezone=timezone,
        misfire_grace_s=misfire_grace_s,
        scheduler=scheduler,
        runs=runs,
        on_error=on_error,
    )
    if on_start is not None:
        on_start(next_run_time(at, timezone, clock()))
    if stop is not None:

        def stop_when_told() -> None:
            stop.wait()
            if sched.running:
                sched.shutdown(wait=True)  # lets the run in flight finish

        threading.Thread(target=stop_when_told, name="spendopt-stop", daemon=True).start()
    try:
        sched.start()
    except (KeyboardInterrupt, SystemExit):
        if sched.running:
            sched.shutdown(wait=False)


def run_configured(job: Callable[[], None], schedule: Any, **kwargs: Any) -> None:
    """``run_schedule`` with the ``[schedule]`` settings (``optimizer.settings.ScheduleSettings``).

    Raises ``InputError`` when ``[schedule] enabled = false``.
    """
    from connectors.errors import InputError, Problem

    if not schedule.enabled:
        raise InputError(Problem("settings", "[schedule] enabled = false: the daily schedule is switched off"))
    run_schedule(job, at=schedule.time, timezone=schedule.timezone, misfire_grace_s=schedule.misfire_grace_s, **kwargs)
