"""``spendopt pull``: fetch every authorized account's campaigns and daily stats into the store.

For each account of a ``Connector`` (all, or the one asked for):

1. list its campaigns (current budget, bid, status);
2. read daily stats for ``[start, end]``: ``end`` is yesterday in the accounts'
   time zone, ``start`` is ``--since`` when given, else the day after the newest
   stored row minus a look-back of ``lookback_days`` (platforms restate late
   conversions for days), else ``initial_days`` before ``end``;
3. stamp the current budget / bid / status on the newest day's rows (the store
   takes a campaign's state from its newest day) and save everything in one
   transaction per account (``optimizer.store.save_stats``: upsert on
   (account, campaign, date), revisions recorded with ``seen_on``).

An account whose reads fail is reported and left untouched: a failed call
never becomes a day of zeros. Progress goes through a callback
``progress(done, total, description)``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from connectors.base import CampaignState, Connector, DailyStat
from connectors.clock import today_in
from connectors.errors import ConnectorError
from optimizer.store import save_stats

if TYPE_CHECKING:
    from optimizer.settings import Settings

__all__ = ["AccountPull", "PullSummary", "pull", "pull_from", "pull_window", "run_pull"]

Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class AccountPull:
    account_id: str
    start: dt.date
    end: dt.date
    campaigns: int
    rows: int
    inserted: int
    updated: int
    error: str | None = None


@dataclass(frozen=True)
class PullSummary:
    accounts: list[AccountPull] = field(default_factory=list)
    left_out: tuple = ()  # authorized accounts not pulled themselves, with the reason (connectors.qianchuan.discover)

    @property
    def failed(self) -> list[AccountPull]:
        return [a for a in self.accounts if a.error]

    @property
    def rows(self) -> int:
        return sum(a.rows for a in self.accounts)


def _last_stored(engine: Engine, account_id: str) -> dt.date | None:
    from optimizer.store.tables import DailyStat as StatTable

    table = StatTable.__table__
    with engine.connect() as conn:
        value = conn.execute(sa.select(sa.func.max(table.c.date)).where(table.c.account_id == account_id)).scalar()
    if value is None:
        return None
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


def pull_window(
    last_stored: dt.date | None, end: dt.date, *, since: dt.date | None, lookback_days: int, initial_days: int
) -> tuple[dt.date, dt.date]:
    """The date range one pull reads for one account."""
    if since is not None:
        return min(since, end), end
    if last_stored is None:
        return end - dt.timedelta(days=initial_days - 1), end
    return min(last_stored + dt.timedelta(days=1), end - dt.timedelta(days=max(lookback_days, 1) - 1)), end


def _frame(rows: list[DailyStat], states: dict[str, CampaignState], end: dt.date):
    import pandas as pd

    records = []
    for row in rows:
        rec = row.model_dump()
        state = states.get(row.campaign_id)
        if state is not None and row.date == end:
            rec.update(budget=state.budget, bid_type=state.bid_type, bid=state.bid, status=state.status)
            rec["campaign_name"] = rec["campaign_name"] or state.name
            rec["channel"] = rec["channel"] or state.channel
        records.append(rec)
    frame = pd.DataFrame.from_records(records)
    for col in ("spend", "gmv", "budget", "bid"):
        frame[col] = [None if v is None else float(v) for v in frame[col]]
    for col in ("impressions", "clicks"):
        frame[col] = frame[col].astype("Int64")
    return frame


def pull(
    connector: Connector,
    engine: Engine,
    *,
    accounts: Sequence[str] | None = None,
    since: dt.date | None = None,
    end: dt.date | None = None,
    today: dt.date | None = None,
    lookback_days: int = 7,
    initial_days: int = 30,
    gmv_basis: str = "direct_pay",
    timezone: str = "Asia/Shanghai",
    progress: Progress | None = None,
    workers: int = 1,
) -> PullSummary:
    """Pull campaigns and daily stats of ``accounts`` (default: all the connector lists).

    ``workers`` > 1 reads that many accounts at once (the connector must be
    thread-safe, as the Qianchuan one is); saving stays in this thread."""
    today = today or today_in(timezone)
    end = end or today - dt.timedelta(days=1)
    ids = list(accounts) if accounts else [a.account_id for a in connector.list_accounts()]
    windows = {
        a: pull_window(
            _last_stored(engine, a), end, since=since, lookback_days=lookback_days, initial_days=initial_days
        )
        for a in ids
    }

    def fetch(account_id: str):
        start, stop = windows[account_id]
        try:
            states = {s.campaign_id: s for s in connector.list_campaigns(account_id)}
            return states, list(connector.daily_stats(account_id, start, stop)), None
        except ConnectorError as exc:
            return {}, [], exc

    out: list[AccountPull] = []
    if progress:
        progress(0, len(ids), "reading")
    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="pull") as pool:
        # accounts are read ``workers`` at a time; each is saved as soon as it is complete
        for n, (account_id, job) in enumerate([(a, pool.submit(fetch, a)) for a in ids]):
            states, rows, error = job.result()
            start, stop = windows[account_id]
            if progress:
                progress(n, len(ids), f"account {account_id}")
            if error is not None:
                out.append(AccountPull(account_id, start, stop, 0, 0, 0, 0, error=str(error)))
                continue
            out.append(_save(engine, connector.name, account_id, states, rows, start, stop, today, gmv_basis))
    if progress:
        progress(len(ids), len(ids), "done")
    return PullSummary(out, left_out=() if accounts else tuple(getattr(connector, "left_out", ())))


def _save(engine, source_name, account_id, states, rows, start, stop, today, gmv_basis) -> AccountPull:
    inserted = updated = 0
    if rows:
        summary = save_stats(
            engine,
            _frame(rows, states, stop),
            source=f"{source_name} pull {start}..{stop}",
            seen_on=today,
            gmv_basis=gmv_basis,
            platform=source_name,
        )
        inserted, updated = summary.inserted, summary.updated
    return AccountPull(account_id, start, stop, len(states), len(rows), inserted, updated)


def pull_from(
    settings: Settings,
    connector: Connector,
    engine: Engine,
    *,
    accounts: Sequence[str] | None = None,
    since: dt.date | None = None,
    today: dt.date | None = None,
    progress: Progress | None = None,
    workers: int = 1,
) -> PullSummary:
    """``pull`` wired from settings, the one wiring of ``spendopt pull`` and the daily job.

    The look-back is what the connector restates (``restates_days``: Qianchuan's
    ``[qianchuan] lookback_days``, the simulated account's maturing days); the
    GMV basis stored is the one the connector delivers (``gmv_basis``, else
    ``[data] gmv_basis``); a new account reads ``[job] history_days``.
    """
    return pull(
        connector,
        engine,
        accounts=accounts,
        since=since,
        today=today,
        lookback_days=getattr(connector, "restates_days", settings.qianchuan.lookback_days),
        initial_days=settings.job.history_days,
        gmv_basis=getattr(connector, "gmv_basis", settings.data.gmv_basis),
        timezone=settings.data.timezone,
        progress=progress,
        workers=workers,
    )


def run_pull(
    settings: Settings,
    *,
    account: str | None = None,
    since: dt.date | None = None,
    engine: Engine | None = None,
    progress: Progress | None = None,
) -> PullSummary:
    """What ``spendopt pull`` calls: the connector ``[job] connector`` names (the command sets it:
    Qianchuan unless told otherwise), into the store."""
    from optimizer.jobs.connect import open_connector
    from optimizer.settings import default_database_url
    from optimizer.store import open_store

    engine = engine or open_store(settings.database_url or default_database_url())
    with open_connector(settings, engine=engine, accounts=[account] if account else ()) as (connector, today, _):
        return pull_from(
            settings,
            connector,
            engine,
            accounts=[account] if account else None,
            since=since,
            today=today,
            progress=progress,
            workers=3,
        )
