"""``spendopt status --all``: every account's day in one table (the agency's morning at a glance).

One row per account the store knows (its stats, its runs, its run keys, its
alerts, and, on PostgreSQL, its jobs in the fleet's queue, so an account whose
authorization expired before it pulled anything is listed too):

    last pull        when its stats were last written, and the newest day they cover
    last run         the newest daily/optimize run that worked on it: id, effective date, status, start time
    changes          on that run's effective date: confirmed (sent), failed, still pending
    pending reviews  rows of that run flagged ``review`` that nobody has answered yet
    open alerts      alerts in state ``open``
    queue            the newest account-day job: its status and how many runs it took

Times are shown in the account's time zone (``[data] timezone``, the accounts'
calendar). Eight grouped queries, whatever the number of accounts.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from optimizer.store.alerts import AlertRow
from optimizer.store.tables import Account, ChangeLog, DailyStat, OptimizationRun, Recommendation, RunLease

__all__ = ["OVERVIEW_COLUMNS", "overview_rows", "render_overview"]

OVERVIEW_COLUMNS = (
    "account_id",
    "name",
    "timezone",
    "last_pull_at",
    "data_through",
    "last_run_id",
    "last_run_day",
    "last_run_status",
    "last_run_at",
    "changes_sent",
    "changes_failed",
    "changes_pending",
    "pending_reviews",
    "open_alerts",
    "queue_status",
    "queue_attempts",
)
_RUN_KINDS = ("daily", "optimize")


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def _last_runs(conn: Connection) -> dict[str, dict[str, Any]]:
    """The newest real (not dry) daily/optimize run per account: one it recorded, recommended in or leased."""
    runs = OptimizationRun.__table__
    rec, lease = Recommendation.__table__, RunLease.__table__
    touched = sa.union(
        sa.select(rec.c.account_id, rec.c.run_id).distinct(),
        sa.select(lease.c.account_id, lease.c.run_id),
        sa.select(runs.c.account_id, runs.c.run_id).where(runs.c.account_id.is_not(None)),
    ).subquery()
    query = (
        sa.select(touched.c.account_id, runs)
        .join(runs, runs.c.run_id == touched.c.run_id)
        .where(runs.c.kind.in_(_RUN_KINDS), runs.c.dry_run.is_(False))
    )
    newest: dict[str, dict[str, Any]] = {}
    for row in conn.execute(query).mappings():
        seen = newest.get(row["account_id"])
        if seen is None or _aware(row["started_at"]) > _aware(seen["started_at"]):  # type: ignore[operator]
            newest[row["account_id"]] = dict(row)
    return newest


def _changes(conn: Connection) -> dict[str, dict[dt.date, dict[str, int]]]:
    log = ChangeLog.__table__
    counts: dict[str, dict[dt.date, dict[str, int]]] = defaultdict(lambda: defaultdict(dict))
    query = sa.select(log.c.account_id, log.c.effective_date, log.c.state, sa.func.count()).group_by(
        log.c.account_id, log.c.effective_date, log.c.state
    )
    for account_id, day, state, n in conn.execute(query):
        counts[account_id][day][state] = n
    return counts


def _pending_reviews(conn: Connection) -> dict[tuple[str, str], int]:
    rec = Recommendation.__table__
    query = (
        sa.select(rec.c.account_id, rec.c.run_id, sa.func.count())
        .where(rec.c.decision == "review", rec.c.approved.is_(None))
        .group_by(rec.c.account_id, rec.c.run_id)
    )
    return {(a, r): n for a, r, n in conn.execute(query)}


def _grouped(conn: Connection, query: sa.Select) -> dict[str, tuple]:
    return {row[0]: tuple(row[1:]) for row in conn.execute(query)}


def _queue(engine: Engine) -> dict[str, dict[str, Any]]:
    """The newest account-day job per account (PostgreSQL with the fleet's queue only)."""
    if engine.dialect.name != "postgresql":
        return {}
    from optimizer.jobs.queue import queued_jobs

    newest: dict[str, dict[str, Any]] = {}
    for job in queued_jobs(engine):  # newest first
        newest.setdefault(job["account_id"], job)
    return newest


def overview_rows(engine: Engine, timezone: str) -> list[dict[str, Any]]:
    """One row per account (``OVERVIEW_COLUMNS``), times as aware datetimes in ``timezone``."""
    zone = ZoneInfo(timezone)
    stats, alerts = DailyStat.__table__, AlertRow.__table__
    account, lease = Account.__table__, RunLease.__table__
    with engine.connect() as conn:
        names = {a: n for a, n in conn.execute(sa.select(account.c.account_id, account.c.name))}
        pulls = _grouped(
            conn,
            sa.select(stats.c.account_id, sa.func.max(stats.c.updated_at), sa.func.max(stats.c.date)).group_by(
                stats.c.account_id
            ),
        )
        open_alerts = _grouped(
            conn,
            sa.select(alerts.c.account_id, sa.func.count())
            .where(alerts.c.state == "open")
            .group_by(alerts.c.account_id),
        )
        leased = {a for (a,) in conn.execute(sa.select(lease.c.account_id).distinct())}
        runs, changes, reviews = _last_runs(conn), _changes(conn), _pending_reviews(conn)
    jobs = _queue(engine)
    rows = []
    for account_id in sorted(set(names) | set(pulls) | set(runs) | leased | set(open_alerts) | set(jobs)):
        pulled_at, through = pulls.get(account_id, (None, None))
        run = runs.get(account_id, {})
        day = run.get("effective_date") or max(changes.get(account_id, {}) or [None], key=lambda d: d or dt.date.min)
        counts = changes.get(account_id, {}).get(day, {}) if day else {}
        job = jobs.get(account_id, {})
        rows.append(
            {
                "account_id": account_id,
                "name": names.get(account_id, ""),
                "timezone": timezone,
                "last_pull_at": _local(pulled_at, zone),
                "data_through": through,
                "last_run_id": run.get("run_id"),
                "last_run_day": run.get("effective_date"),
                "last_run_status": run.get("status"),
                "last_run_at": _local(run.get("started_at"), zone),
                "changes_sent": counts.get("confirmed", 0),
                "changes_failed": counts.get("failed", 0),
                "changes_pending": counts.get("pending", 0),
                "pending_reviews": reviews.get((account_id, run.get("run_id", "")), 0),
                "open_alerts": open_alerts.get(account_id, (0,))[0],
                "queue_status": job.get("status"),
                "queue_attempts": job.get("attempts"),
            }
        )
    return rows


def _local(value: dt.datetime | None, zone: ZoneInfo) -> dt.datetime | None:
    aware = _aware(value)
    return aware.astimezone(zone).replace(microsecond=0) if aware is not None else None


def render_overview(rows: list[dict[str, Any]], console: Any, *, timezone: str) -> None:
    """The table a person reads (``[ui] language``; times in ``timezone``)."""
    from rich.table import Table

    from optimizer.i18n import t

    if not rows:
        console.print(t("fleet.overview_empty"))
        return
    table = Table(
        *(t(f"fleet.col_{c}", timezone=timezone) for c in _SHOWN),
        title=t("fleet.overview_title", accounts=len(rows), timezone=timezone),
    )
    for r in rows:
        table.add_row(*_cells(r))
    console.print(table)
    failed = sum(1 for r in rows if r["queue_status"] == "failed" or r["last_run_status"] == "failed")
    console.print(
        t(
            "fleet.overview_totals",
            sent=sum(r["changes_sent"] for r in rows),
            pending=sum(r["changes_pending"] for r in rows),
            reviews=sum(r["pending_reviews"] for r in rows),
            alerts=sum(r["open_alerts"] for r in rows),
            failed=failed,
        )
    )


_SHOWN = ("account", "pull", "run", "changes", "reviews", "alerts", "queue")


def _cells(r: dict[str, Any]) -> list[str]:
    from optimizer.i18n import t

    def when(value: dt.datetime | None) -> str:
        return f"{value:%m-%d %H:%M}" if value is not None else "-"

    account = f"{r['account_id']} {r['name']}".strip()
    pull = f"{when(r['last_pull_at'])} ({t('fleet.through', day=r['data_through'])})" if r["data_through"] else "-"
    run = "-"
    if r["last_run_id"]:
        status = t(f"fleet.run_{r['last_run_status']}") if r["last_run_status"] in _RUN_STATES else r["last_run_status"]
        run = f"{r['last_run_day']} {status} · {when(r['last_run_at'])}"
    changes = t("fleet.changes", sent=r["changes_sent"], failed=r["changes_failed"], pending=r["changes_pending"])
    queue = "-"
    if r["queue_status"]:
        status = r["queue_status"]
        label = t(f"fleet.job_{status}") if status in _JOB_STATES else status
        runs = (r["queue_attempts"] or 0) + (status == "doing")
        queue = t("fleet.job_runs", status=label, runs=runs) if runs else label
    return [account, pull, run, changes, str(r["pending_reviews"]), str(r["open_alerts"]), queue]


_RUN_STATES = ("running", "ok", "failed")
_JOB_STATES = ("todo", "doing", "succeeded", "failed", "cancelled", "aborted", "aborting", "cancelling")
