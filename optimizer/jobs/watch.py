"""``spendopt watch``: poll today's spend every N minutes and alert on pacing; change nothing.

::

    each day: fit the model on the stored history -> the day's forecast per campaign
    each poll: connector.list_campaigns (spend so far) -> PacingWatch.poll
      -> record_findings (source "watch") -> notify the new alerts

The watch reads only (``list_accounts`` and ``list_campaigns``: one call per
account per poll, far inside Qianchuan's rate limits at the default 30
minutes). The clock and the sleep are injected; ``stop`` ends the loop between
polls (SIGTERM in the CLI).
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from connectors.clock import utc_now
from optimizer.alerts.pacing import DayForecast, PacingWatch

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from connectors.base import Connector
    from optimizer.jobs.daily import DailyResult
    from optimizer.notify import Notifier
    from optimizer.settings import Settings
    from optimizer.store.alerts import Alert

__all__ = ["WatchPoll", "Watcher", "day_forecast", "fraction_of_day", "run_watch"]


def fraction_of_day(now: dt.datetime, timezone: str) -> tuple[dt.date, float]:
    """The account's calendar date and how far through it ``now`` (aware) is."""
    local = now.astimezone(ZoneInfo(timezone))
    midnight = dt.datetime.combine(local.date(), dt.time(0), tzinfo=local.tzinfo)
    return local.date(), (local - midnight).total_seconds() / 86_400


def day_forecast(
    settings: Settings, engine: Engine, connector: Connector, account_id: str, today: dt.date
) -> DayForecast:
    """Fit the account's model on its stored history; its expected spend today at the live settings."""
    import numpy as np

    from optimizer.alerts.shape import learn_shapes
    from optimizer.model.features import build_history, roster_frame
    from optimizer.model.fit import fit
    from optimizer.store import load_revisions, load_stats
    from optimizer.store.intraday import load_polls

    stats = load_stats(engine, account_id=account_id, end=today - dt.timedelta(days=1))
    if stats.empty:
        return DayForecast(today, {})
    campaigns = connector.list_campaigns(account_id)
    history = build_history(
        stats,
        settings.model,
        as_of=today,
        revisions=load_revisions(engine, account_id=account_id),
        window_days=settings.job.history_days,
        roster=roster_frame(campaigns),
    )
    model = fit(history, settings.model, effective_date=today)
    live = {c.campaign_id: c for c in campaigns}

    def live_value(cid: str, name: str, missing: float) -> float:
        value = getattr(live[cid], name) if cid in live else None
        return missing if value is None else float(value)

    budget = np.array([live_value(c, "budget", np.inf) for c in model.campaign_ids])
    bid = np.array([live_value(c, "bid", np.nan) for c in model.campaign_ids])
    bid = np.where(np.isfinite(bid), bid, np.where(np.isfinite(model.ref_bid), model.ref_bid, 1.0))
    spend = model.expected_spend(budget[:, None], bid[:, None])[:, 0]
    learning = {c for c, s in live.items() if s.status == "learning"} | {
        c for c, thin in zip(model.campaign_ids, model.thin, strict=True) if thin
    }
    shapes = learn_shapes(load_polls(engine, account_id, today))
    return DayForecast(
        today, dict(zip(model.campaign_ids, spend.tolist(), strict=True)), frozenset(learning), shapes=shapes
    )


@dataclass
class WatchPoll:
    at: dt.datetime
    fraction: float
    findings: int
    alerts: list[Alert] = field(default_factory=list)


@dataclass
class Watcher:
    """One poll at a time (the loop and the benchmark both drive it)."""

    settings: Settings
    engine: Engine
    connector: Connector
    notifier: Notifier | None = None
    _watches: dict[str, PacingWatch] = field(default_factory=dict)

    def poll(self, now: dt.datetime, today: dt.date | None = None) -> WatchPoll:
        from optimizer.alerts import account_now
        from optimizer.store.alerts import record_findings
        from optimizer.store.intraday import record_polls

        tz = self.settings.data.timezone
        date, fraction = fraction_of_day(now, tz)
        today = today or date
        new: list[Alert] = []
        found = 0
        for account in self.connector.list_accounts():
            watch = self._watches.get(account.account_id)
            first = watch is None or watch.forecast.day != today  # a new day: its forecast, and old polls go
            if watch is None or first:
                forecast = day_forecast(self.settings, self.engine, self.connector, account.account_id, today)
                watch = self._watches[account.account_id] = PacingWatch(self.settings.alerts, forecast)
            states = self.connector.list_campaigns(account.account_id)
            record_polls(
                self.engine,
                account.account_id,
                today,
                round(fraction * 24 * 60),
                {c.campaign_id: c.spend_today for c in states if c.status != "paused"},
                prune=first,
            )
            findings = watch.poll(states, fraction)
            found += len(findings)
            new += record_findings(
                self.engine,
                findings,
                source="watch",
                now=account_now(today, tz, now),
                cooldown=dt.timedelta(hours=self.settings.alerts.cooldown_hours),
                checked=[account.account_id],
            )
        if new and self.notifier is not None:
            notify_alerts(self.engine, self.notifier, new)
        return WatchPoll(now, fraction, found, new)


def notify_alerts(engine: Engine, notifier: Notifier, alerts: list[Alert], extra: list | None = None) -> None:
    """Send ``alerts`` (and ``extra`` notices first); mark the ones every bot took as notified."""
    from optimizer.alerts import notice_of
    from optimizer.store.alerts import mark_notified

    notices = [*(extra or []), *(notice_of(a, notifier.language) for a in alerts)]
    report = notifier.send(notices)
    if not report.enabled:
        return
    left = set(report.undelivered)
    mark_notified(engine, [a.id for a in alerts if f"alert-{a.id}" not in left], now=utc_now())


def notify_run(engine: Engine, notifier: Notifier, result: DailyResult) -> None:
    """After a daily run: its summary, then every open alert no bot has taken yet (this run's and older)."""
    from optimizer.alerts import summary_notice
    from optimizer.store.alerts import list_alerts

    pending = sorted(list_alerts(engine, unnotified=True), key=lambda a: a.id)
    new = [a for acc in result.accounts for a in acc.alerts]
    notify_alerts(engine, notifier, pending, extra=[summary_notice(result, new, notifier.language)])


def run_watch(
    watcher: Watcher,
    *,
    interval_s: float,
    clock: Callable[[], dt.datetime] = utc_now,
    sleep: Callable[[float], None] = time.sleep,
    stop: threading.Event | None = None,
    polls: int | None = None,
    on_poll: Callable[[WatchPoll], None] | None = None,
    today: Callable[[], dt.date] | None = None,
) -> int:
    """Poll every ``interval_s`` until ``stop`` is set (or ``polls`` polls); returns the polls made.

    ``today``: the account's date when it is not the clock's (the simulated account).
    """
    stop = stop or threading.Event()
    done = 0
    while not stop.is_set() and (polls is None or done < polls):
        result = watcher.poll(clock(), today=today() if today is not None else None)
        done += 1
        if on_poll is not None:
            on_poll(result)
        if polls is not None and done >= polls:
            break
        if stop.wait(0) or _sleep_unless(stop, interval_s, sleep):
            break
    return done


def _sleep_unless(stop: threading.Event, seconds: float, sleep: Callable[[float], None]) -> bool:
    """Sleep ``seconds`` in short steps; True when ``stop`` was set meanwhile."""
    left = seconds
    while left > 0:
        if stop.is_set():
            return True
        step = min(left, 1.0)
        sleep(step)
        left -= step
    return stop.is_set()
