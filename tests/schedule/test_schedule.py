"""The daily schedule: fires at the configured local time, once, and survives a failing day."""

from __future__ import annotations

import datetime as dt
import math
import time
from zoneinfo import ZoneInfo

import pytest

from connectors.errors import InputError
from optimizer.jobs.schedule import JOB_ID, build_scheduler, next_run_time, parse_time, run_configured, run_schedule
from optimizer.settings import Settings

SHANGHAI = ZoneInfo("Asia/Shanghai")
UTC = dt.UTC


@pytest.mark.parametrize(
    ("now_utc", "expected_utc"),
    [
        (dt.datetime(2026, 11, 24, 1, 0, tzinfo=UTC), dt.datetime(2026, 11, 24, 1, 30, tzinfo=UTC)),  # 09:00 local
        (dt.datetime(2026, 11, 24, 1, 30, 1, tzinfo=UTC), dt.datetime(2026, 11, 25, 1, 30, tzinfo=UTC)),  # just fired
        (dt.datetime(2026, 11, 24, 17, 0, tzinfo=UTC), dt.datetime(2026, 11, 25, 1, 30, tzinfo=UTC)),  # 01:00 local
    ],
)
def test_the_default_run_is_at_0930_shanghai_time(now_utc, expected_utc):
    due = next_run_time("09:30", "Asia/Shanghai", now_utc)
    assert due == expected_utc
    assert (due.astimezone(SHANGHAI).hour, due.astimezone(SHANGHAI).minute) == (9, 30)


def test_a_daylight_saving_zone_keeps_the_wall_clock_time():
    before = next_run_time("09:30", "Europe/Berlin", dt.datetime(2026, 3, 27, 12, 0, tzinfo=UTC))  # CET
    after = next_run_time("09:30", "Europe/Berlin", dt.datetime(2026, 3, 28, 12, 0, tzinfo=UTC))  # CEST from 03-29
    assert before.astimezone(UTC).hour == 8 and after.astimezone(UTC).hour == 7


@pytest.mark.parametrize("bad", ["9:30", "24:00", "09:60", "0930", "09:30:61", ""])
def test_a_malformed_time_is_refused(bad):
    with pytest.raises(ValueError):
        parse_time(bad)


def test_the_job_runs_coalesced_one_at_a_time_with_a_misfire_grace():
    sched = build_scheduler(lambda: None, at="09:30", timezone="Asia/Shanghai", misfire_grace_s=1800)
    (job,) = sched.get_jobs()
    assert job.id == JOB_ID
    assert (job.coalesce, job.max_instances, job.misfire_grace_time) == (True, 1, 1800)
    fields = {f.name: str(f) for f in job.trigger.fields}
    assert (fields["hour"], fields["minute"], fields["second"]) == ("9", "30", "0")
    assert str(job.trigger.timezone) == "Asia/Shanghai"


@pytest.mark.timeout(20)
def test_the_scheduler_fires_the_job_at_the_configured_time():
    now = dt.datetime.now(SHANGHAI)
    target = now.replace(microsecond=0) + dt.timedelta(seconds=math.floor(now.microsecond / 1e6 + 1.2))
    fired: list[dt.datetime] = []
    announced: list[dt.datetime] = []

    started = time.monotonic()
    run_schedule(
        lambda: fired.append(dt.datetime.now(SHANGHAI)),
        at=target.strftime("%H:%M:%S"),
        timezone="Asia/Shanghai",
        runs=1,
        on_start=announced.append,
    )

    assert len(fired) == 1
    assert target <= fired[0] < target + dt.timedelta(seconds=1)
    assert announced == [target]
    assert time.monotonic() - started < 3


@pytest.mark.timeout(20)
def test_a_failing_job_is_reported_and_does_not_crash_the_scheduler(caplog):
    now = dt.datetime.now(SHANGHAI)
    target = now.replace(microsecond=0) + dt.timedelta(seconds=math.floor(now.microsecond / 1e6 + 1.2))
    errors: list[BaseException] = []

    def job():
        raise RuntimeError("Qianchuan is down")

    run_schedule(job, at=target.strftime("%H:%M:%S"), timezone="Asia/Shanghai", runs=1, on_error=errors.append)
    assert [str(e) for e in errors] == ["Qianchuan is down"]
    assert "the daily job failed" in caplog.text


def test_the_first_run_is_announced_from_the_injected_clock():
    from apscheduler.schedulers.background import BackgroundScheduler

    sched = BackgroundScheduler(timezone=SHANGHAI)
    announced: list[dt.datetime] = []
    fake_now = dt.datetime(2026, 11, 24, 10, 0, tzinfo=SHANGHAI)
    try:
        run_configured(
            lambda: None, Settings().schedule, scheduler=sched, clock=lambda: fake_now, on_start=announced.append
        )
        assert announced == [dt.datetime(2026, 11, 25, 9, 30, tzinfo=SHANGHAI)]
        assert sched.get_job(JOB_ID) is not None
    finally:
        sched.shutdown(wait=False)


def test_a_disabled_schedule_refuses_to_start():
    with pytest.raises(InputError, match=r"\[schedule\] enabled = false"):
        run_configured(lambda: None, Settings(schedule={"enabled": False}).schedule)


def test_schedule_settings_validate_time_and_zone():
    assert Settings(schedule={"time": "07:45", "timezone": "Asia/Tokyo"}).schedule.time == "07:45"
    for bad in ({"time": "7:45"}, {"timezone": "Mars/Base"}, {"misfire_grace_s": 0}):
        with pytest.raises(ValueError):
            Settings(schedule=bad)
