"""The one place a job opens its connector: ``[job] connector`` names it (sim or qianchuan)."""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager

from optimizer.settings import Settings

__all__ = ["open_connector"]


@contextmanager
def open_connector(settings: Settings, *, real_today: dt.date | None = None, save: bool = True):
    """The connector ``[job] connector`` names, and today's date on its calendar.

    Yields ``(connector, today, sim_account)``; ``sim_account`` is the embedded
    simulated account (``None`` for Qianchuan). With ``save`` its every
    accepted write is journaled on disk as it happens and a clean exit writes a
    fresh snapshot; without (a dry run) nothing of it is written. Either way its
    lock is let go on the way out.
    """
    from zoneinfo import ZoneInfo

    from optimizer.settings import default_data_dir

    real_today = real_today or dt.datetime.now(ZoneInfo(settings.data.timezone)).date()
    if settings.job.connector == "qianchuan":
        from connectors.qianchuan.connector import QianchuanConnector

        with QianchuanConnector(settings.qianchuan, timezone=settings.data.timezone) as connector:
            yield connector, real_today, None
        return
    from connectors.sim.account import open_sim_account

    account = open_sim_account(
        default_data_dir(),
        scenario=settings.job.sim_scenario,
        seed=settings.job.sim_seed,
        today=real_today,
        persist=save,
    )
    try:
        yield account.platform, account.platform.today, account
        account.save()
    finally:
        account.close()
