"""The fleet mode: one job per account and day on a PostgreSQL task queue (``spendopt worker``).

The only module that imports procrastinate (a PostgreSQL-only task queue:
jobs are rows, a worker takes one with ``SELECT ... FOR UPDATE SKIP LOCKED``,
LISTEN/NOTIFY wakes the idle ones; no broker). The rest of spendopt sees
``AgencyQueue``: ``install``, ``queue_day``, ``start_morning``, ``run_worker``
and ``jobs``.

::

    [schedule] time ──periodic task "morning" (deferred once per fire time, whichever worker sees it)──┐
                                                                                                       v
    list the advertisers ──> one job per advertiser and effective date ──> any worker:
        queueing_lock "day:<advertiser>:<date>"   a day is queued once (a second queueing is a no-op)
        lock          "account:<advertiser>"      one account is worked on by one worker at a time
        the job = optimizer.jobs.daily.run_daily for that one account (the single-process path's function):
            run key (claim, or a dead run's taken over) -> reconcile first -> pull -> fit -> solve -> apply

Every HTTP call of every worker takes a slot of the shared rate limits first
(``optimizer.store.ratelimit.FleetLimiter``: the app's QPS and each
advertiser's, in the database). The limit is on calls, not on job starts.

Failures stay with their account: a job that fails (an expired authorization,
platform errors after the client's own retries) is run again after
``[worker] retry_wait_s`` up to ``max_attempts`` runs in all, then it is
``failed`` and ``spendopt status --all`` shows it; the other jobs go on. A
worker that dies (SIGKILL, a lost machine) stops sending heartbeats; after
``stalled_after_s`` any live worker puts its job back in the queue, and the
job's next run takes over the dead run's key and settles its pending changes
against the platform before it decides anything (issue 11's reconcile-first
apply), so nothing is sent twice.

Why procrastinate fits this work: the jobs are small and independent (one
account-day each), bound by an external API quota rather than by the machine,
and the system already has one PostgreSQL; a queue in that database needs no
broker, its per-key ``lock`` and ``queueing_lock`` are exactly "one worker per
account" and "one job per day", and periodic tasks are deferred once per fire
time however many workers run (docs/agency.md).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import zlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from connectors.clock import today_in, utc_now, zone
from connectors.errors import InputError, Problem, SpendoptError
from optimizer.settings import Settings

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from connectors.base import Connector

__all__ = [
    "ACCOUNT_TASK",
    "AccountDayFailed",
    "AgencyQueue",
    "QueuedDay",
    "morning_cron",
    "queued_jobs",
    "require_fleet",
    "require_postgres",
]

log = logging.getLogger("spendopt.worker")

ACCOUNT_TASK = "spendopt.account_day"
MORNING_TASK = "spendopt.morning"
QUEUE = "spendopt"
WORKER_NAME = "worker"
"""procrastinate's name for a worker not given one."""
_SCHEMA_LOCK = zlib.crc32(b"spendopt:procrastinate-schema")

ConnectorFactory = Callable[[], AbstractContextManager["Connector"]]


class AccountDayFailed(SpendoptError):
    """One account-day did not finish; the queue runs it again (bounded) and reports it."""


class HeldElsewhere(SpendoptError):
    """Another live run holds the account-day's run key (e.g. one started by hand): try again later."""


@dataclass(frozen=True)
class QueuedDay:
    """What queueing one morning did."""

    day: dt.date
    queued: tuple[str, ...] = ()
    already: tuple[str, ...] = field(default=(), metadata={"doc": "accounts whose day was already in the queue"})


def require_postgres(database_url: str) -> None:
    """``InputError`` (exit 2) unless the store is PostgreSQL: a fleet shares one database."""
    if not database_url.startswith(("postgresql", "postgres://")):
        raise InputError(
            Problem(
                "database_url",
                "spendopt worker needs a PostgreSQL store that every worker shares (set SPENDOPT_DATABASE_URL or "
                "--db postgresql://...); on SQLite one process runs every account: use `spendopt schedule`",
            )
        )


def require_fleet(settings: Settings, database_url: str) -> None:
    """``InputError`` (exit 2) unless this store and config can run workers: PostgreSQL and Qianchuan."""
    require_postgres(database_url)
    if settings.job.connector != "qianchuan":
        raise InputError(
            Problem(
                "[job] connector",
                f'{settings.job.connector!r}: workers work real advertiser accounts; set connector = "qianchuan" '
                "(the simulated account is one file: `spendopt run` or `spendopt schedule`)",
            )
        )


def morning_cron(at: str, timezone: str, on: dt.date | None = None) -> str:
    """The cron line (UTC, procrastinate's clock) of ``at`` in ``timezone``: ``"30 1 * * *"`` for 09:30 Shanghai.

    The offset is the zone's on ``on`` (today): a zone with summer time needs a
    worker restart when its offset changes (Asia/Shanghai has none).
    """
    from optimizer.jobs.schedule import parse_time

    hour, minute, second = parse_time(at)
    on = on or today_in(timezone)
    local = dt.datetime.combine(on, dt.time(hour, minute, second), tzinfo=zone(timezone))
    utc = local.astimezone(dt.UTC)
    return f"{utc.minute} {utc.hour} * * * {utc.second}"


class AgencyQueue:
    """The task queue of one store: its tasks bound to ``settings`` and a connector factory.

    ``connectors``: a callable giving a connector context for one job (default:
    Qianchuan with the fleet's shared rate limits). ``out_dir``: where run folders go.
    """

    def __init__(
        self,
        settings: Settings,
        database_url: str,
        *,
        engine: Engine | None = None,
        connectors: ConnectorFactory | None = None,
        out_dir: Path | None = None,
    ) -> None:
        import procrastinate

        from optimizer.store import open_store
        from optimizer.store.ratelimit import libpq_url

        require_postgres(database_url)
        self.settings = settings
        self.database_url = database_url
        self._owns_engine = engine is None
        self.engine = engine if engine is not None else open_store(database_url)
        self._connectors = connectors or self._qianchuan
        self._out_dir = out_dir
        self.app = procrastinate.App(
            connector=procrastinate.PsycopgConnector(conninfo=libpq_url(database_url), min_size=1, max_size=4),
            periodic_defaults={"max_delay": float(settings.schedule.misfire_grace_s)},
        )
        self._register()

    def close(self) -> None:
        """Close the store this queue opened itself (one passed in stays its owner's)."""
        if self._owns_engine:
            self.engine.dispose()

    def __enter__(self) -> AgencyQueue:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- the tasks ----------------------------------------------------------

    def _register(self) -> None:
        import procrastinate

        w = self.settings.worker
        retry = procrastinate.RetryStrategy(
            max_attempts=w.max_attempts, wait=w.retry_wait_s, retry_exceptions={AccountDayFailed, HeldElsewhere}
        )

        @self.app.task(name=ACCOUNT_TASK, queue=QUEUE, retry=retry, pass_context=True)
        def account_day(context: Any, account_id: str, day: str) -> dict[str, Any]:
            return self.run_account_day(account_id, dt.date.fromisoformat(day), attempt=context.job.attempts)

        self._account_task = account_day
        schedule = self.settings.schedule

        @self.app.periodic(cron=morning_cron(schedule.time, schedule.timezone), periodic_id="morning")
        @self.app.task(name=MORNING_TASK, queue=QUEUE, queueing_lock="morning")
        async def morning(timestamp: int) -> dict[str, Any]:
            day = dt.datetime.fromtimestamp(timestamp, zone(self.settings.data.timezone)).date()
            queued = await self.queue_day_async(day)
            return {"day": day.isoformat(), "queued": len(queued.queued), "already": len(queued.already)}

        self._morning_task = morning

    def run_account_day(self, account_id: str, day: dt.date, *, attempt: int = 0) -> dict[str, Any]:
        """One account's daily job for ``day`` (what a queued job runs): ``run_daily`` on that account only."""
        from optimizer.jobs.daily import run_daily
        from optimizer.settings import default_data_dir

        out = self._out_dir or Path(self.settings.job.output_dir or default_data_dir() / "runs").expanduser()
        log.info("account %s, %s: run %d starts", account_id, day, attempt + 1)
        with self._connectors() as connector:
            result = run_daily(
                self.settings,
                connector,
                self.engine,
                today=day,
                out_dir=out,
                report=self.settings.worker.report,
                accounts=[account_id],
            )
        live = [h for h in result.held if h.state != "done"]  # the run key (issue 11) says who holds the day
        if live:
            raise HeldElsewhere(str(live[0]))
        failed = [a for a in result.accounts if a.error]
        if failed:
            raise AccountDayFailed(f"account {account_id}, {day} (run {attempt + 1}): {failed[0].error}")
        done = [a for a in result.accounts if a.account_id == account_id]
        sent = done[0].applied.count("confirmed") if done and done[0].applied is not None else 0
        log.info("account %s, %s: done by run %s, %d change(s) sent", account_id, day, result.run_id, sent)
        return {"run_id": result.run_id, "account": account_id, "day": day.isoformat(), "sent": sent}

    def _qianchuan(self) -> AbstractContextManager[Connector]:
        from connectors.qianchuan.connector import QianchuanConnector
        from optimizer.store.ratelimit import FleetLimiter

        q = self.settings.qianchuan
        limiter = FleetLimiter(self.database_url, app_qps=q.app_qps, account_qps=q.account_qps, burst=q.burst)
        return QianchuanConnector(q, timezone=self.settings.data.timezone, limiter=limiter)

    # --- queueing -----------------------------------------------------------

    def install(self) -> bool:
        """Create procrastinate's tables when the database has none (True when it did).

        Several workers starting at once take turns (an advisory lock); an
        existing queue schema is left as it is (upgrades: docs/agency.md).
        """
        import psycopg

        from optimizer.store.ratelimit import libpq_url

        with psycopg.connect(libpq_url(self.database_url), autocommit=True) as conn:
            conn.execute("SELECT pg_advisory_lock(%s)", (_SCHEMA_LOCK - 2**31,))
            try:
                found = conn.execute("SELECT to_regclass('procrastinate_jobs')").fetchone()
                if found is not None and found[0] is not None:
                    return False
                conn.execute(self.app.schema_manager.get_schema())  # no parameters: '%' is literal
                return True
            finally:
                conn.execute("SELECT pg_advisory_unlock(%s)", (_SCHEMA_LOCK - 2**31,))

    def queue_day(self, day: dt.date, accounts: Sequence[str] | None = None) -> QueuedDay:
        """Defer one job per account for ``day`` (every account the connector lists unless given)."""
        return asyncio.run(self._opened(self.queue_day_async(day, accounts)))

    async def queue_day_async(self, day: dt.date, accounts: Sequence[str] | None = None) -> QueuedDay:
        """``queue_day`` on an app already open (inside a worker)."""
        import procrastinate.exceptions

        if accounts is None:
            accounts = await asyncio.to_thread(self._list_accounts)
        queued, already = [], []
        for account_id in accounts:
            job = self._account_task.configure(
                lock=f"account:{account_id}", queueing_lock=f"day:{account_id}:{day.isoformat()}"
            )
            try:
                await job.defer_async(account_id=account_id, day=day.isoformat())
                queued.append(account_id)
            except procrastinate.exceptions.AlreadyEnqueued:
                already.append(account_id)
        log.info("queued %d account(s) for %s (%d already queued)", len(queued), day, len(already))
        return QueuedDay(day, tuple(queued), tuple(already))

    def _list_accounts(self) -> list[str]:
        with self._connectors() as connector:
            return [a.account_id for a in connector.list_accounts()]

    def start_morning(self, day: dt.date) -> bool:
        """Queue the morning task for ``day`` now (what the periodic task does at [schedule] time).

        False when that morning is already waiting in the queue."""
        import procrastinate.exceptions

        from optimizer.jobs.schedule import parse_time

        hour, minute, second = parse_time(self.settings.schedule.time)
        fire = dt.datetime.combine(day, dt.time(hour, minute, second), tzinfo=zone(self.settings.data.timezone))
        job = self._morning_task.configure(queueing_lock=f"morning:{day.isoformat()}")
        try:
            asyncio.run(self._opened(job.defer_async(timestamp=int(fire.timestamp()))))
        except procrastinate.exceptions.AlreadyEnqueued:
            return False
        return True

    async def _opened(self, work: Any) -> Any:
        async with self.app.open_async():
            return await work

    # --- running ------------------------------------------------------------

    def run_worker(self, *, concurrency: int | None = None, wait: bool = True, name: str | None = None) -> None:
        """Run a worker until stopped (SIGINT/SIGTERM finish the running jobs first), or until idle with ``wait=False``."""
        asyncio.run(self._work(concurrency or self.settings.worker.concurrency, wait, name))

    async def _work(self, concurrency: int, wait: bool, name: str | None) -> None:
        w = self.settings.worker
        async with self.app.open_async():
            watcher = asyncio.create_task(self._requeue_stalled(w.heartbeat_s, w.stalled_after_s))
            try:
                await self.app.run_worker_async(
                    queues=[QUEUE],
                    concurrency=concurrency,
                    wait=wait,
                    name=name or WORKER_NAME,
                    update_heartbeat_interval=w.heartbeat_s,
                    stalled_worker_timeout=w.stalled_after_s,
                    fetch_job_polling_interval=min(5.0, w.heartbeat_s),
                )
            finally:
                watcher.cancel()

    async def _requeue_stalled(self, every_s: float, stalled_after_s: float) -> None:
        """Put the jobs of workers silent for ``stalled_after_s`` back in the queue (any live worker does it).

        The job runs again ``[job] lease_s`` later: by then the dead worker's run
        key has expired (it renewed it at most that long before it went silent),
        so the retry takes it over and reconciles instead of finding it held.
        """
        manager = self.app.job_manager
        lease = dt.timedelta(seconds=self.settings.job.lease_s)
        while True:
            try:
                for job in await manager.get_stalled_jobs(seconds_since_heartbeat=stalled_after_s):
                    try:
                        await manager.retry_job(job, retry_at=utc_now() + lease)
                        log.warning("job %s (%s) of a dead worker is queued again", job.id, job.task_kwargs)
                    except Exception:  # another worker requeued it first
                        log.debug("job %s was requeued by another worker", job.id)
            except Exception:  # the database is away for a moment: the next round tries again
                log.exception("could not look for stalled jobs")
            await asyncio.sleep(every_s)

    # --- reading ------------------------------------------------------------

    def jobs(self, day: dt.date | None = None) -> list[dict[str, Any]]:
        """The account-day jobs (newest first): account, day, status, attempts."""
        return list(queued_jobs(self.engine, day))


def queued_jobs(engine: Engine, day: dt.date | None = None) -> Iterator[dict[str, Any]]:
    """The account-day jobs of a PostgreSQL store, newest first (none before the queue's tables exist).

    ``attempts`` counts the runs that ended; a ``doing`` job is in its run ``attempts + 1``.
    """
    import sqlalchemy as sa

    query = (
        "SELECT id, args->>'account_id' AS account_id, args->>'day' AS day, status::text AS status, attempts "
        "FROM procrastinate_jobs WHERE task_name = :task"
        + (" AND args->>'day' = :day" if day is not None else "")
        + " ORDER BY id DESC"
    )
    with engine.connect() as conn:
        if conn.execute(sa.text("SELECT to_regclass('procrastinate_jobs')")).scalar() is None:
            return
        params = {"task": ACCOUNT_TASK, **({"day": day.isoformat()} if day is not None else {})}
        for row in conn.execute(sa.text(query), params).mappings():
            yield dict(row)
