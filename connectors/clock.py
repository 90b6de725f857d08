"""The one clock: instants in UTC, days in the account's time zone.

Everything that stamps a time (audit rows, runs, leases, imports) takes
``utc_now()``; everything that asks "which day is it" asks it of the accounts'
calendar, ``[data] timezone`` (Qianchuan: Asia/Shanghai), through ``today_in``,
never of the machine's local date. ``optimizer`` uses this module too (the
import direction lets it; ``connectors`` never imports ``optimizer``).
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from zoneinfo import ZoneInfo

__all__ = ["DEFAULT_TIMEZONE", "today_in", "utc_now", "zone"]

DEFAULT_TIMEZONE = "Asia/Shanghai"
"""Qianchuan's calendar: its days, reports and budget resets run on Beijing time."""


def utc_now() -> dt.datetime:
    """Now, as an aware UTC datetime."""
    return dt.datetime.now(dt.UTC)


@cache
def zone(timezone: str) -> ZoneInfo:
    """The ``ZoneInfo`` of an IANA name (cached; ``ZoneInfoNotFoundError`` if unknown)."""
    return ZoneInfo(timezone)


def today_in(timezone: str = DEFAULT_TIMEZONE, now: dt.datetime | None = None) -> dt.date:
    """The calendar day in ``timezone`` at ``now`` (default: now)."""
    return (now or utc_now()).astimezone(zone(timezone)).date()
