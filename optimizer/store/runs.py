"""Optimization runs and what the store holds (for ``spendopt status``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from connectors.clock import utc_now
from optimizer.store.tables import Account, Campaign, DailyStat, OptimizationRun
from optimizer.version import new_run_id

__all__ = ["AccountSummary", "StoreSummary", "finish_run", "start_run", "summarize"]


def start_run(
    engine: Engine,
    *,
    kind: str,
    config_hash: str,
    code_version: str,
    account_id: str | None = None,
    effective_date: dt.date | None = None,
    dry_run: bool = False,
    run_id: str | None = None,
    now: dt.datetime | None = None,
) -> str:
    """Record the start of a run and return its id."""
    now = now or utc_now()
    run_id = run_id or new_run_id(kind, now)
    with engine.begin() as conn:
        conn.execute(
            sa.insert(OptimizationRun.__table__).values(
                run_id=run_id,
                kind=kind,
                account_id=account_id,
                effective_date=effective_date,
                dry_run=dry_run,
                status="running",
                config_hash=config_hash,
                code_version=code_version,
                message="",
                started_at=now,
            )
        )
    return run_id


def finish_run(
    engine: Engine, run_id: str, *, status: str = "ok", message: str = "", now: dt.datetime | None = None
) -> None:
    now = now or utc_now()
    table = OptimizationRun.__table__
    with engine.begin() as conn:
        conn.execute(
            sa.update(table)
            .where(table.c.run_id == run_id)
            .values(status=status, message=message[:2000], finished_at=now)
        )


@dataclass(frozen=True)
class AccountSummary:
    account_id: str
    platform: str
    gmv_basis: str
    campaigns: int
    active: int
    rows: int
    first_date: dt.date | None
    last_date: dt.date | None
    spend: float
    gmv: float


@dataclass(frozen=True)
class StoreSummary:
    accounts: tuple[AccountSummary, ...]
    last_run: dict | None


def summarize(engine: Engine) -> StoreSummary:
    """Accounts, campaigns, date range and the last run."""
    acc, camp, stat, run = (t.__table__ for t in (Account, Campaign, DailyStat, OptimizationRun))
    with engine.connect() as conn:
        counts = {
            r.account_id: r
            for r in conn.execute(
                sa.select(
                    camp.c.account_id,
                    sa.func.count().label("campaigns"),
                    sa.func.sum(sa.case((camp.c.status != "paused", 1), else_=0)).label("active"),
                ).group_by(camp.c.account_id)
            )
        }
        stats = {
            r.account_id: r
            for r in conn.execute(
                sa.select(
                    stat.c.account_id,
                    sa.func.count().label("rows"),
                    sa.func.min(stat.c.date).label("first"),
                    sa.func.max(stat.c.date).label("last"),
                    sa.func.sum(stat.c.spend).label("spend"),
                    sa.func.sum(stat.c.gmv).label("gmv"),
                ).group_by(stat.c.account_id)
            )
        }
        accounts = []
        for a in conn.execute(sa.select(acc).order_by(acc.c.account_id)):
            c, s = counts.get(a.account_id), stats.get(a.account_id)
            accounts.append(
                AccountSummary(
                    account_id=a.account_id,
                    platform=a.platform,
                    gmv_basis=a.gmv_basis,
                    campaigns=int(c.campaigns) if c else 0,
                    active=int(c.active or 0) if c else 0,
                    rows=int(s.rows) if s else 0,
                    first_date=s.first if s else None,
                    last_date=s.last if s else None,
                    spend=float(s.spend or 0) if s else 0.0,
                    gmv=float(s.gmv or 0) if s else 0.0,
                )
            )
        last = conn.execute(sa.select(run).order_by(run.c.started_at.desc()).limit(1)).mappings().first()
    return StoreSummary(tuple(accounts), dict(last) if last else None)
