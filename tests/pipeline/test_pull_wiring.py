"""One pull wiring for ``spendopt pull`` and the daily job: look-back from the connector, new accounts from settings."""

from __future__ import annotations

import datetime as dt

from connectors.sim.platform import SimulatedPlatform
from optimizer.jobs.pull import pull_from
from optimizer.settings import load_settings


def test_the_look_back_is_what_the_connector_restates_not_the_qianchuan_setting(engine, isolated_home):
    settings = load_settings()
    platform = SimulatedPlatform.from_scenario("slow_attribution", seed=2)
    maturing = sum(1 for share in platform.scenario.maturity if share < 1)
    assert maturing != settings.qianchuan.lookback_days  # the case the old wiring got wrong

    first = pull_from(settings, platform, engine, today=platform.today)
    (new,) = first.accounts
    assert new.error is None
    assert new.start == new.end - dt.timedelta(days=settings.job.history_days - 1)  # a new account

    platform.advance_day()
    again = pull_from(settings, platform, engine, today=platform.today)
    (known,) = again.accounts
    assert known.end == new.end + dt.timedelta(days=1)
    assert known.start == known.end - dt.timedelta(days=maturing - 1)  # every day still maturing is re-read
    assert known.updated > 0  # and the late conversions of those days came in
